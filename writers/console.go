// Console rendering: TextFormatter turns one zerolog JSON record into one
// human-readable line, and Console is the sink that carries those lines to a
// terminal (os.Stdout by default) without ever closing it.
//
// The renderer treats every record as hostile. Whatever a record holds, the
// line it becomes contains no raw control character (C0, DEL, ESC, C1), no
// line or paragraph separator, no bidirectional override and no invalid UTF-8:
// each is written as a visible escape. A caller therefore cannot forge a
// second log line or smuggle terminal escape sequences through a field. The
// only ANSI sequences in the output are the ones TextFormatter adds itself
// when Color is set.
//
// (File comment; the package documentation lives in doc.go.)

package writers

import (
	"encoding/binary"
	"io"
	"math/bits"
	"os"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"github.com/logcrest/logcrest/internal/stdio"
)

// Field names with a fixed place on the line.
const (
	timeKey    = "time"
	levelKey   = "level"
	loggerKey  = "logger"
	messageKey = "message"
	errorKey   = "error"
	traceIDKey = "trace_id"
	spanIDKey  = "span_id"
	flowIDKey  = "flow_id"
)

// Slots of the fields that are taken out of record order.
const (
	slotTime = iota
	slotLevel
	slotLogger
	slotMessage
	slotTrace
	slotSpan
	slotFlow
	numSlots
)

// maxFields is how many fields Append remembers from its first pass over a
// record; a record with more fields is parsed a second time instead.
const maxFields = 32

// maxDepth bounds the nesting of objects and arrays a record may hold. Deeper
// records are rendered raw, like any other malformed input.
const maxDepth = 1024

// sgr builds the escape sequence selecting the given SGR attributes.
func sgr(attrs ...color.Attribute) string {
	b := []byte("\x1b[")
	for i, a := range attrs {
		if i > 0 {
			b = append(b, ';')
		}
		b = strconv.AppendInt(b, int64(a), 10)
	}
	return string(append(b, 'm'))
}

// Escape sequences, derived once from fatih/color's attributes.
var (
	ansiReset   = sgr(color.Reset)
	ansiTime    = sgr(color.Faint)
	ansiLogger  = sgr(color.FgMagenta)
	ansiKey     = sgr(color.FgCyan)
	ansiErrKey  = sgr(color.FgRed)
	ansiIDField = sgr(color.Faint)

	// ansiEqReset ends a coloured key: the '=' still coloured, then reset.
	ansiEqReset = "=" + ansiReset
)

// levelInfo is how one known level is shown.
type levelInfo struct {
	name   string // lower-case zerolog name
	abbrev string // three-letter tag
	ansi   string // colour of the tag
}

// levels lists the zerolog levels by severity.
var levels = [...]levelInfo{
	{"trace", "TRC", sgr(color.FgBlue)},
	{"debug", "DBG", sgr(color.FgCyan)},
	{"info", "INF", sgr(color.FgGreen)},
	{"warn", "WRN", sgr(color.FgYellow)},
	{"error", "ERR", sgr(color.FgRed, color.Bold)},
	{"fatal", "FTL", sgr(color.FgRed, color.Bold)},
	{"panic", "PNC", sgr(color.FgRed, color.Bold)},
}

const hexDigits = "0123456789abcdef"

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

// TextFormatter renders one JSON record as one human-readable line:
//
//	time level logger message key=value ... trace_id=.. span_id=.. flow_id=..
//
// The level is abbreviated to three upper-case letters (TRC DBG INF WRN ERR FTL
// PNC; any other level is upper-cased as is). The other fields follow in
// record order, except trace_id, span_id and flow_id, which close the line. A
// string value is printed bare when it is made of printable characters other
// than space, '=' and '"'; otherwise it is quoted Go-style. Objects and arrays
// are printed as compact JSON. A fixed field (time, level, logger, message or
// an ID) that is missing or the empty string is left out. A record that is
// not a well-formed JSON object is printed raw, escaped, so nothing is lost.
//
// The zero value renders without colour. Append never allocates once dst has
// room for the line.
type TextFormatter struct {
	// Color adds ANSI colours: a dim time, a coloured level, a magenta logger
	// and cyan keys.
	Color bool
}

// span locates one field of a record: the key and the value, both as raw
// JSON (a string key or value still includes its quotes). kf and vf hold what
// validating the key and the value found out about them (see fText), so that
// the common case, a value printed exactly as it is written, costs one copy.
type span struct {
	k0, k1, v0, v1 int
	kf, vf         uint8
	fixed          bool // the field has a slot and is printed there
}

