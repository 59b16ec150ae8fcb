package flow

import (
	"context"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/core"
)

// The messages and flow_type values of flow records.
const (
	msgFlowStarted  = "flow started"
	msgFlowFinished = "flow finished"
	msgFlowFailed   = "flow failed"

	flowStart = "flow_start"
	flowEnd   = "flow_end"
)

// defaultFlowName names a flow without a label or FlowSpec.Name, wherever a
// flow needs a name: fn in Logger(ctx) records, failed_at when the flow's own
// code failed, and its timeline entry when it is degraded to a step.
const defaultFlowName = "flow"

// FlowSpec describes a flow for Begin, the lower-level form of Flow used by
// the HTTP adapters. The zero FlowSpec is an unlabelled flow.
type FlowSpec struct {
	// Label prefixes the flow ID: "checkout" gives "checkout-3a7e2b1f", ""
	// gives "3a7e2b1f". It may be computed from untrusted input: every rune
	// outside [A-Za-z0-9._:-] becomes '_' and it is cut to 64 bytes.
	Label string
	// Name is the flow's own name (fn of Logger(ctx) records inside it,
	// failed_at when its own code failed, its entry in an outer timeline when
	// it is nested). Default: the sanitized label, or "flow".
	Name string
	// TraceID, when a valid W3C trace ID (see ValidTraceID) and ctx carries no
	// trace yet, becomes the flow's trace_id: the trace of an incoming
	// traceparent header. Otherwise the flow joins the trace of ctx or starts
	// a new one.
	TraceID string
	// ParentSpanID, when TraceID is adopted and it is a valid span ID (see
	// ValidSpanID), is recorded as the flow's parent_span_id.
	ParentSpanID string
	// Start, if set, is called with the flow_start record before it is
	// written, to add fields such as method, path or request_id (for a flow
	// degraded to a step: with its entry record). It is not called when the
	// record is disabled by its level.
	Start func(*zerolog.Event)
	// StartFields, if set, adds fields to flow_start like Start, after it.
	// An object already on the heap costs no allocation here, where a
	// method value passed as Start does (the HTTP adapters use this).
	StartFields zerolog.LogObjectMarshaler
}

// flowSpan allocates a flow's span and its shared state together.
type flowSpan struct {
	span  Span
	state flowState
}

// Flow starts a flow labelled label under ctx and writes flow_start to the
// flows stream. It returns the context for the flow's code and the span to
// end, with `defer span.End(&err)`, which writes flow_end:
//
//	ctx, span := flow.Flow(ctx, "checkout")
//	defer span.End(&err)
//
// The flow ID is "<label>-<8 hex>", or the 8 hex digits alone for an empty
// label; the label is sanitized as FlowSpec.Label says. Every step started
// from a context descending from the returned one, at any depth and on any
// goroutine, joins the flow's timeline in start order, until the flow ends.
//
// Inside a flow that has not ended, Flow starts no flow: it writes one warn
// record naming the label ("nested flow degraded to a step") and behaves as
// Step, joining the outer flow's timeline. AtLevel sets the level of
// flow_start and of a successful flow_end (failures are at error level),
// Args adds "args" to flow_start; LogResult has no effect on a flow.
func Flow(ctx context.Context, label string, opts ...Option) (context.Context, *Span) {
	return Begin(ctx, FlowSpec{Label: label}, opts...)
}

