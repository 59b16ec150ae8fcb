package adapters_test

import (
	"strings"
	"testing"

	"github.com/logcrest/logcrest/adapters"
)

func TestParseTraceparent(t *testing.T) {
	t.Parallel()
	const (
		tr = incomingTrace
		pa = incomingParent
	)
	for _, tc := range []struct {
		name, v string
		ok      bool
	}{
		{"version 00, sampled", "00-" + tr + "-" + pa + "-01", true},
		{"version 00, not sampled", "00-" + tr + "-" + pa + "-00", true},
		{"unknown flags are kept out but accepted", "00-" + tr + "-" + pa + "-ff", true},
		{"a later version", "01-" + tr + "-" + pa + "-01", true},
		{"a later version with more fields", "cc-" + tr + "-" + pa + "-01-what-comes-next", true},

		{"empty", "", false},
		{"version ff", "ff-" + tr + "-" + pa + "-01", false},
		{"version 00 with more fields", "00-" + tr + "-" + pa + "-01-extra", false},
		{"version 00, one byte more", "00-" + tr + "-" + pa + "-01x", false},
		{"a later version, no dash after the flags", "01-" + tr + "-" + pa + "-01x", false},
		{"uppercase version", "0A-" + tr + "-" + pa + "-01", false},
		{"uppercase trace ID", "00-" + strings.ToUpper(tr) + "-" + pa + "-01", false},
		{"uppercase parent ID", "00-" + tr + "-" + strings.ToUpper(pa) + "-01", false},
		{"uppercase flags", "00-" + tr + "-" + pa + "-0A", false},
		{"all-zero trace ID", "00-" + strings.Repeat("0", 32) + "-" + pa + "-01", false},
		{"all-zero parent ID", "00-" + tr + "-" + strings.Repeat("0", 16) + "-01", false},
		{"short trace ID", "00-" + tr[1:] + "-" + pa + "-01", false},
		{"long trace ID", "00-" + tr + "a-" + pa + "-01", false},
		{"short parent ID", "00-" + tr + "-" + pa[1:] + "-01", false},
		{"long parent ID", "00-" + tr + "-" + pa + "a-01", false},
		{"short flags", "00-" + tr + "-" + pa + "-1", false},
		{"no flags", "00-" + tr + "-" + pa, false},
		{"underscores", "00_" + tr + "_" + pa + "_01", false},
		{"not hex", "00-" + strings.Replace(tr, "4", "g", 1) + "-" + pa + "-01", false},
		{"leading space", " 00-" + tr + "-" + pa + "-01", false},
		{"trailing space", "00-" + tr + "-" + pa + "-01 ", false},
		{"one-digit version", "0-" + tr + "-" + pa + "-01-", false},
	} {
		trace, parent, ok := adapters.ParseTraceparent(tc.v)
		if ok != tc.ok {
			t.Errorf("%s: ParseTraceparent(%q) ok = %v, want %v", tc.name, tc.v, ok, tc.ok)
			continue
		}
		if ok && (trace != tr || parent != pa) {
			t.Errorf("%s: got %q %q", tc.name, trace, parent)
		}
		if !ok && (trace != "" || parent != "") {
			t.Errorf("%s: rejected, yet returned %q %q", tc.name, trace, parent)
		}
	}
}

func FuzzParseTraceparent(f *testing.F) {
	f.Add("00-" + incomingTrace + "-" + incomingParent + "-01")
	f.Add("01-" + incomingTrace + "-" + incomingParent + "-01-x")
	f.Add("ff-" + incomingTrace + "-" + incomingParent + "-01")
	f.Fuzz(func(t *testing.T, v string) {
		trace, parent, ok := adapters.ParseTraceparent(v)
		if !ok {
			return
		}
		// What is accepted is the W3C shape: the IDs sit where they must,
		// lowercase, and the version is not ff.
		if len(v) < 55 || v[3:35] != trace || v[36:52] != parent || v[:2] == "ff" {
			t.Fatalf("accepted %q as %q %q", v, trace, parent)
		}
		for _, c := range []byte(v[:55]) {
			if c != '-' && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				t.Fatalf("accepted %q with %q", v, c)
			}
		}
		if strings.Trim(trace, "0") == "" || strings.Trim(parent, "0") == "" {
			t.Fatalf("accepted an all-zero ID in %q", v)
		}
	})
}
