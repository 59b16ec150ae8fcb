package rpc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/logcrest/logcrest"
	logcrestconnect "github.com/logcrest/logcrest/adapters/connect"
	logcrestgrpc "github.com/logcrest/logcrest/adapters/grpc"
	"github.com/logcrest/logcrest/logcresttest"
	logcrestotel "github.com/logcrest/logcrest/otel"
)

// TestOTelExportRPC: the spans otel.Export makes of RPC flows and steps
// carry the RPC semantic conventions (v1.37): a gRPC call served, whose
// handler calls a Connect service that answers NotFound and then fails
// with Unavailable. Each span is named "<service>/<method>", kinded server
// (a call served) or client (a call made), with rpc.system,
// rpc.service, rpc.method, rpc.grpc.status_code and
// network.peer.address/port, and no http.route.
func TestOTelExportRPC(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	pipe := rec.Pipeline()
	sr := tracetest.NewSpanRecorder()
	x := logcrestotel.ExportTo(pipe, sr)
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })

	const reserve = "/stock.v1.Stock/Reserve"
	mux := http.NewServeMux()
	mux.Handle(reserve, connect.NewUnaryHandler(reserve,
		func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			return nil, connect.NewError(connect.CodeNotFound, errors.New("no such item"))
		}, connect.WithInterceptors(logcrestconnect.NewInterceptor(logcrestconnect.WithPipeline(pipe)))))
	stockSrv := httptest.NewServer(mux)
	t.Cleanup(stockSrv.Close)
	stock := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](
		stockSrv.Client(), stockSrv.URL+reserve, connect.WithInterceptors(logcrestconnect.NewInterceptor()))

	conn := grpcServer(t, func(ctx context.Context, in string) (string, error) {
		if _, err := stock.CallUnary(ctx, connect.NewRequest(wrapperspb.String(in))); err == nil {
			return "", errors.New("stock answered")
		}
		return "", status.Error(grpccodes.Unavailable, "stock down")
	}, grpc.ChainUnaryInterceptor(logcrestgrpc.UnaryServerInterceptor(logcrestgrpc.WithPipeline(pipe))))

	err := conn.Invoke(context.Background(), "/test.v1.Echo/Say", wrapperspb.String("A-1"), new(wrapperspb.StringValue))
	if status.Code(err) != grpccodes.Unavailable {
		t.Fatalf("call: %v", err)
	}
	waitEnds(t, rec, 2)
	if err := x.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}

	spans := tracetest.SpanStubsFromReadOnlySpans(sr.Ended())
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3 (grpc server, connect client, connect server): %v", len(spans), spans)
	}
	find := func(name string, kind trace.SpanKind) tracetest.SpanStub {
		t.Helper()
		for _, s := range spans {
			if s.Name == name && s.SpanKind == kind {
				return s
			}
		}
		t.Fatalf("no %v span %q among %v", kind, name, spans)
		return tracetest.SpanStub{}
	}
	g := find("test.v1.Echo/Say", trace.SpanKindServer)
	cc := find("stock.v1.Stock/Reserve", trace.SpanKindClient)
	cs := find("stock.v1.Stock/Reserve", trace.SpanKindServer)

	check := func(s tracetest.SpanStub, want map[attribute.Key]attribute.Value) {
		t.Helper()
		a := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Attributes {
			a[kv.Key] = kv.Value
		}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("%s %v: %s = %v (%v), want %v (%v)", s.Name, s.SpanKind, k, a[k].String(), a[k].Type(), v.String(), v.Type())
			}
		}
		for _, k := range []attribute.Key{"http.route", "rpc_system", "peer", "grpc_status_code"} {
			if _, ok := a[k]; ok {
				t.Errorf("%s %v: %s = %v, not renamed", s.Name, s.SpanKind, k, a[k].String())
			}
		}
		if s.SpanKind == trace.SpanKindServer {
			if a["network.peer.address"].AsString() != "127.0.0.1" || a["network.peer.port"].AsInt64() <= 0 {
				t.Errorf("%s: peer %v:%v", s.Name, a["network.peer.address"].String(), a["network.peer.port"].String())
			}
		}
	}
	check(g, map[attribute.Key]attribute.Value{
		"rpc.system":           attribute.StringValue("grpc"),
		"rpc.service":          attribute.StringValue("test.v1.Echo"),
		"rpc.method":           attribute.StringValue("Say"),
		"rpc.grpc.status_code": attribute.Int64Value(14),
		"logcrest.grpc_code":   attribute.StringValue("Unavailable"),
	})
	for _, s := range []tracetest.SpanStub{cc, cs} {
		check(s, map[attribute.Key]attribute.Value{
			"rpc.system":           attribute.StringValue("connect_rpc"),
			"rpc.service":          attribute.StringValue("stock.v1.Stock"),
			"rpc.method":           attribute.StringValue("Reserve"),
			"rpc.grpc.status_code": attribute.Int64Value(5),
		})
	}
	// One trace: the client step under the gRPC call, the Connect call
	// under the step (a remote parent).
	if cc.Parent.SpanID() != g.SpanContext.SpanID() || cs.Parent.SpanID() != cc.SpanContext.SpanID() ||
		!cs.Parent.IsRemote() || cs.SpanContext.TraceID() != g.SpanContext.TraceID() {
		t.Errorf("parents: grpc %v, client %v (parent %v), connect %v (parent %v)",
			g.SpanContext.SpanID(), cc.SpanContext.SpanID(), cc.Parent.SpanID(), cs.SpanContext.SpanID(), cs.Parent.SpanID())
	}
	// Unavailable fails the call; NotFound is the caller's fault.
	if g.Status.Code != codes.Error || cc.Status.Code != codes.Unset || cs.Status.Code != codes.Unset {
		t.Errorf("status: grpc %v, client %v, connect %v", g.Status, cc.Status, cs.Status)
	}
}
