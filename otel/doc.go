// Package logcrestotel connects LogCrest's steps and flows to OpenTelemetry,
// both ways, on one pipeline at a time. It lives in a package of its own so
// that LogCrest's core imports no OpenTelemetry module: only a program that
// imports this package pulls OpenTelemetry in.
//
// In: Adopt makes a pipeline's steps and flows join the OpenTelemetry trace
// their context carries. A step or flow started with no LogCrest span in its
// context, under a valid OpenTelemetry span (an otelhttp or otelgrpc server
// span, a span of your own tracer, or a remote span context a propagator
// extracted), takes that span's trace ID as its trace_id and its span ID as
// its parent_span_id; logcrest.Log(ctx) and Pipeline.Log(ctx) on such a
// context carry its trace_id and span_id. A LogCrest span in the context
// always comes first.
//
//	logcrestotel.Adopt(logcrest.Default())
//	http.ListenAndServe(":8080", otelhttp.NewHandler(logcresthttp.Handler(mux), "server"))
//
// Out: Export (or ExportTo) hands every step and flow of a pipeline, as it
// ends, to an OpenTelemetry SDK span exporter (or span processor) as a span
// with LogCrest's own IDs, name and times, so a trace viewer shows exactly
// what the log files hold:
//
//	exp, _ := otlptracegrpc.New(ctx)
//	x := logcrestotel.Export(logcrest.Default(), exp)
//	defer x.Shutdown(context.Background())
//
// ExportLogs hands every record of a pipeline (or of chosen streams) to an
// OpenTelemetry SDK log exporter, an OTLP one to reach a Collector, as one
// more sink beside the files and the console: a log call never waits on it,
// its memory is capped, what it drops is counted in Stats under "otlp", and
// Close hands it what is queued within the close timeout. With the files
// off, a service ships its records and writes no file:
//
//	exp, _ := otlploghttp.New(ctx)
//	lx, _ := logcrestotel.ExportLogs(logcrest.Default(), exp, logcrestotel.WithResource(res))
//	defer lx.Shutdown(context.Background())
//
// ContextWithSpan goes the other way for OpenTelemetry instrumentation
// running under a LogCrest step (an otelhttp client transport, say): it
// makes the step OpenTelemetry's current span context, so their spans are
// the step's children in the same trace.
//
// # What maps to what
//
//	LogCrest                          OpenTelemetry span
//	trace_id, span_id                 SpanContext (sampled)
//	parent_span_id                    Parent (Remote when it came from a traceparent header)
//	fn (step or flow name)            Name; for an HTTP request flow "METHOD route", as semantic conventions name server spans
//	step/flow start and end times     StartTime, EndTime (the very clock readings the records are stamped with)
//	failed (error, panic, 5xx)        Status Error, described by the error; an "exception" event (exception.type, .message, .stacktrace of a panic)
//	flow_id                           logcrest.flow_id attribute; a flow's step count: logcrest.steps
//	method, path, route               http.request.method, url.path, http.route
//	http_status, bytes, client_ip     http.response.status_code, http.response.body.size, client.address
//	host (logcresthttp.Transport)     server.address, server.port
//	an RPC call (adapters/grpc,       Name "<service>/<method>"; a server span for a call served, a client span for a
//	adapters/connect)                 call made (a step); semantic conventions v1.37:
//	rpc_system, rpc_service,          rpc.system ("grpc", "connect_rpc" for Connect; "grpc_web" as written, no convention has it), rpc.service, rpc.method,
//	rpc_method, grpc_status_code      rpc.grpc.status_code (an int, for Connect too: its codes are gRPC's)
//	peer                              network.peer.address, network.peer.port
//	route of an RPC call, grpc_code   logcrest.route (the full method, no http.route), logcrest.grpc_code
//	request_id and other adapter keys logcrest.request_id, logcrest.aborted, ...
//	flow fields (SetFlowField)        attributes of the same name and Go type: string, bool, int64 (exact), float64;
//	                                  a cut string is followed by <key>_truncated true; a uint64 beyond int64 is its decimal string
//
// A record, as a log record (the record the files hold, after the same key
// checks):
//
//	message                           Body (a string)
//	time                              Timestamp
//	level                             Severity: trace TRACE, debug DEBUG, info INFO, warn WARN, error ERROR,
//	                                  fatal FATAL, panic FATAL4; SeverityText the level as written
//	trace_id, span_id                 TraceID, SpanID
//	trace_flags                       TraceFlags (sampled when a record has none), and the attribute
//	flow_type (flow_start, flow_end)  EventName, and the flow_type attribute
//	every other field (flow_id, seq,  an attribute of its JSON type: a string, a bool, a number written with
//	fn, logger, your fields)          no fraction or exponent that fits an int64 an Int64, any other number
//	                                  a Float64, an object a map (keys in order), an array a slice, null empty
//	the service                       Resource (WithResource); the scope is ScopeName
//
// An HTTP request flow is a server span (SpanKind Server), unless its parent
// is an OpenTelemetry span of the same process (otelhttp's own server span):
// it is then Internal. The step of a request sent by logcresthttp.Transport
// is a client span, under its own name ("http GET api.example.com"). Every
// other step and flow is Internal.
package logcrestotel
