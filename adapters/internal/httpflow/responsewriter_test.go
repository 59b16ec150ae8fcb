package httpflow_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest/adapters/internal/httpflow"
)

// fakeWriter records what reaches the writer underneath the wrapper.
type fakeWriter struct {
	h     http.Header
	codes []int
	body  bytes.Buffer
}

func (f *fakeWriter) Header() http.Header {
	if f.h == nil {
		f.h = http.Header{}
	}
	return f.h
}
func (f *fakeWriter) WriteHeader(code int)        { f.codes = append(f.codes, code) }
func (f *fakeWriter) Write(p []byte) (int, error) { return f.body.Write(p) }

// fullWriter also has WriteString, ReadFrom and Flush.
type fullWriter struct {
	fakeWriter
	strings, readFroms, flushes int
}

func (f *fullWriter) WriteString(s string) (int, error) { f.strings++; return f.body.WriteString(s) }
func (f *fullWriter) ReadFrom(r io.Reader) (int64, error) {
	f.readFroms++
	return f.body.ReadFrom(r)
}
func (f *fullWriter) Flush() { f.flushes++ }

func TestResponseWriterStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		do        func(w *httpflow.ResponseWriter)
		status    int   // Status()
		codes     []int // what the writer underneath got
		bytes     int64
		unwritten bool
	}{
		{"nothing written", func(*httpflow.ResponseWriter) {}, 0, nil, 0, true},
		{"implicit 200", func(w *httpflow.ResponseWriter) { _, _ = w.Write([]byte("hello")) }, 200, nil, 5, false},
		{"an empty write is the implicit 200", func(w *httpflow.ResponseWriter) { _, _ = w.Write(nil) }, 200, nil, 0, false},
		{"explicit status", func(w *httpflow.ResponseWriter) {
			w.WriteHeader(404)
			_, _ = w.Write([]byte("gone"))
		}, 404, []int{404}, 4, false},
		{"WriteHeader only once", func(w *httpflow.ResponseWriter) {
			w.WriteHeader(201)
			w.WriteHeader(500)
			_, _ = w.Write([]byte("x"))
			w.WriteHeader(502)
		}, 201, []int{201}, 1, false},
		{"a write fixes the implicit 200", func(w *httpflow.ResponseWriter) {
			_, _ = w.Write([]byte("x"))
			w.WriteHeader(500)
		}, 200, nil, 1, false},
		{"1xx informational responses pass through and do not count", func(w *httpflow.ResponseWriter) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
		}, 202, []int{103, 103, 202}, 0, false},
		{"a 1xx then the implicit 200", func(w *httpflow.ResponseWriter) {
			w.WriteHeader(http.StatusContinue)
			_, _ = w.Write([]byte("ok"))
		}, 200, []int{100}, 2, false},
		{"101 is final", func(w *httpflow.ResponseWriter) {
			w.WriteHeader(http.StatusSwitchingProtocols)
			w.WriteHeader(200)
		}, 101, []int{101}, 0, false},
		{"WriteString counts", func(w *httpflow.ResponseWriter) {
			_, _ = io.WriteString(w, "hello, ")
			_, _ = w.WriteString("world")
		}, 200, nil, 12, false},
		{"ReadFrom without io.ReaderFrom below copies through Write", func(w *httpflow.ResponseWriter) {
			_, _ = w.ReadFrom(strings.NewReader("streamed body"))
		}, 200, nil, 13, false},
		{"ReadFrom of nothing writes no status", func(w *httpflow.ResponseWriter) {
			_, _ = w.ReadFrom(strings.NewReader(""))
			w.WriteHeader(http.StatusNoContent)
		}, 204, []int{204}, 0, false},
	} {
		f := &fakeWriter{}
		w := httpflow.NewResponseWriter(f)
		tc.do(w)
		if w.Status() != tc.status || w.Written() == tc.unwritten || w.BytesWritten() != tc.bytes {
			t.Errorf("%s: Status %d Written %v BytesWritten %d, want %d %v %d",
				tc.name, w.Status(), w.Written(), w.BytesWritten(), tc.status, !tc.unwritten, tc.bytes)
		}
		if !slices.Equal(f.codes, tc.codes) {
			t.Errorf("%s: the writer underneath got WriteHeader %v, want %v", tc.name, f.codes, tc.codes)
		}
		if int64(f.body.Len()) != tc.bytes {
			t.Errorf("%s: %d bytes underneath, %d counted", tc.name, f.body.Len(), tc.bytes)
		}
	}
}

func TestResponseWriterPassesThrough(t *testing.T) {
	t.Parallel()
	f := &fullWriter{}
	w := httpflow.NewResponseWriter(f)
	if w.Unwrap() != http.ResponseWriter(f) {
		t.Error("Unwrap does not return the wrapped writer")
	}
	w.Header().Set("X-Test", "1")
	if f.Header().Get("X-Test") != "1" {
		t.Error("Header is not the wrapped writer's")
	}
	_, _ = io.WriteString(w, "abc")
	n, err := io.Copy(w, struct{ io.Reader }{strings.NewReader("defgh")}) // no WriteTo: io.Copy uses ReadFrom
	if err != nil || n != 5 {
		t.Fatalf("io.Copy = %d, %v", n, err)
	}
	w.Flush()
	if err := w.FlushError(); err != nil {
		t.Errorf("FlushError: %v", err)
	}
	if f.strings != 1 || f.readFroms != 1 || f.flushes != 2 {
		t.Errorf("WriteString %d, ReadFrom %d, Flush %d times underneath, want 1, 1, 2", f.strings, f.readFroms, f.flushes)
	}
	if f.body.String() != "abcdefgh" || w.BytesWritten() != 8 || w.Status() != 200 {
		t.Errorf("body %q, counted %d, status %d", f.body.String(), w.BytesWritten(), w.Status())
	}
}

