package logcresthttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/testkit"
	"github.com/logcrest/logcrest/logcresttest"
)

// roundTripFunc is a base transport made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// answer is a base transport answering every request with status, without a
// network.
func answer(status int) roundTripFunc {
	return func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
	}
}

// headerLog keeps the headers of the requests a server received.
type headerLog struct {
	mu  sync.Mutex
	got []http.Header
}

// handler answers 200 and keeps the request's headers.
func (l *headerLog) handler(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.got = append(l.got, r.Header.Clone())
	l.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

// last returns the headers of the last request received.
func (l *headerLog) last(t *testing.T) http.Header {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.got) == 0 {
		t.Fatal("the server received no request")
	}
	return l.got[len(l.got)-1]
}

// newClient returns a client whose transport is Transport over a transport
// of its own, and closes its idle connections when the test ends.
func newClient(t *testing.T) *http.Client {
	client := &http.Client{Transport: logcresthttp.Transport(&http.Transport{})}
	t.Cleanup(client.CloseIdleConnections)
	return client
}

// get sends a GET to target with ctx through client, reads the body and
// closes it, and returns the response's status.
func get(ctx context.Context, client *http.Client, target string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// stepExit returns the exit record of the one step named name, or fails the
// test.
func stepExit(t *testing.T, rec *logcresttest.Recorder, name string) logcresttest.Record {
	t.Helper()
	exits := rec.Filter(func(r logcresttest.Record) bool {
		return r.Str("fn") == name && (r.Message() == "step finished" || r.Message() == "step failed")
	})
	if len(exits) != 1 {
		t.Fatalf("%d exit records of step %q, want 1:\n%s", len(exits), name, rec)
	}
	return exits[0]
}

// timelineFns returns the fn and status of each entry of a flow_end's
// timeline.
func timelineFns(fe logcresttest.Record) (fns, statuses []string) {
	tl, _ := fe["timeline"].([]any)
	for _, e := range tl {
		m, _ := e.(map[string]any)
		fn, _ := m["fn"].(string)
		status, _ := m["status"].(string)
		fns, statuses = append(fns, fn), append(statuses, status)
	}
	return fns, statuses
}

// TestTransportTwoServices: service A calls service B inside a flow through
// Transport(nil). A's flow records the call as a step (method, host, path
// without the query, http_status, ms); B's flow joins A's trace with the
// outbound step as its parent and takes A's flow ID as its label; the query
// string's token reaches no record of either.
func TestTransportTwoServices(t *testing.T) {
	t.Parallel()
	recA, recB := logcresttest.New(t, logcrest.WithDetail("full")), logcresttest.New(t, logcrest.WithDetail("full"))
	b := httptest.NewServer(logcresthttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logcrest.Log(r.Context()).Info().Msg("B serving")
		_, _ = io.WriteString(w, "in stock")
	}), adapters.WithPipeline(recB.Pipeline())))
	client := &http.Client{Transport: logcresthttp.Transport(nil)}
	defer b.Close()
	defer client.CloseIdleConnections()
	host := strings.TrimPrefix(b.URL, "http://")

	var flowID, traceID, flowSpan string
	err := logcrest.RunFlow(recA.Context(context.Background()), "checkout", func(ctx context.Context) error {
		flowID, traceID, flowSpan = logcrest.FlowID(ctx), logcrest.TraceID(ctx), flow.SpanID(ctx)
		status, err := get(ctx, client, b.URL+"/stock/A-1?token=secret")
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("status %d", status)
		}
		return err
	})
	if err != nil {
		t.Fatalf("the call failed: %v", err)
	}

	name := "http GET " + host
	endA, ok := recA.FlowEnd(flowID)
	if !ok {
		t.Fatalf("no flow_end for A's flow %s:\n%s", flowID, recA)
	}
	fns, statuses := timelineFns(endA)
	if fmt.Sprint(fns, statuses) != fmt.Sprint([]string{name}, []string{"ok"}) {
		t.Errorf("A's timeline %v %v, want [%s] [ok]", fns, statuses, name)
	}
	testkit.WantFields(t, endA, map[string]any{"flow_status": "success"})

	step := stepExit(t, recA, name)
	testkit.WantFields(t, step, map[string]any{
		"message": "step finished", "level": "info", "status": "ok", "flow_id": flowID, "trace_id": traceID,
		"parent_span_id": flowSpan, "method": "GET", "host": host, "path": "/stock/A-1", "http_status": 200.0,
	})
	if _, ok := step["ms"].(float64); !ok {
		t.Errorf("the step's exit record has no ms: %v", step)
	}
	for _, k := range []string{"path_truncated", "method_truncated", "host_truncated", "error"} {
		if v, ok := step[k]; ok {
			t.Errorf("%s = %v on the step's exit record", k, v)
		}
	}
	stepSpan := step.Str("span_id")

	for _, typ := range []string{"flow_start", "flow_end"} {
		recs := recB.Filter(func(r logcresttest.Record) bool { return r.Str("flow_type") == typ })
		if len(recs) != 1 {
			t.Fatalf("%d %s records in B, want 1:\n%s", len(recs), typ, recB)
		}
		r := recs[0]
		testkit.WantFields(t, r, map[string]any{
			"trace_id": traceID, "parent_span_id": stepSpan, "request_id": flowID, "path": "/stock/A-1",
		})
		if id := r.Str("flow_id"); !strings.HasPrefix(id, flowID+"-") {
			t.Errorf("B's flow_id %q does not begin with A's flow ID %q", id, flowID)
		}
	}
	for _, rec := range []*logcresttest.Recorder{recA, recB} {
		if s := rec.String(); strings.Contains(s, "secret") || strings.Contains(s, "token") {
			t.Errorf("the query string reached a record:\n%s", s)
		}
	}
}

