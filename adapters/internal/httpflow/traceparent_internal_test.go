package httpflow

import (
	"net/http/httptest"
	"testing"
)

// TestTraceparentFlags: the flags of an adopted traceparent are taken with
// its IDs, from version 00 and from a later version with fields of its own;
// nothing is taken from an invalid header or from two of them.
func TestTraceparentFlags(t *testing.T) {
	const (
		trace  = "4bf92f3577b34da6a3ce929d0e0e4736"
		parent = "00f067aa0ba902b7"
	)
	for _, tc := range []struct {
		name    string
		headers []string // traceparent values
		flags   string   // "" when nothing is adopted
	}{
		{"sampled", []string{"00-" + trace + "-" + parent + "-01"}, "01"},
		{"not sampled", []string{"00-" + trace + "-" + parent + "-00"}, "00"},
		{"later version, more fields", []string{"cc-" + trace + "-" + parent + "-09-what-comes-next"}, "09"},
		{"uppercase flags", []string{"00-" + trace + "-" + parent + "-0A"}, ""},
		{"three-digit flags", []string{"00-" + trace + "-" + parent + "-011"}, ""},
		{"version ff", []string{"ff-" + trace + "-" + parent + "-01"}, ""},
		{"twice", []string{"00-" + trace + "-" + parent + "-01", "00-" + trace + "-" + parent + "-01"}, ""},
		{"none", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, v := range tc.headers {
				r.Header.Add("traceparent", v)
			}
			gotTrace, gotParent, gotFlags := traceparent(r)
			if gotFlags != tc.flags {
				t.Errorf("flags = %q, want %q", gotFlags, tc.flags)
			}
			adopted := tc.flags != ""
			if (gotTrace == trace && gotParent == parent) != adopted || (!adopted && (gotTrace != "" || gotParent != "")) {
				t.Errorf("IDs = %q, %q; adopted should be %v", gotTrace, gotParent, adopted)
			}
		})
	}
}
