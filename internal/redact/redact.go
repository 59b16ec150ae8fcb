// Package redact masks secrets in LogCrest's records before they leave the
// process: the values of keys that name a secret (password, authorization,
// *token...), at any depth, and, inside any string value, what looks like a
// secret wherever it is (a bearer token, a JWT, a card number, a match of
// the user's expression). A masked value becomes a fixed mask, or a keyed
// hash (HMAC-SHA256) when the user needs to tell equal values apart.
//
// It works on the bytes of one JSON record, on a sink's background
// goroutine: a record with nothing to mask costs one pass over its bytes
// and is returned as it is, never copied. RecordUnique makes the same pass
// check that no object repeats a key, so that a sink's goroutine walks a
// clean record once for both (it calls jsonenc.Uniquer only for a record
// the walk cannot vouch for).
package redact

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/bits"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/logcrest/logcrest/internal/jsonenc"
)

// Mask replaces a masked value when no hash key is set.
const Mask = "[REDACTED]"

// HashPrefix begins a keyed hash that replaces a masked value: "hmac:"
// and the first 16 hex digits of HMAC-SHA256(key, value).
const HashPrefix = "hmac:"

// DefaultKeys are the key patterns masked unless the user removes them: the
// names a secret goes by in code and HTTP headers. A pattern is matched
// against the whole key, case-insensitively; '*' stands for any run of
// characters. They are narrow on purpose: "*token" masks access_token and
// csrf_token but not token_count; client_secret, secret_key, secretKey and
// secrets are masked, secretary is not.
var DefaultKeys = []string{
	"password", "passwd", "pwd", "*password", "*passwd",
	"*secret", "secrets", "secret_*", "secret-*", "secret.*", "*_secret_*", "*secret*key",
	"token", "*token", "*_token_*", "api_key", "apikey", "*api-key", "*api_key", "*apikey",
	"authorization", "proxy-authorization", "cookie", "set-cookie",
	"private_key", "*private_key", "session_id", "sessionid",
}

// maxDepth is the deepest nesting followed; a record nested deeper is
// scanned as text for value patterns (no key rule can be applied there).
const maxDepth = 200

// Config says what a Redactor masks.
type Config struct {
	// Keys are key patterns (exact names or globs with '*'), matched
	// case-insensitively at any depth: the whole value of such a key is
	// masked, whatever its type.
	Keys []string
	// Pattern, when not nil, is matched inside every string value; each
	// match is masked.
	Pattern *regexp.Regexp
	// HashKey, when not empty, makes a masked value its keyed hash
	// (HashPrefix and 16 hex digits) instead of Mask.
	HashKey []byte
}

// Redactor masks records as its Config says. It is immutable and safe for
// concurrent use.
type Redactor struct {
	// seen remembers SecretKey's answer for each key met (raw, as
	// written), up to maxSeen; seenMu serialises the copies on write.
	seen    atomic.Pointer[map[string]bool]
	seenMu  sync.Mutex
	exact   map[string]bool
	globs   []keyGlob
	pattern *regexp.Regexp
	hashKey []byte
	walk    bool // masks nothing: walks a value (skip)
}

// New returns the Redactor for c.
func New(c Config) *Redactor {
	r := &Redactor{exact: map[string]bool{}, pattern: c.Pattern, hashKey: bytes.Clone(c.HashKey)}
	for _, k := range c.Keys {
		k = strings.ToLower(strings.TrimSpace(k))
		switch {
		case k == "":
		case strings.Contains(k, "*"):
			r.globs = append(r.globs, compileGlob(k))
		default:
			r.exact[k] = true
		}
	}
	for _, k := range ownKeys {
		r.remember([]byte(k), r.secretKey([]byte(k)))
	}
	return r
}

