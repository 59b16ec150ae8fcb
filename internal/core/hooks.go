package core

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/logcrest/logcrest/internal/schema"
	"github.com/rs/zerolog"
)

// A Pipeline's hooks connect it to another tracing system (package
// github.com/logcrest/logcrest/otel installs them for OpenTelemetry) without
// LogCrest's core importing that system: a TraceSource lets steps, flows and
// Log(ctx) join a span of that system found in their context, and an
// EndHook is told of every step and flow of the Pipeline as it ends. Both
// live on the Pipeline value, not in package variables, and cost a step or
// a log call one atomic load while unset.

// ExternalSpan is a span of another tracing system, in the binary forms of
// W3C Trace Context: a trace ID, a span ID and the trace flags (bit 0:
// sampled). Remote is true for a span context that came in from another
// process (a propagator's extraction), false for a span of this process.
type ExternalSpan struct {
	TraceID [16]byte
	SpanID  [8]byte
	Flags   byte
	Remote  bool
}

// Valid reports whether neither ID is all zero, which W3C reserves as
// invalid.
func (e *ExternalSpan) Valid() bool {
	return e.TraceID != [16]byte{} && e.SpanID != [8]byte{}
}

// TraceSource returns the span of another tracing system ctx carries, and
// whether it carries a valid one (IDs not all zero). It is called when a
// step or flow starts with no LogCrest span in its context, and by
// ContextLogger; ctx is never nil. It must be safe for concurrent use, fast
// and free of side effects.
type TraceSource func(ctx context.Context) (ExternalSpan, bool)

// Parent kinds of an EndedSpan: where its parent_span_id came from.
const (
	// ParentLocal: a LogCrest step or flow of the same process, or no
	// parent at all (ParentSpanID is zero).
	ParentLocal = iota
	// ParentRemote: a span of another process: an incoming traceparent
	// header (flow.FlowSpec), or a remote ExternalSpan.
	ParentRemote
	// ParentExternal: the span of another tracing system in the same
	// process, found by the Pipeline's TraceSource.
	ParentExternal
)

// EndedSpan describes a step or flow that has just ended, for an EndHook.
// Its byte slices are valid only during the call.
type EndedSpan struct {
	Name         string   // fn: the step's name, or the flow's
	TraceID      [16]byte // trace_id
	SpanID       [8]byte  // span_id
	ParentSpanID [8]byte  // parent_span_id; all zero when there is none
	// ParentKind says where ParentSpanID came from: ParentLocal,
	// ParentRemote or ParentExternal.
	ParentKind int
	// Sampled is false only when the trace was adopted from an external
	// span whose sampled flag was clear; LogCrest records every span
	// either way.
	Sampled bool
	// Start and End are the times the span's first and last records are
	// stamped with (time.Now readings, monotonic clock included).
	Start, End time.Time
	// Flow is true for a flow of its own, false for a step (and for a flow
	// degraded to a step inside another flow).
	Flow bool
	// FlowID is the flow_id of the flow the span belongs to (its own, for
	// a flow), "" outside any flow.
	FlowID string
	// Steps is, for a flow, the number of steps that joined it.
	Steps int
	// Failed is true when the span ended at error level: an error, a
	// panic, or Outcome.Failed (an HTTP 5xx). A span that ended
	// "cancelled" (flow.Outcome.Cancelled) is not failed; Error then holds
	// the cancellation's text, if any.
	Failed bool
	// Error is the text of the span's error or panic value (a flow's own,
	// else, for a flow that failed without one, that of its first failed
	// step), "" when there is none.
	Error string
	// ErrorType is the Go type of that error or panic value, as %T prints
	// it (error_type), "" when there is none.
	ErrorType string
	// Panic is true when the failure was a panic; Stack is then the stack
	// recorded with it.
	Panic bool
	Stack []byte
	// Attrs are the span's extra fields as its last record holds them,
	// with their Go types: for a flow the fields of flow.SetField (a cut
	// string followed by its "<key>_truncated" true), and for the flow of
	// an HTTP request the adapter's method, path, route, http_status,
	// bytes, client_ip, request_id...; empty when there are none. The
	// slice is reused once the call returns.
	Attrs []Attr
}

// AttrKind is the type of an Attr's value.
type AttrKind uint8

// Kinds of Attr.
const (
	AttrString AttrKind = iota // Str
	AttrInt                    // Int(): a signed integer
	AttrUint                   // Uint(): an unsigned integer (as SetField was given it)
	AttrFloat                  // Float()
	AttrBool                   // Bool()
)

// Attr is one extra field of an EndedSpan, typed: a string in Str, any
// other value in the bits of num (read with Int, Uint, Float or Bool, as
// Kind says).
type Attr struct {
	Key  string
	Kind AttrKind
	Str  string
	num  uint64
}

// StringAttr returns the Attr key=v.
func StringAttr(key, v string) Attr { return Attr{Key: key, Kind: AttrString, Str: v} }

// IntAttr returns the Attr key=v.
func IntAttr(key string, v int64) Attr { return Attr{Key: key, Kind: AttrInt, num: uint64(v)} }

// UintAttr returns the Attr key=v.
func UintAttr(key string, v uint64) Attr { return Attr{Key: key, Kind: AttrUint, num: v} }