// TestTransportChain: A calls B, whose handler calls C with the request's
// context; the three flows share the trace, each flow ID begins with its
// caller's, and each flow's parent is its caller's outbound step.
func TestTransportChain(t *testing.T) {
	t.Parallel()
	recA, recB, recC := logcresttest.New(t, logcrest.WithDetail("full")), logcresttest.New(t, logcrest.WithDetail("full")), logcresttest.New(t, logcrest.WithDetail("full"))
	client := newClient(t)
	c := httptest.NewServer(logcresthttp.Handler(http.HandlerFunc(ok), adapters.WithPipeline(recC.Pipeline())))
	defer c.Close()
	b := httptest.NewServer(logcresthttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := get(r.Context(), client, c.URL+"/reserve"); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	}), adapters.WithPipeline(recB.Pipeline())))
	defer b.Close()

	var flowA, trace string
	err := logcrest.RunFlow(recA.Context(context.Background()), "order", func(ctx context.Context) error {
		flowA, trace = logcrest.FlowID(ctx), logcrest.TraceID(ctx)
		_, err := get(ctx, client, b.URL+"/place")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	endB := recB.FlowEnds()
	endC := recC.FlowEnds()
	if len(endB) != 1 || len(endC) != 1 {
		t.Fatalf("%d flow_end records in B, %d in C, want 1 each", len(endB), len(endC))
	}
	stepA := stepExit(t, recA, "http GET "+strings.TrimPrefix(b.URL, "http://"))
	stepB := stepExit(t, recB, "http GET "+strings.TrimPrefix(c.URL, "http://"))
	flowB := endB[0].Str("flow_id")
	testkit.WantFields(t, endB[0], map[string]any{"trace_id": trace, "parent_span_id": stepA.Str("span_id"), "request_id": flowA})
	testkit.WantFields(t, stepB, map[string]any{"trace_id": trace, "flow_id": flowB, "parent_span_id": endB[0].Str("span_id")})
	testkit.WantFields(t, endC[0], map[string]any{"trace_id": trace, "parent_span_id": stepB.Str("span_id"), "request_id": flowB})
	if !strings.HasPrefix(flowB, flowA+"-") || !strings.HasPrefix(endC[0].Str("flow_id"), flowB+"-") {
		t.Errorf("flow IDs %s, %s, %s: each should begin with its caller's", flowA, flowB, endC[0].Str("flow_id"))
	}
	if fns, _ := timelineFns(endB[0]); len(fns) != 1 || fns[0] != stepB.Str("fn") {
		t.Errorf("B's timeline %v, want its outbound step", fns)
	}
}

// TestTransportStatus: a status of 500 or more fails the step with the
// error "http <status>"; a 4xx does not. The response is returned as it
// came either way, and a flow that returns an error for it names the step
// in failed_at.
func TestTransportStatus(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var code int
		_, _ = fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/"), &code)
		w.WriteHeader(code)
	}))
	defer srv.Close()
	client := newClient(t)
	name := "http GET " + strings.TrimPrefix(srv.URL, "http://")

	for _, tc := range []struct {
		code   int
		failed bool
	}{{200, false}, {404, false}, {499, false}, {500, true}, {503, true}} {
		rec.Reset()
		var flowID string
		err := logcrest.RunFlow(rec.Context(context.Background()), "stock", func(ctx context.Context) error {
			flowID = logcrest.FlowID(ctx)
			status, err := get(ctx, client, fmt.Sprintf("%s/%d", srv.URL, tc.code))
			if err != nil {
				return err
			}
			if status != tc.code {
				t.Errorf("status %d returned, want %d", status, tc.code)
			}
			if status >= 400 {
				return fmt.Errorf("stock service: %d", status)
			}
			return nil
		})
		if (err != nil) != (tc.code >= 400) {
			t.Errorf("%d: RunFlow = %v", tc.code, err)
		}
		step := stepExit(t, rec, name)
		testkit.WantFields(t, step, map[string]any{"http_status": float64(tc.code), "path": fmt.Sprintf("/%d", tc.code)})
		if tc.failed {
			testkit.WantFields(t, step, map[string]any{
				"message": "step failed", "level": "error", "status": "error", "error": fmt.Sprintf("http %d", tc.code),
				"error_type": "logcresthttp.statusError",
			})
		} else {
			testkit.WantFields(t, step, map[string]any{"message": "step finished", "status": "ok"})
			for _, k := range []string{"error", "error_type"} {
				if _, ok := step[k]; ok {
					t.Errorf("%d: %s on a successful step: %v", tc.code, k, step)
				}
			}
		}
		end, _ := rec.FlowEnd(flowID)
		_, statuses := timelineFns(end)
		if want := map[bool]string{false: "ok", true: "error"}[tc.failed]; len(statuses) != 1 || statuses[0] != want {
			t.Errorf("%d: timeline statuses %v, want [%s]", tc.code, statuses, want)
		}
		if tc.failed {
			testkit.WantFields(t, end, map[string]any{"flow_status": "failed", "failed_at": name, "step": "1/1"})
		}
	}
}

