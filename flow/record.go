package flow

import (
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/core"
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
// written as given (escaped, but not checked for duplicates): use constant
// keys that the record does not already have. A FieldWriter is only valid
// during the AddFields call it is passed to.
type FieldWriter struct {
	buf []byte         // a flow record being encoded, or
	ev  *zerolog.Event // a step record
}

// Str adds a string field.
func (w *FieldWriter) Str(key, val string) *FieldWriter {
	if w.ev != nil {
		w.ev.Str(key, val)
	} else {
		w.buf = jsonenc.String(jsonenc.Key(w.buf, key), val)
	}
	return w
}

// Int adds an integer field.
func (w *FieldWriter) Int(key string, val int64) *FieldWriter {
	if w.ev != nil {
		w.ev.Int64(key, val)
	} else {
		w.buf = strconv.AppendInt(jsonenc.Key(w.buf, key), val, 10)
	}
	return w
}

// Bool adds a boolean field.
func (w *FieldWriter) Bool(key string, val bool) *FieldWriter {
	if w.ev != nil {
		w.ev.Bool(key, val)
	} else {
		w.buf = strconv.AppendBool(jsonenc.Key(w.buf, key), val)
	}
	return w
}

// record is a pooled buffer for one flow record, or a FieldWriter lent to a
// step record.
type record struct{ w FieldWriter }

// maxPooled is the largest buffer put back in the pool: a flow with a huge
// timeline should not pin its buffer for ever.
const maxPooled = 64 << 10

var records = sync.Pool{New: func() any { return &record{w: FieldWriter{buf: make([]byte, 0, 1024)}} }}

// flowRecord begins a flow record at level l, or returns nil when the
// pipeline writes none at l.
func flowRecord(l zerolog.Level) *record {
	r := records.Get().(*record)
	var ok bool
	r.w.buf, ok = core.AppendFlowHead(r.w.buf[:0], l)
	if !ok {
		records.Put(r)
		return nil
	}
	return r
}

// write ends the record with its message, writes it stamped t, and puts r
// back in the pool.
func (r *record) write(msg string, t time.Time) {
	b := jsonenc.String(jsonenc.Key(r.w.buf, zerolog.MessageFieldName), msg)
	b = append(b, '}', '\n')
	core.WriteFlow(b, t)
	r.w.buf = b
	release(r)
}

func release(r *record) {
	if cap(r.w.buf) <= maxPooled {
		r.w.ev = nil
		records.Put(r)
	}
}

// addToEvent lets f add its fields to the zerolog record e.
func addToEvent(e *zerolog.Event, f Fields) {
	r := records.Get().(*record)
	r.w.ev = e
	f.AddFields(&r.w)
	release(r)
}

// capture turns what a zerolog.Event writes into fields of a flow record,
// for the fields only zerolog knows how to encode (Args of any type).
type capture struct {
	out []byte
	log zerolog.Logger
}

func (c *capture) Write(p []byte) (int, error) {
	c.out = append(c.out[:0], p...)
	return len(p), nil
}

var captures = sync.Pool{New: func() any {
	c := new(capture)
	c.log = zerolog.New(c)
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
	// c.out is {<fields>}\n, or {}\n.
	if len(c.out) > len("{}\n") {
		dst = append(dst, ',')
		dst = append(dst, c.out[1:len(c.out)-2]...)
	}
	return dst
}
