package flow

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/schema"
)

// The messages and flow_type values of flow records.
const (
	msgFlowStarted   = "flow started"
	msgFlowFinished  = "flow finished"
	msgFlowFailed    = "flow failed"
	msgFlowCancelled = "flow cancelled"

	flowStart = schema.FlowStart
	flowEnd   = schema.FlowEnd
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
	// a new one. The trace of ctx is that of its LogCrest step or flow, else
	// that of the span of another tracing system ctx carries, when the
	// pipeline has a TraceSource that finds one (core.TraceSource; an
	// OpenTelemetry server span, say, which is itself the traceparent's
	// child).
	TraceID string
	// ParentSpanID, when TraceID is adopted and it is a valid span ID (see
	// ValidSpanID), is recorded as the flow's parent_span_id.
	ParentSpanID string
	// StartFields, if set, adds fields to flow_start, such as method, path
	// or request_id (for a flow degraded to a step: to its entry record).
	// It is not called when the record is disabled by its level. In the
	// buffered detail mode it may be called only when flow_start is
	// written, at the flow's end or later, or not at all (a routine flow):
	// it must add only values fixed before Begin is called.
	StartFields Fields
	// Pipeline, when set, is where the flow writes (an HTTP adapter's
	// WithPipeline). Otherwise a flow writes to the pipeline of its parent
	// step, else the one ctx carries (core.NewContext), else the default.
	Pipeline *core.Pipeline
}

// flowSpan allocates a flow's span and its shared state together.
type flowSpan struct {
	span  Span
	state flowState
}

// Frame is the memory of a flow's span and timeline state, for BeginIn: a
// field of an object that its owner allocates anyway (an HTTP adapter's
// request) saves the flow an allocation of its own. The zero Frame is ready
// for use. A Frame serves one flow only, and must not be copied or reused
// while anything may still hold that flow's span or context.
type Frame struct{ fs flowSpan }

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
//   - flow_status: "success"; "failed" (at error level) when the flow's
//     own code failed (error, panic, Outcome.Failed); or "cancelled" (at the
//     flow's level) when it was called off from outside (a returned
//     cancellation, see Span.End, or Outcome.Cancelled), unless a step of it
//     failed, which makes it "failed" by that step. A context cancelled while
//     the flow's code went on to return nil does not matter: the outcome is
//     what the code returned. A step that failed while the flow succeeded
//     does not fail the flow: its error was handled.
//   - total_ms and steps, the exact number of steps that joined.
//   - timeline: [{"fn","at_ms","ms","status"}] in start order, at most the
//     configured timeline cap (core's TimelineCap); status is that of the
//     step's exit record, "ok", "error" or "cancelled", and a step still
//     running when the flow ends has status "running" and the time it has
//     run so far. When
//     entries were left out, timeline_truncated says how many.
//   - on failure, failed_at: the first step to fail (by the time it failed,
//     so the root cause rather than the steps it failed in turn), or the
//     flow's own name when no step failed or when the flow's own code
//     panicked with a panic of its own; step: "k/n", k the 1-based timeline
//     position of failed_at (0 for the flow itself) and n steps; flow_error,
//     the failure of failed_at; returned_error, the flow's own error when it
//     differs from the failed step's; and stack after a panic.
//
// One failure reaches the error stream once: when failed_at is a step, that
// step's "step failed" record is the failure's record there and the flow
// writes none; when it is the flow itself, the flow writes one ("flow
// failed", with the fields of flow_end). A panic of the flow's own code after
// a step failed is a second failure, with its own stack, and has its own
// record.
//
// flow_error is "<type>: <message>" of that error or panic. When failed_at
// is a step, it is the step's error, or the flow's own error when that wraps
// the step's (errors.Is), so that fmt.Errorf("checkout: %w", err) keeps its
// message; any other error of the flow's own is returned_error, in the same
// form. The
// type is the exported name, without package or pointer, of the first error
// in the Unwrap chain that has one: "*payment.ConnectionError" reads
// "ConnectionError: gateway timeout", and so does it wrapped with %w (with
// the wrapper's message). A chain of unexported types only (errors.New,
// fmt.Errorf) reads "error: <message>", and a panic whose value is not such
// an error "panic: <message>". When the flow failed without an error of its
// own (Outcome.Failed alone) and no step failed, flow_error is absent.
func Begin(ctx context.Context, spec FlowSpec, opts ...Option) (context.Context, *Span) {
	return begin(nil, ctx, &spec, opts)
}

