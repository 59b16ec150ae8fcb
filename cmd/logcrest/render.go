package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Rendering shared by the commands: the output with or without colour,
// durations, padding, and JSON made safe for a terminal.

// style writes to the output, buffered, with or without colour,
// remembering the first write error.
type style struct {
	w     *bufio.Writer
	color bool
	err   error
}

func newStyle(w io.Writer, color bool) *style {
	return &style{w: bufio.NewWriterSize(w, 64<<10), color: color}
}

// flush writes out what is buffered and returns the first error met.
func (s *style) flush() error {
	if err := s.w.Flush(); s.err == nil {
		s.err = err
	}
	return s.err
}

// Colours, as SGR parameters.
const (
	ansiFailed  = "1;31"
	ansiOK      = "32"
	ansiRunning = "33"
	ansiStep    = "36"
	ansiFlow    = "34"
	ansiService = "35"
	ansiDim     = "2"
	ansiBold    = "1"
	ansiWarn    = "33"
)

func (s *style) paint(sgr, text string) string {
	if !s.color || text == "" {
		return text
	}
	return "\x1b[" + sgr + "m" + text + "\x1b[0m"
}

func (s *style) dim(text string) string  { return s.paint(ansiDim, text) }
func (s *style) bold(text string) string { return s.paint(ansiBold, text) }

func (s *style) statusCode(code int) string {
	t := strconv.Itoa(code)
	switch {
	case code >= 500:
		return s.paint(ansiFailed, t)
	case code >= 400:
		return s.paint(ansiWarn, t)
	}
	return s.paint(ansiOK, t)
}

func (s *style) printf(format string, args ...any) {
	if s.err == nil {
		_, s.err = fmt.Fprintf(s.w, format, args...)
	}
}

func (s *style) write(b []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

func (s *style) nl() { s.printf("\n") }

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

func padRight(s string, n int) string {
	if w := len([]rune(s)); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

func padLeft(s string, n int) string {
	if w := len([]rune(s)); w < n {
		return strings.Repeat(" ", n-w) + s
	}
	return s
}
