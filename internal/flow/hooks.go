package flow

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/logcrest/logcrest/internal/core"
)

// The pipeline's hooks (core.TraceSource, core.EndHook) as steps and flows
// use them: a span with no LogCrest parent adopts the trace of the external
// span its context carries, and every span, once ended, is described to the
// EndHook. Both cost one atomic load while the pipeline has no hook.

// adopt gives s, which has no LogCrest parent, the trace of the external
// span ctx carries, as its pipeline's TraceSource finds it, and that span's
// ID as its parent, and reports whether it did. s.pipe must be set.
func (s *Span) adopt(ctx context.Context) bool {
	src := s.pipe.TraceSource()
	if src == nil {
		return false
	}
	ext, ok := src(ctx)
	if !ok || !ext.Valid() {
		return false
	}
	s.trace = traceIDOf(ext.TraceID)
	s.parent = spanIDOf(ext.SpanID)
	s.parentKind = core.ParentExternal
	if ext.Remote {
		s.parentKind = core.ParentRemote
	}
	s.unsampled = ext.Flags&1 == 0
	return true
}

// traceIDOf returns the binary trace ID b as a traceID.
func traceIDOf(b [16]byte) traceID {
	var t traceID
	t[0], t[33] = '"', '"'
	putHex64(t[1:17], binary.BigEndian.Uint64(b[:8]))
	putHex64(t[17:33], binary.BigEndian.Uint64(b[8:]))
	return t
}

// spanIDOf returns the binary span ID b as a spanID.
func spanIDOf(b [8]byte) spanID {
	var s spanID
	s[0], s[17] = '"', '"'
	putHex64(s[1:17], binary.BigEndian.Uint64(b[:]))
	return s
}

// bytes returns t in binary.
func (t *traceID) bytes() (b [16]byte) {
	_, _ = hex.Decode(b[:], t.hex())
	return b
}

// bytes returns s in binary, all zero when s stands for no span.
func (s *spanID) bytes() (b [8]byte) {
	if s.valid() {
		_, _ = hex.Decode(b[:], s.hex())
	}
	return b
}

// reportEnd describes s, which has just ended with o at end, to the
// pipeline's EndHook h. For a flow it runs after flow_end, so the flow's
// state no longer changes and is read without its lock.
func (s *Span) reportEnd(h core.EndHook, o *Outcome, failed bool, end time.Time) {
	e := core.EndedSpan{
		Name:         s.name,
		TraceID:      s.trace.bytes(),
		SpanID:       s.id.bytes(),
		ParentSpanID: s.parent.bytes(),
		ParentKind:   int(s.parentKind),
		Sampled:      !s.unsampled,
		Start:        s.start,
		End:          end,
		Flow:         s.isFlow,
		FlowID:       s.FlowID(),
		Failed:       failed,
		Panic:        o.Panic != nil,
		Stack:        o.Stack,
	}
	err, p := o.Err, o.Panic
	// A pooled record's FieldWriter, typed: the fields go to its attrs
	// slice, reused from one span to the next.
	r := records.Get().(*record)
	r.w.typed, r.w.attrs = true, r.w.attrs[:0]
	if s.isFlow {
		f := s.flow
		e.Steps = f.steps
		if failed && err == nil && p == nil && f.fail.idx >= 0 {
			// As flow_error: the first failed step's failure.
			err, p = f.fail.err, f.fail.panic
			e.Panic, e.Stack = p != nil, nil
		}
		r.w.attrs = f.appendAttrs(r.w.attrs)
	}
	switch {
	case p != nil:
		e.Error, e.ErrorType = panicText(p), typeName(p)
	case err != nil:
		e.Error, e.ErrorType = errorText(err), typeName(err)
	}
	if !e.Panic {
		e.Stack = nil
	}
	if o.EndFields != nil {
		o.EndFields.AddFields(&r.w)
	}
	e.Attrs = r.w.attrs
	s.pipe.RedactSpan(&e)
	h(&e)
	// The hook keeps nothing: drop the strings the attrs point to.
	clear(r.w.attrs)
	r.w.typed, r.w.attrs = false, r.w.attrs[:0]
	release(r)
}
