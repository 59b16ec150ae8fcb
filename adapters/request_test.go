package adapters_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// serve runs one request through h, in process, and returns the recorder.
func serve(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }

func patternRoute(r *http.Request) string { return r.Pattern }

func TestWithLevel(t *testing.T) {
	t.Parallel()
	c := start(t)
	cfg := httpflow.NewConfig(adapters.WithFlowLevel(zerolog.DebugLevel), c.Option())
	h := cfg.Handler(http.HandlerFunc(ok), patternRoute)
	fail := cfg.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) }), patternRoute)
	idOK := serve(h, "/").Header().Get(adapters.FlowIDHeader)
	idFail := serve(fail, "/").Header().Get(adapters.FlowIDHeader)
	o := c.Finish(t)

	fs, fe := flowPair(t, o, idOK)
	wantFields(t, fs, map[string]any{"level": "debug"})
	wantFields(t, fe, map[string]any{"level": "debug", "flow_status": "success"})
	_, fe = flowPair(t, o, idFail)
	wantFields(t, fe, map[string]any{"level": "error", "flow_status": "failed", "http_status": 502.0})
}

func TestWithRequestIDHeader(t *testing.T) {
	t.Parallel()
	c := start(t)
	custom := logcresthttp.Middleware(adapters.WithRequestIDHeader("x-correlation-id"), c.Option())(http.HandlerFunc(ok))
	plain := logcresthttp.Middleware(c.Option())(http.HandlerFunc(ok))

	both := []string{"X-Correlation-ID", "corr-1", "X-Request-ID", "req-1"}
	a := serve(custom, "/", both...).Header().Get(adapters.FlowIDHeader)
	b := serve(plain, "/", both...).Header().Get(adapters.FlowIDHeader)
	d := serve(custom, "/", "X-Request-ID", "req-2").Header().Get(adapters.FlowIDHeader)
	o := c.Finish(t)

	// Each middleware reads its own header: the option is per instance.
	if !strings.HasPrefix(a, "corr-1-") || !strings.HasPrefix(b, "req-1-") || !bareFlowID.MatchString(d) {
		t.Errorf("flow IDs %q %q %q", a, b, d)
	}
	fs, _ := flowPair(t, o, a)
	wantFields(t, fs, map[string]any{"request_id": "corr-1"})
	fs, _ = flowPair(t, o, d)
	wantAbsent(t, fs, "request_id")
}

func TestRepeatedHeadersAreIgnored(t *testing.T) {
	t.Parallel()
	c := start(t)
	h := logcresthttp.Middleware(c.Option())(http.HandlerFunc(ok))
	id := serve(h, "/",
		"X-Request-ID", "one", "X-Request-ID", "two",
		"traceparent", traceparent, "traceparent", traceparent,
	).Header().Get(adapters.FlowIDHeader)
	o := c.Finish(t)
	if !bareFlowID.MatchString(id) {
		t.Errorf("flow ID %q: a request ID was taken from a repeated header", id)
	}
	fs, _ := flowPair(t, o, id)
	wantAbsent(t, fs, "request_id", "parent_span_id", "trace_flags")
	if fs["trace_id"] == incomingTrace {
		t.Error("a trace was adopted from a repeated traceparent")
	}
}

func TestLongPathIsCut(t *testing.T) {
	t.Parallel()
	c := start(t)
	h := logcresthttp.Middleware(c.Option())(http.HandlerFunc(ok))
	long := "/" + strings.Repeat("é", adapters.MaxPathLen) // two bytes each: the cut falls inside one
	id := serve(h, long+"?q=1").Header().Get(adapters.FlowIDHeader)
	o := c.Finish(t)
	fs, _ := flowPair(t, o, id)
	p, _ := fs["path"].(string)
	if len(p) > adapters.MaxPathLen || !strings.HasPrefix(long, p) || len(p) < adapters.MaxPathLen-1 {
		t.Errorf("path of %d bytes, want the first %d bytes at most, cut between characters", len(p), adapters.MaxPathLen)
	}
	wantFields(t, fs, map[string]any{"path_truncated": true})
}

func TestFromContext(t *testing.T) {
	t.Parallel()
	c := start(t)
	var inHandler string
	h := logcresthttp.Middleware(c.Option())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := httpflow.FromContext(r.Context())
		inHandler = q.FlowID()
		if logcrest.FlowID(r.Context()) != inHandler || q.Span().FlowID() != inHandler {
			t.Error("the request's context and its Request disagree on the flow")
		}
		if _, ok := w.(*httpflow.ResponseWriter); !ok {
			t.Errorf("the handler got a %T", w)
		}
	}))
	id := serve(h, "/").Header().Get(adapters.FlowIDHeader)
	c.Finish(t)
	//lint:ignore SA1012 FromContext documents that a nil context is allowed
	if inHandler != id || httpflow.FromContext(context.Background()) != nil || httpflow.FromContext(nil) != nil {
		t.Errorf("FromContext in the handler: %q, header %q", inHandler, id)
	}
}

func TestSkipWritesNothing(t *testing.T) {
	t.Parallel()
	c := start(t)
	h := logcresthttp.Middleware(c.Option(), adapters.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" }))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if httpflow.FromContext(r.Context()) != nil || logcrest.FlowID(r.Context()) != "" {
				t.Error("a skipped request has a flow")
			}
			ok(w, r)
		}))
	w := serve(h, "/healthz")
	o := c.Finish(t)
	if w.Header().Get(adapters.FlowIDHeader) != "" || len(o.Flows) != 0 || w.Body.String() != "ok" {
		t.Errorf("header %q, %d flow records, body %q", w.Header().Get(adapters.FlowIDHeader), len(o.Flows), w.Body.String())
	}
}