// BeginIn is Begin with the flow's span kept in frame (see Frame). A flow
// degraded to a step does not use frame.
func BeginIn(frame *Frame, ctx context.Context, spec FlowSpec, opts ...Option) (context.Context, *Span) {
	return begin(&frame.fs, ctx, &spec, opts)
}

// begin is Begin, with the flow kept in f, or in a new flowSpan when f is
// nil.
func begin(f *flowSpan, ctx context.Context, spec *FlowSpec, opts []Option) (context.Context, *Span) {
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
		return nested(ctx, parent, name, label, spec.StartFields, &cfg)
	}

	if f == nil {
		f = new(flowSpan)
	}
	s := &f.span
	s.ctx = spanContext{Context: ctx, span: s}
	s.name = name
	s.level = cfg.level
	s.isFlow = true
	s.idx = -1
	s.id = newSpanID()
	s.pipe = spec.Pipeline
	if s.pipe == nil {
		s.pipe = pipelineOf(ctx, parent)
	}
	switch {
	case parent != nil:
		s.trace, s.parent = parent.trace, parent.id
		s.unsampled = parent.unsampled
	case s.adopt(ctx):
	default:
		if t, ok := parseTraceID(spec.TraceID); ok {
			s.trace, s.parent = t, parseSpanID(spec.ParentSpanID)
			if s.parent.valid() {
				s.parentKind = core.ParentRemote
			}
		} else {
			s.trace = newTraceID()
		}
	}
	s.start = time.Now()
	f.state.init(label, s.start, s.pipe.TimelineCap())
	f.state.detail.init(s.pipe)
	s.flow = &f.state

	if f.state.detail.on && cfg.args == nil && s.pipe.WritesFlowStart(s.level) {
		// Held unencoded: encoded only if it may be written (see
		// detail.deferStart).
		f.state.seq.Add(1)
		f.state.detail.deferStart(s, spec.StartFields)
	} else if r := newFlowRecord(s.pipe, s.level, false, false); r != nil {
		r.w.buf = s.appendIdentity(r.w.buf, flowStart)
		if f.state.detail.on {
			r.hold, r.mark = &f.state.detail, len(r.w.buf)
		}
		if cfg.args != nil {
			r.w.buf = appendArgs(r.w.buf, cfg.args)
		}
		if spec.StartFields != nil {
			spec.StartFields.AddFields(&r.w)
		}
		r.writeFlow(msgFlowStarted, s.start)
	}
	return &s.ctx, s
}

// nested degrades a flow started inside the active flow of parent to a step
// of that flow, and says so once.
func nested(ctx context.Context, parent *Span, name, label string, start Fields, cfg *config) (context.Context, *Span) {
	s := new(Span)
	s.open(ctx, parent, name, cfg)
	if r := s.record(zerolog.WarnLevel); r != nil {
		r.w.Str(schema.KeyLabel, label)
		r.write(msgNestedFlow, s.start)
	}
	s.logEntry(cfg.args, start)
	return &s.ctx, s
}

// appendIdentity appends the fields that open both records of a flow:
// trace_id, span_id, parent_span_id (when there is one), flow_id and
// flow_type. The IDs are JSON already, and a flow ID holds only characters
// that need no escaping (see sanitizeLabel).
func (s *Span) appendIdentity(b []byte, flowType string) []byte {
	return s.appendIdentitySeq(b, flowType, s.flow.seq.Add(1))
}