// TestTransportError: a transport error (connection refused) fails the step
// with the Go error and its type, and reaches the caller; the error base
// returns is what RoundTrip returns, unchanged.
func TestTransportError(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	client := newClient(t)

	var flowID string
	err = logcrest.RunFlow(rec.Context(context.Background()), "refused", func(ctx context.Context) error {
		flowID = logcrest.FlowID(ctx)
		_, err := get(ctx, client, "http://"+addr+"/x?token=secret")
		return err
	})
	var urlErr *url.Error
	var opErr *net.OpError
	if !errors.As(err, &urlErr) || !errors.As(err, &opErr) {
		t.Fatalf("RunFlow = %v (%T), want the client's *url.Error over a *net.OpError", err, err)
	}
	step := stepExit(t, rec, "http GET "+addr)
	testkit.WantFields(t, step, map[string]any{
		"message": "step failed", "level": "error", "status": "error", "method": "GET", "host": addr, "path": "/x",
		"error": urlErr.Err.Error(), "error_type": fmt.Sprintf("%T", urlErr.Err),
	})
	if _, ok := step["http_status"]; ok {
		t.Errorf("http_status without a response: %v", step)
	}
	end, _ := rec.FlowEnd(flowID)
	testkit.WantFields(t, end, map[string]any{"flow_status": "failed", "failed_at": "http GET " + addr})
	// The step's records never hold the query string. The flow's own
	// flow_error does: the flow returned the client's *url.Error, whose text
	// is the whole URL (see Transport).
	for _, r := range rec.Filter(func(r logcresttest.Record) bool { return r.Str("fn") == "http GET "+addr }) {
		if strings.Contains(fmt.Sprint(r), "secret") {
			t.Errorf("the query string reached a record of the step: %v", r)
		}
	}
	if !strings.Contains(end.Str("flow_error"), "token=secret") {
		t.Errorf("flow_error %q: the client's *url.Error no longer holds the URL? Update Transport's doc", end.Str("flow_error"))
	}

	// The very error of the base transport, and no response.
	sentinel := errors.New("no route to the moon")
	tr := logcresthttp.Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, sentinel }))
	ctx, span := logcrest.Flow(rec.Context(context.Background()), "moon")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://moon.example/land", nil)
	resp, err := tr.RoundTrip(req)
	span.End(nil)
	if err != sentinel || resp != nil {
		t.Errorf("RoundTrip = %v, %v; want nil, the base's error itself", resp, err)
	}
	testkit.WantFields(t, stepExit(t, rec, "http POST moon.example"), map[string]any{
		"error": "no route to the moon", "error_type": "*errors.errorString", "method": "POST",
	})
}

