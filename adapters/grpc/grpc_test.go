package logcrestgrpc_test

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/logcrest/logcrest"
	logcrestgrpc "github.com/logcrest/logcrest/adapters/grpc"
	"github.com/logcrest/logcrest/logcresttest"
)

// echoService is the test service, written by hand (no generated code):
// /test.v1.Echo/Say is unary, /test.v1.Echo/Count streams to the client.
type echoService interface{}

// seen is the metadata the last call's handler saw.
type seen struct {
	mu                     sync.Mutex
	requestID, traceparent []string
	started                chan struct{} // a "wait" call has begun
}

func (s *seen) set(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	s.requestID, s.traceparent = md.Get("x-request-id"), md.Get("traceparent")
	s.mu.Unlock()
}

func (s *seen) get() (rid, tp []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requestID, s.traceparent
}

// say answers by its request: "ok", "notfound" (a client fault),
// "internal" (a server fault), "plain" (an error without a status),
// "panic", "wait" (until the call's context is done).
func (s *seen) say(ctx context.Context, in string) (string, error) {
	s.set(ctx)
	switch in {
	case "notfound":
		return "", status.Error(codes.NotFound, "no such order")
	case "internal":
		return "", status.Error(codes.Internal, "database down")
	case "plain":
		return "", errors.New("plain failure")
	case "panic":
		panic("boom")
	case "wait":
		s.started <- struct{}{}
		<-ctx.Done()
		return "", ctx.Err()
	}
	return "ok", nil
}

func echoDesc(s *seen) *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: "test.v1.Echo",
		HandlerType: (*echoService)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Say",
			Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				h := func(ctx context.Context, req any) (any, error) {
					out, err := s.say(ctx, req.(*wrapperspb.StringValue).GetValue())
					if err != nil {
						return nil, err
					}
					return wrapperspb.String(out), nil
				}
				if ic == nil {
					return h(ctx, in)
				}
				return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/test.v1.Echo/Say"}, h)
			},
		}},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Count",
			ServerStreams: true,
			Handler: func(_ any, stream grpc.ServerStream) error {
				in := new(wrapperspb.StringValue)
				if err := stream.RecvMsg(in); err != nil {
					return err
				}
				s.set(stream.Context())
				for i := 0; i < 3; i++ {
					if err := stream.SendMsg(wrapperspb.String("n")); err != nil {
						return err
					}
				}
				if in.GetValue() == "fail" {
					return status.Error(codes.Unavailable, "shard moved")
				}
				return nil
			},
		}},
	}
}

// serve starts a real gRPC server on loopback with the interceptors and
// opts, and returns a client connection to it and what its handlers saw.
func serve(t *testing.T, srvOpts []grpc.ServerOption, clientOpts ...grpc.DialOption) (*grpc.ClientConn, *seen) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &seen{started: make(chan struct{}, 1)}
	srv := grpc.NewServer(srvOpts...)
	srv.RegisterService(echoDesc(s), struct{}{})
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(),
		append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, clientOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(); srv.Stop() })
	return conn, s
}

func serverOpts(opts ...logcrestgrpc.Option) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(logcrestgrpc.UnaryServerInterceptor(opts...)),
		grpc.ChainStreamInterceptor(logcrestgrpc.StreamServerInterceptor(opts...)),
	}
}

// say calls /test.v1.Echo/Say with x-request-id rid and returns the
// x-flow-id answered and the error.
func say(ctx context.Context, conn *grpc.ClientConn, in, rid string) (flowID string, err error) {
	if rid != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "x-request-id", rid)
	}
	var hdr metadata.MD
	out := new(wrapperspb.StringValue)
	err = conn.Invoke(ctx, "/test.v1.Echo/Say", wrapperspb.String(in), out, grpc.Header(&hdr))
	if v := hdr.Get("x-flow-id"); len(v) == 1 {
		flowID = v[0]
	}
	return flowID, err
}

