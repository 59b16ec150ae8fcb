package logcrestotel

import (
	"context"
	"math"
	"net"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/schema"
)

// ScopeName is the instrumentation scope of the spans Export makes.
const ScopeName = "github.com/logcrest/logcrest/otel"

// Exporter hands the steps and flows of one pipeline to OpenTelemetry as
// they end. Export and ExportTo make one; Shutdown stops it.
type Exporter struct {
	sp     sdktrace.SpanProcessor
	owned  bool // sp is Export's own batcher, shut down with the Exporter
	res    *resource.Resource
	scope  instrumentation.Scope
	remove func()
}

// Option configures Export and ExportTo.
type Option func(*config)

type config struct {
	res   *resource.Resource
	batch []sdktrace.BatchSpanProcessorOption
	// Of ExportLogs (see logs.go).
	logStreams  []string
	logSink     string
	logMaxBytes int64
}

// WithResource sets the resource the spans (Export) and the log records
// (ExportLogs) are exported with, the service they are attributed to, its
// name and version (give the one of your TracerProvider). The default
// is resource.Default(): service.name from OTEL_SERVICE_NAME, else
// "unknown_service:<executable>", and OTEL_RESOURCE_ATTRIBUTES.
func WithResource(r *resource.Resource) Option {
	return func(c *config) { c.res = r }
}

// WithBatchOptions configures the BatchSpanProcessor of Export (queue size,
// batch size, delays; the OTEL_BSP_* environment otherwise). Leave out
// sdktrace.WithBlocking: with it, a step's end would wait for room in the
// queue. ExportTo ignores it.
func WithBatchOptions(opts ...sdktrace.BatchSpanProcessorOption) Option {
	return func(c *config) { c.batch = append(c.batch, opts...) }
}

// Export makes every step and flow of p (nil: the default pipeline at the
// time of the call), from now on, an OpenTelemetry span exported by exp
// through a BatchSpanProcessor of its own: the span has LogCrest's trace ID,
// span ID and parent_span_id, the step's or flow's name, the very start and
// end times its records are stamped with, an Error status when it failed,
// and attributes from its fields (see the package documentation for the
// mapping).
//
// The OpenTelemetry API cannot start a span with IDs of the caller's
// choosing, so Export does not go through a Tracer: it builds each finished
// span as an sdktrace.ReadOnlySpan (tracetest.SpanStub.Snapshot) and hands
// it to the batcher's OnEnd. That happens on the goroutine that ends the
// step, after its records are written, and costs the building of the span
// and a non-blocking send to the batcher's queue; the export runs on the
// batcher's goroutine, and a span that finds the queue full is dropped by
// the batcher (and counted by it), never waited for. Spans of a trace
// adopted from an unsampled OpenTelemetry span are not exported.
//
// Export replaces an earlier Export or ExportTo on p (without shutting it
// down). Call Shutdown when done: it stops the export and flushes and shuts
// down the batcher and exp.
func Export(p *logcrest.Pipeline, exp sdktrace.SpanExporter, opts ...Option) *Exporter {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return start(p, sdktrace.NewBatchSpanProcessor(exp, c.batch...), true, &c)
}

// ExportTo is Export with the spans handed to sp, a span processor of
// yours: typically the BatchSpanProcessor your TracerProvider was given
// (sdktrace.WithSpanProcessor), so that LogCrest's spans and your tracers'
// share one queue and one exporter. sp's OnEnd is called on the goroutine
// that ends the step: it must not block. Shutdown stops the export only; sp
// is yours to shut down.
func ExportTo(p *logcrest.Pipeline, sp sdktrace.SpanProcessor, opts ...Option) *Exporter {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return start(p, sp, false, &c)
}

func start(p *logcrest.Pipeline, sp sdktrace.SpanProcessor, owned bool, c *config) *Exporter {
	x := &Exporter{
		sp:    sp,
		owned: owned,
		res:   c.res,
		scope: instrumentation.Scope{Name: ScopeName},
	}
	if x.res == nil {
		x.res = resource.Default()
	}
	x.remove = pipelineOf(p).SetEndHook(x.end)
	return x
}

// ForceFlush exports the spans handed to the span processor so far.
func (x *Exporter) ForceFlush(ctx context.Context) error { return x.sp.ForceFlush(ctx) }

// Shutdown stops the export: steps and flows ending from now on are not
// exported. For Export, it then shuts the batcher down, which exports what
// it holds and shuts the exporter down, within ctx. For ExportTo it does
// nothing more. A second Shutdown does nothing more either.
func (x *Exporter) Shutdown(ctx context.Context) error {
	x.remove()
	if x.owned {
		return x.sp.Shutdown(ctx)
	}
	return nil
}

// end is the EndHook of the pipeline: it hands the span e describes to the
// span processor.
func (x *Exporter) end(e *core.EndedSpan) {
	if !e.Sampled {
		return
	}
	x.sp.OnEnd(x.snapshot(e))
}

