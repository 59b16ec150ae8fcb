package adapters_test

import (
	"strings"
	"testing"

	"github.com/logcrest/logcrest/adapters"
)

func TestValidRequestID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"order-7f3a.b:c_d", true},
		{"0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz", true},
		{"2b7e1516-28ae-d2a6-abf7-158809cf4f3c", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{strings.Repeat("x", 200), false},
		{"has space", false},
		{" leading", false},
		{"trailing ", false},
		{"tab\there", false},
		{"<script>alert(1)</script>", false},
		{"a;b", false},
		{"a,b", false},
		{"a/b", false},
		{`quote"d`, false},
		{"new\nline", false},
		{"cr\rlf", false},
		{"nul\x00", false},
		{"ordér", false},
		{"\xff", false},
		{"a=b", false},
		{"a%20b", false},
	} {
		if got := adapters.ValidRequestID(tc.id); got != tc.want {
			t.Errorf("ValidRequestID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func FuzzValidRequestID(f *testing.F) {
	for _, s := range []string{"a", "req-1", strings.Repeat("z", 64), strings.Repeat("z", 65), "a b", "<", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		want := len(id) >= 1 && len(id) <= 64
		for _, c := range []byte(id) {
			if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-", rune(c)) {
				want = false
			}
		}
		if got := adapters.ValidRequestID(id); got != want {
			t.Errorf("ValidRequestID(%q) = %v, want %v", id, got, want)
		}
	})
}

func BenchmarkValidRequestID(b *testing.B) {
	id := "order-7f3a.b:c_d-2b7e1516-28ae-d2a6-abf7-158809cf4f3c"
	b.ReportAllocs()
	for b.Loop() {
		if !adapters.ValidRequestID(id) {
			b.Fatal("rejected")
		}
	}
}