func TestResponseWriterFlushFixesTheStatus(t *testing.T) {
	t.Parallel()
	w := httpflow.NewResponseWriter(&fullWriter{})
	w.Flush()
	w.WriteHeader(500)
	if w.Status() != 200 {
		t.Errorf("status %d after a flush, want the implicit 200", w.Status())
	}
}

func TestResponseWriterUnsupported(t *testing.T) {
	t.Parallel()
	f := &fakeWriter{}
	w := httpflow.NewResponseWriter(f)
	w.Flush() // does nothing, does not panic
	if err := w.FlushError(); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("FlushError = %v, want ErrNotSupported", err)
	}
	if _, _, err := w.Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Hijack = %v, want ErrNotSupported", err)
	}
	if err := w.Push("/style.css", nil); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Push = %v, want ErrNotSupported", err)
	}
	if w.CloseNotify() != nil { //nolint:staticcheck // the deprecated interface is kept for old callers
		t.Error("CloseNotify without a CloseNotifier below returned a channel")
	}
	if w.Written() || w.Hijacked() || len(f.codes) != 0 {
		t.Errorf("Written %v Hijacked %v codes %v after failed calls", w.Written(), w.Hijacked(), f.codes)
	}
}

// TestResponseWriterOnAServer runs the wrapper over net/http's own writer:
// ResponseController through it, ServeContent's ReadFrom path with ranges,
// and a hijack.
func TestResponseWriterOnAServer(t *testing.T) {
	t.Parallel()
	content := strings.Repeat("0123456789", 1000)
	type seen struct {
		status   int
		bytes    int64
		hijacked bool
		err      string
	}
	got := make(chan seen, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		rw := httpflow.NewResponseWriter(w)
		http.ServeContent(rw, r, "f.txt", time.Unix(0, 0), strings.NewReader(content))
		got <- seen{status: rw.Status(), bytes: rw.BytesWritten()}
	})
	mux.HandleFunc("/rc", func(w http.ResponseWriter, _ *http.Request) {
		rw := httpflow.NewResponseWriter(w)
		rc := http.NewResponseController(rw)
		var msg string
		for _, err := range []error{
			rc.SetReadDeadline(time.Now().Add(time.Minute)),
			rc.SetWriteDeadline(time.Now().Add(time.Minute)),
			rc.EnableFullDuplex(),
			rc.Flush(),
		} {
			if err != nil {
				msg += err.Error() + ";"
			}
		}
		got <- seen{status: rw.Status(), err: msg}
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, _ *http.Request) {
		rw := httpflow.NewResponseWriter(w)
		conn, brw, err := http.NewResponseController(rw).Hijack()
		if err != nil {
			got <- seen{err: err.Error()}
			return
		}
		_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		_ = brw.Flush()
		_ = conn.Close()
		rw.WriteHeader(500) // ignored: the connection is the handler's now
		got <- seen{status: rw.Status(), hijacked: rw.Hijacked()}
	})
	srv := httptest.NewServer(mux)
	srv.Config.ErrorLog = discardLog()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	get := func(path, rangeHeader string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(bufio.NewReader(resp.Body))
		return resp.StatusCode, string(b)
	}

	if code, body := get("/file", ""); code != 200 || body != content {
		t.Errorf("/file: %d, %d bytes", code, len(body))
	}
	if s := <-got; s.status != 200 || s.bytes != int64(len(content)) {
		t.Errorf("/file: wrapper saw %d, %d bytes; want 200, %d", s.status, s.bytes, len(content))
	}
	if code, body := get("/file", "bytes=10-29"); code != 206 || body != content[10:30] {
		t.Errorf("/file range: %d %q", code, body)
	}
	if s := <-got; s.status != 206 || s.bytes != 20 {
		t.Errorf("/file range: wrapper saw %d, %d bytes; want 206, 20", s.status, s.bytes)
	}
	if code, _ := get("/rc", ""); code != 200 {
		t.Errorf("/rc: %d", code)
	}
	if s := <-got; s.err != "" || s.status != 200 {
		t.Errorf("/rc: ResponseController through the wrapper: %q, status %d", s.err, s.status)
	}
	if code, body := get("/hijack", ""); code != 200 || body != "hi" {
		t.Errorf("/hijack: %d %q", code, body)
	}
	if s := <-got; s.err != "" || !s.hijacked || s.status != 0 {
		t.Errorf("/hijack: %+v", s)
	}
}

func BenchmarkResponseWriter(b *testing.B) {
	f := &fullWriter{}
	p := []byte("hello, world")
	b.ReportAllocs()
	for b.Loop() {
		f.body.Reset()
		w := httpflow.NewResponseWriter(f)
		w.WriteHeader(200)
		_, _ = w.Write(p)
	}
}
