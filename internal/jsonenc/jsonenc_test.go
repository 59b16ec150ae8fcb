package jsonenc

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/rs/zerolog"
)

// zerologString is how zerolog writes s as a field value.
func zerologString(s string) []byte {
	var buf bytes.Buffer
	l := zerolog.New(&buf)
	l.Log().Str("k", s).Msg("")
	out := buf.Bytes()
	// {"k":<value>}\n
	return out[len(`{"k":`) : len(out)-2]
}

var cases = []string{
	"", "plain", `quote " and \ backslash`, "line\nbreak\r\ttab\b\f",
	"\x00\x01\x1f\x7f", "é ü 日本 🙂", "bad \xff utf8 \xc3", "\u2028\u2029", "<script>alert(1)</script>",
}

func TestStringMatchesZerolog(t *testing.T) {
	for _, s := range cases {
		if got, want := String(nil, s), zerologString(s); !bytes.Equal(got, want) {
			t.Errorf("String(%q) = %s, zerolog writes %s", s, got, want)
		}
	}
}

func TestKey(t *testing.T) {
	for key, want := range map[string]string{"b": `{"a":1,"b":`, "b\"c": `{"a":1,"b\"c":`, "é\n": `{"a":1,"é\n":`} {
		if got := string(Key([]byte(`{"a":1`), key)); got != want {
			t.Errorf("Key(%q) = %s, want %s", key, got, want)
		}
	}
}

// FuzzString checks, for any input, that String writes what zerolog writes
// and that the result is one valid JSON string on one line.
func FuzzString(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(nil, s)
		if want := zerologString(s); !bytes.Equal(got, want) {
			t.Fatalf("String(%q) = %s, zerolog writes %s", s, got, want)
		}
		if bytes.ContainsAny(got, "\r\n") {
			t.Fatalf("String(%q) = %q holds a line break", s, got)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("String(%q) = %s is not JSON: %v", s, got, err)
		}
	})
}

func BenchmarkString(b *testing.B) {
	s := "/orders/42/items"
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = String(buf[:0], s)
	}
	_, _ = io.Discard.Write(buf)
}
