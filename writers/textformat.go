// Text rendering: TextFormatter turns one zerolog JSON record into one
// human-readable line. The scanner it reads records with is in textscan.go,
// the escaping of what it prints in textescape.go, its colours in color.go,
// and Console, the sink that carries the lines to a terminal, in console.go.
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
	"github.com/logcrest/logcrest/internal/schema"
	"unicode/utf8"

	"github.com/fatih/color"
)

// Field names with a fixed place on the line.
const (
	timeKey    = schema.KeyTime
	levelKey   = schema.KeyLevel
	loggerKey  = schema.KeyLogger
	messageKey = schema.KeyMessage
	errorKey   = schema.KeyError
	traceIDKey = schema.KeyTraceID
	spanIDKey  = schema.KeySpanID
	flowIDKey  = schema.KeyFlowID
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
