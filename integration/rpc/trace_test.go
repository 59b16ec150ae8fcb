package rpc_test

import (
	"context"

	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/go-chi/chi/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestconnect "github.com/logcrest/logcrest/adapters/connect"
	logcrestgrpc "github.com/logcrest/logcrest/adapters/grpc"
	"github.com/logcrest/logcrest/logcresttest"
)

type echoService interface{}

// unaryDesc is a one-method gRPC service, written by hand, whose handler is
// h.
func unaryDesc(h func(ctx context.Context, in string) (string, error)) *grpc.ServiceDesc {
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
				call := func(ctx context.Context, req any) (any, error) {
					out, err := h(ctx, req.(*wrapperspb.StringValue).GetValue())
					if err != nil {
						return nil, err
					}
					return wrapperspb.String(out), nil
				}
				if ic == nil {
					return call(ctx, in)
				}
				return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/test.v1.Echo/Say"}, call)
			},
		}},
	}
}

func grpcServer(t testing.TB, h func(context.Context, string) (string, error), opts ...grpc.ServerOption) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	srv.RegisterService(unaryDesc(h), struct{}{})
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(logcrestgrpc.UnaryClientInterceptor()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(); srv.Stop() })
	return conn
}

// stockProcedure is the Connect procedure of callThreeServices' last
// service.
const stockProcedure = "/stock.v1.Stock/Reserve"

// callThreeServices serves stock (Connect, writing to stock), orders (gRPC,
// calling stock, writing to orders) and shop (HTTP through chi, calling
// orders, writing to shop), each with its LogCrest adapter, until t ends;
// sends GET /checkout/7 with X-Request-ID order-7 to shop and returns its
// answer, checked to be 200 "reserved".
func callThreeServices(t *testing.T, shop, orders, stock *logcrest.Pipeline) *http.Response {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(stockProcedure, connect.NewUnaryHandler(stockProcedure,
		func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			return connect.NewResponse(wrapperspb.String("reserved")), nil
		}, connect.WithInterceptors(logcrestconnect.NewInterceptor(logcrestconnect.WithPipeline(stock)))))
	connectSrv := httptest.NewServer(mux)
	t.Cleanup(connectSrv.Close)
	stockClient := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](
		connectSrv.Client(), connectSrv.URL+stockProcedure, connect.WithInterceptors(logcrestconnect.NewInterceptor()))

	conn := grpcServer(t, func(ctx context.Context, in string) (string, error) {
		resp, err := stockClient.CallUnary(ctx, connect.NewRequest(wrapperspb.String(in)))
		if err != nil {
			return "", err
		}
		return resp.Msg.GetValue(), nil
	}, grpc.ChainUnaryInterceptor(logcrestgrpc.UnaryServerInterceptor(logcrestgrpc.WithPipeline(orders))))

	r := chi.NewRouter()
	r.Use(logcrestchi.Middleware(adapters.WithPipeline(shop)))
	r.Get("/checkout/{id}", func(w http.ResponseWriter, req *http.Request) {
		out := new(wrapperspb.StringValue)
		if err := conn.Invoke(req.Context(), "/test.v1.Echo/Say", wrapperspb.String("A-1"), out); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, out.GetValue())
	})
	httpSrv := httptest.NewServer(r)
	t.Cleanup(httpSrv.Close)

	req, _ := http.NewRequest(http.MethodGet, httpSrv.URL+"/checkout/7", nil)
	req.Header.Set("X-Request-ID", "order-7")
	resp, err := httpSrv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "reserved" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	return resp
}

// TestThreeServices: HTTP (chi) calls gRPC, which calls Connect: three
// flows in one trace, each labelled by its caller's flow ID and parented
// by its caller's client step.
func TestThreeServices(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	pipe := rec.Pipeline()
	resp := callThreeServices(t, pipe, pipe, pipe)
	httpID := resp.Header.Get("X-Flow-ID")

	ends := waitEnds(t, rec, 3)
	byRoute := map[string]logcresttest.Record{}
	for _, fe := range ends {
		byRoute[fe.Str("route")] = fe
	}
	h, g, c := byRoute["/checkout/{id}"], byRoute["/test.v1.Echo/Say"], byRoute[stockProcedure]
	if h == nil || g == nil || c == nil || h.Str("flow_id") != httpID {
		t.Fatalf("flow_ends: %v", ends)
	}
	if !strings.HasPrefix(httpID, "order-7-") || !strings.HasPrefix(g.Str("flow_id"), httpID+"-") ||
		!strings.HasPrefix(c.Str("flow_id"), g.Str("flow_id")+"-") {
		t.Errorf("labels: http %s, grpc %s, connect %s", httpID, g.Str("flow_id"), c.Str("flow_id"))
	}
	if h.Str("trace_id") != g.Str("trace_id") || g.Str("trace_id") != c.Str("trace_id") {
		t.Errorf("traces: %s %s %s", h.Str("trace_id"), g.Str("trace_id"), c.Str("trace_id"))
	}
	// Each callee's parent is its caller's client step.
	if s := step(t, rec, httpID, "grpc /test.v1.Echo/Say"); g.Str("parent_span_id") != s.Str("span_id") {
		t.Errorf("grpc parent %s, http's client step %s", g.Str("parent_span_id"), s.Str("span_id"))
	}
	if s := step(t, rec, g.Str("flow_id"), "connect "+stockProcedure); c.Str("parent_span_id") != s.Str("span_id") {
		t.Errorf("connect parent %s, grpc's client step %s", c.Str("parent_span_id"), s.Str("span_id"))
	}
	if h.Num("steps") != 1 || g.Num("steps") != 1 || c.Num("steps") != 0 {
		t.Errorf("steps: %v %v %v", h.Num("steps"), g.Num("steps"), c.Num("steps"))
	}
}

// step returns the exit record of the step fn in flow id.
func step(t *testing.T, rec *logcresttest.Recorder, id, fn string) logcresttest.Record {
	t.Helper()
	for _, r := range rec.Flow(id) {
		if r.Str("fn") == fn && r.Str("status") != "" {
			return r
		}
	}
	t.Fatalf("no exit record of %q in flow %s: %v", fn, id, rec.Flow(id))
	return nil
}

func waitEnds(t *testing.T, rec *logcresttest.Recorder, n int) []logcresttest.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ends := rec.FlowEnds(); len(ends) >= n {
			return ends
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d flow_end records after 5s: %v", n, rec.Records())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
