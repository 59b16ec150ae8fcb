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
// with Finish, passing the outcome and the extra flow_end fields.
//
// flow_end carries flow_id, flow_type, flow_status ("success" or "failed"),
// total_ms, steps (exact), timeline ([{"fn","ms","status"}] in start order,
// at most the configured timeline cap; a step still running when the flow
// ends has status "running" and the time it has run so far) and,
// when entries were left out, timeline_truncated. A failed flow adds
// failed_at (the first step to fail, by the time it failed, or the flow's
// own name when no step failed), step ("k/n": the 1-based timeline position
// of failed_at, 0 for the flow itself, over steps), flow_error (see
// below) and stack after a panic. flow_error is "<type>: <message>" of the
// flow's own error or panic, the type being the exported type name, without
// package or pointer, of the first error in its Unwrap chain that has one
// ("*payment.ConnectionError" reads "ConnectionError: gateway timeout", and
// so does it wrapped by fmt.Errorf with %w, with the wrapper's message); a
// chain of unexported types only (errors.New) reads "error: <message>", a
// panic with a value that is not such an error "panic: <message>". When the flow failed without
// an error of its own (Outcome.Failed) flow_error is that of the first
// failed step, and absent when there is none.
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
		return nested(ctx, parent, name, label, spec.Start, &cfg)
	}

	f := new(flowSpan)
	s := &f.span
	s.ctx = spanContext{Context: ctx, span: s}
	s.name = name
	s.level = cfg.level
	s.isFlow = true
	s.idx = -1
	s.id = newSpanID()
	switch {
	case parent != nil:
		s.trace, s.parent = parent.trace, parent.id
	case parseHex(s.trace[:], spec.TraceID) && !s.trace.isZero():
		if !parseHex(s.parent[:], spec.ParentSpanID) {
			s.parent = spanID{}
		}
	default:
		s.trace = newTraceID()
	}
	s.start = time.Now()
	f.state.init(newFlowID(label), s.start, timelineCap())
	s.flow = &f.state
	s.buildLogger()

	if e := core.FlowLogger().WithLevel(s.level); e != nil {
		s.flowFields(e, flowStart)
		if cfg.args != nil {
			e.Dict("args", e.CreateDict().Fields(cfg.args))
		}
		if spec.Start != nil {
			spec.Start(e)
		}
		e.Msg(msgFlowStarted)
	}
	return &s.ctx, s
}

// nested degrades a flow started inside the active flow of parent to a step
// of that flow, and says so once.
func nested(ctx context.Context, parent *Span, name, label string, start func(*zerolog.Event), cfg *config) (context.Context, *Span) {
	s := new(Span)
	s.open(ctx, parent, name, cfg)
	s.logger.Warn().Str("label", label).Msg(msgNestedFlow)
	s.logEntry(cfg.args, start)
	return &s.ctx, s
}

// timelineCap is the configured number of entries a timeline keeps.
func timelineCap() int { return core.Active().TimelineCap }

// flowFields adds the identity of a flow record.
func (s *Span) flowFields(e *zerolog.Event, flowType string) {
	e.Hex("trace_id", s.trace[:]).Hex("span_id", s.id[:])
	if s.hasParent() {
		e.Hex("parent_span_id", s.parent[:])
	}
	e.Str("flow_id", s.flow.id).Str("flow_type", flowType)
}

// endFlow closes the flow's timeline and writes flow_end.
func (s *Span) endFlow(o *Outcome, failed bool, now time.Time, ms float64) {
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
	e.Float64("total_ms", ms).Int("steps", steps).Array("timeline", &f.timeline)
	if left := steps - len(f.timeline.entries); left > 0 {
		e.Int("timeline_truncated", left)
	}
	if failed {
		at, k := s.name, 0
		if fail.idx >= 0 {
			at, k = fail.fn, fail.idx+1
		}
		var buf [48]byte
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
	if o.End != nil {
		o.End(e)
	}
	if failed {
		e.Msg(msgFlowFailed)
	} else {
		e.Msg(msgFlowFinished)
	}
}
