package writers

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/logcrest/logcrest/internal/stdio"
)

// warnPrefix opens the warning lines this package writes itself, like
// LogCrest's other warnings.
const warnPrefix = "logcrest: warning: "

// listings counts how often a RotatingFile has read its folder, for the
// tests that prove a rotation does not read it each time.
var listings atomic.Int64

// warnf formats a warning and gives it to warn or, when warn is nil,
// writes it to standard error as one "logcrest: warning: " line (a line
// break in the message is escaped).
func warnf(warn func(string), format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if warn != nil {
		warn(msg)
		return
	}
	line := make([]byte, 0, len(warnPrefix)+len(msg)+1)
	line = append(line, warnPrefix...)
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
			q := strconv.QuoteRune(r)
			line = append(line, q[1:len(q)-1]...)
			continue
		}
		line = utf8.AppendRune(line, r)
	}
	line = append(line, '\n')
	stderrMu.Lock()
	defer stderrMu.Unlock()
	if f := warnStderr(); f != nil {
		_, _ = f.Write(line)
	}
}

// stderrMu keeps two warnings of this package from mixing on one line.
var stderrMu sync.Mutex

// warnStderr is a duplicate of standard error (see internal/stdio): a
// reader that went away makes a write fail, not kill the process.
var warnStderr = sync.OnceValue(func() *os.File {
	f, _ := stdio.Safe(os.Stderr)
	return f
})
