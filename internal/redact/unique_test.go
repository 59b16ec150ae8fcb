package redact

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/logcrest/logcrest/internal/jsonenc"
)

// TestRecordUniqueVouchesOnlyForUniqueKeys: RecordUnique masks exactly as
// Record does, and says a record's keys are unique only when the Uniquer
// would leave it as it is; a record it does not vouch for is the one that
// repeats a key at some depth, or one whose keys it cannot compare as
// written. One Scratch serves every record in turn, as a sink's goroutine
// uses it, so a key cached from one record is answered right in the next.
func TestRecordUniqueVouchesOnlyForUniqueKeys(t *testing.T) {
	r := New(Config{Keys: Keys(nil)})
	cases := []struct {
		name, in string
		unique   bool
	}{
		{"flat", `{"time":"t","level":"info","user":"ada","n":1,"message":"m"}` + "\n", true},
		{"top repeat", `{"seq":1,"a":2,"seq":3}` + "\n", false},
		{"repeat after many", `{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k1":0}`, false},
		{"nested repeat", `{"a":{"b":1,"c":{"d":1,"d":2}},"e":3}`, false},
		{"in array", `{"timeline":[{"fn":"a","ms":1},{"fn":"b","ms":2,"fn":"c"}]}`, false},
		{"same key in siblings", `{"timeline":[{"fn":"a","ms":1},{"fn":"b","ms":2}],"fn":"x","ms":3}`, true},
		{"same key in parent and child", `{"a":{"a":{"a":1}}}`, true},
		{"after a child closes", `{"x":{"y":1},"y":2,"x":3}`, false},
		{"secret masked, repeat elsewhere", `{"password":"p","u":1,"u":2}`, false},
		{"repeat inside a masked value", `{"password":{"a":1,"a":2},"u":1}`, true},
		{"escaped key", `{"a":1,"\u0061":2}`, false},
		{"non-ASCII key", `{"é":1}`, false},
		{"malformed", `{"a":1,"a"`, false},
		{"spaces", `{ "a" : 1 , "b" : { "a" : 2 } }`, true},
	}
	var s Scratch
	u := jsonenc.NewUniquer()
	for round := range 2 { // the second round meets every key cached
		for _, c := range cases {
			rec := []byte(c.in)
			want, wantN := r.Record(nil, rec)
			out, n, unique := r.RecordUnique(&s, nil, rec)
			if !bytes.Equal(out, want) || n != wantN {
				t.Errorf("round %d, %s: RecordUnique = %q, %d; Record = %q, %d", round, c.name, out, n, want, wantN)
			}
			if unique != c.unique {
				t.Errorf("round %d, %s: unique = %v, want %v", round, c.name, unique, c.unique)
			}
			if unique {
				if got := u.Unique(out); !bytes.Equal(got, out) {
					t.Errorf("round %d, %s: vouched for, but the Uniquer rewrites it to %q", round, c.name, got)
				}
			}
		}
	}
}

// TestRecordUniqueCacheKeepsAnswersApart: keys that share a slot of the
// Scratch's cache, and a secret key met after a plain one of the same
// length, get their own answers.
func TestRecordUniqueCacheKeepsAnswersApart(t *testing.T) {
	r := New(Config{Keys: Keys([]string{"pin"})})
	var s Scratch
	for range 3 {
		out, n, _ := r.RecordUnique(&s, nil, []byte(`{"pan":"1","pin":"2","pun":"3","token":"t","tokem":"u"}`))
		if want := `{"pan":"1","pin":"[REDACTED]","pun":"3","token":"[REDACTED]","tokem":"u"}`; string(out) != want || n != 2 {
			t.Fatalf("got %s (%d masked), want %s (2)", out, n, want)
		}
	}
}

// FuzzRecordUnique: on any input, RecordUnique masks as Record does, and
// when it vouches for a record's keys the Uniquer agrees.
func FuzzRecordUnique(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"password":"x","b":{"c":1,"c":2}}`, `{"a":[{"b":1},{"b":2}]}`, `{"\u00e9":1,"é":2}`} {
		f.Add(s)
	}
	r := New(Config{Keys: Keys(nil)})
	var s Scratch
	u := jsonenc.NewUniquer()
	f.Fuzz(func(t *testing.T, in string) {
		want, wantN := r.Record(nil, []byte(in))
		out, n, unique := r.RecordUnique(&s, nil, []byte(in))
		if !bytes.Equal(out, want) || n != wantN {
			t.Fatalf("RecordUnique(%q) = %q, %d; Record = %q, %d", in, out, n, want, wantN)
		}
		if unique && !bytes.Equal(u.Unique(out), out) {
			t.Fatalf("RecordUnique vouched for %q, the Uniquer rewrites it", in)
		}
	})
}

// TestShortestMatchesAreStillMasked: the walk skips the value patterns for
// a value shorter than minFind only when no pattern of the user's is set;
// the shortest card number, bearer token and a short number the user's
// pattern names are still masked.
func TestShortestMatchesAreStillMasked(t *testing.T) {
	r := New(Config{Keys: Keys(nil), Pattern: regexp.MustCompile(`^42$|pin-[0-9]{2}`)})
	var s Scratch
	in := `{"card":"4222222222222","n":4222222222222,"h":"Bearer abcdefgh","answer":42,"p":"pin-12","other":41}`
	want := `{"card":"[REDACTED]","n":"[REDACTED]","h":"Bearer [REDACTED]","answer":"[REDACTED]","p":"[REDACTED]","other":41}`
	out, n, _ := r.RecordUnique(&s, nil, []byte(in))
	if string(out) != want || n != 5 {
		t.Fatalf("got %s (%d masked), want %s (5)", out, n, want)
	}
	r = New(Config{Keys: Keys(nil)})
	out, n, _ = r.RecordUnique(&s, nil, []byte(`{"card":"4222222222222","n":4222222222222,"answer":42}`))
	if want := `{"card":"[REDACTED]","n":"[REDACTED]","answer":42}`; string(out) != want || n != 2 {
		t.Fatalf("without a pattern: got %s (%d masked), want %s (2)", out, n, want)
	}
}
