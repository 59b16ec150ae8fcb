package main

// The records LogCrest writes, as this command reads them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// entry is one step of a flow_end timeline.
type entry struct {
	Fn     string  `json:"fn"`
	AtMs   float64 `json:"at_ms"`
	Ms     float64 `json:"ms"`
	Status string  `json:"status"`
	Parent int     `json:"parent"` // 1-based index of the enclosing step; 0 for none
}

// record is every field this command uses, from any record.
type record struct {
	Time         string `json:"time"`
	Level        string `json:"level"`
	Logger       string `json:"logger"`
	Message      string `json:"message"`
	TraceID      string `json:"trace_id"`
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id"`
	FlowID       string `json:"flow_id"`
	Seq          int64  `json:"seq"`
	Fn           string `json:"fn"`

	FlowType          string  `json:"flow_type"`
	FlowStatus        string  `json:"flow_status"`
	TotalMs           float64 `json:"total_ms"`
	Steps             int     `json:"steps"`
	Timeline          []entry `json:"timeline"`
	TimelineTruncated int     `json:"timeline_truncated"`
	FailedAt          string  `json:"failed_at"`
	Step              string  `json:"step"`
	FlowError         string  `json:"flow_error"`

	Method     string `json:"method"`
	Path       string `json:"path"`
	Route      string `json:"route"`
	RequestID  string `json:"request_id"`
	ClientIP   string `json:"client_ip"`
	HTTPStatus int    `json:"http_status"`
	Bytes      int64  `json:"bytes"`

	Ms     float64 `json:"ms"`
	Status string  `json:"status"`
	Error  string  `json:"error"`

	t time.Time // Time parsed; zero when missing or malformed
}

// decode reads one JSON record into v. A value of an unexpected type leaves
// that field empty and the rest is kept; only a line that is not a JSON
// object at all (torn, text, something else's) is an error.
func decode(line []byte, v any) error {
	err := json.Unmarshal(line, v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && len(line) > 0 && line[0] == '{' {
		return nil
	}
	return err
}

// parseTime reads the time of a record: RFC 3339 with any fraction.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// flowIDSuffix is the 8 hex digits LogCrest appends to a flow's label.
var flowIDSuffix = regexp.MustCompile(`(^|-)[0-9a-f]{8}$`)

// flowLabel is the label a flow ID was made from: "checkout" for
// "checkout-3a7e2b1f", "" for a bare "3a7e2b1f".
func flowLabel(flowID string) string {
	loc := flowIDSuffix.FindStringIndex(flowID)
	if loc == nil {
		return flowID
	}
	return flowID[:loc[0]]
}

// levelRank orders levels by severity; -1 for an unknown one.
func levelRank(l string) int {
	switch strings.ToLower(l) {
	case "trace":
		return 0
	case "debug":
		return 1
	case "info":
		return 2
	case "warn", "warning":
		return 3
	case "error":
		return 4
	case "fatal", "critical":
		return 5
	case "panic":
		return 6
	}
	return -1
}

// clean makes a value taken from a record safe to print on a terminal: a
// string of printable characters is returned as is, anything else (control
// characters, escape sequences, bidi overrides, invalid UTF-8) is quoted
// with Go escapes, as the console renderer does.
func clean(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(s)
		}
	}
	return s
}

// cleanErr is an error's message made safe to print like clean: errors
// carry file names and paths, which can hold any byte but '/' and NUL.
func cleanErr(err error) string { return clean(err.Error()) }

// jsonSafe escapes, in JSON that encoding/json wrote, the characters it
// leaves raw that a terminal acts on or that reorder what is shown: DEL,
// C1 controls, and every other character that is not printable (bidi
// overrides, zero-width marks). They can only be inside strings, where
// \uXXXX is the same character: the JSON means what it meant.
func jsonSafe(b []byte) []byte {
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r >= 0x7f && !unicode.IsPrint(r) {
			break
		}
		i += n
	}
	if i == len(b) {
		return b
	}
	out := append([]byte(nil), b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		i += n
		if r < 0x7f || unicode.IsPrint(r) {
			out = utf8.AppendRune(out, r)
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			continue
		}
		out = fmt.Appendf(out, `\u%04x`, r)
	}
	return out
}

// fmtMs formats milliseconds compactly: 0.012ms, 1.23ms, 45.6ms, 789ms,
// 12.3s.
func fmtMs(ms float64) string {
	switch {
	case ms >= 10000:
		return strconv.FormatFloat(ms/1000, 'f', 1, 64) + "s"
	case ms >= 1000:
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + "s"
	case ms >= 100:
		return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
	case ms >= 10:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	case ms >= 1:
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	}
	return strconv.FormatFloat(ms, 'f', 3, 64) + "ms"
}

// parseSince reads --since: a duration back from now (15m, 2h, 3d) or a
// time (RFC 3339, or a date).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 {
			return now.Add(-time.Duration(n * float64(24*time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--since %q: want a duration (15m, 2h, 3d) or a time (RFC 3339)", s)
}

// errNotObject is returned for a line that is not one whole JSON object.
var errNotObject = errors.New("not a JSON object")

// eachField calls fn with the key and raw value of each top-level field of
// the JSON object in b, without decoding the values: a fast path for the
// few fields of a flow_end that flows and stats read, where
// encoding/json would spend its time on the timeline. The key is raw (its
// escapes, if any, left in); a value keeps its quotes. b must be one whole
// object: a torn or malformed line is an error.
func eachField(b []byte, fn func(key, val []byte)) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotObject
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		if skipWS(b, i+1) != len(b) {
			return errNotObject
		}
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errNotObject
		}
		end := stringEnd(b, i)
		if end < 0 {
			return errNotObject
		}
		key := b[i+1 : end-1]
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return errNotObject
		}
		i = skipWS(b, i+1)
		vend := valueEnd(b, i)
		if vend < 0 {
			return errNotObject
		}
		fn(key, b[i:vend])
		i = skipWS(b, vend)
		if i >= len(b) {
			return errNotObject
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			if skipWS(b, i+1) != len(b) {
				return errNotObject
			}
			return nil
		default:
			return errNotObject
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// starts at b[i], or -1.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		q := i + j
		esc := 0 // backslashes right before the quote: odd escapes it
		for k := q - 1; k >= i && b[k] == '\\'; k-- {
			esc++
		}
		if esc%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
	return -1
}

// valueEnd returns the index after the JSON value that starts at b[i], or
// -1. Objects and arrays are matched by depth, strings skipped whole;
// scalars are taken up to the next delimiter.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				e := stringEnd(b, i)
				if e < 0 {
					return -1
				}
				i = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' && b[j] != '\n' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// jsonString returns the string a raw JSON string value holds; ok is false
// for any other value.
func jsonString(val []byte) (string, bool) {
	if len(val) < 2 || val[0] != '"' {
		return "", false
	}
	inner := val[1 : len(val)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(val, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonNumber returns the number a raw JSON value holds.
func jsonNumber(val []byte) (float64, bool) {
	if len(val) == 0 || (val[0] != '-' && (val[0] < '0' || val[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(val), 64)
	return f, err == nil
}
