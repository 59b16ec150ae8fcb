// Package stdio gives LogCrest a handle on the process's standard output and
// error that a reader going away cannot turn into the death of the process.
//
// Go's runtime kills a process with SIGPIPE when a write to file descriptor 1
// or 2 finds the pipe's reader gone (./svc | head), unless the program has
// called signal.Notify for SIGPIPE; a write to any other descriptor just
// returns EPIPE (see os/signal). LogCrest therefore writes its console and
// its warnings through a duplicate of the descriptor: a broken console is
// then a counted write error and one warning, and the service lives on.
// Only the program's own writes to os.Stdout keep Go's default.
package stdio

import "os"

// Safe returns a file to write to in place of f: a duplicate of f's
// descriptor when f is the process's standard output or error (on Unix; see
// the package doc), which the caller owns and closes, and f itself
// otherwise, with owned false.
func Safe(f *os.File) (_ *os.File, owned bool) {
	if f == nil || (f != os.Stdout && f != os.Stderr) {
		return f, false
	}
	if d := dup(f); d != nil {
		return d, true
	}
	return f, false
}
