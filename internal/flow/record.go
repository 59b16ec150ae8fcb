package flow

import (
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/jsonenc"
)

// Fields adds fields of its own to a flow's records: FlowSpec.StartFields
// to flow_start, Outcome.EndFields to flow_end (or to a step's entry and
// exit records, for a flow degraded to a step, and for a step ended with
// Finish). The HTTP adapters add method, path, http_status and the like
// this way. A pointer to an object already on the heap makes a Fields that
// costs no allocation.
type Fields interface {
	AddFields(w *FieldWriter)
}

// FieldWriter appends fields to the record a Fields adds to. Keys are
// written as given (escaped): use constant keys that the record does not
// already have and that no flow field can take (see SetField's reserved
// keys). A key repeated anyway is made unique as the sinks write the
// record, as in any record of the user's: the first value keeps the key
// for the fields LogCrest writes first (trace_id, flow_id, seq, fn...), the
// last for any other. A FieldWriter is only valid during the AddFields call
// it is passed to.
type FieldWriter struct {
	buf  []byte // the record being encoded
	used bool   // a Fields wrote into buf: its keys are checked by the sinks
	// typed: the fields go to attrs, typed, for an EndHook, not to buf.
	typed bool
	attrs []core.Attr
}

// Str adds a string field.
func (w *FieldWriter) Str(key, val string) *FieldWriter {
	if w.typed {
		w.attrs = append(w.attrs, core.StringAttr(key, val))
		return w
	}
	w.buf = jsonenc.String(jsonenc.Key(w.buf, key), val)
	w.used = true
	return w
}

// Int adds an integer field.
func (w *FieldWriter) Int(key string, val int64) *FieldWriter {
	if w.typed {
		w.attrs = append(w.attrs, core.IntAttr(key, val))
		return w
	}
	w.buf = strconv.AppendInt(jsonenc.Key(w.buf, key), val, 10)
	w.used = true
	return w
}

// Bool adds a boolean field.
func (w *FieldWriter) Bool(key string, val bool) *FieldWriter {
	if w.typed {
		w.attrs = append(w.attrs, core.BoolAttr(key, val))
		return w
	}
	w.buf = strconv.AppendBool(jsonenc.Key(w.buf, key), val)
	w.used = true
	return w
}

// record is a pooled buffer for one step or flow record.
type record struct {
	w     FieldWriter
	level zerolog.Level
	pipe  *core.Pipeline
	// hold, when set, is the detail of the flow that holds the record
	// rather than writing it; mark is where in it the "buffered" field goes.
	hold *detail
	mark int
}

// maxPooled is the largest buffer put back in the pool: a flow with a huge
// timeline should not pin its buffer for ever.
const maxPooled = 64 << 10

var records = sync.Pool{New: func() any { return &record{w: FieldWriter{buf: make([]byte, 0, 1024)}} }}

// newRecord begins a record of pipeline p at level l, or returns nil when p
// writes none at l.
func newRecord(p *core.Pipeline, l zerolog.Level) *record {
	r := records.Get().(*record)
	var ok bool
	r.w.buf, ok = p.AppendHead(r.w.buf[:0], l)
	if !ok {
		records.Put(r)
		return nil
	}
	r.level, r.pipe, r.w.used, r.hold = l, p, false, nil
	return r
}

// newHeldRecord begins a record of pipeline p at level l that d holds,
// whatever p's level (see core.Pipeline.AppendHeldHead).
func newHeldRecord(p *core.Pipeline, l zerolog.Level, d *detail) *record {
	r := records.Get().(*record)
	var ok bool
	r.w.buf, ok = p.AppendHeldHead(r.w.buf[:0], l)
	if !ok {
		records.Put(r)
		return nil
	}
	r.level, r.pipe, r.w.used, r.hold = l, p, false, d
	return r
}

// newFlowRecord begins flow_start (end false) or flow_end of pipeline p at
// level l, or returns nil when p's flow record policy writes none.
func newFlowRecord(p *core.Pipeline, l zerolog.Level, end, failed bool) *record {
	r := records.Get().(*record)
	var ok bool
	r.w.buf, ok = p.AppendFlowHead(r.w.buf[:0], l, end, failed)
	if !ok {
		records.Put(r)
		return nil
	}
	r.level, r.pipe, r.w.used, r.hold = l, p, false, nil
	return r
}

