package logcrestotel

import (
	"context"

	"go.opentelemetry.io/otel/trace"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// pipelineOf returns p as the core pipeline it is, or the default pipeline
// for a nil p.
func pipelineOf(p *logcrest.Pipeline) *core.Pipeline {
	if p == nil {
		p = logcrest.Default()
	}
	return (*core.Pipeline)(p)
}

// Adopt makes the steps and flows of p (nil: the default pipeline at the
// time of the call) join the OpenTelemetry trace of their context: started
// with no LogCrest step or flow in their context, and a valid OpenTelemetry
// span context in it (trace.SpanContextFromContext), they take its trace ID
// as trace_id and its span ID as parent_span_id. Children of such a step or
// flow inherit the trace as usual. An HTTP request flow under an otelhttp
// server span becomes that span's child; the trace of a traceparent header
// is the server span's trace anyway.
//
// p.Log(ctx) and logcrest.Log(ctx) outside any step then carry the trace_id
// and span_id of the OpenTelemetry span of ctx, when it has one; that
// logger is built on every call (two small allocations). Without an
// OpenTelemetry span in ctx a log call still allocates nothing, and a step
// or flow started outside any LogCrest span costs one context lookup more;
// a step inside one costs nothing more.
//
// When the adopted span is not sampled, LogCrest still records everything,
// but Export does not export the spans of that trace (as a parent-based
// sampler would not).
//
// Adopt replaces an earlier TraceSource of p; stop undoes it (if it is still
// the one in place).
func Adopt(p *logcrest.Pipeline) (stop func()) {
	return pipelineOf(p).SetTraceSource(otelSpan)
}

// otelSpan is the core.TraceSource of Adopt.
func otelSpan(ctx context.Context) (core.ExternalSpan, bool) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return core.ExternalSpan{}, false
	}
	return core.ExternalSpan{
		TraceID: sc.TraceID(),
		SpanID:  sc.SpanID(),
		Flags:   byte(sc.TraceFlags()),
		Remote:  sc.IsRemote(),
	}, true
}

// ContextWithSpan returns ctx with its LogCrest step or flow as
// OpenTelemetry's current span context, so that OpenTelemetry
// instrumentation started under it (a tracer's Start, otelhttp.NewTransport,
// otelgrpc) makes spans that are the step's children in the step's trace,
// and an OpenTelemetry propagator injects the step as the parent of a call
// downstream. Call it on the context Step or Flow returned: it replaces
// whatever OpenTelemetry span ctx carries. The span context is sampled,
// unless ctx carries an unsampled OpenTelemetry span of the same trace (one
// the step adopted). It is not recording: trace.SpanFromContext of the
// result ignores what is set on it. ctx itself is returned when it carries
// no LogCrest step or flow.
func ContextWithSpan(ctx context.Context) context.Context {
	s := flow.FromContext(ctx)
	if s == nil {
		return ctx
	}
	tid, err := trace.TraceIDFromHex(s.TraceID())
	if err != nil {
		return ctx
	}
	sid, err := trace.SpanIDFromHex(s.SpanID())
	if err != nil {
		return ctx
	}
	flags := trace.FlagsSampled
	if cur := trace.SpanContextFromContext(ctx); cur.IsValid() && cur.TraceID() == tid {
		if cur.SpanID() == sid {
			return ctx
		}
		flags = cur.TraceFlags() & trace.FlagsSampled
	}
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    tid,
		SpanID:     sid,
		TraceFlags: flags,
	}))
}