// TestTransportHeaders: traceparent and X-Request-ID are set on a clone; the
// caller's request, its header map included, is left as it was, and a
// header the caller set, in any letter case, is sent as it was.
func TestTransportHeaders(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	var seen headerLog
	srv := httptest.NewServer(http.HandlerFunc(seen.handler))
	defer srv.Close()
	client := newClient(t)
	const callerTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"

	ctx, span := logcrest.Flow(rec.Context(context.Background()), "headers")
	defer span.End(nil)
	for _, tc := range []struct {
		name           string
		set            http.Header
		rid, tp        string // what the server should see; "*" for the transport's own
		callerKeysLeft int
	}{
		{"none set", http.Header{}, "*", "*", 0},
		{"nil header map", nil, "*", "*", 0},
		{"X-Request-ID set", http.Header{"X-Request-Id": {"caller-chosen"}}, "caller-chosen", "*", 1},
		{"traceparent set", http.Header{"Traceparent": {callerTrace}}, "*", callerTrace, 1},
		{"both set, lower case", http.Header{"x-request-id": {"mine"}, "traceparent": {callerTrace}}, "mine", callerTrace, 2},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/h", nil)
		req.Header = tc.set
		before := fmt.Sprint(req.Header)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_ = resp.Body.Close()
		if got := fmt.Sprint(req.Header); got != before || len(req.Header) != tc.callerKeysLeft {
			t.Errorf("%s: the caller's header became %s, was %s", tc.name, got, before)
		}
		if req.Context() != ctx {
			t.Errorf("%s: the caller's request has another context", tc.name)
		}
		h := seen.last(t)
		wantRID, wantTP := tc.rid, tc.tp
		if wantRID == "*" {
			wantRID = span.FlowID()
		}
		if got := h.Values("X-Request-ID"); len(got) != 1 || got[0] != wantRID {
			t.Errorf("%s: X-Request-ID %q sent, want [%s]", tc.name, got, wantRID)
		}
		got := h.Values("Traceparent")
		if len(got) != 1 {
			t.Fatalf("%s: traceparent %q sent, want one", tc.name, got)
		}
		if wantTP == "*" {
			traceID, parentID, ok := adapters.ParseTraceparent(got[0])
			if !ok || !strings.HasPrefix(got[0], "00-") || !strings.HasSuffix(got[0], "-01") ||
				traceID != span.TraceID() || parentID == span.SpanID() {
				t.Errorf("%s: traceparent %q, want 00-%s-<the step's span>-01", tc.name, got[0], span.TraceID())
			}
		} else if got[0] != wantTP {
			t.Errorf("%s: traceparent %q, want the caller's %q", tc.name, got[0], wantTP)
		}
	}
}

