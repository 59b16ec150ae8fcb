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
// flows stream. Begin and BeginIn (with a Frame), FlowSpec, Finish, Outcome,
// Fields, Claim, EndRecovered and LoggerOn are the lower-level API the HTTP
// adapters build on.
//
// The context a step returns carries its *Span; Logger(ctx) hands out the
// span's logger, built on first use and kept, so logging inside a step
// costs no allocation. A span writes to one core.Pipeline: its parent's, so
// that a flow's records all go to one place, else the one its context
// carries (core.NewContext), else the default. Package flow holds no state
// of its own beyond the spans.
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
// into the same JSON a zerolog record of that pipeline's logger would be (field
// order, escaping and zerolog's level names included). Extra fields reach
// them through Fields; Args and result values are encoded by zerolog.
// Records logged with Logger(ctx) are the user's own zerolog records.
package flow
