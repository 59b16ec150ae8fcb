package flow

import (
	"context"
	"errors"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/schema"
)

// The messages of step records. They are constants, so a search for them
// finds every record of their kind.
const (
	msgStepStarted  = "step started"
	msgStepFinished = "step finished"
	msgStepFailed   = "step failed"
	msgStepCanceled = "step cancelled"
	msgNestedFlow   = "nested flow degraded to a step"
)

// Statuses of a step on its exit record and in a timeline.
const (
	statusOK        = schema.StepOK
	statusError     = schema.StepError
	statusCancelled = schema.StepCancelled
	statusRunning   = schema.StepRunning
)

// ending is how a span ended: the status of its exit record.
type ending uint8

const (
	endOK        ending = iota // "ok"; for a flow, "success"
	endFailed                  // "error"; for a flow, "failed"
	endCancelled               // "cancelled", for a step and a flow alike
)

// Span is one running step or flow, returned by Step, Flow and Begin. It
// holds the step's IDs, its start time, its place in the flow's timeline and
// the logger handed out by Logger(ctx).
//
// A Span is ended exactly once, by End (deferred directly) or Finish; later
// calls do nothing, and so does every method on a nil *Span. Its accessors
// are safe for concurrent use.
type Span struct {
	ctx    spanContext // the context handed to the span's code
	name   string
	start  time.Time
	flow   *flowState // the flow the span belongs to (its own, for a flow); nil outside any
	idx    int        // position in the flow's timeline, or -1 when not in it
	trace  traceID
	id     spanID
	parent spanID // not valid when the span has no parent
	level  zerolog.Level
	isFlow bool
	pipe   *core.Pipeline // where the span's records go

	logResult  bool
	hasResult  bool
	unsampled  bool  // the trace was adopted from an unsampled external span
	parentKind uint8 // where parent came from: core.ParentLocal, ParentRemote or ParentExternal
	result     any

	ended atomic.Bool

	// The logger of Logger(ctx), built on first use (see loggerOn).
	logReady atomic.Bool
	logMu    sync.Mutex
	logger   zerolog.Logger
}

// Step starts a step named name under ctx and writes its entry record
// ("step started", at the AtLevel level, default info). It returns the
// context for the step's code, which carries the span, and the span to end:
//
//	func charge(ctx context.Context, amount int) (err error) {
//		ctx, span := flow.Step(ctx, "charge")
//		defer span.End(&err)
//		...
//	}
//
// The step joins the trace of ctx (or starts one: 128 random bits) and gets
// its own span ID; its records carry parent_span_id when ctx holds a step or
// flow. With no step or flow in ctx, the trace of ctx is that of the span of
// another tracing system ctx carries, when the pipeline has a TraceSource
// that finds one (see core.TraceSource), and that span's ID is the
// parent_span_id. Inside a flow that has not ended it takes the next place
// in the flow's timeline. A nil ctx is taken as context.Background().
func Step(ctx context.Context, name string, opts ...Option) (context.Context, *Span) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := resolve(opts)
	s := new(Span)
	s.open(ctx, FromContext(ctx), name, &cfg)
	s.logEntry(cfg.args, nil)
	return &s.ctx, s
}

// open gives a new step its identity under parent (nil for none) and joins
// the parent's flow.
func (s *Span) open(ctx context.Context, parent *Span, name string, cfg *config) {
	s.ctx = spanContext{Context: ctx, span: s}
	s.name = name
	s.level = cfg.level
	s.logResult = cfg.result
	s.id = newSpanID()
	s.idx = -1
	s.pipe = pipelineOf(ctx, parent)
	if parent != nil {
		s.trace = parent.trace
		s.parent = parent.id
		s.flow = parent.flow
		s.unsampled = parent.unsampled
	} else if !s.adopt(ctx) {
		s.trace = newTraceID()
	}
	s.start = time.Now()
	if s.flow != nil {
		up := -1 // the parent's place in the timeline, when it is a step of the flow
		if parent != nil && !parent.isFlow && parent.flow == s.flow {
			up = parent.idx
		}
		s.idx = s.flow.join(name, s.start, up)
	}
}

// pipelineOf returns the pipeline a span started under ctx writes to: its
// parent's, so that a flow's records all go to one place, else the one ctx
// carries (see core.NewContext), else the default.
func pipelineOf(ctx context.Context, parent *Span) *core.Pipeline {
	if parent != nil {
		return parent.pipe
	}
	return core.FromContext(ctx)
}

