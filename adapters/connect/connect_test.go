package logcrestconnect_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/go-chi/chi/v5"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestconnect "github.com/logcrest/logcrest/adapters/connect"
	"github.com/logcrest/logcrest/logcresttest"
)

const procedure = "/test.v1.Echo/Say"

// svc answers by its request, like the gRPC adapter's test service.
type svc struct {
	mu      sync.Mutex
	hdr     http.Header
	started chan struct{}
}

func (s *svc) say(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
	s.mu.Lock()
	s.hdr = req.Header().Clone()
	s.mu.Unlock()
	switch req.Msg.GetValue() {
	case "notfound":
		return nil, connect.NewError(connect.CodeNotFound, errors.New("no such order"))
	case "internal":
		return nil, connect.NewError(connect.CodeInternal, errors.New("database down"))
	case "plain":
		return nil, errors.New("plain failure")
	case "panic":
		panic("boom")
	case "wait":
		s.started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return connect.NewResponse(wrapperspb.String("ok")), nil
}

func (s *svc) seen() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hdr
}

// serve starts a real HTTP/2 (TLS) server on loopback with the handler
// under mw (nil: none) and returns its URL, its client and the service.
func serve(t *testing.T, rec *logcresttest.Recorder, mw func(http.Handler) http.Handler) (*httptest.Server, *svc) {
	t.Helper()
	s := &svc{started: make(chan struct{}, 1)}
	var h http.Handler = connect.NewUnaryHandler(procedure, s.say,
		connect.WithRecover(func(context.Context, connect.Spec, http.Header, any) error {
			return connect.NewError(connect.CodeInternal, errors.New("recovered"))
		}),
		connect.WithInterceptors(logcrestconnect.NewInterceptor(logcrestconnect.WithPipeline(rec.Pipeline()))))
	if mw != nil {
		r := chi.NewRouter()
		r.Use(mw)
		r.Handle(procedure, h)
		h = r
	}
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, s
}

func client(srv *httptest.Server, opts ...connect.ClientOption) *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue] {
	return connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](srv.Client(), srv.URL+procedure, opts...)
}

// call sends in with X-Request-ID rid and returns the X-Flow-ID answered
// and the error.
func call(ctx context.Context, c *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue], in, rid string) (string, error) {
	req := connect.NewRequest(wrapperspb.String(in))
	if rid != "" {
		req.Header().Set("X-Request-ID", rid)
	}
	resp, err := c.CallUnary(ctx, req)
	if err != nil {
		var ce *connect.Error
		if errors.As(err, &ce) {
			return ce.Meta().Get("X-Flow-Id"), err
		}
		return "", err
	}
	return resp.Header().Get("X-Flow-Id"), nil
}