// Keys returns the key patterns in force: the defaults, then the user's
// adds, less the ones removed ("-name" removes name). Order is kept,
// duplicates dropped.
func Keys(user []string) []string {
	out := append([]string(nil), DefaultKeys...)
	for _, k := range user {
		k = strings.ToLower(strings.TrimSpace(k))
		if name, ok := strings.CutPrefix(k, "-"); ok {
			out = slicesDelete(out, strings.TrimSpace(name))
			continue
		}
		if k != "" && !contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func slicesDelete(s []string, v string) []string {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// SecretKey reports whether the value of key k is masked whole.
func (r *Redactor) SecretKey(k []byte) bool {
	if m := r.seen.Load(); m != nil {
		if secret, ok := (*m)[string(k)]; ok {
			return secret
		}
	}
	secret := r.secretKey(k)
	r.remember(k, secret)
	return secret
}

// maxSeen bounds the keys a Redactor remembers the answer for: a service
// uses a few dozen; keys made from data would otherwise grow it for ever.
const maxSeen = 1024

// remember keeps the answer for k, copying the map on write: keys are
// read on every record by every sink's goroutine and added rarely.
func (r *Redactor) remember(k []byte, secret bool) {
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	old := r.seen.Load()
	n := 0
	if old != nil {
		n = len(*old)
	}
	if n >= maxSeen {
		return
	}
	m := make(map[string]bool, n+1)
	if old != nil {
		for key, v := range *old {
			m[key] = v
		}
	}
	m[string(k)] = secret
	r.seen.Store(&m)
}

// ownKeys are keys LogCrest writes in most records: New answers them
// first, so that the most frequent keys are one lookup from the start.
var ownKeys = []string{"time", "level", "logger", "message", "trace_id", "span_id", "flow_id", "seq", "fn",
	"parent_span_id", "flow_type", "flow_status", "total_ms", "steps", "timeline", "at_ms",
	"ms", "status", "method", "path", "route", "http_status", "bytes", "client_ip", "buffered"}

// secretKey is SecretKey without the memory of earlier answers.
func (r *Redactor) secretKey(k []byte) bool {
	var buf [64]byte
	low := buf[:0]
	if len(k) > len(buf) {
		low = make([]byte, 0, len(k))
	}
	for _, c := range k {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low = append(low, c)
	}
	if r.exact[string(low)] {
		return true
	}
	for _, g := range r.globs {
		if matchGlob(g, low) {
			return true
		}
	}
	return false
}

// keyGlob is a key pattern with '*', in lower case; the common forms
// ("*x", "x*", "*x*") are matched without the general matcher.
type keyGlob struct {
	kind byte // 's' suffix, 'p' prefix, 'c' contains, 'g' general
	text []byte
	pat  string
}

func compileGlob(p string) keyGlob {
	inner := strings.Trim(p, "*")
	g := keyGlob{kind: 'g', text: []byte(inner), pat: p}
	if !strings.Contains(inner, "*") {
		pre, suf := p[0] == '*', p[len(p)-1] == '*'
		switch {
		case pre && suf:
			g.kind = 'c'
		case pre:
			g.kind = 's'
		case suf:
			g.kind = 'p'
		}
	}
	return g
}

func matchGlob(g keyGlob, s []byte) bool {
	switch g.kind {
	case 'c':
		return bytes.Contains(s, g.text)
	case 's':
		return bytes.HasSuffix(s, g.text)
	case 'p':
		return bytes.HasPrefix(s, g.text)
	}
	return glob(g.pat, s)
}

// glob matches s against pattern p, where '*' stands for any run of bytes.
func glob(p string, s []byte) bool {
	px, sx := 0, 0
	nextP, nextS := -1, -1
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			if p[px] == '*' {
				nextP, nextS = px, sx+1
				px++
				continue
			}
			if sx < len(s) && p[px] == s[sx] {
				px++
				sx++
				continue
			}
		}
		if nextP >= 0 && nextS <= len(s) {
			px, sx = nextP+1, nextS
			nextS++
			continue
		}
		return false
	}
	return true
}

// Replace returns what a masked value v becomes: Mask, or its keyed hash.
func (r *Redactor) Replace(v []byte) string {
	if len(r.hashKey) == 0 {
		return Mask
	}
	m := hmac.New(sha256.New, r.hashKey)
	m.Write(v)
	var sum [sha256.Size]byte
	return HashPrefix + hex.EncodeToString(m.Sum(sum[:0])[:8])
}

// String returns s with every value pattern in it masked, and how many
// matches were masked; s itself when none was.
func (r *Redactor) String(s string) (string, int) {
	spans := r.find([]byte(s), nil)
	if len(spans) == 0 {
		return s, 0
	}
	return string(r.mask(nil, []byte(s), spans)), len(spans)
}

// Record returns rec, one JSON record (an optional leading byte below ' '
// and a trailing newline are kept), with every secret masked, and the
// number of values masked. When nothing was masked it returns rec itself,
// uncopied; otherwise the rewritten record is appended to dst[:0].
func (r *Redactor) Record(dst, rec []byte) ([]byte, int) {
	out, n, _ := r.record(nil, dst, rec)
	return out, n
}

// Scratch is the memory one goroutine reuses from one RecordUnique call to
// the next: the answers of SecretKey for the keys it met, and the keys of
// the objects being walked. The zero Scratch is ready for use; it is not
// safe for concurrent use.
type Scratch struct {
	cache [cacheSize]cachedKey
	keys  [][]byte // the keys of the objects being walked, innermost last
}

// cacheSize is the number of keys a Scratch remembers SecretKey's answer
// for, each in the slot its hash names (a key that meets another in its
// slot takes it over).
const cacheSize = 1 << cacheBits

const cacheBits = 8

// cachedKey is a key (up to len(b) bytes, as written) and whether it is a
// secret's.
type cachedKey struct {
	n      uint8 // 0: an empty slot
	secret bool
	b      [30]byte
}

// keyHash is a cheap hash of k, from its length and its first and last
// eight bytes: its top bits name k's slot in a Scratch's cache, its low
// bits a bit in an object's set of keys.
func keyHash(k []byte) uint64 {
	var x uint64
	if len(k) >= 8 {
		x = binary.LittleEndian.Uint64(k) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(k[len(k)-8:]), 29)
	} else {
		for i, c := range k {
			x |= uint64(c) << (8 * i)
		}
	}
	x ^= uint64(len(k)) << 56
	x *= 0x9e3779b97f4a7c15
	return x ^ x>>32
}

