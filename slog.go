package logcrest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// NewSlogHandler returns a log/slog handler that writes through LogCrest,
// to the pipeline logcrest.Log(ctx) would use for the record's context (the
// step's, the one ctx carries, else the default in force when the record is
// handled, so it follows SetDefault), so that code logging through
// log/slog, yours or a library's, lands in LogCrest's files and console:
//
//	slog.SetDefault(slog.New(logcrest.NewSlogHandler(nil)))
//
// (After slog.SetDefault, the standard log package's output goes through
// it too, as info records.)
//
// A record is written by the logger logcrest.Log(ctx) returns for the
// context it was logged with: inside a step it carries trace_id, span_id
// and fn, and inside a flow flow_id and seq too, so a library that logs
// with slog.InfoContext(ctx, ...) (or Logger.LogAttrs(ctx, ...)) joins the
// flow's records, in the flow's pipeline. Without a context (slog.Info) a
// record carries no IDs and goes to the default pipeline.
//
// opts may be nil. The record:
//
//   - level: the pipeline's level decides (SetLevel applies at once), and
//     opts.Level, when set, as a further minimum; with opts.Level nil, debug
//     records are written whenever the pipeline's level allows (slog's own
//     handlers default to info). slog's levels map to zerolog's: below
//     Debug is trace, Debug up to Info debug, Info up to Warn info, Warn up
//     to Error warn, Error and above error (never fatal or panic: a slog
//     record does not end the process). The exact slog level is not kept.
//   - "time", "level", "logger" and "message" are LogCrest's own fields,
//     written as on any record, and opts.ReplaceAttr does not see them:
//     "time" is when the record reaches the pipeline (LogCrest stamps it;
//     Record.Time, zero or not, is not written), and an empty message
//     writes no "message" field.
//   - attributes become fields, encoded by zerolog: strings, integers,
//     floats, bools, times (zerolog.TimeFieldFormat), durations
//     (zerolog.DurationFieldUnit), errors (zerolog.ErrorMarshalFunc, unless
//     the error is a json.Marshaler) and any other value as zerolog's
//     Interface encodes it (a zerolog.LogObjectMarshaler as an object, else
//     encoding/json). A LogValuer is resolved first. As with slog's handlers,
//     an empty Attr and a group with no attributes are left out, a group
//     with an empty key is inlined, a group is a nested JSON object, and so
//     is every WithGroup, which holds the record's attributes and those
//     added by WithAttrs after it; a WithGroup group with nothing in it is
//     left out. WithGroup("") returns the handler itself.
//   - every line has unique keys at every depth, where slog's own handlers
//     write a key as often as it is given: of an attribute given twice in
//     one object (by WithAttrs and by the record, twice in a record, twice
//     in a group), the last keeps the key and the earlier values go, in
//     order, into an array under that key in the object's "logcrest_dup"
//     member ({"a":2,"logcrest_dup":{"a":[1]}}); an attribute named like a
//     field LogCrest writes first (time, level, logger, trace_id, span_id,
//     flow_id, seq, fn) or like the message goes there too, and LogCrest's
//     field keeps its value.
//   - opts.AddSource adds "source": {"function","file","line"}, the
//     object slog's JSON handler writes.
//   - opts.ReplaceAttr is called, as slog's handlers call it, on every
//     attribute that is not a group, with the path of groups it is in
//     (WithGroup's, then the keys of the groups around it), and on the
//     source attribute (groups nil) when AddSource is on; not on time,
//     level or message. The attributes given to WithAttrs are resolved,
//     replaced and encoded once, there, not at each record.
//
// No attribute value makes Handle or WithAttrs panic, nor loses the record:
// a value whose encoding panics (its MarshalJSON, its
// MarshalZerologObject, its Error method) is written as slog's JSONHandler
// writes it, null for a nil pointer (a method on a pointer receiver that
// does not guard against nil) and else the string "!PANIC: " followed by
// what it panicked with, and the record keeps its other attributes. (Such
// a record is encoded a second time, each value apart: ReplaceAttr and
// LogValue are then called twice for it.) A LogValuer that panics is
// resolved by slog itself to an error ("LogValue panicked" and the stack).
// A panic of ReplaceAttr, the caller's own code, is raised.
//
// Handle never fails: LogCrest counts the records a sink could not take in
// Stats, so Handle returns nil.
func NewSlogHandler(opts *slog.HandlerOptions) slog.Handler {
	return newSlogHandler(nil, opts)
}

// SlogHandler returns a log/slog handler that writes through p, with the
// logger p.Log(ctx) returns for each record's context (inside a step or
// flow it carries their IDs) and p's level: see NewSlogHandler, which
// does the same on the default pipeline.
func (p *Pipeline) SlogHandler(opts *slog.HandlerOptions) slog.Handler {
	return newSlogHandler(p, opts)
}

