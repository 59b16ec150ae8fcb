package adapters

import "github.com/logcrest/logcrest/internal/w3c"

// TraceparentHeader is the W3C Trace Context request header a flow adopts
// its trace from.
const TraceparentHeader = w3c.Header // "Traceparent", canonical form of "traceparent"

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
	traceID, parentID, _, ok = w3c.Parse(v)
	return traceID, parentID, ok
}