// appendIdentitySeq is appendIdentity for a record of the given seq.
func (s *Span) appendIdentitySeq(b []byte, flowType string, seq uint64) []byte {
	b = s.appendFlowIDSeq(s.appendParent(s.appendIDs(b)), seq)
	b = append(b, `,"`+schema.KeyFlowType+`":"`...)
	b = append(b, flowType...)
	return append(b, '"')
}

// endFlow closes the flow's timeline and writes flow_end, given how the
// flow's own code ended (e), and returns how the flow ended: a cancelled
// flow in which a step failed is failed, by that step.
func (s *Span) endFlow(o *Outcome, e ending, now time.Time, d time.Duration) ending {
	f := s.flow
	steps, fail := f.close(now.Sub(f.start))
	if e == endCancelled && fail.idx >= 0 {
		e = endFailed
	}
	level := s.level
	if e == endFailed {
		level = zerolog.ErrorLevel
	}
	det := &f.detail
	keep := det.keepReason(e, d)
	var held, evicted int
	if det.on {
		if keep != keepNone {
			held, evicted = det.release(s.pipe, true)
		} else {
			evicted = det.drop(s.pipe)
		}
	}
	sampleRate := 0
	if rate := det.pol.SampleRate(o.Route); keep == keepNone && e == endOK && rate > 1 {
		if !sampledIn(&s.trace, rate) {
			s.pipe.SampledOut()
			return e
		}
		sampleRate = rate
	}
	r := newFlowRecord(s.pipe, level, true, e == endFailed)
	if r == nil {
		return e
	}
	b := s.appendIdentity(r.w.buf, flowEnd)
	switch e {
	case endFailed:
		b = append(b, `,"`+schema.KeyFlowStatus+`":"`+schema.FlowFailed+`"`...)
	case endCancelled:
		b = append(b, `,"`+schema.KeyFlowStatus+`":"`+schema.FlowCancelled+`"`...)
	default:
		b = append(b, `,"`+schema.KeyFlowStatus+`":"`+schema.FlowSuccess+`"`...)
	}
	b = append(b, `,"`+schema.KeyTotalMs+`":`...)
	b = appendMillis(b, d)
	b = append(b, `,"`+schema.KeySteps+`":`...)
	b = strconv.AppendInt(b, int64(steps), 10)
	b = f.timeline.appendTo(b)
	if left := steps - len(f.timeline.entries); left > 0 {
		b = append(b, `,"`+schema.KeyTimelineTruncated+`":`...)
		b = strconv.AppendInt(b, int64(left), 10)
	}
	var ff failure
	if e == endFailed {
		ff = flowFailure(o, &fail)
		b = s.appendFlowFailure(b, o, &ff, steps)
	}
	b = appendDetail(b, det.on, keep, held, evicted, sampleRate)
	r.w.buf = f.appendFields(b)
	if o.EndFields != nil {
		o.EndFields.AddFields(&r.w)
	}
	switch {
	case e == endFailed:
		r.writeFlow(msgFlowFailed, now)
		if ff.at < 0 {
			s.logFlowFailure(o, d, now)
		}
	case e == endCancelled:
		r.writeFlow(msgFlowCancelled, now)
	default:
		r.writeFlow(msgFlowFinished, now)
	}
	return e
}

// appendDetail appends what flow_end says of the flow's detail: why it was
// written and how many records that was, how many the flow's bounds evicted,
// and the sample rate of a routine flow kept by sampling.
func appendDetail(b []byte, on bool, keep, held, evicted, sampleRate int) []byte {
	if on && keep != keepNone {
		b = append(b, `,"`+schema.KeyDetail+`":"`...)
		b = append(b, keepReasons[keep]...)
		b = append(b, `","`+schema.KeyBufferedCount+`":`...)
		b = strconv.AppendInt(b, int64(held), 10)
	}
	if evicted > 0 {
		b = append(b, `,"`+schema.KeyBufferedEvicted+`":`...)
		b = strconv.AppendInt(b, int64(evicted), 10)
	}
	if sampleRate > 1 {
		b = append(b, `,"`+schema.KeySampleRate+`":`...)
		b = strconv.AppendInt(b, int64(sampleRate), 10)
	}
	return b
}