// slogHandler is the slog.Handler of NewSlogHandler and SlogHandler. It is
// never modified once made: WithAttrs and WithGroup return a new one.
type slogHandler struct {
	p         *Pipeline // nil: the default pipeline in force
	level     slog.Leveler
	addSource bool
	replace   func(groups []string, a slog.Attr) slog.Attr
	// groups are the groups opened by WithGroup, outermost first.
	groups []string
	// bound[i] are the fields given to WithAttrs while i groups were open,
	// ready to be copied into a record; len(bound) <= len(groups)+1.
	bound [][]slogField
	// apart: encode each value of kind Any apart, so that one whose
	// encoding panics spoils nothing else (see slogAppendApart): in
	// WithAttrs, and in Handle again for a record whose encoding panicked.
	apart bool
}

// slogField is an attribute given to WithAttrs: resolved, replaced, and
// encoded once as the JSON of its value. raw is nil in the one case where
// it could not be encoded in advance (zerolog's global level was Disabled
// when WithAttrs was called); value is then encoded at each record.
type slogField struct {
	key   string
	raw   []byte
	value slog.Value
}

func newSlogHandler(p *Pipeline, opts *slog.HandlerOptions) *slogHandler {
	h := &slogHandler{p: p}
	if opts != nil {
		h.level, h.addSource, h.replace = opts.Level, opts.AddSource, opts.ReplaceAttr
	}
	return h
}

// pipeline returns the pipeline a record logged with ctx goes to: the
// handler's own, else that of the step ctx is in, else the one ctx carries
// (NewContext), else the default, as logcrest.Log(ctx) chooses.
func (h *slogHandler) pipeline(ctx context.Context) *Pipeline {
	if h.p != nil {
		return h.p
	}
	if s := flow.FromContext(ctx); s != nil {
		return (*Pipeline)(s.Pipeline())
	}
	return (*Pipeline)(core.FromContext(ctx))
}

// slogZerologLevel maps a slog level to the zerolog level at or below it,
// trace below slog.LevelDebug and error at or above slog.LevelError.
func slogZerologLevel(l slog.Level) zerolog.Level {
	switch {
	case l < slog.LevelDebug:
		return zerolog.TraceLevel
	case l < slog.LevelInfo:
		return zerolog.DebugLevel
	case l < slog.LevelWarn:
		return zerolog.InfoLevel
	case l < slog.LevelError:
		return zerolog.WarnLevel
	default:
		return zerolog.ErrorLevel
	}
}

// Enabled reports whether a record at level l would be written or held: l
// is at or above opts.Level (when set), its zerolog level at or above
// zerolog's global level, and either at or above the pipeline's level or
// one that the flow of ctx holds in buffered detail mode (debug, up to the
// buffer level), as Log(ctx) does: such a record is written, marked
// "buffered", if the flow fails, is slow or is kept.
func (h *slogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if h.level != nil && l < h.level.Level() {
		return false
	}
	zl := slogZerologLevel(l)
	if zl < zerolog.GlobalLevel() {
		return false
	}
	p := h.pipeline(ctx)
	if zl >= p.Level() {
		return true
	}
	// Held only through the span's own logger, which Log(ctx) returns
	// when the span belongs to the handler's pipeline.
	s := flow.FromContext(ctx)
	return s != nil && s.Pipeline() == p.core() && s.Holds(zl)
}

// Handle writes r through the logger of ctx on the handler's pipeline.
func (h *slogHandler) Handle(ctx context.Context, r slog.Record) error {
	defer func() {
		if !h.apart { // a panic of the retry is not a value's: raised
			if p := recover(); p != nil {
				h.handleApart(ctx, r)
			}
		}
	}()
	e := h.pipeline(ctx).Log(ctx).WithLevel(slogZerologLevel(r.Level))
	if e == nil {
		return nil // below the pipeline's level
	}
	var gs *[]string // the group path, kept only for ReplaceAttr
	if h.replace != nil {
		path := make([]string, 0, len(h.groups)+4)
		gs = &path
	}
	if h.addSource && r.PC != 0 {
		h.appendSource(e, r.Source(), gs)
	}
	h.appendFrom(e, 0, &r, gs)
	e.Msg(r.Message)
	return nil
}

// appendSource writes the source attribute, through ReplaceAttr.
func (h *slogHandler) appendSource(e *zerolog.Event, src *slog.Source, gs *[]string) {
	if h.replace == nil {
		slogAppendSource(e, slog.SourceKey, src)
		return
	}
	a := h.replace(nil, slog.Any(slog.SourceKey, src))
	a.Value = slogResolve(a.Value)
	if !slogEmptyAttr(a) {
		h.appendValue(e, a.Key, a.Value, gs)
	}
}