// snapshot builds the OpenTelemetry span that e describes.
func (x *Exporter) snapshot(e *core.EndedSpan) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStub{
		Name: e.Name,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID:    e.TraceID,
			SpanID:     e.SpanID,
			TraceFlags: trace.FlagsSampled,
		}),
		SpanKind:             trace.SpanKindInternal,
		StartTime:            e.Start,
		EndTime:              e.End,
		Resource:             x.res,
		InstrumentationScope: x.scope,
	}
	if e.ParentSpanID != ([8]byte{}) {
		stub.Parent = trace.NewSpanContext(trace.SpanContextConfig{
			TraceID:    e.TraceID,
			SpanID:     e.ParentSpanID,
			TraceFlags: trace.FlagsSampled,
			Remote:     e.ParentKind == core.ParentRemote,
		})
	}
	attrs := make([]attribute.KeyValue, 0, 12)
	if e.FlowID != "" {
		attrs = append(attrs, attribute.String("logcrest."+schema.KeyFlowID, e.FlowID))
	}
	if e.Flow {
		attrs = append(attrs, attribute.Int("logcrest."+schema.KeySteps, e.Steps))
	}
	h := httpFields{step: !e.Flow}
	attrs = appendFields(attrs, e.Attrs, &h)
	switch {
	case e.Flow && h.method != "":
		// An HTTP request: named and kinded as semantic conventions name
		// server spans.
		stub.Name = h.method
		if h.route != "" {
			stub.Name += " " + h.route
		}
		if e.ParentKind != core.ParentExternal {
			stub.SpanKind = trace.SpanKindServer
		}
	case h.method != "":
		// A request sent by logcresthttp.Transport: its step keeps its
		// name, "http GET api.example.com".
		stub.SpanKind = trace.SpanKindClient
	case h.rpcSystem && h.rpcService != "" && e.Flow:
		// An RPC call served (adapters/grpc, adapters/connect): named
		// "<service>/<method>" as semantic conventions name RPC spans.
		stub.Name = h.rpcName()
		if e.ParentKind != core.ParentExternal {
			stub.SpanKind = trace.SpanKindServer
		}
	case h.rpcSystem && h.rpcService != "":
		// An RPC call made by a client interceptor: a step.
		stub.Name = h.rpcName()
		stub.SpanKind = trace.SpanKindClient
	}
	if e.Failed {
		stub.Status = sdktrace.Status{Code: codes.Error, Description: e.Error}
		if e.Error != "" || e.ErrorType != "" {
			ev := []attribute.KeyValue{
				attribute.String("exception.type", e.ErrorType),
				attribute.String("exception.message", e.Error),
			}
			if e.Panic && len(e.Stack) > 0 {
				ev = append(ev, attribute.String("exception.stacktrace", string(e.Stack)))
			}
			stub.Events = []sdktrace.Event{{Name: "exception", Attributes: ev, Time: e.End}}
		}
	}
	stub.Attributes = attrs
	return stub.Snapshot()
}

// httpFields are the fields of an HTTP request or an RPC call that name
// and kind its span.
type httpFields struct {
	step   bool   // the span is a step: host is the server called
	method string // as http.request.method: a known method, or "HTTP" for _OTHER
	route  string

	rpcSystem             bool // rpc_system was set: an RPC call
	rpcService, rpcMethod string
}

// rpcName is an RPC span's name: "<service>/<method>", the service alone
// when the method is unknown.
func (h *httpFields) rpcName() string {
	if h.rpcMethod == "" {
		return h.rpcService
	}
	return h.rpcService + "/" + h.rpcMethod
}

// rpcSystems are rpc_system's values as semantic conventions spell
// rpc.system; "grpc" is the same in both, and "grpc_web", which they
// have no value for, is kept as written.
var rpcSystems = map[string]string{"connect": "connect_rpc"}