// TestTransportOutsideFlow: a request whose context carries no step or
// flow reaches the base transport as it was sent (the same *http.Request),
// with no header added, and nothing is recorded.
func TestTransportOutsideFlow(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	var seen headerLog
	srv := httptest.NewServer(http.HandlerFunc(seen.handler))
	defer srv.Close()
	client := newClient(t)

	if _, err := get(rec.Context(context.Background()), client, srv.URL+"/plain"); err != nil {
		t.Fatal(err)
	}
	h := seen.last(t)
	for _, k := range []string{"Traceparent", "X-Request-Id"} {
		if v, ok := h[k]; ok {
			t.Errorf("%s: %q sent outside a flow", k, v)
		}
	}

	req, _ := http.NewRequestWithContext(rec.Context(context.Background()), http.MethodGet, "http://example.invalid/", nil)
	var got *http.Request
	_, _ = logcresthttp.Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return answer(200)(r)
	})).RoundTrip(req)
	if got != req {
		t.Error("the request outside a flow was not passed through as it was")
	}
	if recs := rec.Records(); len(recs) != 0 {
		t.Errorf("%d records outside a flow:\n%s", len(recs), rec)
	}
}

// TestTransportInStep: inside a step that is in no flow, the request is a
// child step in the same trace; there is no flow ID, so no X-Request-ID.
func TestTransportInStep(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	var seen headerLog
	srv := httptest.NewServer(http.HandlerFunc(seen.handler))
	defer srv.Close()
	client := newClient(t)

	var trace, parent string
	err := logcrest.Run(rec.Context(context.Background()), "sync_job", func(ctx context.Context) error {
		trace, parent = logcrest.TraceID(ctx), flow.SpanID(ctx)
		_, err := get(ctx, client, srv.URL+"/sync")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	step := stepExit(t, rec, "http GET "+strings.TrimPrefix(srv.URL, "http://"))
	testkit.WantFields(t, step, map[string]any{"trace_id": trace, "parent_span_id": parent, "http_status": 200.0})
	if _, ok := step["flow_id"]; ok {
		t.Errorf("flow_id outside a flow: %v", step)
	}
	h := seen.last(t)
	if want := "00-" + trace + "-" + step.Str("span_id") + "-01"; h.Get("Traceparent") != want {
		t.Errorf("traceparent %q, want %q", h.Get("Traceparent"), want)
	}
	if v, ok := h["X-Request-Id"]; ok {
		t.Errorf("X-Request-ID %q sent outside a flow", v)
	}
}

// TestTransportBounds: the method, host and path are cut at their bounds
// (marked *_truncated), in the step's name too; an empty method is GET and
// an empty path "/"; a flow ID too long to be a request ID is not sent.
func TestTransportBounds(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	var sent http.Header
	tr := logcresthttp.Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r.Header
		return answer(204)(r)
	}))
	label := strings.Repeat("l", 64) // flow ID: 64 + 9 bytes, longer than a request ID
	ctx, span := logcrest.Flow(rec.Context(context.Background()), label)
	defer span.End(nil)

	longMethod := strings.Repeat("M", adapters.MaxMethodLen+8)
	longHost := strings.Repeat("h", 400) + ".example"
	longPath := "/" + strings.Repeat("p", adapters.MaxPathLen+10)
	req, err := http.NewRequestWithContext(ctx, longMethod, "http://"+longHost+longPath+"?q=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("RoundTrip = %v, %v", resp, err)
	}
	exits := rec.Filter(func(r logcresttest.Record) bool { return r.Message() == "step finished" })
	if len(exits) != 1 {
		t.Fatalf("%d exit records, want 1:\n%s", len(exits), rec)
	}
	step := exits[0]
	method, host, path := step.Str("method"), step.Str("host"), step.Str("path")
	if method != longMethod[:adapters.MaxMethodLen] || len(host) != 300 || !strings.HasPrefix(longHost, host) ||
		path != longPath[:adapters.MaxPathLen] {
		t.Errorf("method %d, host %d, path %d bytes, want cut at %d, 300, %d",
			len(method), len(host), len(path), adapters.MaxMethodLen, adapters.MaxPathLen)
	}
	testkit.WantFields(t, step, map[string]any{
		"method_truncated": true, "host_truncated": true, "path_truncated": true, "http_status": 204.0,
		"fn": "http " + method + " " + host,
	})
	if v, ok := sent["X-Request-Id"]; ok {
		t.Errorf("X-Request-ID %q sent: the flow ID %q is no valid request ID", v, span.FlowID())
	}
	if _, ok := sent["Traceparent"]; !ok {
		t.Error("no traceparent sent")
	}

	rec.Reset()
	req = &http.Request{URL: &url.URL{Scheme: "http", Host: "api.example"}} // no method, path or header map
	req = req.WithContext(ctx)
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	testkit.WantFields(t, stepExit(t, rec, "http GET api.example"), map[string]any{"method": "GET", "path": "/"})
}

