// How TextFormatter prints a key or value: bare, quoted or as compact JSON,
// with every control character, separator, bidi override and invalid byte
// written as a visible escape.

package writers

import (
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// copies the value when they allow and falls back to appendPlain otherwise.
func appendPlainFast(dst, v []byte, fl uint8) []byte {
	switch {
	case fl&fText != 0:
		return append(dst, v[1:len(v)-1]...)
	case fl&fRaw != 0:
		return append(dst, v...)
	}
	return appendPlain(dst, v)
}

// appendValueFast is appendValue for a value (or key) whose facts fl are
// known: it copies the value when they allow and falls back to appendValue
// otherwise.
func appendValueFast(dst, v []byte, fl uint8) []byte {
	switch {
	case fl&fBare != 0:
		return append(dst, v[1:len(v)-1]...)
	case fl&(fText|fRaw) != 0:
		return append(dst, v...)
	}
	return appendValue(dst, v)
}

// appendPlain appends a value as running text: a string is JSON-decoded and
// printed without quotes, anything else as appendValue would.
func appendPlain(dst, v []byte) []byte {
	if v[0] == '"' {
		return appendText(dst, v[1:len(v)-1], textJSON)
	}
	return appendValue(dst, v)
}

// appendValue appends a value (or key) in key=value form: a string bare or
// quoted, a number or literal as is, an object or array as compact JSON.
func appendValue(dst, v []byte) []byte {
	switch v[0] {
	case '"':
		s := v[1 : len(v)-1]
		if isBare(s) {
			return appendText(dst, s, textJSON)
		}
		dst = append(dst, '"')
		dst = appendText(dst, s, textJSON|textQuoted)
		return append(dst, '"')
	case '{', '[':
		return appendCompact(dst, v)
	}
	return append(dst, v...)
}

// isBare reports whether the raw JSON string content s may be printed
// without quotes: not empty, and only printable characters other than space,
// '=' and '"'.
func isBare(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); {
		if byteClass[s[i]]&clsBare != 0 {
			i++
			continue
		}
		r, size, bad := decodeRune(s, i, true)
		i += size
		if bad || r == ' ' || r == '=' || r == '"' || !isPrint(r) {
			return false
		}
	}
	return true
}

// isPrint reports whether r may be written as is: printable ASCII other than
// space is handled by the caller; this answers for the rest, rejecting C0, DEL,
// C1, separators, format characters (bidi overrides, zero-width marks) and
// anything else strconv does not consider printable.
func isPrint(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 0x20 && r < 0x7f
	}
	return strconv.IsPrint(r)
}

// decodeRune decodes the character at s[i]. With json set, escapes are
// decoded (s is already validated by scanString); a lone surrogate becomes
// U+FFFD. bad reports a byte that is not valid UTF-8; r is then that byte.
func decodeRune(s []byte, i int, json bool) (r rune, size int, bad bool) {
	c := s[i]
	if c < utf8.RuneSelf {
		if c != '\\' || !json {
			return rune(c), 1, false
		}
		switch e := s[i+1]; e {
		case 'b':
			return '\b', 2, false
		case 'f':
			return '\f', 2, false
		case 'n':
			return '\n', 2, false
		case 'r':
			return '\r', 2, false
		case 't':
			return '\t', 2, false
		case 'u':
			r = hex4(s[i+2:])
			if utf16.IsSurrogate(r) {
				if r < 0xdc00 && i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
					if r2 := hex4(s[i+8:]); 0xdc00 <= r2 && r2 < 0xe000 {
						return utf16.DecodeRune(r, r2), 12, false
					}
				}
				return utf8.RuneError, 6, false
			}
			return r, 6, false
		default: // '"', '\\', '/'
			return rune(e), 2, false
		}
	}
	r, size = utf8.DecodeRune(s[i:])
	if r == utf8.RuneError && size == 1 {
		return rune(c), 1, true
	}
	return r, size, false
}

// Modes of appendText.
const (
	textJSON   = 1 << iota // s is the content of a JSON string: decode escapes
	textQuoted             // inside a Go quoted string: also escape '"' and '\\'
	textUpper              // upper-case letters
)

// appendText appends s, escaping everything that is not printable, as mode
// says.
func appendText(dst, s []byte, mode int) []byte {
	json := mode&textJSON != 0
	for i := 0; i < len(s); {
		// Fast path: a run of plain printable ASCII.
		j := i
		for j < len(s) && byteClass[s[j]]&clsText != 0 {
			j++
		}
		if mode&textUpper == 0 {
			dst = append(dst, s[i:j]...)
		} else {
			for _, c := range s[i:j] {
				if 'a' <= c && c <= 'z' {
					c -= 'a' - 'A'
				}
				dst = append(dst, c)
			}
		}
		if i = j; i == len(s) {
			break
		}
		r, size, bad := decodeRune(s, i, json)
		i += size
		switch {
		case bad:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case r == '"' || r == '\\':
			if mode&textQuoted != 0 {
				dst = append(dst, '\\')
			}
			dst = append(dst, byte(r))
		case isPrint(r) || r == ' ':
			if mode&textUpper != 0 {
				r = unicode.ToUpper(r)
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = appendEscape(dst, r)
		}
	}
	return dst
}

// appendEscape appends the Go escape of a non-printable character.
func appendEscape(dst []byte, r rune) []byte {
	switch r {
	case '\a':
		return append(dst, '\\', 'a')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\v':
		return append(dst, '\\', 'v')
	}
	switch {
	case r < utf8.RuneSelf:
		return append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
	case r <= 0xffff:
		return appendU4(dst, 'u', r)
	}
	dst = append(dst, '\\', 'U')
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[r>>shift&0xf])
	}
	return dst
}

// appendU4 appends \u (or \U) and four hex digits.
func appendU4(dst []byte, u byte, r rune) []byte {
	return append(dst, '\\', u, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendCompact appends a JSON object or array without insignificant
// whitespace. Its strings keep their JSON escapes; raw bytes that are not
// printable or not valid UTF-8 are rewritten as \u escapes (U+FFFD for
// invalid bytes), so the result is both safe to print and valid JSON.
func appendCompact(dst, v []byte) []byte {
	inString := false
	for i := 0; i < len(v); {
		c := v[i]
		if !inString {
			if byteClass[c]&clsSpace == 0 {
				dst = append(dst, c)
				inString = c == '"'
			}
			i++
			continue
		}
		switch {
		case c == '"':
			dst = append(dst, c)
			inString = false
			i++
		case c == '\\':
			// An escape is ASCII text; copy it whole (validated by scanString).
			n := 2
			if v[i+1] == 'u' {
				n = 6
			}
			dst = append(dst, v[i:i+n]...)
			i += n
		case byteClass[c]&clsText != 0:
			j := i + 1
			for j < len(v) && byteClass[v[j]]&clsText != 0 {
				j++
			}
			dst = append(dst, v[i:j]...)
			i = j
		default:
			r, size, bad := decodeRune(v, i, false)
			i += size
			switch {
			case bad:
				dst = appendU4(dst, 'u', utf8.RuneError)
			case isPrint(r):
				dst = utf8.AppendRune(dst, r)
			case r <= 0xffff:
				dst = appendU4(dst, 'u', r)
			default:
				r1, r2 := utf16.EncodeRune(r)
				dst = appendU4(dst, 'u', r1)
				dst = appendU4(dst, 'u', r2)
			}
		}
	}
	return dst
}