func keys(r logcresttest.Record) string {
	var ks []string
	for k := range r {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// want checks that r has exactly the keys of base plus extra, and the
// values given.
func want(t *testing.T, name string, r logcresttest.Record, keys0 string, fields map[string]any) {
	t.Helper()
	if got := keys(r); got != keys0 {
		t.Errorf("%s: flow_end keys\n got %s\nwant %s", name, got, keys0)
	}
	for k, v := range fields {
		if r[k] != v {
			t.Errorf("%s: %s = %#v, want %#v", name, k, r[k], v)
		}
	}
}

func oneEnd(t *testing.T, rec *logcresttest.Recorder, flowID string) logcresttest.Record {
	t.Helper()
	fe, ok := rec.FlowEnd(flowID)
	if !ok {
		t.Fatalf("no flow_end for x-flow-id %q; records: %v", flowID, rec.Records())
	}
	return fe
}

// The keys every RPC flow_end has, before those of its outcome.
const baseKeys = "flow_id flow_status flow_type grpc_code grpc_status_code level logger message peer " +
	"request_id route rpc_method rpc_service rpc_system seq span_id steps time timeline total_ms trace_id"

func withKeys(extra ...string) string {
	ks := append(strings.Fields(baseKeys), extra...)
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// TestServerConformance: one unary call per status class, each a flow
// labelled by its x-request-id and answered with x-flow-id, its flow_end
// holding exactly the fields of its class.
func TestServerConformance(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	conn, s := serve(t, serverOpts(logcrestgrpc.WithPipeline(rec.Pipeline())))
	ctx := context.Background()

	cases := []struct {
		in, rid string
		code    codes.Code
		fields  map[string]any
		keys    string
	}{
		{"ok", "ok-1", codes.OK, map[string]any{"flow_status": "success", "grpc_code": "OK", "grpc_status_code": 0.0, "level": "info"}, withKeys()},
		{"notfound", "nf-1", codes.NotFound, map[string]any{"flow_status": "success", "grpc_code": "NotFound", "grpc_status_code": 5.0, "level": "info"}, withKeys()},
		{"internal", "in-1", codes.Internal, map[string]any{"flow_status": "failed", "grpc_code": "Internal", "grpc_status_code": 13.0, "level": "error",
			"failed_at": "rpc_call", "step": "0/0", "flow_error": "Error: rpc error: code = Internal desc = database down"}, withKeys("failed_at", "flow_error", "step")},
		{"plain", "pl-1", codes.Unknown, map[string]any{"flow_status": "failed", "grpc_code": "Unknown", "grpc_status_code": 2.0, "level": "error",
			"flow_error": "error: plain failure"}, withKeys("failed_at", "flow_error", "step")},
	}
	for _, tc := range cases {
		fid, err := say(ctx, conn, tc.in, tc.rid)
		if status.Code(err) != tc.code {
			t.Fatalf("%s: code %v, want %v", tc.in, status.Code(err), tc.code)
		}
		if !strings.HasPrefix(fid, tc.rid+"-") || len(fid) != len(tc.rid)+9 {
			t.Fatalf("%s: x-flow-id %q, want %q-<hex8>", tc.in, fid, tc.rid)
		}
		fe := oneEnd(t, rec, fid)
		f := map[string]any{"rpc_system": "grpc", "rpc_service": "test.v1.Echo", "rpc_method": "Say",
			"route": "/test.v1.Echo/Say", "request_id": tc.rid, "steps": 0.0}
		for k, v := range tc.fields {
			f[k] = v
		}
		want(t, tc.in, fe, tc.keys, f)
		if p := fe.Str("peer"); !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("%s: peer %q", tc.in, p)
		}
		starts := rec.Filter(func(r logcresttest.Record) bool { return r.Str("flow_id") == fid && r.Str("flow_type") == "flow_start" })
		if len(starts) != 1 || starts[0].Str("rpc_method") != "Say" || starts[0].Str("request_id") != tc.rid {
			t.Errorf("%s: flow_start %v", tc.in, starts)
		}
	}
	_ = s
}

// TestDeadlineVersusCancel: a call whose deadline passes fails its flow
// (DeadlineExceeded is a server-side timeout); a call the client cancels
// ends it "cancelled" with client_gone, nothing at error level.
func TestDeadlineVersusCancel(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	conn, s := serve(t, serverOpts(logcrestgrpc.WithPipeline(rec.Pipeline())))

	dctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := say(dctx, conn, "wait", "dl-1"); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("deadline call: %v", err)
	}
	<-s.started

	cctx, cancel2 := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := say(cctx, conn, "wait", "cx-1"); done <- err }()
	select {
	case <-s.started:
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled call never reached the handler")
	}
	cancel2()
	if err := <-done; status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled call: %v", err)
	}

	ends := waitEnds(t, rec, 2)
	var dl, cx logcresttest.Record
	for _, fe := range ends {
		switch fe.Str("request_id") {
		case "dl-1":
			dl = fe
		case "cx-1":
			cx = fe
		}
	}
	base := map[string]any{"rpc_method": "Say", "route": "/test.v1.Echo/Say"}
	want(t, "deadline", dl, withKeys("failed_at", "flow_error", "step"), merge(base, map[string]any{
		"flow_status": "failed", "level": "error", "grpc_code": "DeadlineExceeded", "grpc_status_code": 4.0,
		"flow_error": "error: context deadline exceeded"}))
	want(t, "cancel", cx, withKeys("client_gone"), merge(base, map[string]any{
		"flow_status": "cancelled", "level": "info", "grpc_code": "Canceled", "grpc_status_code": 1.0, "client_gone": true}))
}