// FloatAttr returns the Attr key=v.
func FloatAttr(key string, v float64) Attr {
	return Attr{Key: key, Kind: AttrFloat, num: math.Float64bits(v)}
}

// BoolAttr returns the Attr key=v.
func BoolAttr(key string, v bool) Attr {
	a := Attr{Key: key, Kind: AttrBool}
	if v {
		a.num = 1
	}
	return a
}

// Int returns the value of an AttrInt.
func (a Attr) Int() int64 { return int64(a.num) }

// Uint returns the value of an AttrUint.
func (a Attr) Uint() uint64 { return a.num }

// Float returns the value of an AttrFloat.
func (a Attr) Float() float64 { return math.Float64frombits(a.num) }

// Bool returns the value of an AttrBool.
func (a Attr) Bool() bool { return a.num != 0 }

// EndHook is called once for every step and flow of the Pipeline, on the
// goroutine that ends it, after its last record is written (whatever the
// level, which may have disabled that record). It must not block or panic,
// and must not keep e or its slices (Stack, Attrs) beyond the call.
type EndHook func(e *EndedSpan)

// hooks are a Pipeline's hooks. Each pointer is set and swapped whole.
type hooks struct {
	trace atomic.Pointer[TraceSource]
	end   atomic.Pointer[EndHook]
}

// SetTraceSource makes src the Pipeline's TraceSource, replacing any
// other, and returns a function that removes it (if it is still the one in
// place). nil removes the TraceSource in place.
func (p *Pipeline) SetTraceSource(src TraceSource) (remove func()) {
	if src == nil {
		p.hooks.trace.Store(nil)
		return func() {}
	}
	ptr := &src
	p.hooks.trace.Store(ptr)
	return func() { p.hooks.trace.CompareAndSwap(ptr, nil) }
}

// TraceSource returns the Pipeline's TraceSource, nil when it has none.
func (p *Pipeline) TraceSource() TraceSource {
	if ptr := p.hooks.trace.Load(); ptr != nil {
		return *ptr
	}
	return nil
}

// SetEndHook makes h the Pipeline's EndHook, replacing any other, and
// returns a function that removes it (if it is still the one in place).
// nil removes the EndHook in place.
func (p *Pipeline) SetEndHook(h EndHook) (remove func()) {
	if h == nil {
		p.hooks.end.Store(nil)
		return func() {}
	}
	ptr := &h
	p.hooks.end.Store(ptr)
	return func() { p.hooks.end.CompareAndSwap(ptr, nil) }
}

// EndHook returns the Pipeline's EndHook, nil when it has none.
func (p *Pipeline) EndHook() EndHook {
	if ptr := p.hooks.end.Load(); ptr != nil {
		return *ptr
	}
	return nil
}

// ContextLogger returns the Pipeline's logger for a record logged with ctx
// outside any LogCrest step: Logger, or, when the Pipeline has a
// TraceSource that finds a span in ctx, a new child of Logger carrying that
// span's trace_id and span_id (32 and 16 lowercase hex digits), built on
// every call (two small allocations). Without a TraceSource, or without
// such a span, it is Logger, which allocates nothing. ctx may be nil.
func (p *Pipeline) ContextLogger(ctx context.Context) *zerolog.Logger {
	if ptr := p.hooks.trace.Load(); ptr != nil && ctx != nil {
		if ext, ok := (*ptr)(ctx); ok && ext.Valid() {
			l := p.Logger().With().Hex(schema.KeyTraceID, ext.TraceID[:]).Hex(schema.KeySpanID, ext.SpanID[:]).Logger()
			return &l
		}
	}
	return p.Logger()
}

// RedactSpan masks the secrets in e as the Pipeline's records are masked
// (see WithRedaction), before an EndHook sees it: the whole value of an
// attribute whose key names a secret (made a string), the value patterns
// inside every string attribute, the error text and the name. The name is
// a step's code-given name, but an outbound call's step is named after the
// host it called and an HTTP flow after its route, and the fn field of the
// records, which holds the same name, is masked the same way, so the span
// and the records agree. The stack is code and is left as it is. The
// values masked are counted in Stats.
func (p *Pipeline) RedactSpan(e *EndedSpan) {
	r := p.current().redactor
	if r == nil {
		return
	}
	n := 0
	str := func(s string) string {
		out, k := r.String(s)
		n += k
		return out
	}
	e.Name = str(e.Name)
	e.Error = str(e.Error)
	for i := range e.Attrs {
		a := &e.Attrs[i]
		if r.SecretKey([]byte(a.Key)) {
			*a = StringAttr(a.Key, r.Replace([]byte(a.text())))
			n++
		} else if a.Kind == AttrString {
			a.Str = str(a.Str)
		}
	}
	if n > 0 {
		p.redacted.Add(uint64(n))
	}
}

// text is the value of a as the records write it, which a keyed hash is
// taken of (so a span's hash equals the record's).
func (a *Attr) text() string {
	switch a.Kind {
	case AttrInt:
		return strconv.FormatInt(a.Int(), 10)
	case AttrUint:
		return strconv.FormatUint(a.Uint(), 10)
	case AttrFloat:
		return strconv.FormatFloat(a.Float(), 'g', -1, 64)
	case AttrBool:
		return strconv.FormatBool(a.Bool())
	}
	return a.Str
}
