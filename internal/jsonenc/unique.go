package jsonenc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode/utf8"

	"github.com/logcrest/logcrest/internal/schema"
)

// DupKey is the member under which an object keeps the values of a key it
// would otherwise hold twice: {"seq":3,"a":2,"logcrest_dup":{"seq":[0],"a":[1]}}.
// Each key in it holds an array of the values displaced, in the order they
// were written.
const DupKey = schema.KeyDup

// maxDepth is the deepest nesting Unique follows; a record nested deeper is
// left as it is. Rewriting an object that repeats a key copies it once
// more, so the bound also bounds the work a hostile record can cause.
const maxDepth = 1000

// Uniquer makes the keys of JSON records unique at every depth (I-JSON,
// RFC 7493), for a sink's background goroutine: a record whose keys are
// unique already, the common case, is checked in one pass and returned as
// it is; only one that repeats a key is rewritten.
//
// In an object that repeats a key, one value keeps the key and the others
// move, in their order, into an array under that key in the object's
// DupKey member, which is added at the end of the object. The value kept is
// the first for the keys given to NewUniquer at the top level of a record
// (LogCrest's own fields, which it writes before the user's), and the last
// for every other key (LogCrest's message, written after the user's fields;
// and between a user's own fields the latest, as a JSON reader keeping the
// last value would read it). A member the object itself had under DupKey
// moves into DupKey too when the object needs one, so the name is never
// repeated either.
//
// A Uniquer is not safe for concurrent use; it reuses its memory from one
// record to the next.
type Uniquer struct {
	first map[string]bool
	keys  [][]byte // the keys of the objects being checked, innermost last
	out   []byte   // the last rewritten record
	tmp   []byte   // scratch for an object being rewritten
}

// NewUniquer returns a Uniquer that keeps the first value, at the top level
// of a record, of the keys in first.
func NewUniquer(first ...string) *Uniquer {
	u := &Uniquer{first: make(map[string]bool, len(first))}
	for _, k := range first {
		u.first[k] = true
	}
	return u
}

// Unique returns rec, a JSON object optionally ending in '\n', when no object
// in it repeats a key (or when it is not well-formed JSON, which it leaves
// to the reader), else a rewritten copy of it with unique keys, the
// whitespace between its tokens dropped and its '\n' kept, valid until the
// next call.
func (u *Uniquer) Unique(rec []byte) []byte {
	body := rec
	if n := len(body); n > 0 && body[n-1] == '\n' {
		body = body[:n-1]
	}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return rec
	}
	_, dup, ok := u.checkObject(body, i, 1)
	u.keys = u.keys[:0]
	if !ok || !dup {
		return rec
	}
	out, end, ok := u.rewrite(u.out[:0], body, i, 0)
	if !ok || skipSpace(body, end) != len(body) {
		u.out = out
		return rec
	}
	if len(body) < len(rec) {
		out = append(out, '\n')
	}
	u.out = out
	return out
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// checkObject checks the object starting at b[i] ('{'), depth levels deep,
// and returns the index past it; dup reports a repeated key in it or in
// anything it holds (the check stops there), ok false malformed JSON. It
// is the path every record takes, so the compact JSON LogCrest writes is
// its fast case: whitespace is skipped only where it is found.
func (u *Uniquer) checkObject(b []byte, i, depth int) (end int, dup, ok bool) {
	if depth > maxDepth {
		return i, false, false
	}
	base := len(u.keys)
	// seen has a bit set for a hash of each key: a key whose bit is clear
	// is new, and only one whose bit is set is compared with the others.
	var seen [4]uint64
	i++
	if i < len(b) && b[i] != '"' {
		if i = skipSpace(b, i); i < len(b) && b[i] == '}' {
			return i + 1, false, true
		}
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, false, false
		}
		kend, plain, ok := scanKey(b, i)
		if !ok {
			return i, false, false
		}
		k := b[i+1 : kend-1]
		if !plain {
			if k, ok = decodeKey(b[i:kend]); !ok {
				return i, false, false
			}
		}
		if u.repeated(k, base, &seen) {
			return i, true, true
		}
		i = kend
		if i < len(b) && b[i] != ':' {
			i = skipSpace(b, i)
		}
		if i >= len(b) || b[i] != ':' {
			return i, false, false
		}
		i++
		if i >= len(b) {
			return i, false, false
		}
		switch c := b[i]; {
		case c == '"':
			i, ok = skipString(b, i)
		case scalarByte[c]:
			for i < len(b) && scalarByte[b[i]] {
				i++
			}
		default:
			if i, dup, ok = u.checkValue(b, skipSpace(b, i), depth); dup {
				return i, dup, ok
			}
		}
		if !ok {
			return i, false, false
		}
		if i < len(b) && b[i] != ',' && b[i] != '}' {
			i = skipSpace(b, i)
		}
		if i >= len(b) {
			return i, false, false
		}
		switch b[i] {
		case ',':
			i++
			if i < len(b) && b[i] != '"' {
				i = skipSpace(b, i)
			}
		case '}':
			u.keys = u.keys[:base]
			return i + 1, false, true
		default:
			return i, false, false
		}
	}
}