// Pipeline returns the pipeline the span writes to.
func (s *Span) Pipeline() *core.Pipeline {
	if s == nil {
		return nil
	}
	return s.pipe
}

// Logger returns the span's logger: a logger of the span's pipeline whose
// records carry trace_id, span_id, flow_id and seq (inside a flow) and fn,
// and go to the success or error file by level. It is built on the first
// call and kept, without allocating; Logger(ctx) returns it.
func (s *Span) Logger() *zerolog.Logger {
	if s == nil {
		return nil
	}
	if !s.logReady.Load() {
		s.buildLogger()
	}
	return &s.logger
}

func (s *Span) buildLogger() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.logReady.Load() {
		return
	}
	s.logger = s.loggerOn(s.pipe)
	s.logReady.Store(true)
}

// loggerOn builds a logger of p whose records carry the span's fields:
// trace_id, span_id, flow_id and seq (inside a flow) and fn, put in by
// spanWriter as each record is written rather than kept in a zerolog
// context, which would give every span that logs a 500-byte buffer.
func (s *Span) loggerOn(p *core.Pipeline) zerolog.Logger {
	if p != s.pipe {
		return p.LoggerOf(&spanWriterOn{s: s, p: p})
	}
	if s.flow != nil && s.flow.detail.on {
		// Records at the levels the flow holds are encoded even when the
		// pipeline's level is above them.
		return zerolog.New((*spanWriter)(s)).Sample(spanGate{s})
	}
	return p.LoggerOf((*spanWriter)(s))
}

// spanGate is the sampler of the logger of a span in a flow that holds its
// detail: a record is encoded when the pipeline writes its level, or when
// the flow holds it (see detail.holdsUser). Like core's level gate, it
// follows the pipeline's level as it changes.
type spanGate struct{ s *Span }

// Sample reports whether a record at level l is to be encoded.
func (g spanGate) Sample(l zerolog.Level) bool {
	return g.s.pipe.Enabled(l) || g.s.flow.detail.holdsUser(g.s.pipe, l)
}

// Holds reports whether a record at level l of a logger of the span would
// be held by its flow (see detail.go): a handler that asks its logger
// whether a level is enabled (slog's Enabled) answers true for it.
func (s *Span) Holds(l zerolog.Level) bool {
	return s != nil && s.flow != nil && s.flow.detail.holdsUser(s.pipe, l)
}

// LoggerOn returns a new logger of pipeline p carrying the span's fields,
// for a record about the span that goes to another pipeline than its own.
// Unlike Logger it allocates on every call.
func (s *Span) LoggerOn(p *core.Pipeline) *zerolog.Logger {
	l := s.loggerOn(p)
	return &l
}

// logFieldsSize is the room on the stack for the fields a span's logger
// adds; longer ones (a long step name) take a heap buffer.
const logFieldsSize = 256

// appendLogFields appends the fields of the span's logger records, in the
// order of its own records: trace_id, span_id, flow_id and seq inside a
// flow, fn.
func (s *Span) appendLogFields(b []byte) []byte {
	b = s.appendIDs(b)
	if s.flow != nil {
		b = s.appendFlowID(b)
	}
	b = append(b, `,"`+schema.KeyFn+`":`...)
	return jsonenc.String(b, s.name)
}

// spanWriter is the writer of a span's logger: each record goes to the
// span's pipeline with the span's fields put in.
type spanWriter Span

func (w *spanWriter) Write(rec []byte) (int, error) { return w.WriteLevel(zerolog.NoLevel, rec) }

// WriteLevel writes a record of level l.
func (w *spanWriter) WriteLevel(l zerolog.Level, rec []byte) (int, error) {
	s := (*Span)(w)
	var buf [logFieldsSize]byte
	if f := s.flow; f != nil && f.detail.on {
		if f.detail.holdsUser(s.pipe, l) {
			fields := append(s.appendLogFields(buf[:0]), core.BufferedField...)
			if f.detail.hold(s.pipe, heldZerolog, l, time.Now(), rec, 0, "", fields) {
				return len(rec), nil
			}
			// Not held: written as without buffering, the marker aside.
			return s.pipe.WriteWith(l, rec, fields[:len(fields)-len(core.BufferedField)])
		}
		if l == zerolog.FatalLevel || l == zerolog.PanicLevel {
			// The process may end with this record: what the flow holds
			// explains it, and goes first.
			f.detail.release(s.pipe, false)
		}
	}
	return s.pipe.WriteWith(l, rec, s.appendLogFields(buf[:0]))
}