// TestTransportRedirects: each request http.Client sends, redirects
// included, is a step of its own.
func TestTransportRedirects(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	mux := http.NewServeMux()
	mux.Handle("GET /old", http.RedirectHandler("/new", http.StatusFound))
	mux.HandleFunc("GET /new", ok)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := newClient(t)

	var flowID string
	err := logcrest.RunFlow(rec.Context(context.Background()), "moved", func(ctx context.Context) error {
		flowID = logcrest.FlowID(ctx)
		_, err := get(ctx, client, srv.URL+"/old")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range rec.Filter(func(r logcresttest.Record) bool { return r.Message() == "step finished" }) {
		paths = append(paths, fmt.Sprint(r.Str("path"), " ", r.Num("http_status")))
	}
	if fmt.Sprint(paths) != "[/old 302 /new 200]" {
		t.Errorf("steps %v, want [/old 302 /new 200]", paths)
	}
	end, _ := rec.FlowEnd(flowID)
	if fns, _ := timelineFns(end); len(fns) != 2 {
		t.Errorf("timeline %v, want two steps", fns)
	}
}

// TestTransportPanic: a panic in the base transport fails the step and is
// raised again with its value.
func TestTransportPanic(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	tr := logcresthttp.Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { panic("wire cut") }))
	ctx, span := logcrest.Flow(rec.Context(context.Background()), "boom")
	defer span.End(nil)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.example/x", nil)
	func() {
		defer func() {
			if r := recover(); r != "wire cut" {
				t.Errorf("recovered %v, want the base's panic", r)
			}
		}()
		_, _ = tr.RoundTrip(req)
	}()
	step := stepExit(t, rec, "http GET api.example")
	testkit.WantFields(t, step, map[string]any{"status": "error", "error": "wire cut", "path": "/x"})
	if !strings.Contains(step.Str("stack"), "TestTransportPanic") {
		t.Errorf("the stack does not show the panic: %v", step.Str("stack"))
	}
}

// TestTransportCloseIdleConnections: the client's CloseIdleConnections
// reaches the base transport.
func TestTransportCloseIdleConnections(t *testing.T) {
	t.Parallel()
	var closed int
	base := struct {
		roundTripFunc
		closer
	}{answer(200), closer{&closed}}
	(&http.Client{Transport: logcresthttp.Transport(base)}).CloseIdleConnections()
	if closed != 1 {
		t.Errorf("the base's CloseIdleConnections called %d times, want 1", closed)
	}
	// A base without the method: nothing to do, no panic.
	(&http.Client{Transport: logcresthttp.Transport(answer(200))}).CloseIdleConnections()
}

// closer counts CloseIdleConnections calls.
type closer struct{ n *int }

func (c closer) CloseIdleConnections() { *c.n++ }