// secretKeyCached is SecretKey through the cache of s.
func (r *Redactor) secretKeyCached(s *Scratch, k []byte, h uint64) bool {
	if len(k) == 0 || len(k) > len(s.cache[0].b) {
		return r.SecretKey(k)
	}
	c := &s.cache[h>>(64-cacheBits)]
	if int(c.n) == len(k) && string(c.b[:c.n]) == string(k) {
		return c.secret
	}
	secret := r.SecretKey(k)
	c.n = uint8(copy(c.b[:], k))
	c.secret = secret
	return secret
}

// RecordUnique is Record and, in the same pass, a check of the record's
// keys: unique reports that the record is well-formed JSON in which no
// object, at any depth, repeats a key, and so that the record returned
// (masked or not) needs no other check. False means a key is repeated, or
// may be (a key with an escape or a byte outside ASCII, compared here as
// written while a reader decodes it), or the record could not be walked:
// the caller then checks it the slow way (jsonenc.Uniquer).
func (r *Redactor) RecordUnique(s *Scratch, dst, rec []byte) (out []byte, n int, unique bool) {
	return r.record(s, dst, rec)
}

// record is Record, checking the keys with s when s is not nil.
func (r *Redactor) record(s *Scratch, dst, rec []byte) ([]byte, int, bool) {
	w := writer{r: r, src: rec, dst: dst[:0], s: s, unique: s != nil}
	if s != nil {
		s.keys = s.keys[:0]
	}
	i := 0
	if i < len(rec) && rec[i] < ' ' && rec[i] != '\n' && rec[i] != '\t' && rec[i] != '\r' {
		i++ // a mark the ring's Format reads
	}
	i = skipSpace(rec, i)
	if _, ok := w.value(i, 0); !ok {
		// Not JSON (or too deep): no key can be trusted, so scan the
		// whole record as text for the value patterns.
		w = writer{r: r, src: rec, dst: dst[:0]}
		spans := r.find(rec, nil)
		if len(spans) == 0 {
			return rec, 0, false
		}
		return r.mask(w.dst, rec, spans), len(spans), false
	}
	if w.n == 0 {
		return rec, 0, w.unique
	}
	w.dst = append(w.dst, rec[w.last:]...)
	return w.dst, w.n, w.unique
}

// writer rewrites src lazily: dst holds src[:last] with its replacements
// once the first one is made.
type writer struct {
	r    *Redactor
	src  []byte
	dst  []byte
	last int
	n    int
	// s, when not nil, caches the key answers and holds the keys for the
	// check of their uniqueness; unique stays true while it holds.
	s      *Scratch
	unique bool
}

// replace puts text (raw JSON) in place of src[start:end].
func (w *writer) replace(start, end int, text []byte) {
	w.dst = append(w.dst, w.src[w.last:start]...)
	w.dst = append(w.dst, text...)
	w.last = end
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && jsonSpace[b[i]] {
		i++
	}
	return i
}

