package adapters

import "github.com/logcrest/logcrest/internal/flow"

// TraceparentHeader is the W3C Trace Context request header a flow adopts
// its trace from.
const TraceparentHeader = "Traceparent" // canonical form of "traceparent"

// ParseTraceparent parses the value of a W3C traceparent header
// ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") and returns
// its trace ID (32 lowercase hex digits) and parent span ID (16). ok is
// false, and both are "", unless the value is valid as W3C Trace Context
// level 1 says:
//
//   - version is two lowercase hex digits and not "ff"; version "00" is
//     exactly 55 characters; a later version is at least 55, and when
//     longer its 56th character is '-' (the fields it may add are ignored);
//   - trace ID, parent ID and flags are lowercase hex of the right length,
//     separated by single '-';
//   - neither ID is all zero.
//
// Uppercase hex, surrounding spaces and any other deviation are rejected:
// the flow then starts a trace of its own. The IDs are substrings of v; it
// does not allocate.
func ParseTraceparent(v string) (traceID, parentID string, ok bool) {
	const size = 55 // "vv-" + 32 + "-" + 16 + "-" + "ff"
	if len(v) < size || !lowerHex(v[0:2]) || v[0:2] == "ff" {
		return "", "", false
	}
	if v[0:2] == "00" && len(v) != size || len(v) > size && v[size] != '-' {
		return "", "", false
	}
	if v[2] != '-' || v[35] != '-' || v[52] != '-' || !lowerHex(v[53:55]) {
		return "", "", false
	}
	traceID, parentID = v[3:35], v[36:52]
	if !flow.ValidTraceID(traceID) || !flow.ValidSpanID(parentID) {
		return "", "", false
	}
	return traceID, parentID, true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
