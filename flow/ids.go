package flow

import (
	"encoding/binary"
	"math/rand/v2"
)

// IDs are correlation handles, not secrets: they come from math/rand/v2's
// per-thread generator, which is fast, safe for concurrent use and never
// allocates. A trace ID is 128 random bits and a span ID 64, both shown as
// lowercase hex (the W3C Trace Context forms); neither is ever all zero,
// which W3C reserves as invalid.

// traceID is a W3C trace-id in binary form.
type traceID [16]byte

// spanID is a W3C parent-id (span ID) in binary form.
type spanID [8]byte

func newTraceID() traceID {
	var t traceID
	for t.isZero() {
		binary.BigEndian.PutUint64(t[:8], rand.Uint64())
		binary.BigEndian.PutUint64(t[8:], rand.Uint64())
	}
	return t
}

func (t *traceID) isZero() bool { return *t == traceID{} }

func newSpanID() spanID {
	var s spanID
	for s == (spanID{}) {
		binary.BigEndian.PutUint64(s[:], rand.Uint64())
	}
	return s
}

const hexDigits = "0123456789abcdef"

func appendHex(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return dst
}

// parseHex decodes lowercase hex into dst; s must be exactly twice as long.
func parseHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// ValidTraceID reports whether s is a valid W3C trace ID: 32 lowercase hex
// digits, not all zero. Begin adopts FlowSpec.TraceID only when it is.
func ValidTraceID(s string) bool {
	var t traceID
	return parseHex(t[:], s) && !t.isZero()
}

// ValidSpanID reports whether s is a valid W3C span (parent) ID: 16
// lowercase hex digits, not all zero.
func ValidSpanID(s string) bool {
	var p spanID
	return parseHex(p[:], s) && p != spanID{}
}

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

// newFlowID returns "<label>-<8 hex>", or the 8 hex digits alone when label
// is empty. label must already be sanitized.
func newFlowID(label string) string {
	var buf [maxLabel + 1 + 8]byte
	b := buf[:0]
	if label != "" {
		b = append(b, label...)
		b = append(b, '-')
	}
	var r [4]byte
	binary.BigEndian.PutUint32(r[:], rand.Uint32())
	b = appendHex(b, r[:])
	return string(b)
}