// Facts about a scanned key or value. Each lets the printer copy raw JSON
// instead of decoding and re-escaping it character by character.
const (
	// fSafe: a string whose bytes, outside its escapes, are all clsText.
	// Inside a compacted object or array it is copied as is.
	fSafe = 1 << iota
	// fText: fSafe and without escapes. Its content is printed as is,
	// and so is its raw JSON where a Go-quoted string is wanted, since the
	// two spell such a string alike.
	fText
	// fBare: fText, not empty and free of space and '=': printed bare,
	// without its quotes.
	fBare
	// fRaw: a number, literal, or object or array that is already compact
	// and holds only fSafe strings: printed exactly as it is written.
	fRaw
)

// Append appends the text form of rec (one JSON object, with or without a
// trailing '\n') to dst and returns the extended slice, which always ends in
// exactly one '\n'.
func (f TextFormatter) Append(dst, rec []byte) []byte {
	rec = trimNewline(rec)
	// The fields of the first pass, the first maxFields of them in fields
	// and any others, one at a time, in extra. slots points at the fixed
	// fields: into fields, or, for one found past maxFields, into spare.
	var (
		fields [maxFields]span
		extra  span
		spare  [numSlots]span
		slots  [numSlots]*span
	)
	nFields := 0
	// First pass: validate the whole record and find the fixed fields, so a
	// malformed record never leaves half a line behind.
	pos, ok := openObject(rec)
	for first := true; ok; first = false {
		fd := &extra
		if nFields < maxFields {
			fd = &fields[nFields]
		}
		var more bool
		pos, more, ok = nextField(rec, pos, first, fd)
		if !ok || !more {
			break
		}
		if s := slotOf(rec[fd.k0:fd.k1], fd.kf); s >= 0 && slots[s] == nil {
			fd.fixed = true
			if fd == &extra {
				spare[s] = extra
				fd = &spare[s]
			}
			slots[s] = fd
		}
		nFields++
	}
	if !ok || !onlySpace(rec[pos:]) {
		dst = appendText(dst, rec, 0)
		return append(dst, '\n')
	}

	start := len(dst)
	if s := slots[slotTime]; s != nil && !emptyString(rec, s) {
		if f.Color {
			dst = append(dst, ansiTime...)
		}
		dst = appendPlainFast(dst, rec[s.v0:s.v1], s.vf)
		if f.Color {
			dst = append(dst, ansiReset...)
		}
	}
	if s := slots[slotLevel]; s != nil && !emptyString(rec, s) {
		dst = sep(dst, start)
		dst = f.appendLevel(dst, rec[s.v0:s.v1])
	}
	if s := slots[slotLogger]; s != nil && !emptyString(rec, s) {
		dst = sep(dst, start)
		if f.Color {
			dst = append(dst, ansiLogger...)
		}
		dst = appendPlainFast(dst, rec[s.v0:s.v1], s.vf)
		if f.Color {
			dst = append(dst, ansiReset...)
		}
	}
	if s := slots[slotMessage]; s != nil && !emptyString(rec, s) {
		dst = sep(dst, start)
		dst = appendPlainFast(dst, rec[s.v0:s.v1], s.vf)
	}

	// Then every other field in record order.
	if nFields <= maxFields {
		for i := range fields[:nFields] {
			if fd := &fields[i]; !fd.fixed {
				dst = f.appendField(sep(dst, start), rec, fd)
			}
		}
	} else {
		// Too many fields to have remembered them all: parse the record
		// again, checking each field against the slots instead.
		pos, _ = openObject(rec)
		for first := true; ; first = false {
			var more bool
			if pos, more, _ = nextField(rec, pos, first, &extra); !more {
				break
			}
			if !isSlot(&slots, extra.k0) {
				dst = f.appendField(sep(dst, start), rec, &extra)
			}
		}
	}

	for _, s := range slots[slotTrace:] {
		if s == nil || emptyString(rec, s) {
			continue
		}
		dst = sep(dst, start)
		if f.Color {
			dst = append(dst, ansiIDField...)
		}
		dst = appendValueFast(dst, rec[s.k0:s.k1], s.kf)
		dst = append(dst, '=')
		dst = appendValueFast(dst, rec[s.v0:s.v1], s.vf)
		if f.Color {
			dst = append(dst, ansiReset...)
		}
	}
	return append(dst, '\n')
}

// appendField appends one field as key=value.
func (f TextFormatter) appendField(dst, rec []byte, fd *span) []byte {
	key := rec[fd.k0:fd.k1]
	if !f.Color {
		dst = appendValueFast(dst, key, fd.kf)
		dst = append(dst, '=')
	} else {
		if string(key) == `"`+errorKey+`"` {
			dst = append(dst, ansiErrKey...)
		} else {
			dst = append(dst, ansiKey...)
		}
		dst = appendValueFast(dst, key, fd.kf)
		dst = append(dst, ansiEqReset...)
	}
	return appendValueFast(dst, rec[fd.v0:fd.v1], fd.vf)
}