// TestAbortAfterTheHeader: an abort after the status went out records it.
func TestAbortAfterTheHeader(t *testing.T) {
	t.Parallel()
	c := start(t)
	h := logcresthttp.Middleware(c.Option())(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic(http.ErrAbortHandler)
	}))
	w := httptest.NewRecorder()
	func() {
		defer func() {
			if p := recover(); p != http.ErrAbortHandler { //nolint:errorlint // the sentinel itself
				t.Errorf("re-raised %v, want http.ErrAbortHandler", p)
			}
		}()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	o := c.Finish(t)
	_, fe := flowPair(t, o, w.Header().Get(adapters.FlowIDHeader))
	wantFields(t, fe, map[string]any{"flow_status": "failed", "aborted": true, "http_status": 200.0, "bytes": 7.0})
	wantAbsent(t, fe, "stack")
}

// TestPanicAfterTheHeader: a panic is a 500 in the record even when a
// status went out before it; the client gets a cut response.
func TestPanicAfterTheHeader(t *testing.T) {
	t.Parallel()
	c := start(t)
	h := logcresthttp.Middleware(c.Option())(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(202)
		panic("late")
	}))
	w := httptest.NewRecorder()
	func() {
		defer func() { _ = recover() }()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	o := c.Finish(t)
	_, fe := flowPair(t, o, w.Header().Get(adapters.FlowIDHeader))
	wantFields(t, fe, map[string]any{"flow_status": "failed", "http_status": 500.0, "flow_error": "panic: late"})
}

func TestHijackedRequest(t *testing.T) {
	t.Parallel()
	c := start(t)
	h := logcresthttp.Middleware(c.Option())(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = brw.WriteString("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
		_ = brw.Flush()
		_ = conn.Close()
	}))
	// The server does not wait for the handler of a hijacked connection:
	// the test does.
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		h.ServeHTTP(w, r)
	}))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	<-done
	srv.Close()
	o := c.Finish(t)
	fe := one(t, o.Flows, map[string]any{"flow_type": "flow_end"})
	wantFields(t, fe, map[string]any{"flow_status": "success", "hijacked": true, "bytes": 0.0})
	wantAbsent(t, fe, "http_status")
}

// TestNestedAdaptersMakeOneFlow mounts LogCrest twice — net/http middleware
// around a chi router that has the chi middleware — and around a ServeMux
// behind a middleware that replaces the request, with per-route Handler
// wrappers: each request is one flow, whose route comes from the inner
// adapter, and nothing warns of a nested flow.
func TestNestedAdaptersMakeOneFlow(t *testing.T) {
	t.Parallel()
	c := start(t)
	r := chi.NewRouter()
	r.Use(logcrestchi.Middleware(c.Option()))
	r.Get("/api/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = logcrest.Run(r.Context(), "load", func(context.Context) error { return nil })
		ok(w, r)
	})
	viaChi := logcresthttp.Middleware(c.Option())(r)

	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", logcresthttp.Handler(http.HandlerFunc(ok), c.Option()))
	replace := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			type key struct{}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, 1)))
		})
	}
	viaMux := logcresthttp.Middleware(c.Option())(replace(mux))

	idChi := serve(viaChi, "/api/orders/5").Header().Get(adapters.FlowIDHeader)
	idMux := serve(viaMux, "/items/6").Header().Get(adapters.FlowIDHeader)
	o := c.Finish(t)

	if len(o.Flows) != 4 {
		t.Fatalf("%d flow records, want 4", len(o.Flows))
	}
	_, fe := flowPair(t, o, idChi)
	wantFields(t, fe, map[string]any{"route": "/api/orders/{id}", "steps": 1.0, "http_status": 200.0})
	_, fe = flowPair(t, o, idMux)
	wantFields(t, fe, map[string]any{"route": "/items/{id}", "http_status": 200.0})
	if w := where(o.Logs(), map[string]any{"level": "warn"}); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
}

// TestNumericRequestIDKeepsItsFlowID: a flow ID is the request ID, '-' and
// 8 random hex digits. With a numeric request ID and an all-decimal
// suffix (one in 43), the two read as one long number, a Luhn-valid card
// one time in ten; the card rule masked it, and the files no longer held
// the X-Flow-ID the client was given. 3,000 requests met it about 7 times.
func TestNumericRequestIDKeepsItsFlowID(t *testing.T) {
	t.Parallel()
	c := start(t)
	h := logcresthttp.Middleware(c.Option())(http.HandlerFunc(ok))
	const n = 3000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = serve(h, "/", "X-Request-ID", "41111").Header().Get(adapters.FlowIDHeader)
	}
	o := c.Finish(t)
	got := make(map[string]int)
	for _, r := range o.Flows {
		id, _ := r["flow_id"].(string)
		got[id]++
	}
	want := make(map[string]int) // two a flow: flow_start, flow_end (two flows may draw one suffix)
	for _, id := range ids {
		want[id] += 2
	}
	bad := 0
	for _, id := range ids {
		if !strings.HasPrefix(id, "41111-") || got[id] != want[id] {
			if bad < 3 {
				t.Errorf("X-Flow-ID %q: %d flow records carry it, want %d", id, got[id], want[id])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d flows are not in the files under their X-Flow-ID; flow_ids there: %d distinct", bad, n, len(got))
	}
}