// jsonSpace holds the bytes JSON allows between tokens.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// value walks the value at src[i] and returns the index past it.
func (w *writer) value(i, depth int) (int, bool) {
	b := w.src
	if i >= len(b) || depth > maxDepth {
		return i, false
	}
	switch b[i] {
	case '{':
		return w.object(i, depth+1)
	case '[':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = w.value(skipSpace(b, i), depth+1); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == ']' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i++
		}
	case '"':
		end, esc, ok := scanString(b, i)
		if !ok {
			return end, false
		}
		w.str(i, end, esc)
		return end, true
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		if j == i {
			return j, false
		}
		// A number can be a card number (13 digits at least), or match
		// the user's pattern.
		if b[i] < '0' || b[i] > '9' || j-i < minFind && w.r.pattern == nil {
			return j, true
		}
		if spans := w.r.find(b[i:j], nil); len(spans) > 0 {
			w.replace(i, j, jsonenc.String(nil, w.r.Replace(b[i:j])))
			w.n++
		}
		return j, true
	}
}

// object walks the object at src[i].
func (w *writer) object(i, depth int) (int, bool) {
	b := w.src
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	// The keys of this object are w.s.keys[base:]; seen has a bit set for
	// the hash of each, so that only a key whose bit is set already is
	// compared with the others.
	var base int
	var seen [4]uint64
	if w.s != nil {
		base = len(w.s.keys) // put back when the object ends (a malformed record's walk ends with it)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, false
		}
		kend, plain, ok := scanKey(b, i)
		if !ok {
			return kend, false
		}
		key := b[i+1 : kend-1]
		if !plain {
			// An escape or a byte outside ASCII: a reader may see this
			// key as another written differently, which only the
			// Uniquer's decoding check tells.
			w.unique = false
			if bytes.IndexByte(key, '\\') >= 0 {
				var s string
				if json.Unmarshal(b[i:kend], &s) != nil {
					return kend, false
				}
				key = []byte(s)
			}
		}
		i = skipSpace(b, kend)
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		i = skipSpace(b, i+1)
		var secret bool
		if w.s != nil {
			h := keyHash(key)
			if w.unique {
				bit := &seen[h>>6&3]
				if *bit&(1<<(h&63)) != 0 {
					for _, o := range w.s.keys[base:] {
						if string(o) == string(key) {
							w.unique = false
							break
						}
					}
				}
				*bit |= 1 << (h & 63)
				w.s.keys = append(w.s.keys, key)
			}
			secret = w.r.secretKeyCached(w.s, key, h)
		} else {
			secret = w.r.SecretKey(key)
		}
		if secret {
			start := i
			var ok bool
			// Walk it untouched: a scratch writer so that nothing inside
			// is replaced on its own.
			inner := writer{r: w.r, src: b}
			if i, ok = inner.skip(start, depth); !ok {
				return i, false
			}
			v := b[start:i]
			if v[0] == '"' {
				v = decode(v)
			}
			w.replace(start, i, jsonenc.String(nil, w.r.Replace(v)))
			w.n++
		} else if end, ok := w.ownID(i, depth, key); ok {
			i = end
		} else {
			var ok bool
			if i, ok = w.value(i, depth); !ok {
				return i, false
			}
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, false
		}
		if b[i] == '}' {
			if w.s != nil {
				w.s.keys = w.s.keys[:base]
			}
			return i + 1, true
		}
		if b[i] != ',' {
			return i, false
		}
		i = skipSpace(b, i+1)
	}
}

// ownID walks the value at src[i] when it is one of the identifiers
// LogCrest writes at the top of a record (depth 1), in its own form, and
// returns the index past it: trace_id (32 lowercase hex digits), span_id
// and parent_span_id (16), flow_id ("<label>-<8 hex>" or "<8 hex>"). The
// value patterns are not applied to the random part of an ID, which is
// never a secret but can pass for one: a span ID is all decimal digits,
// card-like and Luhn-valid about once in 66,000 ((10/16)^16 x 0.28 x 0.1;
// integration/otelcol, ~3,000 spans a run, failed CI on it), and masking
// it cuts the record from its trace. A flow_id's label may be what a
// client sent (X-Request-ID) and is searched like any string, but without
// the suffix, with which a numeric label reads as a longer number ("41111"
// and "10000008" make a Luhn-valid card) and the flow_id in the files
// would no longer be the X-Flow-ID the client got. Key rules come first:
// a user who names such a key a secret has it masked.
func (w *writer) ownID(i, depth int, key []byte) (int, bool) {
	if depth != 1 {
		return 0, false
	}
	switch string(key) {
	case "trace_id":
		return hexString(w.src, i, 32)
	case "span_id", "parent_span_id":
		return hexString(w.src, i, 16)
	case "flow_id":
		return w.flowID(i)
	}
	return 0, false
}

