package logcrest

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/flow"
)

// Span is a running step or flow, returned by Step and Flow. End it with
// `defer span.End(&err)`. Every method is safe on a nil *Span.
type Span flow.Span

// End ends the span and writes its exit record (for a flow, flow_end). It
// must be deferred directly, `defer span.End(&err)` with err the function's
// named error result, so that it sees a panic:
//
//   - a panic is recovered, recorded (error, error_type, stack) and raised
//     again with its original value;
//   - otherwise a *errp that is context.Canceled (or wraps it), while the
//     context the span was started with is cancelled, ends it "cancelled":
//     the work was called off from outside (a client that went away, a
//     caller that gave up), which is not a failure of the code;
//   - otherwise a non-nil *errp fails the span (the error is only read); a
//     passed deadline (context.DeadlineExceeded) is a timeout, a failure;
//   - otherwise it succeeds, status "ok", even when its context was
//     cancelled meanwhile: the outcome is what the function returned.
//
// errp may be nil. A failure is written at error level whatever the span's
// level; a cancelled span at its own level, never to the error file. Calls
// after the first do nothing.
func (s *Span) End(errp *error) {
	if f := (*flow.Span)(s); f.Claim() {
		f.EndRecovered(recover(), errp)
	}
}

// TraceID returns the span's trace ID, 32 lowercase hex digits.
func (s *Span) TraceID() string { return (*flow.Span)(s).TraceID() }

// SpanID returns the span's own ID, 16 lowercase hex digits.
func (s *Span) SpanID() string { return (*flow.Span)(s).SpanID() }

// FlowID returns the ID of the flow the span belongs to, or "" outside a
// flow.
func (s *Span) FlowID() string { return (*flow.Span)(s).FlowID() }

// SetResult records v as the step's result, written on its exit record when
// the step was started with LogResult.
func (s *Span) SetResult(v any) { (*flow.Span)(s).SetResult(v) }

// StepOption configures a step or a flow: AtLevel, Args, LogResult.
type StepOption = flow.Option

// Step starts a step named name — the Go form of Python LogCrest's
// @log_decorator — and writes its entry record ("step started", with fn,
// trace_id, span_id and, inside a flow, flow_id). It returns the context for
// the step's code and the span, which must be ended by deferring End
// directly:
//
//	func chargeCard(ctx context.Context, amount float64) (err error) {
//		ctx, span := logcrest.Step(ctx, "charge_card")
//		defer span.End(&err)
//		logcrest.Log(ctx).Info().Msg("calling the gateway")
//		...
//	}
//
// End writes the exit record with ms and status ("ok", "error" or
// "cancelled"). A returned error or a panic (recorded with its stack, then
// raised again with its original value) ends it "error", at error level, in
// the error file; the step's context cancelled meanwhile does not, unless
// the step returns that cancellation, which ends it "cancelled" (see
// Span.End). Arguments and results are never logged
// unless Args or LogResult say so. Inside a flow the step joins the flow's
// timeline, from any goroutine.
func Step(ctx context.Context, name string, opts ...StepOption) (context.Context, *Span) {
	ctx, s := flow.Step(ctx, name, opts...)
	return ctx, (*Span)(s)
}

// Run runs fn as a step named name and returns its error unchanged; see Step
// for the records.
func Run(ctx context.Context, name string, fn func(context.Context) error, opts ...StepOption) error {
	return flow.Run(ctx, name, fn, opts...)
}

// Call runs fn as a step named name and returns its result and error
// unchanged; with LogResult a successful result is recorded as "result" on
// the exit record. See Step for the records.
func Call[T any](ctx context.Context, name string, fn func(context.Context) (T, error), opts ...StepOption) (T, error) {
	return flow.Call(ctx, name, fn, opts...)
}

// AtLevel sets the level of a step's entry and exit records, or of
// flow_start and a successful flow_end (default info). Failures are always
// at error level.
func AtLevel(l zerolog.Level) StepOption { return flow.AtLevel(l) }

// Args records keyvals (alternating string keys and values) as "args" on the
// step's entry record, or on flow_start. Arguments are logged only when
// given here: never pass passwords, tokens or personal data. A value whose
// encoding panics is recorded as "!PANIC: ..." (null for a nil pointer); the
// step runs on.
func Args(keyvals ...any) StepOption { return flow.Args(keyvals...) }

// LogResult makes Call record its successful result as "result" on the exit
// record. Results are never logged without it. A result whose encoding
// panics is recorded as Args records such a value.
func LogResult() StepOption { return flow.LogResult() }

