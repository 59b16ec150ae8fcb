package w3c

import (
	"strings"
	"testing"
)

const (
	trace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	parent = "00f067aa0ba902b7"
)

// TestParseFlags checks what Parse adds to adapters.ParseTraceparent (whose
// tests and fuzz target hold the validity rules): the flags, read at the same
// place whatever the version, and nothing when the value is rejected.
func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name, v, flags string
		ok             bool
	}{
		{"sampled", "00-" + trace + "-" + parent + "-01", "01", true},
		{"not sampled", "00-" + trace + "-" + parent + "-00", "00", true},
		{"unknown flags", "00-" + trace + "-" + parent + "-ff", "ff", true},
		{"later version with more fields", "cc-" + trace + "-" + parent + "-09-next", "09", true},
		{"uppercase flags", "00-" + trace + "-" + parent + "-0A", "", false},
		{"three-digit flags", "00-" + trace + "-" + parent + "-011", "", false},
		{"version ff", "ff-" + trace + "-" + parent + "-01", "", false},
		{"all-zero trace ID", "00-" + strings.Repeat("0", 32) + "-" + parent + "-01", "", false},
	} {
		tr, pa, flags, ok := Parse(tc.v)
		if ok != tc.ok || flags != tc.flags {
			t.Errorf("%s: Parse(%q) = flags %q, ok %v; want %q, %v", tc.name, tc.v, flags, ok, tc.flags, tc.ok)
			continue
		}
		if ok && (tr != trace || pa != parent) {
			t.Errorf("%s: Parse(%q) IDs = %q %q", tc.name, tc.v, tr, pa)
		}
		if !ok && (tr != "" || pa != "") {
			t.Errorf("%s: rejected, yet returned %q %q", tc.name, tr, pa)
		}
	}
}

// TestFormatParsesBack checks that what the Transport sends is what an
// adapter on the other side adopts: the exact W3C string, read back whole.
func TestFormatParsesBack(t *testing.T) {
	for _, flags := range []string{FlagsSampled, FlagsNotSampled} {
		v := Format(trace, parent, flags)
		if want := "00-" + trace + "-" + parent + "-" + flags; v != want {
			t.Fatalf("Format = %q, want %q", v, want)
		}
		tr, pa, fl, ok := Parse(v)
		if !ok || tr != trace || pa != parent || fl != flags {
			t.Fatalf("Parse(Format(...)) = %q %q %q %v", tr, pa, fl, ok)
		}
	}
}

func TestValidIDs(t *testing.T) {
	for _, tc := range []struct {
		id          string
		trace, span bool
	}{
		{trace, true, false},
		{parent, false, true},
		{strings.Repeat("0", 32), false, false},
		{strings.Repeat("0", 16), false, false},
		{strings.ToUpper(trace), false, false},
		{parent[:15] + "g", false, false},
		{"", false, false},
	} {
		if got := ValidTraceID(tc.id); got != tc.trace {
			t.Errorf("ValidTraceID(%q) = %v", tc.id, got)
		}
		if got := ValidSpanID(tc.id); got != tc.span {
			t.Errorf("ValidSpanID(%q) = %v", tc.id, got)
		}
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	v := "00-" + trace + "-" + parent + "-01"
	if n := testing.AllocsPerRun(100, func() { _, _, _, _ = Parse(v) }); n != 0 {
		t.Fatalf("Parse allocates %v times", n)
	}
}