// hexString reports whether b[i:] begins with a JSON string of n
// lowercase hex digits, and returns the index past it.
func hexString(b []byte, i, n int) (int, bool) {
	if len(b)-i < n+2 || b[i] != '"' || b[i+n+1] != '"' || !lowerHex(b[i+1:i+n+1]) {
		return 0, false
	}
	return i + n + 2, true
}

func lowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// flowIDSuffix is what LogCrest appends to a flow's label to make its
// flow_id: '-' and 8 hex digits (the 8 digits alone when the flow has no
// label).
const flowIDSuffix = len("-3a7e2b1f")

// flowID is ownID for a flow_id: it masks the value patterns in the label
// only.
func (w *writer) flowID(i int) (int, bool) {
	b := w.src
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	end, esc, ok := scanString(b, i)
	if !ok || esc {
		return 0, false
	}
	v := b[i+1 : end-1]
	if len(v) < 8 || !lowerHex(v[len(v)-8:]) {
		return 0, false
	}
	if len(v) == 8 {
		return end, true
	}
	if len(v) <= flowIDSuffix || v[len(v)-flowIDSuffix] != '-' {
		return 0, false
	}
	label := v[:len(v)-flowIDSuffix]
	spans := w.r.find(label, nil)
	if len(spans) == 0 {
		return end, true
	}
	masked := append(w.r.mask(nil, label, spans), v[len(label):]...)
	w.replace(i, end, jsonenc.Bytes(nil, masked))
	w.n += len(spans)
	return end, true
}

// skip walks the value at src[i] without masking anything in it.
func (w *writer) skip(i, depth int) (int, bool) {
	saved := w.r
	w.r = &Redactor{walk: true}
	end, ok := w.value(i, depth)
	w.r = saved
	return end, ok
}

// decode returns the contents of the JSON string s (quotes included).
func decode(s []byte) []byte {
	if bytes.IndexByte(s, '\\') < 0 {
		return s[1 : len(s)-1]
	}
	var v string
	if json.Unmarshal(s, &v) != nil {
		return s[1 : len(s)-1]
	}
	return []byte(v)
}

// str masks the value patterns inside the string src[start:end].
func (w *writer) str(start, end int, esc bool) {
	raw := w.src[start+1 : end-1]
	if esc {
		raw = decode(w.src[start:end])
	}
	spans := w.r.find(raw, nil)
	if len(spans) == 0 {
		return
	}
	masked := w.r.mask(nil, raw, spans)
	w.replace(start, end, jsonenc.Bytes(nil, masked))
	w.n += len(spans)
}

// scanString returns the index past the string at b[i] ('"') and whether
// it holds an escape.
func scanString(b []byte, i int) (end int, esc, ok bool) { return jsonenc.ScanString(b, i) }

// scanKey returns the index past the string at b[i] ('"') and whether its
// bytes are its content (no escape, only ASCII).
func scanKey(b []byte, i int) (end int, plain, ok bool) { return jsonenc.ScanKey(b, i) }

// minFind is the length of the shortest text a built-in value pattern
// matches: a card number's 13 digits ("Bearer " and 8 bytes of token make
// 15, a JWT at least 14).
const minFind = 13

// span is a part of a string to mask.
type span struct{ start, end int }

// find appends to spans the parts of s the value patterns match, sorted
// and not overlapping.
func (r *Redactor) find(s []byte, spans []span) []span {
	if r.walk || len(s) < minFind && r.pattern == nil {
		return spans
	}
	spans = findBearer(s, spans)
	spans = findJWT(s, spans)
	spans = findCards(s, spans)
	if r.pattern != nil {
		for _, m := range r.pattern.FindAllIndex(s, -1) {
			if m[1] > m[0] {
				spans = append(spans, span{m[0], m[1]})
			}
		}
	}
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp.start <= last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// mask appends s to dst with each span replaced.
func (r *Redactor) mask(dst, s []byte, spans []span) []byte {
	last := 0
	for _, sp := range spans {
		dst = append(dst, s[last:sp.start]...)
		dst = append(dst, r.Replace(s[sp.start:sp.end])...)
		last = sp.end
	}
	return append(dst, s[last:]...)
}