// appendLevel appends the level tag, abbreviated when the level is known.
func (f TextFormatter) appendLevel(dst, v []byte) []byte {
	if l := knownLevel(v); l != nil {
		if f.Color {
			dst = append(dst, l.ansi...)
			dst = append(dst, l.abbrev...)
			return append(dst, ansiReset...)
		}
		return append(dst, l.abbrev...)
	}
	if v[0] == '"' {
		return appendText(dst, v[1:len(v)-1], textJSON|textUpper)
	}
	return appendValue(dst, v)
}

// knownLevel returns the level a JSON value names, ignoring case, or nil.
func knownLevel(v []byte) *levelInfo {
	if len(v) < 2 || v[0] != '"' || len(v) > 7 {
		return nil
	}
	name := v[1 : len(v)-1]
	for i := range levels {
		l := &levels[i]
		if len(l.name) != len(name) {
			continue
		}
		match := true
		for j := 0; j < len(name); j++ {
			if name[j]|0x20 != l.name[j] {
				match = false
				break
			}
		}
		if match {
			return l
		}
	}
	return nil
}

// sep appends the space separating two parts of the line, unless nothing has
// been written since start.
func sep(dst []byte, start int) []byte {
	if len(dst) > start {
		dst = append(dst, ' ')
	}
	return dst
}

// isSlot reports whether the field whose key starts at k0 is a fixed field.
func isSlot(slots *[numSlots]*span, k0 int) bool {
	for _, s := range slots {
		if s != nil && s.k0 == k0 {
			return true
		}
	}
	return false
}

// emptyString reports whether the value of s is the empty JSON string.
func emptyString(rec []byte, s *span) bool {
	return s.v1-s.v0 == 2 && rec[s.v0] == '"'
}

// slotOf returns the slot of a fixed field given its raw JSON key and what
// scanning it found (kf), or -1.
func slotOf(key []byte, kf uint8) int {
	var buf [16]byte
	name := key[1 : len(key)-1]
	if kf&fText != 0 {
		// No escape to decode: the common case.
		return slotOfName(name)
	}
	for _, c := range name {
		if c == '\\' {
			// Decode the escaped key; no fixed name is longer than buf.
			n := 0
			for i := 0; i < len(name); {
				r, size, bad := decodeRune(name, i, true)
				i += size
				if bad || n+utf8.RuneLen(r) > len(buf) {
					return -1
				}
				n += utf8.EncodeRune(buf[n:], r)
			}
			name = buf[:n]
			break
		}
	}
	return slotOfName(name)
}

// slotOfName returns the slot of a fixed field given its decoded name, or -1.
func slotOfName(name []byte) int {
	if len(name) < len(timeKey) || len(name) > len(traceIDKey) {
		// Shorter than the shortest fixed name or longer than the longest:
		// most keys are rejected here.
		return -1
	}
	switch string(name) {
	case timeKey:
		return slotTime
	case levelKey:
		return slotLevel
	case loggerKey:
		return slotLogger
	case messageKey:
		return slotMessage
	case traceIDKey:
		return slotTrace
	case spanIDKey:
		return slotSpan
	case flowIDKey:
		return slotFlow
	}
	return -1
}

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

// appendPlainFast is appendPlain for a value whose facts fl are known: it
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

// Console is a sink for console output. It passes every Write through to the
// wrapped writer and never closes it: closing a logger must leave os.Stdout
// usable for the rest of the program.
//
// Given os.Stdout or os.Stderr, a Console writes through a duplicate of the
// descriptor (on Unix), so that a reader going away (./svc | head) makes its
// writes fail with EPIPE, which the ring counts and reports, instead of
// killing the process with SIGPIPE as Go does for writes to descriptors 1
// and 2. Close closes that duplicate only.
type Console struct {
	w   io.Writer
	own *os.File // the duplicate Close closes, or nil
}

// NewConsole returns a Console writing to w, or to os.Stdout when w is nil.
func NewConsole(w io.Writer) *Console {
	if w == nil {
		w = os.Stdout
	}
	c := &Console{w: w}
	if f, ok := w.(*os.File); ok {
		if d, owned := stdio.Safe(f); owned {
			c.w, c.own = d, d
		}
	}
	return c
}

// Write writes p to the wrapped writer.
func (c *Console) Write(p []byte) (int, error) { return c.w.Write(p) }

// Close leaves the wrapped writer open; it closes the Console's own
// duplicate of os.Stdout or os.Stderr, if it made one.
func (c *Console) Close() error {
	if c.own == nil {
		return nil
	}
	return c.own.Close()
}

// ColorFor reports whether output to w should be coloured: w (or the writer a
// Console wraps) is an *os.File open on a terminal and the NO_COLOR
// environment variable is unset or empty.
func ColorFor(w io.Writer) bool {
	if c, ok := w.(*Console); ok && c != nil {
		w = c.w
	}
	f, ok := w.(*os.File)
	if !ok || f == nil || os.Getenv("NO_COLOR") != "" {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}
