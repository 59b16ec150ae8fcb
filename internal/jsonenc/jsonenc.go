// Package jsonenc appends JSON strings exactly as zerolog writes them, for
// the records LogCrest encodes itself (flow_start and flow_end), so that a
// value reads the same in every record whoever encoded it.
package jsonenc

import (
	"unicode/utf8"
	"unsafe"
)

// safe[b] is true for the bytes that go into a JSON string as they are:
// printable ASCII but '"' and '\\'.
var safe = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// String appends s to dst as a quoted JSON string. Like zerolog: '"' and
// '\\' are escaped with a backslash; \b \f \n \r \t get their short forms;
// other control bytes and DEL are \u00XX; an invalid UTF-8 byte becomes
// \ufffd; valid UTF-8 is copied as is.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if !safe[s[i]] {
			return append(appendSlow(dst, s, i), '"')
		}
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

// Bytes appends b to dst as String appends a string, without copying b to
// one.
func Bytes(dst, b []byte) []byte {
	return String(dst, unsafe.String(unsafe.SliceData(b), len(b)))
}

// appendSlow appends s, whose bytes before i need no escaping.
func appendSlow(dst []byte, s string, i int) []byte {
	start := 0
	for i < len(s) {
		b := s[i]
		if b >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if safe[b] {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '"', '\\':
			dst = append(dst, '\\', b)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
		}
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// Key appends ,"key": to dst: a field after the first of an object.
func Key(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		if !safe[key[i]] {
			dst = String(append(dst, ','), key)
			return append(dst, ':')
		}
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}
