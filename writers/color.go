// Colour: the ANSI sequences TextFormatter uses, and ColorFor, which decides
// whether a writer is a terminal that should get them.

package writers

import (
	"io"
	"os"
	"strconv"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

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