// fieldKeys renames the fields LogCrest's HTTP adapters and
// logcresthttp.Transport write to the attributes of OpenTelemetry's
// semantic conventions, or, when there is none, to LogCrest's own
// namespace. The host of a step (Transport's) is server.address and
// server.port. Other fields (a flow's SetField fields,
// adapters.WithFlowFields) keep their names.
var fieldKeys = map[string]string{
	schema.KeyMethod:          "http.request.method",
	schema.KeyPath:            "url.path",
	schema.KeyRoute:           "http.route",
	schema.KeyHTTPStatus:      "http.response.status_code",
	schema.KeyBytes:           "http.response.body.size",
	schema.KeyClientIP:        "client.address",
	schema.KeyRequestID:       "logcrest." + schema.KeyRequestID,
	schema.KeyTraceFlags:      "logcrest." + schema.KeyTraceFlags,
	schema.KeyMethodTruncated: "logcrest." + schema.KeyMethodTruncated,
	schema.KeyPathTruncated:   "logcrest." + schema.KeyPathTruncated,
	schema.KeyRouteTruncated:  "logcrest." + schema.KeyRouteTruncated,
	schema.KeyAborted:         "logcrest." + schema.KeyAborted,
	schema.KeyHijacked:        "logcrest." + schema.KeyHijacked,
	schema.KeyClientGone:      "logcrest." + schema.KeyClientGone,
	schema.KeyReturnedError:   "logcrest." + schema.KeyReturnedError,
	schema.KeyHostTruncated:   "logcrest." + schema.KeyHostTruncated,
	// The RPC adapters' fields (semantic conventions v1.37: rpc.system,
	// rpc.service, rpc.method, rpc.grpc.status_code, network.peer.*).
	// The code's number is rpc.grpc.status_code for Connect too (its codes
	// are gRPC's); its name stays in LogCrest's namespace.
	schema.KeyRPCSystem:      "rpc.system",
	schema.KeyRPCService:     "rpc.service",
	schema.KeyRPCMethod:      "rpc.method",
	schema.KeyGRPCStatusCode: "rpc.grpc.status_code",
	schema.KeyGRPCCode:       "logcrest." + schema.KeyGRPCCode,
	schema.KeyPeerTruncated:  "logcrest." + schema.KeyPeerTruncated,
}

// knownMethods are the methods semantic conventions name; any other is
// "_OTHER", with the method itself in http.request.method_original.
var knownMethods = map[string]bool{
	"CONNECT": true, "DELETE": true, "GET": true, "HEAD": true, "OPTIONS": true,
	"PATCH": true, "POST": true, "PUT": true, "QUERY": true, "TRACE": true,
}

// appendFields appends fields (core.EndedSpan.Attrs) to attrs as
// attributes of the same types, and keeps in h what names an HTTP
// request's span. An unsigned integer beyond int64, which OpenTelemetry has
// no attribute for, is kept exact as its decimal string.
func appendFields(attrs []attribute.KeyValue, fields []core.Attr, h *httpFields) []attribute.KeyValue {
	for i := range fields {
		a := &fields[i]
		key := a.Key
		if key == schema.KeyHost && h.step && a.Kind == core.AttrString {
			attrs = appendServer(attrs, a.Str)
			continue
		}
		if key == schema.KeyPeer && a.Kind == core.AttrString {
			attrs = appendPeer(attrs, a.Str)
			continue
		}
		if a.Kind == core.AttrString {
			switch key {
			case schema.KeyRPCSystem:
				h.rpcSystem = true
				if v, ok := rpcSystems[a.Str]; ok {
					attrs = append(attrs, attribute.String("rpc.system", v))
					continue
				}
			case schema.KeyRPCService:
				h.rpcService = a.Str
			case schema.KeyRPCMethod:
				h.rpcMethod = a.Str
			case schema.KeyRoute:
				if h.rpcSystem && h.method == "" {
					// An RPC call's full method: rpc.service and
					// rpc.method say it, and it is no HTTP route.
					h.route = a.Str
					attrs = append(attrs, attribute.String("logcrest."+schema.KeyRoute, a.Str))
					continue
				}
			}
		}
		if k, ok := fieldKeys[key]; ok {
			if key == schema.KeyMethod {
				m := a.Str
				if !knownMethods[m] {
					attrs = append(attrs,
						attribute.String("http.request.method", "_OTHER"),
						attribute.String("http.request.method_original", m))
					h.method = "HTTP"
					continue
				}
				h.method = m
			}
			if key == schema.KeyRoute {
				h.route = a.Str
			}
			key = k
		}
		switch a.Kind {
		case core.AttrString:
			attrs = append(attrs, attribute.String(key, a.Str))
		case core.AttrBool:
			attrs = append(attrs, attribute.Bool(key, a.Bool()))
		case core.AttrInt:
			attrs = append(attrs, attribute.Int64(key, a.Int()))
		case core.AttrUint:
			if u := a.Uint(); u <= math.MaxInt64 {
				attrs = append(attrs, attribute.Int64(key, int64(u)))
			} else {
				attrs = append(attrs, attribute.String(key, strconv.FormatUint(u, 10)))
			}
		case core.AttrFloat:
			attrs = append(attrs, attribute.Float64(key, a.Float()))
		}
	}
	return attrs
}

// appendPeer appends network.peer.address and, when addr has one,
// network.peer.port: the RPC caller's address.
func appendPeer(attrs []attribute.KeyValue, addr string) []attribute.KeyValue {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return append(attrs, attribute.String("network.peer.address", addr))
	}
	attrs = append(attrs, attribute.String("network.peer.address", host))
	if n, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int("network.peer.port", n))
	}
	return attrs
}

// appendServer appends server.address and, when hostport has one,
// server.port.
func appendServer(attrs []attribute.KeyValue, hostport string) []attribute.KeyValue {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return append(attrs, attribute.String("server.address", hostport))
	}
	attrs = append(attrs, attribute.String("server.address", host))
	if n, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int("server.port", n))
	}
	return attrs
}