// appendFrom writes into e what goes at depth d of the handler's groups:
// the fields WithAttrs bound there, then either the record's attributes
// (d is the innermost) or the group groups[d] as an object holding what
// goes deeper, when anything does. It reports whether it wrote a field.
func (h *slogHandler) appendFrom(e *zerolog.Event, d int, r *slog.Record, gs *[]string) bool {
	wrote := false
	if d < len(h.bound) {
		for i := range h.bound[d] {
			if h.bound[d][i].append(h, e, gs) {
				wrote = true
			}
		}
	}
	if d == len(h.groups) {
		r.Attrs(func(a slog.Attr) bool {
			if h.appendAttr(e, a, gs) {
				wrote = true
			}
			return true
		})
		return wrote
	}
	if r.NumAttrs() == 0 && len(h.bound) <= d+1 {
		return wrote // nothing below: the group is left out
	}
	name := h.groups[d]
	slogPush(gs, name)
	sub := zerolog.Dict()
	if h.appendFrom(sub, d+1, r, gs) {
		e.Dict(name, sub)
		wrote = true
	} else {
		slogDiscard(sub)
	}
	slogPop(gs)
	return wrote
}

// appendAttr writes a into e as slog's handlers would: resolved, replaced
// (unless a group), left out when empty, a group inlined when its key is
// empty. It reports whether it wrote a field.
func (h *slogHandler) appendAttr(e *zerolog.Event, a slog.Attr, gs *[]string) bool {
	a.Value = slogResolve(a.Value)
	if h.replace != nil && a.Value.Kind() != slog.KindGroup {
		a = h.replace(*gs, a)
		a.Value = slogResolve(a.Value)
	}
	if slogEmptyAttr(a) {
		return false
	}
	if a.Key == "" && a.Value.Kind() == slog.KindGroup {
		wrote := false
		for _, ga := range a.Value.Group() {
			if h.appendAttr(e, ga, gs) {
				wrote = true
			}
		}
		return wrote
	}
	return h.appendValue(e, a.Key, a.Value, gs)
}

// appendValue writes v, resolved, into e under key: a group as a nested
// object (left out when nothing in it is written), anything else with
// zerolog's encoder for its kind.
func (h *slogHandler) appendValue(e *zerolog.Event, key string, v slog.Value, gs *[]string) bool {
	switch v.Kind() {
	case slog.KindGroup:
		return h.appendGroup(e, key, key, v.Group(), gs)
	case slog.KindString:
		e.Str(key, v.String())
	case slog.KindInt64:
		e.Int64(key, v.Int64())
	case slog.KindUint64:
		e.Uint64(key, v.Uint64())
	case slog.KindFloat64:
		e.Float64(key, v.Float64())
	case slog.KindBool:
		e.Bool(key, v.Bool())
	case slog.KindDuration:
		e.Dur(key, v.Duration())
	case slog.KindTime:
		e.Time(key, v.Time())
	default: // KindAny; KindLogValuer only when Resolve gave up
		slogAppendAny(e, key, v.Any(), h.apart)
	}
	return true
}

// appendGroup writes attrs into e as an object under key, left out when
// nothing in it is written; name is the group's name in the path
// ReplaceAttr is given. It reports whether it wrote the object.
func (h *slogHandler) appendGroup(e *zerolog.Event, key, name string, attrs []slog.Attr, gs *[]string) bool {
	if len(attrs) == 0 {
		return false
	}
	slogPush(gs, name)
	sub := zerolog.Dict()
	wrote := false
	for _, a := range attrs {
		if h.appendAttr(sub, a, gs) {
			wrote = true
		}
	}
	slogPop(gs)
	if !wrote {
		slogDiscard(sub)
		return false
	}
	e.Dict(key, sub)
	return true
}

// slogAppendAny writes x with zerolog's encoder for it: an error by
// zerolog.ErrorMarshalFunc (unless it marshals itself to JSON, which slog's
// JSON handler prefers too), a *slog.Source as slog's JSON handler writes
// it, anything else by Interface; with apart, in a record of its own
// (slogAppendApart).
func slogAppendAny(e *zerolog.Event, key string, x any, apart bool) {
	switch x := x.(type) {
	case *slog.Source:
		if x != nil {
			slogAppendSource(e, key, x)
			return
		}
	case json.Marshaler:
	case error:
		if apart {
			slogAppendApart(e, key, x, true)
		} else {
			e.AnErr(key, x)
		}
		return
	}
	if apart {
		slogAppendApart(e, key, x, false)
	} else {
		e.Interface(key, x)
	}
}

