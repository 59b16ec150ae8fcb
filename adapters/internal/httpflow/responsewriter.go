package httpflow

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// ResponseWriter is the one http.ResponseWriter wrapper the adapters share:
// it passes everything through to the writer it wraps and records the
// final status and the body bytes, which a request's flow_end reports.
//
// The rules it keeps, which hand-written wrappers often miss:
//
//   - The status is the first final one written: WriteHeader with a 1xx
//     code other than 101 (103 Early Hints, say) is passed through as the
//     informational response it is and does not count; a Write, ReadFrom or
//     Flush before any WriteHeader is the implicit 200; once the status is
//     written, further WriteHeader calls are dropped, not passed on.
//   - Bytes are what the wrapped writer accepted, from Write, WriteString
//     and ReadFrom alike.
//   - ReadFrom uses the wrapped writer's io.ReaderFrom when it has one, so
//     http.ServeContent and io.Copy keep the sendfile path of net/http.
//   - Unwrap returns the wrapped writer, so http.ResponseController reaches
//     every feature of the real one (SetWriteDeadline, SetReadDeadline,
//     EnableFullDuplex, Flush, Hijack) through any number of wrappers.
//   - Flush, Hijack and Push are always present and go through to the
//     wrapped writer; when it cannot, Flush does nothing, FlushError,
//     Hijack and Push return an error wrapping http.ErrNotSupported.
//
// A ResponseWriter belongs to one request and, like any ResponseWriter, is
// used from one goroutine at a time. The zero value is not usable; adapters
// get theirs from Request.Writer.
type ResponseWriter struct {
	w           http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	hijacked    bool
}

// NewResponseWriter returns a ResponseWriter wrapping w.
func NewResponseWriter(w http.ResponseWriter) *ResponseWriter { return &ResponseWriter{w: w} }

// reset makes w a fresh wrapper of rw.
func (w *ResponseWriter) reset(rw http.ResponseWriter) { *w = ResponseWriter{w: rw} }

// Header returns the header map of the wrapped writer.
func (w *ResponseWriter) Header() http.Header { return w.w.Header() }

// WriteHeader sends the status code through, once: a 1xx code other than
// 101 is sent as an informational response and leaves the final status to
// come; after the final status (or a hijack), WriteHeader does nothing. A
// code net/http rejects (below 100 or above 999) panics there, as it would
// without the wrapper.
func (w *ResponseWriter) WriteHeader(code int) {
	if w.wroteHeader || w.hijacked {
		return
	}
	w.w.WriteHeader(code)
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return
	}
	w.status, w.wroteHeader = code, true
}

// implicitHeader records the implicit 200 of a body written before any
// status.
func (w *ResponseWriter) implicitHeader() {
	if !w.wroteHeader && !w.hijacked {
		w.status, w.wroteHeader = http.StatusOK, true
	}
}

// Write writes p to the wrapped writer and counts the bytes it accepted. A
// Write before WriteHeader sends the implicit 200, as net/http does.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	w.implicitHeader()
	n, err := w.w.Write(p)
	w.bytes += int64(n)
	return n, err
}

// WriteString writes s like Write, without copying it when the wrapped
// writer is an io.StringWriter (net/http's is).
func (w *ResponseWriter) WriteString(s string) (int, error) {
	w.implicitHeader()
	var (
		n   int
		err error
	)
	if sw, ok := w.w.(io.StringWriter); ok {
		n, err = sw.WriteString(s)
	} else {
		n, err = w.w.Write([]byte(s))
	}
	w.bytes += int64(n)
	return n, err
}

// ReadFrom copies src to the response and counts the bytes. It hands src
// to the wrapped writer's own ReadFrom when there is one (net/http's uses
// sendfile for files); otherwise it copies through Write.
func (w *ResponseWriter) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := w.w.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{w}, src)
	}
	n, err := rf.ReadFrom(src)
	w.bytes += n
	if n > 0 {
		w.implicitHeader()
	}
	return n, err
}

// writerOnly hides ReadFrom from io.Copy, which would otherwise call it
// again.
type writerOnly struct{ w *ResponseWriter }

func (o writerOnly) Write(p []byte) (int, error) { return o.w.Write(p) }

// FlushError sends any buffered data to the client, through the wrapped
// writer's FlushError or Flush (found by unwrapping as
// http.ResponseController does), and returns its error; an error wrapping
// http.ErrNotSupported when nothing underneath can flush. A successful flush
// sends the implicit 200 when no status was written yet.
func (w *ResponseWriter) FlushError() error {
	err := http.NewResponseController(w.w).Flush()
	if err == nil {
		w.implicitHeader()
	}
	return err
}

// Flush implements http.Flusher: FlushError, with the error dropped.
func (w *ResponseWriter) Flush() { _ = w.FlushError() }

// Hijack lets the handler take over the connection, through the wrapped
// writer (found by unwrapping as http.ResponseController does). After a
// successful hijack the wrapper records nothing more: the flow reports
// "hijacked" and the status written before, if any.
func (w *ResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.w).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// Push implements http.Pusher when the wrapped writer does, and returns
// http.ErrNotSupported otherwise.
func (w *ResponseWriter) Push(target string, opts *http.PushOptions) error {
	if p, ok := w.w.(http.Pusher); ok {
		return p.Push(target, opts)
	}
	return http.ErrNotSupported
}

// CloseNotify implements the deprecated http.CloseNotifier for code that
// still asserts it (gin's Context.Stream does, on whatever writer it is
// given): the wrapped writer's channel when it has one, otherwise a channel
// that never fires. New code should watch the request's context instead.
func (w *ResponseWriter) CloseNotify() <-chan bool {
	//lint:ignore SA1019 kept for code that still asserts http.CloseNotifier
	if cn, ok := w.w.(http.CloseNotifier); ok {
		return cn.CloseNotify()
	}
	return nil
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *ResponseWriter) Unwrap() http.ResponseWriter { return w.w }

// Status returns the final status code written so far, 200 for a body
// written without one, and 0 when none has gone out yet (the status of
// the response then depends on what happens next; net/http sends 200 for a
// handler that writes nothing).
func (w *ResponseWriter) Status() int {
	if !w.wroteHeader {
		return 0
	}
	return w.status
}

// Written reports whether the final status has gone out (explicitly, or
// implicitly by a body write or a flush).
func (w *ResponseWriter) Written() bool { return w.wroteHeader }

// BytesWritten returns the number of body bytes the wrapped writer
// accepted.
func (w *ResponseWriter) BytesWritten() int64 { return w.bytes }

// Hijacked reports whether the handler took over the connection.
func (w *ResponseWriter) Hijacked() bool { return w.hijacked }
