package flow

import (
	"context"

	"github.com/rs/zerolog"
)

// ContextKey is the key under which a context answers its *Span, looked up
// by FromContext (and so by Logger, FlowID, TraceID, logcrest.Log and every
// step started from the context). It is a string, namespaced by this
// package's import path, so that a framework context whose Value answers
// only string keys from its own store can carry a span: *gin.Context, with
// gin's default ContextWithFallback=false, answers c.Keys for string keys
// and nothing else, and the gin adapter's c.Set(flow.ContextKey, span) is
// what makes logcrest.Log(c) and logcrest.Run(c, ...) join the request's
// flow.
const ContextKey = "github.com/logcrest/logcrest/flow.Span"

// spanContext is the context handed to the code of a step: the caller's
// context plus the span. It lives inside the Span (one allocation for both),
// and it is a distinct type so that a *Span has no Done or Err method to
// confuse with End.
type spanContext struct {
	context.Context
	span *Span
}

// Value returns the span for ContextKey and defers every other key to the
// caller's context.
func (c *spanContext) Value(key any) any {
	if key == ContextKey {
		return c.span
	}
	return c.Context.Value(key)
}

// String names the context for fmt, like the standard library's contexts.
func (c *spanContext) String() string { return "flow.Step(" + c.span.name + ")" }

// FromContext returns the span of the innermost step or flow ctx descends
// from, or nil when there is none (or ctx is nil). It does not allocate.
func FromContext(ctx context.Context) *Span {
	if ctx == nil {
		return nil
	}
	if c, ok := ctx.(*spanContext); ok {
		return c.span
	}
	s, _ := ctx.Value(ContextKey).(*Span)
	return s
}

// Logger returns the logger of the step or flow in ctx (see Span.Logger),
// or nil when ctx carries none (or is nil). Its records carry logger,
// trace_id, span_id, flow_id and seq (inside a flow) and fn, and go to the
// success or error file by level. The logger is built on the first call in
// a span, without allocating (the span's fields are put in as each record
// is written); the others are a lookup.
func Logger(ctx context.Context) *zerolog.Logger {
	if s := FromContext(ctx); s != nil {
		return s.Logger()
	}
	return nil
}

// FlowID returns the ID of the flow ctx descends from ("checkout-3a7e2b1f",
// or "3a7e2b1f" for a flow without a label), or "" outside a flow. Inside a
// nested flow it is the outer flow's ID. It does not allocate.
func FlowID(ctx context.Context) string {
	if s := FromContext(ctx); s != nil && s.flow != nil {
		return s.flow.id
	}
	return ""
}

// TraceID returns the trace ID of ctx as 32 lowercase hex digits, or ""
// when ctx carries no step or flow.
func TraceID(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.TraceID()
	}
	return ""
}

// SpanID returns the span ID of the innermost step or flow of ctx as 16
// lowercase hex digits, or "" when there is none.
func SpanID(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.SpanID()
	}
	return ""
}