// slogAppendSource writes src as slog's JSON handler does: an object of its
// non-empty function, file and line.
func slogAppendSource(e *zerolog.Event, key string, src *slog.Source) {
	d := zerolog.Dict()
	if src.Function != "" {
		d.Str("function", src.Function)
	}
	if src.File != "" {
		d.Str("file", src.File)
	}
	if src.Line != 0 {
		d.Int("line", src.Line)
	}
	e.Dict(key, d)
}

// slogResolve returns v.Resolve(), without the cost of Resolve's deferred
// recover when v is not a LogValuer.
func slogResolve(v slog.Value) slog.Value {
	if v.Kind() != slog.KindLogValuer {
		return v
	}
	return v.Resolve()
}

// slogEmptyAttr reports whether a is the zero Attr (or Any("", nil)), which
// handlers leave out.
func slogEmptyAttr(a slog.Attr) bool {
	return a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil
}

// slogDiscard gives an unused zerolog.Dict event back to zerolog's pool:
// Event.Dict on a nil event writes nothing and puts the dict back.
func slogDiscard(d *zerolog.Event) {
	var none *zerolog.Event
	none.Dict("", d)
}

func slogPush(gs *[]string, name string) {
	if gs != nil {
		*gs = append(*gs, name)
	}
}

func slogPop(gs *[]string) {
	if gs != nil {
		*gs = (*gs)[:len(*gs)-1]
	}
}

// append writes the field into e and reports whether it wrote anything.
func (f *slogField) append(h *slogHandler, e *zerolog.Event, gs *[]string) bool {
	if f.raw != nil {
		e.RawJSON(f.key, f.raw)
		return true
	}
	return h.appendValue(e, f.key, f.value, gs)
}

// WithAttrs returns a handler whose records carry attrs, in the groups
// open now. The attributes are resolved, given to ReplaceAttr and encoded
// here, once.
func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	fields := h.bind(nil, attrs, append([]string(nil), h.groups...))
	if len(fields) == 0 {
		return h
	}
	h2 := *h
	d := len(h.groups)
	h2.bound = make([][]slogField, d+1)
	copy(h2.bound, h.bound)
	if d < len(h.bound) {
		fields = append(append([]slogField(nil), h.bound[d]...), fields...)
	}
	h2.bound[d] = fields
	return &h2
}

// bind appends to fields the attributes of attrs, in the group path gs,
// made ready for records: resolved, replaced, empty ones left out, groups
// with an empty key inlined, each value encoded as JSON.
func (h *slogHandler) bind(fields []slogField, attrs []slog.Attr, gs []string) []slogField {
	for _, a := range attrs {
		a.Value = slogResolve(a.Value)
		if h.replace != nil && a.Value.Kind() != slog.KindGroup {
			a = h.replace(gs, a)
			a.Value = slogResolve(a.Value)
		}
		if slogEmptyAttr(a) {
			continue
		}
		if a.Key == "" && a.Value.Kind() == slog.KindGroup {
			fields = h.bind(fields, a.Value.Group(), gs)
			continue
		}
		f, ok := h.encode(a.Key, a.Value, gs)
		if ok {
			fields = append(fields, f)
		}
	}
	return fields
}

// slogRawPrefix and slogRawSuffix surround the value of a record of one
// field with an empty key, as zerolog writes it with no level.
var slogRawPrefix, slogRawSuffix = []byte(`{"":`), []byte("}\n")

// encode returns the field key: v, with v encoded once by zerolog as JSON,
// or false when nothing is to be written (a group with nothing in it). It
// has zerolog write a record of the one field under an empty key, and cuts
// the value's JSON out of it.
func (h *slogHandler) encode(key string, v slog.Value, gs []string) (slogField, bool) {
	ha := *h
	ha.apart = true
	h = &ha
	var buf bytes.Buffer
	l := zerolog.New(&buf)
	e := l.Log()
	if e == nil {
		// zerolog.SetGlobalLevel(zerolog.Disabled): encode at each
		// record instead.
		if v.Kind() == slog.KindGroup && len(v.Group()) == 0 {
			return slogField{}, false
		}
		return slogField{key: key, value: v}, true
	}
	wrote := true
	if v.Kind() == slog.KindGroup {
		wrote = h.appendGroup(e, "", key, v.Group(), &gs)
	} else {
		h.appendValue(e, "", v, &gs)
	}
	e.Send()
	if !wrote {
		return slogField{}, false
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, slogRawPrefix) || !bytes.HasSuffix(raw, slogRawSuffix) {
		return slogField{key: key, value: v}, true // not expected: encode at each record
	}
	return slogField{key: key, raw: bytes.Clone(raw[len(slogRawPrefix) : len(raw)-len(slogRawSuffix)])}, true
}

// WithGroup returns a handler whose records' attributes, and those later
// given to WithAttrs, go in the group name; "" returns h.
func (h *slogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = append(append(make([]string, 0, len(h.groups)+1), h.groups...), name)
	return &h2
}