func merge(a, b map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// waitEnds waits (the server's interceptor may finish after the client has
// its answer) until n flow_end records are written.
func waitEnds(t *testing.T, rec *logcresttest.Recorder, n int) []logcresttest.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ends := rec.FlowEnds()
		if len(ends) >= n {
			return ends
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d flow_end records after 5s, want %d: %v", len(ends), n, rec.Records())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPanic: grpc-go does not recover a handler's panic. By default the
// interceptor records it (flow_end failed, the panic as flow_error, its
// stack) and raises it again, here to a recovery interceptor chained
// outside it; with WithRecovery it answers codes.Internal itself.
func TestPanic(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	var outer any
	var mu sync.Mutex
	recovery := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				mu.Lock()
				outer = r
				mu.Unlock()
				err = status.Error(codes.Unavailable, "recovered outside")
			}
		}()
		return h(ctx, req)
	}
	conn, _ := serve(t, []grpc.ServerOption{grpc.ChainUnaryInterceptor(recovery,
		logcrestgrpc.UnaryServerInterceptor(logcrestgrpc.WithPipeline(rec.Pipeline())))})
	fid, err := say(context.Background(), conn, "panic", "p-1")
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("re-raised panic: %v", err)
	}
	mu.Lock()
	if outer != "boom" {
		t.Errorf("the outer recovery got %v, want the panic value boom", outer)
	}
	mu.Unlock()
	fe := oneEnd(t, rec, fid)
	keys0 := strings.Join(sortWithout(withKeys("failed_at", "flow_error", "step", "stack"), "grpc_code", "grpc_status_code"), " ")
	want(t, "re-raised", fe, keys0, map[string]any{"flow_status": "failed", "flow_error": "panic: boom", "level": "error"})
	if !strings.Contains(fe.Str("stack"), "grpc_test.go") {
		t.Errorf("stack does not name the handler: %s", fe.Str("stack"))
	}

	rec2 := logcresttest.New(t, logcrest.WithDetail("full"))
	conn2, _ := serve(t, serverOpts(logcrestgrpc.WithPipeline(rec2.Pipeline()), logcrestgrpc.WithRecovery()))
	fid2, err := say(context.Background(), conn2, "panic", "p-2")
	if s, _ := status.FromError(err); s.Code() != codes.Internal || s.Message() != "panic: boom" {
		t.Fatalf("WithRecovery: %v", err)
	}
	want(t, "recovered", oneEnd(t, rec2, fid2), withKeys("failed_at", "flow_error", "step", "stack"),
		map[string]any{"flow_status": "failed", "flow_error": "panic: boom", "grpc_code": "Internal", "grpc_status_code": 13.0})
}

func sortWithout(keys string, drop ...string) []string {
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

// TestStream: a server stream is one flow, ended when the handler returns,
// with the stream's status.
func TestStream(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	conn, _ := serve(t, serverOpts(logcrestgrpc.WithPipeline(rec.Pipeline())))
	desc := &grpc.StreamDesc{StreamName: "Count", ServerStreams: true}
	for _, in := range []string{"ok", "fail"} {
		cs, err := conn.NewStream(context.Background(), desc, "/test.v1.Echo/Count")
		if err != nil {
			t.Fatal(err)
		}
		if err := cs.SendMsg(wrapperspb.String(in)); err != nil {
			t.Fatal(err)
		}
		_ = cs.CloseSend()
		n := 0
		for {
			err = cs.RecvMsg(new(wrapperspb.StringValue))
			if err != nil {
				break
			}
			n++
		}
		hdr, _ := cs.Header()
		fid := hdr.Get("x-flow-id")
		if n != 3 || len(fid) != 1 {
			t.Fatalf("%s: %d messages, x-flow-id %v", in, n, fid)
		}
		fe := oneEnd(t, rec, fid[0])
		code := map[string]any{"ok": "OK", "fail": "Unavailable"}[in]
		st := map[string]any{"ok": "success", "fail": "failed"}[in]
		if fe.Str("grpc_code") != code || fe.Str("flow_status") != st || fe.Str("route") != "/test.v1.Echo/Count" || fe.Str("rpc_method") != "Count" {
			t.Errorf("%s: flow_end %v", in, fe)
		}
	}
}

// TestSkipHealth: the health service, given to WithSkip, makes no record
// and answers no x-flow-id.
func TestSkipHealth(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	conn, _ := serve(t, serverOpts(logcrestgrpc.WithPipeline(rec.Pipeline()), logcrestgrpc.WithSkip(logcrestgrpc.SkipHealthAndReflection)))
	var hdr metadata.MD
	if _, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}, grpc.Header(&hdr)); err != nil {
		t.Fatal(err)
	}
	if _, err := say(context.Background(), conn, "ok", ""); err != nil {
		t.Fatal(err)
	}
	ends := waitEnds(t, rec, 1)
	if len(ends) != 1 || ends[0].Str("rpc_method") != "Say" || len(hdr.Get("x-flow-id")) != 0 {
		t.Fatalf("flow_ends %v, health x-flow-id %v", ends, hdr.Get("x-flow-id"))
	}
	if _, ok := ends[0]["request_id"]; ok {
		t.Errorf("request_id without x-request-id: %v", ends[0])
	}
}

