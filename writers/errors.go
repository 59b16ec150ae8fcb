package writers

import "errors"

// ErrClosed is returned by a writer of this package (a RotatingFile) once
// it has been closed: the bytes are refused rather than silently written
// somewhere, so the caller can count them or send them elsewhere.
var ErrClosed = errors.New("logcrest: writer closed")