// repeated reports whether k is among the keys of the object whose first
// key is u.keys[base], and if not adds it.
func (u *Uniquer) repeated(k []byte, base int, seen *[4]uint64) bool {
	h := uint(len(k)) * 0x9e
	if len(k) > 0 {
		h ^= uint(k[0]) * 0x3b
		h ^= uint(k[len(k)-1]) * 0x1d
		h ^= uint(k[len(k)/2]) << 3
	}
	h &= 255
	if seen[h>>6]&(1<<(h&63)) != 0 {
		for _, o := range u.keys[base:] {
			if string(o) == string(k) {
				return true
			}
		}
	}
	seen[h>>6] |= 1 << (h & 63)
	u.keys = append(u.keys, k)
	return false
}

// checkValue checks the value starting at b[i] as checkObject does.
func (u *Uniquer) checkValue(b []byte, i, depth int) (end int, dup, ok bool) {
	if i >= len(b) {
		return i, false, false
	}
	switch b[i] {
	case '"':
		end, ok = skipString(b, i)
		return end, false, ok
	case '{':
		return u.checkObject(b, i, depth+1)
	case '[':
		if depth+1 > maxDepth {
			return i, false, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, false, true
		}
		for {
			if i, dup, ok = u.checkValue(b, i, depth+1); !ok || dup {
				return i, dup, ok
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false, false
			}
			switch b[i] {
			case ',':
				i = skipSpace(b, i+1)
			case ']':
				return i + 1, false, true
			default:
				return i, false, false
			}
		}
	}
	end = i
	for end < len(b) && scalarByte[b[end]] {
		end++
	}
	return end, false, end > i
}

// scalarByte holds the bytes of numbers, true, false and null.
var scalarByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eEtrufalsn") {
		t[c] = true
	}
	return t
}()

// scanKey returns the index past the string starting at b[i] ('"'), and
// whether its bytes are its content (no escape, only ASCII).
func scanKey(b []byte, i int) (end int, plain, ok bool) {
	plain = true
	j := i + 1
	for j < len(b) {
		if j+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[j:])
			m := (zero8(w^(lsb*'"')) | zero8(w^(lsb*'\\')) | w) & msb
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) / 8
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, plain, true
		case c == '\\':
			plain = false
			j += 2
		case c >= utf8.RuneSelf:
			plain = false
			j++
		default:
			j++
		}
	}
	return len(b), false, false
}

// ScanKey returns the index past the JSON string starting at b[i] ('"'),
// whether its bytes are its content (no escape, only ASCII), and false for
// a string that does not end.
func ScanKey(b []byte, i int) (end int, plain, ok bool) { return scanKey(b, i) }

// ScanString returns the index past the JSON string starting at b[i]
// ('"'), whether it holds an escape, and false for a string that does not
// end. It reads eight bytes at a time.
func ScanString(b []byte, i int) (end int, esc, ok bool) {
	j := i + 1
	for j < len(b) {
		if j+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[j:])
			m := (zero8(w^(lsb*'"')) | zero8(w^(lsb*'\\'))) & msb
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) / 8
		}
		switch b[j] {
		case '"':
			return j + 1, esc, true
		case '\\':
			esc = true
			j += 2
		default:
			j++
		}
	}
	return len(b), esc, false
}

// skipString returns the index past the string starting at b[i] ('"').
func skipString(b []byte, i int) (int, bool) {
	end, _, ok := ScanString(b, i)
	return end, ok
}

// Eight bytes at a time: w holds b[j:j+8], lowest address in the low byte.
// zero8 sets the high bit of at least the first zero byte of w, and of no
// byte before it (a borrow only reaches the bytes after a zero), so the
// lowest set bit of a test built from it marks the first byte that matches.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func zero8(w uint64) uint64 { return (w - lsb) &^ w }

// decodeKey returns the content of the JSON string s as a reader compares
// keys: escapes decoded, invalid UTF-8 as U+FFFD.
func decodeKey(s []byte) ([]byte, bool) {
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return s[1 : len(s)-1], true
	}
	var k string
	if err := json.Unmarshal(s, &k); err != nil {
		return nil, false
	}
	return []byte(k), true
}