// TestClientPropagation: a call sent from inside a flow is a step of it,
// carries the flow's trace (the step as parent) and its flow ID as
// x-request-id, and the server's flow joins both; metadata the caller set
// is sent as it is.
func TestClientPropagation(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	conn, s := serve(t, serverOpts(logcrestgrpc.WithPipeline(rec.Pipeline())),
		grpc.WithChainUnaryInterceptor(logcrestgrpc.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(logcrestgrpc.StreamClientInterceptor()))

	ctx, span := logcrest.Flow(rec.Context(context.Background()), "checkout")
	callerID := logcrest.FlowID(ctx)
	fid, err := say(ctx, conn, "notfound", "")
	if status.Code(err) != codes.NotFound {
		t.Fatal(err)
	}
	rid, tp := s.get()
	if len(rid) != 1 || rid[0] != callerID || len(tp) != 1 {
		t.Fatalf("server saw x-request-id %v traceparent %v, want [%s] and one traceparent", rid, tp, callerID)
	}
	span.End(nil)

	server := oneEnd(t, rec, fid)
	caller := oneEnd(t, rec, callerID)
	if !strings.HasPrefix(fid, callerID+"-") || server.Str("trace_id") != caller.Str("trace_id") {
		t.Fatalf("server flow %s trace %s, caller %s trace %s", fid, server.Str("trace_id"), callerID, caller.Str("trace_id"))
	}
	var exit logcresttest.Record
	for _, r := range rec.Flow(callerID) {
		if r.Str("fn") == "grpc /test.v1.Echo/Say" && r.Str("status") != "" {
			exit = r
		}
	}
	if exit == nil {
		t.Fatalf("no exit record of the client step: %v", rec.Flow(callerID))
	}
	if server.Str("parent_span_id") != exit.Str("span_id") || tp[0] != "00-"+caller.Str("trace_id")+"-"+exit.Str("span_id")+"-01" {
		t.Errorf("server parent_span_id %s, traceparent %s; client step span %s", server.Str("parent_span_id"), tp[0], exit.Str("span_id"))
	}
	for k, v := range map[string]any{"status": "ok", "grpc_code": "NotFound", "grpc_status_code": 5.0, "rpc_system": "grpc", "rpc_service": "test.v1.Echo", "rpc_method": "Say"} {
		if exit[k] != v {
			t.Errorf("client step %s = %v, want %v", k, exit[k], v)
		}
	}

	// The caller's own metadata wins.
	const mine = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	ctx2, span2 := logcrest.Flow(rec.Context(context.Background()), "again")
	mctx := metadata.NewOutgoingContext(ctx2, metadata.Pairs("traceparent", mine, "x-request-id", "caller-set"))
	if _, err := say(mctx, conn, "ok", ""); err != nil {
		t.Fatal(err)
	}
	span2.End(nil)
	rid, tp = s.get()
	if len(rid) != 1 || rid[0] != "caller-set" || len(tp) != 1 || tp[0] != mine {
		t.Errorf("caller's metadata overridden: x-request-id %v traceparent %v", rid, tp)
	}

	// Outside any flow the call goes as it is: no step, no metadata added.
	rec.Reset()
	if _, err := say(context.Background(), conn, "ok", ""); err != nil {
		t.Fatal(err)
	}
	rid, tp = s.get()
	if len(rid) != 0 || len(tp) != 0 {
		t.Errorf("a call outside a flow sent x-request-id %v traceparent %v", rid, tp)
	}
}

// TestBufferedDefault: in the default detail mode a routine call writes
// its flow_end alone; a failed one writes its held flow_start before it.
func TestBufferedDefault(t *testing.T) {
	rec := logcresttest.New(t)
	conn, _ := serve(t, serverOpts(logcrestgrpc.WithPipeline(rec.Pipeline())))
	okID, _ := say(context.Background(), conn, "ok", "b-ok")
	failID, _ := say(context.Background(), conn, "internal", "b-fail")
	waitEnds(t, rec, 2)
	if got := rec.Flow(okID); len(got) != 1 || got[0].Str("flow_type") != "flow_end" {
		t.Errorf("routine call: %v", got)
	}
	got := rec.Filter(func(r logcresttest.Record) bool { return r.Str("flow_id") == failID && r.Str("flow_type") != "" })
	if len(got) != 2 || got[0].Str("flow_type") != "flow_start" || got[0]["buffered"] != true || got[1]["detail"] != "failed" {
		t.Errorf("failed call: %v", got)
	}
}
