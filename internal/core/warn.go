package core

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/logcrest/logcrest/internal/stdio"
)

// warnPrefix opens every warning line LogCrest writes about itself.
const warnPrefix = "logcrest: warning: "

// maxShown caps how many bytes of an untrusted value a warning quotes.
const maxShown = 80

// The warning output: one writer for the whole process, written one line at
// a time under warnMu so that lines from concurrent goroutines never mix.
var (
	warnMu  sync.Mutex
	warnOut io.Writer = os.Stderr
)

// Warnf writes one line, "logcrest: warning: " followed by the formatted
// message and a newline, to the warning output (os.Stderr unless
// SetWarnOutput changed it). Control characters in the message, newlines
// included, are written escaped (\n, \x00, \u2028, ...), so a warning is
// always exactly one line whatever the arguments hold. It is safe for
// concurrent use; a failed write is ignored.
func Warnf(format string, args ...any) {
	writeWarning(nil, fmt.Sprintf(format, args...))
}

// SetWarnOutput sends the warnings of Warnf, and those of Resolve when it is
// given no writer, to w; nil discards them. It returns a function that puts
// back the previous output, for tests and for programs that embed LogCrest:
//
//	defer core.SetWarnOutput(&buf)()
func SetWarnOutput(w io.Writer) (restore func()) {
	warnMu.Lock()
	prev := warnOut
	warnOut = w
	warnMu.Unlock()
	return func() {
		warnMu.Lock()
		warnOut = prev
		warnMu.Unlock()
	}
}

// writeWarning writes msg as one warning line to w, or to the package output
// when w is nil.
func writeWarning(w io.Writer, msg string) {
	line := warnLine(msg)
	if w != nil {
		_, _ = w.Write(line)
		return
	}
	warnMu.Lock()
	defer warnMu.Unlock()
	out := warnOut
	if out == os.Stderr {
		out = stderr()
	}
	if out != nil {
		_, _ = out.Write(line)
	}
}

// stderr returns the file warnings go to by default: a duplicate of the
// process's standard error (see package internal/stdio), so that a warning
// about a broken pipe cannot itself kill the process with SIGPIPE.
var stderr = sync.OnceValue(func() *os.File {
	f, _ := stdio.Safe(os.Stderr)
	return f
})

// warnLine returns the complete warning line for msg, ending in a newline.
func warnLine(msg string) []byte {
	line := make([]byte, 0, len(warnPrefix)+len(msg)+1)
	line = append(line, warnPrefix...)
	line = appendEscaped(line, msg)
	return append(line, '\n')
}

// oneLine returns msg with every character that could break or forge a line
// escaped; it is msg itself when there is none.
func oneLine(msg string) string {
	for i := 0; i < len(msg); {
		r, size := utf8.DecodeRuneInString(msg[i:])
		if breaksLine(r, size) {
			return string(appendEscaped(make([]byte, 0, len(msg)+8), msg))
		}
		i += size
	}
	return msg
}

// appendEscaped appends s to dst with control characters (C0, DEL, C1),
// the Unicode line and paragraph separators and invalid UTF-8 escaped the way
// Go quotes them.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = fmt.Appendf(dst, `\x%02x`, s[i])
		case breaksLine(r, size):
			q := strconv.QuoteRune(r)
			dst = append(dst, q[1:len(q)-1]...)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// breaksLine reports whether the rune r (of encoded size size) must not
// appear raw in a warning line.
func breaksLine(r rune, size int) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		r == '\u2028' || r == '\u2029' || (r == utf8.RuneError && size == 1)
}

// quote returns s as a Go-quoted string for a warning, cut to about maxShown
// bytes (on a character boundary, "..." after the closing quote) so that a
// hostile value can neither forge lines nor flood the output.
func quote(s string) string {
	if len(s) <= maxShown {
		return strconv.Quote(s)
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// warnLimiter lets one warning through per fault and per minute. Its state
// outlives pipelines, so a rebuild does not repeat a warning.
type warnLimiter struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// writeWarnings rate-limits the warnings about failing sinks for the whole
// process, across rebuilds.
var writeWarnings warnLimiter

// allow reports whether a warning about the fault key may be written at now,
// and if so starts its quiet minute.
func (l *warnLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if last, seen := l.last[key]; seen && now.Sub(last) < warnEvery {
		return false
	}
	if l.last == nil {
		l.last = make(map[string]time.Time)
	}
	if len(l.last) >= 64 { // forget quiet faults so the map stays small
		for k, t := range l.last {
			if now.Sub(t) >= warnEvery {
				delete(l.last, k)
			}
		}
	}
	l.last[key] = now
	return true
}

// reset forgets every fault.
func (l *warnLimiter) reset() {
	l.mu.Lock()
	l.last = nil
	l.mu.Unlock()
}
