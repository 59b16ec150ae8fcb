// The JSON scanner under TextFormatter: it walks a record's members in
// place, without decoding them, and notes what it finds about each key and
// value (the f* facts in textformat.go) so the printer can copy raw bytes.

package writers

import (
	"encoding/binary"
	"math/bits"
)

// Byte classes.
const (
	// clsText: printable ASCII that may be copied verbatim from a JSON string
	// into any output context (everything in 0x20..0x7e but '"' and '\\').
	clsText = 1 << iota
	// clsBare: may appear in an unquoted value (clsText minus space and '=').
	clsBare
	// clsSpace: JSON insignificant whitespace.
	clsSpace
	// clsToken: may appear in a number or a true/false/null literal.
	clsToken
)

var byteClass = func() (t [256]uint8) {
	for c := 0x20; c < 0x7f; c++ {
		if c != '"' && c != '\\' {
			t[c] |= clsText
			if c != ' ' && c != '=' {
				t[c] |= clsBare
			}
		}
	}
	for _, c := range []byte(" \t\r\n") {
		t[c] |= clsSpace
	}
	for _, c := range []byte("-+.0123456789eEtruefalsn") {
		t[c] |= clsToken
	}
	return t
}()

// trimNewline drops one trailing "\n" or "\r\n".
func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && byteClass[b[i]]&clsSpace != 0 {
		i++
	}
	return i
}

func onlySpace(b []byte) bool { return skipSpace(b, 0) == len(b) }

// openObject checks that b starts an object and returns the position after
// its '{'.
func openObject(b []byte) (int, bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return i, false
	}
	return i + 1, true
}

// nextField parses the next member of the object whose members start at i
// (just after '{' when first is set, else just after the previous value) into
// fd. more is false once the closing '}' is consumed, next then being just
// past it; ok is false when b is malformed.
func nextField(b []byte, i int, first bool, fd *span) (next int, more, ok bool) {
	i = skipSpace(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1, false, true
	}
	if !first {
		if i >= len(b) || b[i] != ',' {
			return i, false, false
		}
		i = skipSpace(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		return i, false, false
	}
	fd.k0 = i
	if i, fd.kf, ok = scanString(b, i); !ok {
		return i, false, false
	}
	fd.k1 = i
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, false, false
	}
	fd.v0 = skipSpace(b, i+1)
	if fd.v0 < len(b) && b[fd.v0] == '"' {
		// Most values are strings: skip scanValue's dispatch.
		fd.v1, fd.vf, ok = scanString(b, fd.v0)
	} else {
		fd.v1, fd.vf, ok = scanValue(b, fd.v0)
	}
	if !ok {
		return fd.v1, false, false
	}
	fd.fixed = false
	return fd.v1, true, true
}

// scanString returns the position just past the JSON string starting at the
// quote b[i], and which of fSafe, fText and fBare hold of it. Escapes must be
// valid; raw control bytes and invalid UTF-8 are tolerated here and escaped
// when printed.
func scanString(b []byte, i int) (end int, fl uint8, ok bool) {
	i++
	start := i
	// cls collects the classes shared by every byte outside the escapes.
	cls := uint8(clsText | clsBare)
	escaped := false
	for i < len(b) {
		// Skip clsBare bytes, the common ones, eight at a time while the
		// record has eight more, else one at a time.
		if i+8 <= len(b) {
			m := notBare8(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) / 8
		} else if byteClass[b[i]]&clsBare != 0 {
			i++
			continue
		}
		switch c := b[i]; c {
		case '"':
			switch {
			case cls&clsText == 0:
			case escaped:
				fl = fSafe
			case cls&clsBare == 0 || i == start:
				fl = fSafe | fText
			default:
				fl = fSafe | fText | fBare
			}
			return i + 1, fl, true
		case '\\':
			if i+1 >= len(b) {
				return i, 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return i, 0, false
				}
				i += 6
			default:
				return i, 0, false
			}
			escaped = true
		default:
			cls &= byteClass[c]
			i++
		}
	}
	return len(b), 0, false
}

// Word-at-a-time byte tests: w holds eight bytes, lowest address in the low
// byte. Each test sets the high bit of (at least) the first byte that
// matches; a borrow or carry can only flag bytes after a true match, so the
// lowest set bit of the result always marks the first match.
const (
	lsb = 0x0101010101010101 // 0x01 in every byte
	msb = 0x8080808080808080 // 0x80 in every byte
)

// notBare8 returns a mask whose lowest set bit is the high bit of the first
// byte of w that is not clsBare, or 0 if all eight are: that is, the first
// byte below '!', above '~', or one of '"', '\\' and '='.
func notBare8(w uint64) uint64 {
	below := (w - lsb*'!') &^ w       // a byte < 0x21
	above := (w + lsb*(0x7f-'~')) | w // a byte > 0x7e (or a carry out of one)
	return (below | above | zero8(w^(lsb*'"')) | zero8(w^(lsb*'\\')) | zero8(w^(lsb*'='))) & msb
}

// zero8 flags the zero bytes of w (in their high bits, see notBare8).
func zero8(w uint64) uint64 { return (w - lsb) &^ w }

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if unhex(c) < 0 {
			return false
		}
	}
	return true
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	return unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3])
}

// scanValue returns the position just past the JSON value starting at b[i],
// and which of the facts fSafe..fRaw hold of it. Objects and arrays are
// scanned without recursion; brackets must match and strings must be well
// formed, but only the characters of the grammar are checked between them.
func scanValue(b []byte, i int) (end int, fl uint8, ok bool) {
	if i >= len(b) {
		return i, 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '{' || c == '[':
		// stack holds one bit per open bracket: 1 for '{', 0 for '['.
		var stack [maxDepth / 64]uint64
		depth := 0
		// raw stays set while the value is compact and its strings are
		// fSafe: appendCompact would then reproduce it unchanged.
		raw := true
		for i < len(b) {
			c := b[i]
			switch {
			case c == '{' || c == '[':
				if depth == maxDepth {
					return i, 0, false
				}
				if c == '{' {
					stack[depth/64] |= 1 << (depth % 64)
				} else {
					stack[depth/64] &^= 1 << (depth % 64)
				}
				depth++
				i++
			case c == '}' || c == ']':
				if depth == 0 {
					return i, 0, false
				}
				depth--
				isObj := stack[depth/64]&(1<<(depth%64)) != 0
				if isObj != (c == '}') {
					return i, 0, false
				}
				i++
				if depth == 0 {
					if raw {
						fl = fRaw
					}
					return i, fl, true
				}
			case c == '"':
				var sf uint8
				if i, sf, ok = scanString(b, i); !ok {
					return i, 0, false
				}
				raw = raw && sf&fSafe != 0
			case c == ',' || c == ':' || byteClass[c]&clsToken != 0:
				i++
			case byteClass[c]&clsSpace != 0:
				raw = false
				i++
			default:
				return i, 0, false
			}
		}
		return i, 0, false
	case byteClass[c]&clsToken != 0:
		j := i
		for j < len(b) && byteClass[b[j]]&clsToken != 0 {
			j++
		}
		if !isScalar(b[i:j]) {
			return i, 0, false
		}
		return j, fRaw, true
	}
	return i, 0, false
}

// isScalar reports whether tok is true, false, null or looks like a number.
func isScalar(tok []byte) bool {
	switch string(tok) {
	case "true", "false", "null":
		return true
	}
	c := tok[0]
	if c != '-' && (c < '0' || c > '9') {
		return false
	}
	for _, c := range tok {
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}