// Flow starts a flow — the Go form of Python LogCrest's @log_flow — and
// writes flow_start to the flows file. End it with `defer span.End(&err)`,
// which writes flow_end with flow_status, total_ms, steps, the timeline of
// every step started under it (any depth, any goroutine, in start order)
// and, on failure, failed_at, step ("k/n"), flow_error and, when the flow's
// own error differs from its failed step's, returned_error. flow_status is
// "success", "failed" or "cancelled" (see Span.End). A failure reaches the
// error file once: the failed step's record, or the flow's own when no step
// failed. Flow records go to <dir>/flows/ only.
//
// The flow ID is "<label>-<8 hex>", or the 8 hex digits alone when label is
// "". A label may come from a request value: every character outside
// [A-Za-z0-9._:-] becomes '_' and it is cut to 64 bytes. Inside an active
// flow, Flow starts no new flow: it joins the outer timeline as a step and
// writes one warn record saying so.
func Flow(ctx context.Context, label string, opts ...StepOption) (context.Context, *Span) {
	ctx, s := flow.Flow(ctx, label, opts...)
	return ctx, (*Span)(s)
}

// RunFlow runs fn as a flow labelled label and returns its error unchanged;
// see Flow for the records.
func RunFlow(ctx context.Context, label string, fn func(context.Context) error, opts ...StepOption) error {
	return flow.RunFlow(ctx, label, fn, opts...)
}

// FlowID returns the ID of the flow ctx belongs to ("checkout-3a7e2b1f"), or
// "" outside a flow.
func FlowID(ctx context.Context) string { return flow.FlowID(ctx) }

// TraceID returns the trace ID of ctx (32 lowercase hex digits), or "" when
// ctx carries no step or flow.
func TraceID(ctx context.Context) string { return flow.TraceID(ctx) }

// SetFlowField attaches key=value to the flow ctx is in, from anywhere
// under it (any step, any goroutine): flow_end carries it, and so does the
// error record of a failed flow, so "who was it" (user_id, tenant, plan) is
// answered by one record. Setting a key again replaces its value.
//
// Bounded: 16 fields a flow; keys of 1 to 64 characters of A-Z a-z 0-9 _ . -
// that are not a field LogCrest writes itself (nor "logcrest_dup") nor end
// in "_truncated"; a string value takes at most 256 bytes as written in the
// record (quotes and escapes included: an invalid UTF-8 byte is written as
// the 6 bytes \ufffd), a longer one is cut on a character boundary and the record says
// "<key>_truncated": true; values are strings, bools, integers and floats
// only. The error says why a field was refused (outside a flow, the flow
// ended, a bound).
func SetFlowField(ctx context.Context, key string, value any) error {
	return flow.SetField(ctx, key, value)
}

// KeepDetail marks the flow ctx is in as kept: at its end its held detail
// (see WithDetail) is written, as for a failed flow, and sampling does not
// leave it out. It is for a flow the service wants in full, such as one
// tenant's, or one whose request carries a debug header the service chooses
// to honour. It returns ErrNoFlow outside a flow and ErrFlowEnded once the
// flow has ended.
func KeepDetail(ctx context.Context) error { return flow.KeepDetail(ctx) }

// Bounds of the fields SetFlowField attaches to a flow.
const (
	// MaxFlowFields is how many fields one flow keeps.
	MaxFlowFields = flow.MaxFields
	// MaxFlowFieldKeyLen is the longest field key, in bytes.
	MaxFlowFieldKeyLen = flow.MaxFieldKeyLen
	// MaxFlowFieldValueLen is the most bytes a string value takes in the
	// record, as written: its quotes and escapes included (an invalid UTF-8
	// byte is written as the 6 bytes \ufffd, a control character as
	// \u00XX). A longer one is cut on a character boundary to fit, and the
	// record says "<key>_truncated": true.
	MaxFlowFieldValueLen = flow.MaxFieldValueLen
)

// The errors of SetFlowField, for errors.Is. Each is the very value the
// engine returns, so a comparison holds whichever package returned it.
var (
	// ErrNoFlow: the context is not inside a flow.
	ErrNoFlow = flow.ErrNoFlow
	// ErrFlowEnded: the flow has already written flow_end.
	ErrFlowEnded = flow.ErrFlowEnded
	// ErrTooManyFields: the flow already holds MaxFlowFields other keys.
	ErrTooManyFields = flow.ErrTooManyFields
	// ErrFieldKey: the key is empty, longer than MaxFlowFieldKeyLen or has
	// a character outside A-Z a-z 0-9 _ . -.
	ErrFieldKey = flow.ErrFieldKey
	// ErrReservedField: the key is a field LogCrest writes itself, or
	// "logcrest_dup", or ends in "_truncated".
	ErrReservedField = flow.ErrReservedField
	// ErrFieldValueType: the value is not a string, a bool, an integer or a
	// float.
	ErrFieldValueType = flow.ErrFieldValueType
)
