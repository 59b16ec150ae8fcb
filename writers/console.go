// Console: the sink that carries console lines to a terminal (os.Stdout by
// default) without ever closing it. TextFormatter, in textformat.go, renders
// the lines.

package writers

import (
	"io"
	"os"

	"github.com/logcrest/logcrest/internal/stdio"
)

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