func keys(r logcresttest.Record) string {
	var ks []string
	for k := range r {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

const baseKeys = "flow_id flow_status flow_type grpc_code grpc_status_code level logger message peer " +
	"request_id route rpc_method rpc_service rpc_system seq span_id steps time timeline total_ms trace_id"

func withKeys(extra ...string) string {
	ks := append(strings.Fields(baseKeys), extra...)
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

func waitEnd(t *testing.T, rec *logcresttest.Recorder, pred func(logcresttest.Record) bool) logcresttest.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, fe := range rec.FlowEnds() {
			if pred(fe) {
				return fe
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such flow_end after 5s: %v", rec.Records())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func check(t *testing.T, name string, fe logcresttest.Record, wantKeys string, fields map[string]any) {
	t.Helper()
	if got := keys(fe); got != wantKeys {
		t.Errorf("%s: flow_end keys\n got %s\nwant %s", name, got, wantKeys)
	}
	for k, v := range fields {
		if fe[k] != v {
			t.Errorf("%s: %s = %#v, want %#v", name, k, fe[k], v)
		}
	}
}

// TestConformance: over the Connect and the gRPC protocol, each status
// class, and a panic, gives the flow_end of the gRPC adapter: the code is
// the Connect error's, whatever the HTTP status (200 for gRPC).
func TestConformance(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	srv, _ := serve(t, rec, nil)
	fail := withKeys("failed_at", "flow_error", "step")
	for _, proto := range []struct {
		name, system string
		opts         []connect.ClientOption
	}{{"connect", "connect", nil}, {"grpc", "grpc", []connect.ClientOption{connect.WithGRPC()}}} {
		c := client(srv, proto.opts...)
		cases := []struct {
			in   string
			code connect.Code
			keys string
			f    map[string]any
		}{
			{"ok", 0, withKeys(), map[string]any{"flow_status": "success", "grpc_code": "OK", "grpc_status_code": 0.0, "level": "info"}},
			{"notfound", connect.CodeNotFound, withKeys(), map[string]any{"flow_status": "success", "grpc_code": "NotFound", "grpc_status_code": 5.0}},
			{"internal", connect.CodeInternal, fail, map[string]any{"flow_status": "failed", "grpc_code": "Internal", "grpc_status_code": 13.0, "level": "error",
				"flow_error": "Error: internal: database down", "failed_at": "rpc_call"}},
			{"plain", connect.CodeUnknown, fail, map[string]any{"flow_status": "failed", "grpc_code": "Unknown", "grpc_status_code": 2.0, "flow_error": "error: plain failure"}},
			{"panic", connect.CodeInternal, strings.Join(without(withKeys("failed_at", "flow_error", "step", "stack"), "grpc_code", "grpc_status_code"), " "),
				map[string]any{"flow_status": "failed", "flow_error": "panic: boom"}},
		}
		for _, tc := range cases {
			rid := proto.name + "-" + tc.in
			fid, err := call(context.Background(), c, tc.in, rid)
			if connect.CodeOf(err) != tc.code && !(tc.code == 0 && err == nil) {
				t.Fatalf("%s: %v", rid, err)
			}
			if tc.in == "panic" {
				// Re-raised to connect.WithRecover, whose error carries
				// no X-Flow-ID (a unary handler has no headers to set).
				if fid != "" {
					t.Fatalf("%s: X-Flow-ID %q", rid, fid)
				}
			} else if !strings.HasPrefix(fid, rid+"-") {
				t.Fatalf("%s: X-Flow-ID %q", rid, fid)
			}
			fe := waitEnd(t, rec, func(r logcresttest.Record) bool { return r.Str("request_id") == rid })
			f := map[string]any{"rpc_system": proto.system, "rpc_service": "test.v1.Echo", "rpc_method": "Say", "route": procedure, "request_id": rid}
			for k, v := range tc.f {
				f[k] = v
			}
			check(t, rid, fe, tc.keys, f)
		}
	}
}

func without(keys string, drop ...string) []string {
	var out []string
next:
	for _, k := range strings.Fields(keys) {
		for _, d := range drop {
			if k == d {
				continue next
			}
		}
		out = append(out, k)
	}
	return out
}

// TestDeadlineVersusCancel: a passed deadline fails the flow; a client
// that cancels ends it "cancelled" with client_gone.
func TestDeadlineVersusCancel(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	srv, s := serve(t, rec, nil)
	c := client(srv)
	dctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := call(dctx, c, "wait", "dl-1"); connect.CodeOf(err) != connect.CodeDeadlineExceeded {
		t.Fatalf("deadline: %v", err)
	}
	<-s.started
	cctx, cancel2 := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := call(cctx, c, "wait", "cx-1"); done <- err }()
	select {
	case <-s.started:
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled call never reached the handler")
	}
	cancel2()
	<-done
	dl := waitEnd(t, rec, func(r logcresttest.Record) bool { return r.Str("request_id") == "dl-1" })
	cx := waitEnd(t, rec, func(r logcresttest.Record) bool { return r.Str("request_id") == "cx-1" })
	check(t, "deadline", dl, withKeys("failed_at", "flow_error", "step"), map[string]any{
		"flow_status": "failed", "grpc_code": "DeadlineExceeded", "grpc_status_code": 4.0, "flow_error": "error: context deadline exceeded"})
	check(t, "cancel", cx, withKeys("client_gone"), map[string]any{
		"flow_status": "cancelled", "grpc_code": "Canceled", "grpc_status_code": 1.0, "client_gone": true, "level": "info"})
}

// TestClientPropagation: a call from inside a flow is a step of it and
// carries the flow's trace and flow ID; the caller's own headers win and
// its request is left as it came.
func TestClientPropagation(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	srv, s := serve(t, rec, nil)
	c := client(srv, connect.WithInterceptors(logcrestconnect.NewInterceptor()))

	ctx, span := logcrest.Flow(rec.Context(context.Background()), "checkout")
	callerID := logcrest.FlowID(ctx)
	req := connect.NewRequest(wrapperspb.String("ok"))
	resp, err := c.CallUnary(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	span.End(nil)
	got := s.seen()
	if got.Get("X-Request-Id") != callerID {
		t.Errorf("server saw X-Request-ID %q, want %q", got.Get("X-Request-Id"), callerID)
	}
	if len(req.Header().Values("Traceparent")) != 0 || len(req.Header().Values("X-Request-Id")) != 0 {
		t.Errorf("the caller's request was left with %v", req.Header())
	}
	fid := resp.Header().Get("X-Flow-Id")
	server := waitEnd(t, rec, func(r logcresttest.Record) bool { return r.Str("flow_id") == fid })
	var exit logcresttest.Record
	for _, r := range rec.Flow(callerID) {
		if r.Str("fn") == "connect "+procedure && r.Str("status") != "" {
			exit = r
		}
	}
	if exit == nil {
		t.Fatalf("no exit record of the client step: %v", rec.Flow(callerID))
	}
	if !strings.HasPrefix(fid, callerID+"-") || server.Str("parent_span_id") != exit.Str("span_id") ||
		got.Get("Traceparent") != "00-"+exit.Str("trace_id")+"-"+exit.Str("span_id")+"-01" || server.Str("trace_id") != exit.Str("trace_id") {
		t.Errorf("server flow %s parent %s trace %s; traceparent %q; client step %v", fid, server.Str("parent_span_id"), server.Str("trace_id"), got.Get("Traceparent"), exit)
	}
	if exit.Str("grpc_code") != "OK" || exit.Str("rpc_system") != "connect" {
		t.Errorf("client step %v", exit)
	}

	const mine = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	ctx2, span2 := logcrest.Flow(rec.Context(context.Background()), "again")
	req2 := connect.NewRequest(wrapperspb.String("ok"))
	req2.Header().Set("Traceparent", mine)
	req2.Header().Set("X-Request-ID", "caller-set")
	if _, err := c.CallUnary(ctx2, req2); err != nil {
		t.Fatal(err)
	}
	span2.End(nil)
	got = s.seen()
	if got.Get("Traceparent") != mine || got.Get("X-Request-Id") != "caller-set" {
		t.Errorf("caller's headers overridden: %v", got)
	}
}

// TestUnderHTTPMiddleware: a Connect handler mounted under LogCrest's chi
// middleware makes one flow, the HTTP request's, which takes the call's
// route and code: a gRPC-protocol Internal, answered with HTTP 200, fails
// it.
func TestUnderHTTPMiddleware(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	srv, _ := serve(t, rec, logcrestchi.Middleware(adapters.WithPipeline(rec.Pipeline())))
	c := client(srv, connect.WithGRPC())
	fid, err := call(context.Background(), c, "internal", "nest-1")
	if connect.CodeOf(err) != connect.CodeInternal {
		t.Fatal(err)
	}
	fe := waitEnd(t, rec, func(r logcresttest.Record) bool { return r.Str("request_id") == "nest-1" })
	if n := len(rec.FlowEnds()); n != 1 {
		t.Fatalf("%d flow_end records, want 1: %v", n, rec.FlowEnds())
	}
	for k, v := range map[string]any{"flow_status": "failed", "http_status": 200.0, "route": procedure, "grpc_code": "Internal",
		"grpc_status_code": 13.0, "rpc_system": "grpc", "rpc_method": "Say", "method": "POST", "flow_error": "Error: internal: database down", "flow_id": fid} {
		if fe[k] != v {
			t.Errorf("%s = %#v, want %#v", k, fe[k], v)
		}
	}
	if fid == "" {
		t.Error("no X-Flow-ID")
	}
}

// TestBufferedDefault: in the default detail mode a routine call writes
// its flow_end alone.
func TestBufferedDefault(t *testing.T) {
	rec := logcresttest.New(t)
	srv, _ := serve(t, rec, nil)
	fid, err := call(context.Background(), client(srv), "ok", "b-ok")
	if err != nil {
		t.Fatal(err)
	}
	waitEnd(t, rec, func(r logcresttest.Record) bool { return r.Str("flow_id") == fid })
	if got := rec.Flow(fid); len(got) != 1 || got[0].Str("grpc_code") != "OK" {
		t.Errorf("routine call: %v", got)
	}
}