// Close syncs the span's pipeline, as the pipeline's own loggers do (zerolog's
// Fatal calls it before exiting).
func (w *spanWriter) Close() error { return w.pipe.Sync() }

// spanWriterOn is spanWriter for a pipeline other than the span's own.
type spanWriterOn struct {
	s *Span
	p *core.Pipeline
}

func (w *spanWriterOn) Write(rec []byte) (int, error) { return w.WriteLevel(zerolog.NoLevel, rec) }

// WriteLevel writes a record of level l.
func (w *spanWriterOn) WriteLevel(l zerolog.Level, rec []byte) (int, error) {
	var buf [logFieldsSize]byte
	return w.p.WriteWith(l, rec, w.s.appendLogFields(buf[:0]))
}

// Close syncs the pipeline.
func (w *spanWriterOn) Close() error { return w.p.Sync() }

// record begins a record of the span at level l, for the success or error
// stream, with the fields the span's logger carries, in the same order:
// trace_id, span_id, flow_id (inside a flow) and fn. It returns nil when l
// is disabled. The IDs are copied in as the JSON they already are, and so
// is the flow ID, whose characters need no escaping.
//
// Inside a flow that holds its detail, a step record at a level it holds
// (see detail.holdsOwn) is begun whatever the pipeline's level, to be held.
func (s *Span) record(l zerolog.Level) *record {
	var r *record
	if s.flow != nil && s.flow.detail.holdsOwn(s.pipe, l) {
		r = newHeldRecord(s.pipe, l, &s.flow.detail)
	} else {
		r = newRecord(s.pipe, l)
	}
	if r == nil {
		return nil
	}
	b := s.appendIDs(r.w.buf)
	if s.flow != nil {
		b = s.appendFlowID(b)
	}
	b = append(b, `,"`+schema.KeyFn+`":`...)
	r.w.buf = jsonenc.String(b, s.name)
	r.mark = len(r.w.buf)
	return r
}

// appendIDs appends trace_id and span_id, which are JSON already.
func (s *Span) appendIDs(b []byte) []byte {
	b = append(b, `,"`+schema.KeyTraceID+`":`...)
	b = append(b, s.trace[:]...)
	b = append(b, `,"`+schema.KeySpanID+`":`...)
	return append(b, s.id[:]...)
}

// appendFlowID appends the flow_id of the span's flow, whose characters
// need no escaping (see sanitizeLabel), and the record's seq in the flow.
func (s *Span) appendFlowID(b []byte) []byte {
	return s.appendFlowIDSeq(b, s.flow.seq.Add(1))
}

// appendFlowIDSeq is appendFlowID for a record of the given seq.
func (s *Span) appendFlowIDSeq(b []byte, seq uint64) []byte {
	b = append(b, `,"`+schema.KeyFlowID+`":"`...)
	b = append(b, s.flow.id...)
	b = append(b, `","`+schema.KeySeq+`":`...)
	return strconv.AppendUint(b, seq, 10)
}

// appendParent appends parent_span_id when the span has a parent.
func (s *Span) appendParent(b []byte) []byte {
	if !s.parent.valid() {
		return b
	}
	b = append(b, `,"`+schema.KeyParentSpanID+`":`...)
	return append(b, s.parent[:]...)
}

// logEntry writes the entry record of a step.
func (s *Span) logEntry(args []any, extra Fields) {
	r := s.record(s.level)
	if r == nil {
		return
	}
	r.w.buf = s.appendParent(r.w.buf)
	if args != nil {
		r.w.buf = appendArgs(r.w.buf, args)
	}
	if extra != nil {
		extra.AddFields(&r.w)
	}
	r.write(msgStepStarted, s.start)
}