// member is one member of an object being rewritten: its key as a reader
// compares it, and where the key as written and its value, rewritten, lie
// in the output.
type member struct {
	key        string
	k0, v0, v1 int
}

// rewrite appends the value at b[i] to dst with the keys of every object in
// it made unique (see Uniquer), depth levels deep, and returns the index
// past it.
func (u *Uniquer) rewrite(dst, b []byte, i, depth int) (_ []byte, end int, ok bool) {
	if i >= len(b) || depth > maxDepth {
		return dst, i, false
	}
	switch b[i] {
	case '{':
		return u.rewriteObject(dst, b, i, depth)
	case '[':
		dst = append(dst, '[')
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return append(dst, ']'), i + 1, true
		}
		for {
			if dst, i, ok = u.rewrite(dst, b, i, depth+1); !ok {
				return dst, i, false
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return dst, i, false
			}
			switch b[i] {
			case ',':
				dst = append(dst, ',')
				i = skipSpace(b, i+1)
			case ']':
				return append(dst, ']'), i + 1, true
			default:
				return dst, i, false
			}
		}
	case '"':
		end, ok = skipString(b, i)
	default:
		end = i
		for end < len(b) && scalarByte[b[end]] {
			end++
		}
		ok = end > i
	}
	return append(dst, b[i:end]...), end, ok
}

// rewriteObject rewrites the object at b[i] ('{'): its members are
// rewritten into dst as they come; when it turns out to repeat a key, they
// are put in their final order from a copy.
func (u *Uniquer) rewriteObject(dst, b []byte, i, depth int) (_ []byte, end int, ok bool) {
	start := len(dst)
	dst = append(dst, '{')
	var ms []member
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return append(dst, '}'), i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return dst, i, false
		}
		kend, _, ok := scanKey(b, i)
		if !ok {
			return dst, i, false
		}
		key, ok := decodeKey(b[i:kend])
		if !ok {
			return dst, i, false
		}
		if len(ms) > 0 {
			dst = append(dst, ',')
		}
		m := member{key: string(key), k0: len(dst)}
		dst = append(dst, b[i:kend]...)
		i = skipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return dst, i, false
		}
		dst = append(dst, ':')
		m.v0 = len(dst)
		if dst, i, ok = u.rewrite(dst, b, skipSpace(b, i+1), depth+1); !ok {
			return dst, i, false
		}
		m.v1 = len(dst)
		ms = append(ms, m)
		i = skipSpace(b, i)
		if i >= len(b) {
			return dst, i, false
		}
		if b[i] == '}' {
			end = i + 1
			break
		}
		if b[i] != ',' {
			return dst, i, false
		}
		i = skipSpace(b, i+1)
	}
	return u.settle(append(dst, '}'), start, ms, depth), end, true
}

// settle puts the members ms of the object rewritten in dst[start:], depth
// levels deep, in their final order when it repeats a key: the member that
// keeps each key where it was, the others in DupKey.
func (u *Uniquer) settle(dst []byte, start int, ms []member, depth int) []byte {
	// keep[k] is the index of the member that keeps key k.
	keep := make(map[string]int, len(ms))
	displaced := false
	for j, m := range ms {
		if prev, seen := keep[m.key]; seen {
			displaced = true
			if depth == 0 && u.first[m.key] {
				j = prev
			}
		}
		keep[m.key] = j
	}
	if !displaced {
		return dst
	}
	if _, ok := keep[DupKey]; ok {
		keep[DupKey] = -1 // the object's own DupKey member moves into DupKey
	}
	// The members as rewritten, from a copy: the children are done with
	// the scratch buffer, and the parents only use it once this returns.
	u.tmp = append(u.tmp[:0], dst[start:]...)
	src := u.tmp
	dst = append(dst[:start], '{')
	var order []string // the displaced keys, in the order first displaced
	moved := make(map[string][]int)
	n := 0
	for j, m := range ms {
		if keep[m.key] != j {
			if moved[m.key] == nil {
				order = append(order, m.key)
			}
			moved[m.key] = append(moved[m.key], j)
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, src[m.k0-start:m.v1-start]...)
	}
	if n > 0 {
		dst = append(dst, ',')
	}
	dst = String(dst, DupKey)
	dst = append(dst, ':', '{')
	for x, k := range order {
		if x > 0 {
			dst = append(dst, ',')
		}
		dst = String(dst, k)
		dst = append(dst, ':', '[')
		for y, j := range moved[k] {
			if y > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, src[ms[j].v0-start:ms[j].v1-start]...)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}', '}')
}
