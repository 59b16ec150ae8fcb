// Package w3c is LogCrest's one home of W3C Trace Context (level 1): the
// traceparent header's name, reading it (Parse, behind the adapters'
// ParseTraceparent), writing it (Format, for the outgoing requests of the
// net/http Transport), and what makes a trace or span ID valid (ValidTraceID,
// ValidSpanID, used by internal/flow for the IDs a flow adopts). It has no
// dependencies and allocates only in Format.
package w3c

// Header is the traceparent header in canonical form (http.CanonicalHeaderKey
// of "traceparent").
const Header = "Traceparent"

// Trace flags, as Format writes them.
const (
	FlagsSampled    = "01" // the caller may have recorded the trace
	FlagsNotSampled = "00"
)

// size is the length of a version 00 value: "vv-" + 32 + "-" + 16 + "-" + "ff".
const size = 55

// Parse parses the value of a traceparent header by the rules that
// adapters.ParseTraceparent documents for users (the one statement of them),
// and also returns the trace flags: two lowercase hex digits, at the same
// place in every version. ok is false, and all three are "", when v is not
// valid. The results are substrings of v: Parse does not allocate.
func Parse(v string) (traceID, parentID, flags string, ok bool) {
	if len(v) < size || !lowerHex(v[0:2]) || v[0:2] == "ff" {
		return "", "", "", false
	}
	if v[0:2] == "00" && len(v) != size || len(v) > size && v[size] != '-' {
		return "", "", "", false
	}
	if v[2] != '-' || v[35] != '-' || v[52] != '-' || !lowerHex(v[53:55]) {
		return "", "", "", false
	}
	traceID, parentID = v[3:35], v[36:52]
	if !ValidTraceID(traceID) || !ValidSpanID(parentID) {
		return "", "", "", false
	}
	return traceID, parentID, v[53:55], true
}

// Format returns the version 00 traceparent value naming spanID, of the
// trace traceID, as the parent of a request, with the given flags
// (FlagsSampled, say). The caller passes valid IDs (see ValidTraceID and
// ValidSpanID) and two lowercase hex digits of flags; Parse reads the result
// back as they were.
func Format(traceID, spanID, flags string) string {
	return "00-" + traceID + "-" + spanID + "-" + flags
}

// ValidTraceID reports whether s is a valid W3C trace ID: 32 lowercase hex
// digits, not all zero.
func ValidTraceID(s string) bool { return isIDHex(s, 32) }

// ValidSpanID reports whether s is a valid W3C span (parent) ID: 16
// lowercase hex digits, not all zero.
func ValidSpanID(s string) bool { return isIDHex(s, 16) }

// isIDHex reports whether s is n lowercase hex digits, not all zero: a
// valid W3C trace ID (n = 32) or span ID (n = 16).
func isIDHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	zero := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
		zero = zero && c == '0'
	}
	return !zero
}

// lowerHex reports whether s holds only lowercase hex digits.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
