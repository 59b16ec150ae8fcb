// Package flow holds steps, flows, their timelines and the trace, span and
// flow IDs carried in a context.Context. It is internal: users reach it
// through package logcrest (Step, Flow, Span, SetFlowField and their
// errors), whose Span is a distinct type over this one, and the adapters
// and otel build on the lower-level part named below.
//
// A step (Step, Run, Call) is one timed unit of work: an entry record, an
// exit record with its duration and status, and a span ID. A flow (Flow,
// RunFlow, Begin) is the entry point of a business operation: it gets a flow
// ID, and every step started from a context that descends from it — at any
// depth, on any goroutine — joins its timeline, which flow_end reports in the
// flows stream. Begin, BeginIn, FlowSpec, Finish, Outcome and Fields are the
// lower-level API the HTTP adapters build on.
//
// The context a step returns carries its *Span; Logger(ctx) hands out the
// span's logger, built on first use and kept, so logging inside a step
// costs no allocation. Package flow writes through package core's global
// pipeline and holds no state of its own beyond the spans.
//
// # Records
//
// Every record carries trace_id (32 lowercase hex digits) and span_id (16),
// plus flow_id inside a flow; the messages are constants:
//
//   - "step started": fn, parent_span_id (when the step has a parent) and,
//     with Args, args. In the success file, at the step's level.
//   - "step finished" / "step failed" / "step cancelled": the same
//     identity, ms (float milliseconds, to the microsecond) and status "ok" /
//     "error" / "cancelled"; a failure is at error level (the error file)
//     with error, error_type (the Go type, as %T prints it) and, after a
//     panic, stack. A step is cancelled when it returns the cancellation of
//     the context it was started with (see Span.End): at the step's level,
//     never in the error file. With LogResult, Call adds result.
//   - "nested flow degraded to a step": warn, with label, once per Flow
//     started inside an active flow.
//   - "flow started" / "flow finished" / "flow failed" / "flow cancelled": flow_type
//     "flow_start" / "flow_end", in the flows file only (see Begin for
//     flow_end's fields).
//
// Step and flow records have fixed keys, so package flow encodes them
// itself rather than through a zerolog.Event: it appends the keys as
// literals and stamps each record with the time the span already read,
// into the same JSON a zerolog record of the global logger would be (field
// order, escaping and zerolog's level names included). Extra fields reach
// them through Fields; Args and result values are encoded by zerolog.
// Records logged with Logger(ctx) are the user's own zerolog records.
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