// end appends the message and closes the record.
func (r *record) end(msg string) []byte {
	r.w.buf = jsonenc.String(jsonenc.Key(r.w.buf, zerolog.MessageFieldName), msg)
	r.w.buf = append(r.w.buf, '}', '\n')
	return r.w.buf
}

// write ends a step record with its message, writes it to the success or
// error stream stamped t (or gives it to the flow detail that holds it),
// and puts r back in the pool.
//
// The keys of a record LogCrest encodes are unique (its own, flow fields,
// which may not take one of them, and Args and results, made unique as
// they are encoded): the sinks write it unchecked, unless a Fields added
// to it.
func (r *record) write(msg string, t time.Time) {
	rec := r.end(msg)
	switch {
	case r.held(heldStep, rec, t):
	case r.hold != nil && r.level < r.pipe.Level():
		// Begun to be held but not held (the flow's bound or the
		// pipeline's): written as if it never was, which at this level
		// is not at all.
	case r.w.used:
		r.pipe.WriteRecord(rec, r.level, t)
	default:
		r.pipe.WriteUniqueRecord(rec, r.level, t)
	}
	release(r)
}

// writeFlow ends a flow record with its message, writes it to the flows
// stream stamped t (or gives it to the flow detail that holds it), and puts
// r back in the pool.
func (r *record) writeFlow(msg string, t time.Time) {
	rec := r.end(msg)
	switch {
	case r.held(heldFlow, rec, t):
	case r.w.used:
		r.pipe.WriteFlow(rec, t)
	default:
		r.pipe.WriteUniqueFlow(rec, t)
	}
	release(r)
}

// held gives rec, r ended, to the flow detail that holds r, if any, marked
// "buffered" at r.mark, and reports whether the detail took it.
func (r *record) held(kind uint8, rec []byte, t time.Time) bool {
	if r.hold == nil {
		return false
	}
	if r.w.used {
		kind += heldChecked
	}
	return r.hold.hold(r.pipe, kind, r.level, t, rec, r.mark, core.BufferedField, nil)
}

func release(r *record) {
	r.pipe, r.hold = nil, nil
	if cap(r.w.buf) <= maxPooled {
		records.Put(r)
	}
}

// capture turns what a zerolog.Event writes into fields of a step or flow
// record, for the values only zerolog knows how to encode (Args and results
// of any type).
type capture struct {
	out    []byte
	log    zerolog.Logger
	unique *jsonenc.Uniquer
}

func (c *capture) Write(p []byte) (int, error) {
	c.out = append(c.out[:0], p...)
	return len(p), nil
}

var captures = sync.Pool{New: func() any {
	c := new(capture)
	c.log = zerolog.New(c)
	c.unique = jsonenc.NewUniquer()
	return c
}}

// appendZerolog appends to dst the fields add writes into an empty zerolog
// record, each as ,"key":value.
func appendZerolog(dst []byte, add func(*zerolog.Event)) []byte {
	c := captures.Get().(*capture)
	defer captures.Put(c)
	c.out = c.out[:0]
	if e := c.log.Log(); e != nil {
		add(e)
		e.Msg("")
	}
	// c.out is {<fields>}\n, or {}\n. The pipeline writes the records
	// of steps and flows unchecked, so a key the caller gave twice (Args
	// naming one twice, a result whose JSON repeats one) is made unique
	// here, as the pipeline does for any other record.
	if out := c.unique.Unique(c.out); len(out) > len("{}\n") {
		dst = append(dst, ',')
		start := len(dst)
		dst = append(dst, out[1:len(out)-2]...)
		// zerolog escapes CR and LF in strings, but a value's own JSON
		// (a json.Marshaler, Event.RawJSON) may hold them, where they are
		// whitespace: made spaces, they cannot end the record early. The
		// records LogCrest encodes itself hold no other raw bytes, so
		// core writes them unchecked.
		for i, b := range dst[start:] {
			if b == '\n' || b == '\r' {
				dst[start+i] = ' '
			}
		}
	}
	return dst
}