// Outcome is how a span ended, for Finish: what an adapter that owns the
// recovery of panics (an HTTP middleware) knows once the handler returned.
// The zero Outcome is a success.
type Outcome struct {
	// Err is the error the work ended with, if any.
	Err error
	// Panic is the recovered panic value; non-nil means the work panicked
	// (since Go 1.21 recover never returns nil for a panic).
	Panic any
	// Stack is the stack captured where the panic was recovered; when it is
	// nil and Panic is set, Finish captures its own.
	Stack []byte
	// Failed marks the span failed even without Err or Panic, e.g. an HTTP
	// status of 500 or more.
	Failed bool
	// EndFields, if set, adds fields known only at the end, such as
	// http_status, bytes or the matched route, to flow_end (or to the exit
	// record of a step). It is not called when the record is disabled by
	// its level; it is called once more when the pipeline has an EndHook
	// (see core.EndedSpan.Attrs).
	EndFields Fields
	// Route, when set, is the route the flow served (an HTTP route
	// template, an RPC's method): a rate WithRouteSampling gives it
	// samples the flow instead of the pipeline's.
	Route string
	// Cancelled says the work stopped because the context it ran under was
	// cancelled from outside (a client that went away, a caller that gave
	// up), not because it failed: the span ends with status "cancelled", at
	// its own level, and writes nothing to the error stream. Err, if set, is
	// the error the cancellation surfaced as. Cancelled outweighs Err and
	// Failed; a panic still fails the span, and so does, for a flow, a step
	// of it that failed (the flow then reports that step's failure).
	Cancelled bool
}

// ending is how o ends a span, before a flow's steps are considered (see
// endFlow).
func (o *Outcome) ending() ending {
	switch {
	case o.Panic != nil:
		return endFailed
	case o.Cancelled:
		return endCancelled
	case o.Err != nil || o.Failed:
		return endFailed
	}
	return endOK
}

// End ends the span and writes its exit record. It must be deferred
// directly, as `defer span.End(&err)` with err the named error result of the
// function, so that it can see a panic:
//
//   - a panic is recovered, recorded (error, error_type, stack) and raised
//     again with its original value;
//   - otherwise a non-nil *errp that is context.Canceled (or wraps it), returned
//     while the context the span was started with is cancelled, ends the span
//     "cancelled" (see Outcome.Cancelled): the work was called off from
//     outside, by a client that went away or a caller that gave up, and that
//     is not a failure of the code;
//   - otherwise a non-nil *errp fails the span; the error is only read, the
//     function still returns it unchanged. A deadline that passed
//     (context.DeadlineExceeded) is a timeout, and fails it;
//   - otherwise it succeeds (status "ok"), whether or not its context was
//     cancelled meanwhile: the outcome is what the function returned.
//
// errp may be nil when there is no error to report. A failure is written at
// error level (to the error file) whatever the span's level; a cancelled
// span is written at its own level, never to the error file. Ending a flow
// writes flow_end; ending a step completes its timeline entry. End on a nil
// *Span, and every call after the first, does nothing (and recovers nothing).
func (s *Span) End(errp *error) {
	if !s.Claim() {
		return
	}
	s.EndRecovered(recover(), errp)
}

// Claim marks the span as ending and reports whether this call did so: false
// for a nil *Span and for every call after the first. It is for a type that
// wraps a Span and whose own End, deferred directly, must call recover
// itself (recover works only there):
//
//	func (w *Wrapper) End(errp *error) {
//		if s := (*flow.Span)(w); s.Claim() {
//			s.EndRecovered(recover(), errp)
//		}
//	}
func (s *Span) Claim() bool { return s != nil && s.ended.CompareAndSwap(false, true) }

// EndRecovered is End after Claim, given what recover returned: a non-nil r
// is recorded as a panic and raised again, as End does.
func (s *Span) EndRecovered(r any, errp *error) {
	var o Outcome
	switch {
	case r != nil:
		o.Panic, o.Stack = r, debug.Stack()
	case errp != nil && *errp != nil:
		o.Err = *errp
		o.Cancelled = s.cancelledBy(o.Err)
	}
	s.finish(&o)
	if r != nil {
		if !s.parent.valid() {
			// The panic leaves the outermost step: if nothing above
			// recovers it, the process dies with it, and its failure
			// record, with the stack, must be on disk by then.
			_ = s.pipe.Sync()
		}
		panic(r)
	}
}

// cancelledBy reports whether err, returned by the span's code, is the
// cancellation of the context the span was started with: context.Canceled
// (or an error wrapping it) while that context is cancelled.
func (s *Span) cancelledBy(err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(s.ctx.Context.Err(), context.Canceled)
}