// Begin starts the flow described by spec, like Flow (which is Begin with a
// Label only), and is what HTTP adapters build on: FlowSpec carries an
// incoming trace and extra flow_start fields, and the adapter ends the span
// with Finish, passing the outcome and the extra flow_end fields. Inside an
// active flow it degrades to a step, as Flow does.
//
// flow_start carries trace_id, span_id, parent_span_id (when the flow has a
// parent), flow_id and flow_type; flow_end carries the same and:
//
//   - flow_status: "success", or "failed" (at error level) when the flow's
//     own code failed (error, panic, done context, Outcome.Failed). A step
//     that failed while the flow succeeded does not fail the flow: its error
//     was handled.
//   - total_ms and steps, the exact number of steps that joined.
//   - timeline: [{"fn","ms","status"}] in start order, at most the configured
//     timeline cap (core's TimelineCap); a step still running when the flow
//     ends has status "running" and the time it has run so far. When
//     entries were left out, timeline_truncated says how many.
//   - on failure, failed_at: the first step to fail (by the time it failed,
//     so the root cause rather than the steps it failed in turn), or the
//     flow's own name when no step failed; step: "k/n", k the 1-based
//     timeline position of failed_at (0 for the flow itself) and n steps;
//     flow_error; and stack after a panic.
//
// flow_error is "<type>: <message>" of the flow's own error or panic. The
// type is the exported name, without package or pointer, of the first error
// in the Unwrap chain that has one: "*payment.ConnectionError" reads
// "ConnectionError: gateway timeout", and so does it wrapped with %w (with
// the wrapper's message). A chain of unexported types only (errors.New,
// fmt.Errorf) reads "error: <message>", and a panic whose value is not such
// an error "panic: <message>". When the flow failed without an error of its
// own (Outcome.Failed alone) flow_error is that of the first failed step,
// and absent when there is none.
func Begin(ctx context.Context, spec FlowSpec, opts ...Option) (context.Context, *Span) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := resolve(opts)
	label := sanitizeLabel(spec.Label)
	name := spec.Name
	if name == "" {
		name = label
	}
	if name == "" {
		name = defaultFlowName
	}
	parent := FromContext(ctx)
	if parent != nil && parent.flow != nil && !parent.flow.isEnded() {
		return nested(ctx, parent, name, label, spec.startFunc(), &cfg)
	}

	f := new(flowSpan)
	s := &f.span
	s.ctx = spanContext{Context: ctx, span: s}
	s.name = name
	s.level = cfg.level
	s.isFlow = true
	s.idx = -1
	s.id = newSpanID()
	if parent != nil {
		s.trace, s.parent = parent.trace, parent.id
	} else if t, ok := parseTraceID(spec.TraceID); ok {
		s.trace, s.parent = t, parseSpanID(spec.ParentSpanID)
	} else {
		s.trace = newTraceID()
	}
	s.start = time.Now()
	f.state.init(newFlowID(label), s.start, timelineCap())
	s.flow = &f.state

	if e := core.FlowLogger().WithLevel(s.level); e != nil {
		s.flowFields(e, flowStart)
		if cfg.args != nil {
			e.Dict("args", e.CreateDict().Fields(cfg.args))
		}
		if spec.Start != nil {
			spec.Start(e)
		}
		if spec.StartFields != nil {
			spec.StartFields.MarshalZerologObject(e)
		}
		e.Msg(msgFlowStarted)
	}
	return &s.ctx, s
}

// startFunc returns one function adding both Start and StartFields, for a
// flow degraded to a step (its entry record gets them). Only that rare path
// pays for the closure.
func (spec *FlowSpec) startFunc() func(*zerolog.Event) {
	if spec.StartFields == nil {
		return spec.Start
	}
	start, fields := spec.Start, spec.StartFields
	return func(e *zerolog.Event) {
		if start != nil {
			start(e)
		}
		fields.MarshalZerologObject(e)
	}
}

// nested degrades a flow started inside the active flow of parent to a step
// of that flow, and says so once.
func nested(ctx context.Context, parent *Span, name, label string, start func(*zerolog.Event), cfg *config) (context.Context, *Span) {
	s := new(Span)
	s.open(ctx, parent, name, cfg)
	if e := s.event(zerolog.WarnLevel); e != nil {
		e.Str("label", label).Msg(msgNestedFlow)
	}
	s.logEntry(cfg.args, start)
	return &s.ctx, s
}

// timelineCap is the configured number of entries a timeline keeps.
func timelineCap() int { return core.Active().TimelineCap }

// flowFields adds the identity of a flow record.
func (s *Span) flowFields(e *zerolog.Event, flowType string) {
	e.RawJSON("trace_id", s.trace[:]).RawJSON("span_id", s.id[:])
	if s.parent.valid() {
		e.RawJSON("parent_span_id", s.parent[:])
	}
	e.Str("flow_id", s.flow.id).Str("flow_type", flowType)
}

// endFlow closes the flow's timeline and writes flow_end.
func (s *Span) endFlow(o *Outcome, failed bool, now time.Time, d time.Duration) {
	f := s.flow
	steps, fail := f.close(now.Sub(f.start))
	level := s.level
	if failed {
		level = zerolog.ErrorLevel
	}
	e := core.FlowLogger().WithLevel(level)
	if e == nil {
		return
	}
	s.flowFields(e, flowEnd)
	if failed {
		e.Str("flow_status", "failed")
	} else {
		e.Str("flow_status", "success")
	}
	var ms [24]byte
	e.RawJSON("total_ms", appendMillis(ms[:0], d)).Int("steps", steps)
	f.timeline.add(e)
	if left := steps - len(f.timeline.entries); left > 0 {
		e.Int("timeline_truncated", left)
	}
	if failed {
		at, k := s.name, 0
		if fail.idx >= 0 {
			at, k = fail.fn, fail.idx+1
		}
		var buf [42]byte
		b := strconv.AppendInt(buf[:0], int64(k), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(steps), 10)
		e.Str("failed_at", at).Bytes("step", b)
		msg := failureSummary(o.Err, o.Panic)
		if msg == "" {
			msg = failureSummary(fail.err, fail.panic)
		}
		if msg != "" {
			e.Str("flow_error", msg)
		}
		if o.Panic != nil && o.Stack != nil {
			e.Bytes("stack", o.Stack)
		}
	}
	o.addEnd(e)
	if failed {
		e.Msg(msgFlowFailed)
	} else {
		e.Msg(msgFlowFinished)
	}
}