// appendFlowFailure appends the failure fields of a failed flow_end:
// failed_at, step, flow_error, returned_error and stack (see Begin).
func (s *Span) appendFlowFailure(b []byte, o *Outcome, ff *failure, steps int) []byte {
	at, k := s.name, 0
	if ff.at >= 0 {
		at, k = ff.fn, ff.at+1
	}
	b = append(b, `,"`+schema.KeyFailedAt+`":`...)
	b = jsonenc.String(b, at)
	b = append(b, `,"`+schema.KeyStep+`":"`...)
	b = strconv.AppendInt(b, int64(k), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(steps), 10)
	b = append(b, '"')
	if msg := failureSummary(ff.err, ff.panic); msg != "" {
		b = append(b, `,"`+schema.KeyFlowError+`":`...)
		b = jsonenc.String(b, msg)
	}
	if ff.returned != nil {
		b = append(b, `,"`+schema.KeyReturnedError+`":`...)
		b = jsonenc.String(b, failureSummary(ff.returned, nil))
	}
	if o.Panic != nil && o.Stack != nil {
		b = append(b, `,"`+schema.KeyStack+`":`...)
		b = jsonenc.String(b, string(o.Stack))
	}
	return b
}

// failure is what a failed flow reports: the error or panic of flow_error,
// the step it names (failed_at), and the flow's own error when it is kept
// beside a step's (returned_error).
type failure struct {
	err      error
	panic    any
	at       int    // the failed step's place in the timeline; -1: the flow's own code
	fn       string // the failed step's name
	returned error
}

// flowFailure returns the failure a failed flow that ended with o reports,
// fail being its first failed step (idx -1 for none). One failure, one
// error record: when a step failed, the flow reports that step, whose own
// record is already in the error stream, and the flow's own error, unless
// it is that step's (or wraps it), is kept as returned_error. Only a panic
// of the flow's own code, a failure of its own with its own stack, is
// reported as the flow's even after a failed step.
func flowFailure(o *Outcome, fail *stepFailure) failure {
	switch {
	case fail.idx < 0, o.Panic != nil && !samePanic(o.Panic, fail.panic):
		return failure{err: o.Err, panic: o.Panic, at: -1}
	case o.Panic != nil:
		return failure{panic: o.Panic, at: fail.idx, fn: fail.fn}
	case o.Err != nil && !o.Cancelled && fail.err != nil && errors.Is(o.Err, fail.err):
		return failure{err: o.Err, at: fail.idx, fn: fail.fn}
	}
	return failure{err: fail.err, panic: fail.panic, at: fail.idx, fn: fail.fn, returned: o.Err}
}

// samePanic reports whether a and b are the same panic value; values that
// cannot be compared are different.
func samePanic(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// logFlowFailure writes the error record of a failed flow to the error
// stream, where people look for errors: the flow's identity, its duration,
// the error (with the stack of a panic) and the fields of flow_end (for a
// request: method, path, route, status...). A flow whose failure is a
// step's (see flowFailure), which that step already recorded there, writes
// none.
func (s *Span) logFlowFailure(o *Outcome, d time.Duration, now time.Time) {
	r := s.record(zerolog.ErrorLevel)
	if r == nil {
		return
	}
	b := s.appendParent(r.w.buf)
	b = append(b, `,"`+schema.KeyMs+`":`...)
	b = appendMillis(b, d)
	b = append(b, `,"`+schema.KeyStatus+`":"`+statusError+`"`...)
	r.w.buf = s.flow.appendFields(appendFailure(b, o))
	if o.EndFields != nil {
		o.EndFields.AddFields(&r.w)
	}
	r.write(msgFlowFailed, now)
}