// Finish ends the span with the outcome o, without recovering or raising
// anything: it is for callers that handle panics themselves, such as HTTP
// middleware, which recover, call Finish, then re-panic. Unlike End it does
// not look at the span's context, even to tell a cancellation: o is the
// whole truth (see Outcome.Cancelled). Finish after End (or a second Finish)
// does nothing.
func (s *Span) Finish(o Outcome) {
	if s == nil || !s.ended.CompareAndSwap(false, true) {
		return
	}
	if o.Panic != nil && o.Stack == nil {
		o.Stack = debug.Stack()
	}
	s.finish(&o)
}

// SetResult records v as the "result" field of the step's exit record when
// the step was started with LogResult, and does nothing otherwise. Call it
// before End, from the goroutine that ends the span. Call does it for you.
func (s *Span) SetResult(v any) {
	if s != nil && s.logResult {
		s.result, s.hasResult = v, true
	}
}

// TraceID returns the span's trace ID as 32 lowercase hex digits ("" for a
// nil span).
func (s *Span) TraceID() string {
	if s == nil {
		return ""
	}
	return string(s.trace.hex())
}

// SpanID returns the span's own ID as 16 lowercase hex digits ("" for a nil
// span).
func (s *Span) SpanID() string {
	if s == nil {
		return ""
	}
	return string(s.id.hex())
}

// FlowID returns the ID of the flow the span belongs to, or "" outside a
// flow. It does not allocate.
func (s *Span) FlowID() string {
	if s == nil || s.flow == nil {
		return ""
	}
	return s.flow.id
}

// IsFlow reports whether the span is a flow of its own: false for a step,
// and for a flow that was degraded to a step because it started inside
// another flow.
func (s *Span) IsFlow() bool { return s != nil && s.isFlow }

// finish completes the span: its timeline entry, then its exit record (or
// flow_end for a flow), then tells the pipeline's EndHook, if any.
func (s *Span) finish(o *Outcome) {
	now := time.Now()
	d := now.Sub(s.start)
	e := o.ending()
	if s.isFlow {
		e = s.endFlow(o, e, now, d)
	} else {
		s.endStep(o, e, now, d)
	}
	if h := s.pipe.EndHook(); h != nil {
		s.reportEnd(h, o, e == endFailed, now)
	}
}

// endStep completes a step's timeline entry and writes its exit record.
func (s *Span) endStep(o *Outcome, e ending, now time.Time, d time.Duration) {
	if s.flow != nil && s.idx >= 0 {
		s.flow.leave(s, d, e, o)
	}
	level := s.level
	if e == endFailed {
		level = zerolog.ErrorLevel
	}
	r := s.record(level)
	if r == nil {
		return
	}
	b := s.appendParent(r.w.buf)
	b = append(b, `,"`+schema.KeyMs+`":`...)
	b = appendMillis(b, d)
	switch e {
	case endFailed:
		b = append(b, `,"`+schema.KeyStatus+`":"`+statusError+`"`...)
		b = appendFailure(b, o)
	case endCancelled:
		b = append(b, `,"`+schema.KeyStatus+`":"`+statusCancelled+`"`...)
	default:
		b = append(b, `,"`+schema.KeyStatus+`":"`+statusOK+`"`...)
	}
	if s.hasResult {
		b = appendResult(b, s.result)
	}
	r.w.buf = b
	if o.EndFields != nil {
		o.EndFields.AddFields(&r.w)
	}
	switch e {
	case endFailed:
		r.write(msgStepFailed, now)
	case endCancelled:
		r.write(msgStepCanceled, now)
	default:
		r.write(msgStepFinished, now)
	}
}

// appendMillis appends d in milliseconds, rounded to the microsecond, as a
// JSON number without trailing zeros: 12.4, 0.031, 1500. A negative d is 0.
// It is what strconv.AppendFloat gives for that rounded value, at a
// fraction of the cost.
func appendMillis(dst []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	us := (d + time.Microsecond/2) / time.Microsecond
	dst = strconv.AppendInt(dst, int64(us/1000), 10)
	frac := int(us % 1000)
	if frac == 0 {
		return dst
	}
	digits := [3]byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 3
	for digits[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, digits[:n]...)
}
