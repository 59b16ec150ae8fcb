package flow

import (
	"math/rand/v2"

	"github.com/logcrest/logcrest/internal/w3c"
)

// IDs are correlation handles, not secrets: they come from math/rand/v2's
// per-thread generator, which is fast, safe for concurrent use and never
// allocates. A trace ID is 128 random bits and a span ID 64, both shown as
// lowercase hex (the W3C Trace Context forms); neither is ever all zero,
// which W3C reserves as invalid.
//
// A span keeps its IDs as the JSON strings they are written as, quotes
// included, so a record appends them with one copy and a child span
// inherits them by value.

// traceID is a trace ID as a JSON string: '"', 32 lowercase hex digits, '"'.
type traceID [34]byte

// spanID is a span ID as a JSON string: '"', 16 lowercase hex digits, '"'.
// The zero value, without quotes, stands for no span (a missing parent).
type spanID [18]byte

func newTraceID() traceID {
	hi, lo := rand.Uint64(), rand.Uint64()
	for hi|lo == 0 {
		hi, lo = rand.Uint64(), rand.Uint64()
	}
	var t traceID
	t[0], t[33] = '"', '"'
	putHex64(t[1:17], hi)
	putHex64(t[17:33], lo)
	return t
}

func newSpanID() spanID {
	v := rand.Uint64()
	for v == 0 {
		v = rand.Uint64()
	}
	var s spanID
	s[0], s[17] = '"', '"'
	putHex64(s[1:17], v)
	return s
}

// hex returns the 32 hex digits of t.
func (t *traceID) hex() []byte { return t[1:33] }

// hex returns the 16 hex digits of s.
func (s *spanID) hex() []byte { return s[1:17] }

// valid reports whether s holds an ID rather than standing for none.
func (s *spanID) valid() bool { return s[0] == '"' }

// hexPairs holds the two hex digits of every byte value, "00" to "ff".
var hexPairs = func() (t [512]byte) {
	const digits = "0123456789abcdef"
	for i := range 256 {
		t[2*i], t[2*i+1] = digits[i>>4], digits[i&0x0f]
	}
	return t
}()

// putHex64 writes v as 16 lowercase hex digits into dst, a byte at a time.
func putHex64(dst []byte, v uint64) {
	_ = dst[15]
	for i := 14; i >= 0; i -= 2 {
		b := v & 0xff
		dst[i], dst[i+1] = hexPairs[2*b], hexPairs[2*b+1]
		v >>= 8
	}
}

// parseTraceID returns s as a traceID when it is a valid trace ID.
func parseTraceID(s string) (t traceID, ok bool) {
	if !w3c.ValidTraceID(s) {
		return t, false
	}
	t[0], t[33] = '"', '"'
	copy(t[1:33], s)
	return t, true
}

// parseSpanID returns s as a spanID when it is a valid span ID, and the
// zero spanID (none) otherwise.
func parseSpanID(s string) spanID {
	var p spanID
	if w3c.ValidSpanID(s) {
		p[0], p[17] = '"', '"'
		copy(p[1:17], s)
	}
	return p
}

// ValidTraceID reports whether s is a valid W3C trace ID: 32 lowercase hex
// digits, not all zero. Begin adopts FlowSpec.TraceID only when it is.
func ValidTraceID(s string) bool { return w3c.ValidTraceID(s) }

// ValidSpanID reports whether s is a valid W3C span (parent) ID: 16
// lowercase hex digits, not all zero.
func ValidSpanID(s string) bool { return w3c.ValidSpanID(s) }

// maxLabel is the longest flow label kept, in bytes.
const maxLabel = 64

// sanitizeLabel makes a flow label safe to print and to use in a flow ID,
// whatever it was computed from: every rune outside [A-Za-z0-9._:-] becomes
// '_' (a multi-byte rune or an invalid byte gives one '_'), and the result is
// cut to maxLabel bytes. An acceptable label is returned as is, without
// allocating.
func sanitizeLabel(s string) string {
	clean := len(s) <= maxLabel
	for i := 0; clean && i < len(s); i++ {
		clean = labelByte(s[i])
	}
	if clean {
		return s
	}
	out := make([]byte, 0, min(len(s), maxLabel))
	for _, r := range s {
		if len(out) == maxLabel {
			break
		}
		if r < 0x80 && labelByte(byte(r)) {
			out = append(out, byte(r))
		} else {
			out = append(out, '_')
		}
	}
	return string(out)
}

func labelByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == ':', c == '-':
		return true
	}
	return false
}

// flowIDBuf holds a flow ID: the longest label, '-' and 8 hex digits.
type flowIDBuf [maxLabel + 1 + 8]byte

// appendFlowID appends "<label>-<8 hex>", or the 8 hex digits alone when
// label is empty, to dst. label must already be sanitized.
func appendFlowID(dst []byte, label string) []byte {
	if label != "" {
		dst = append(dst, label...)
		dst = append(dst, '-')
	}
	var h [16]byte
	putHex64(h[:], uint64(rand.Uint32()))
	return append(dst, h[8:]...)
}
