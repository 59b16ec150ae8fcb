// Package bound cuts request-derived values to the bounds the adapters
// promise (method, path, route, peer...), in one place for the HTTP and RPC
// adapters and the outgoing-call transport.
package bound

import "unicode/utf8"

// Clip cuts s to at most n bytes, at a character boundary, and reports
// whether it cut anything. It does not allocate: the result is a prefix of
// s.
func Clip(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i], true
}
