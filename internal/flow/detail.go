package flow

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/schema"
)

// A flow's detail is what it holds in its own memory instead of writing, in
// the buffered detail mode (core.DetailBuffered): its flow_start, the entry
// and exit records of its steps, and the records its loggers write at the
// buffer levels (debug by default). At the flow's end the detail is written,
// in the order it was logged and with the time and seq it was logged with,
// each record marked "buffered": true, before flow_end, when the flow
// failed, was cancelled, ran longer than the slow threshold or was kept
// (KeepDetail); a routine flow drops it, and its flow_end, which holds its
// timeline, is what remains. Every record held is counted, and so is every
// one dropped or evicted (core.DetailCounters). The flow_start is held
// unencoded until another record is held or the detail is written, so that
// a routine flow that holds nothing else never encodes it (deferStart).
//
// The memory is bounded per flow (bytes and records: past either the oldest
// record is evicted, and flow_end says how many were) and per pipeline
// (core.Pipeline.Hold: past it a record is not held but written or not by
// the level, as in full detail mode). A warning or an error is never held,
// nor a fatal or panic record, which first writes what its flow holds: the
// process may be about to end.

// Why a flow's detail is written, the values of flow_end's "detail".
const (
	keepNone = iota
	keepFailed
	keepCancelled
	keepSlow
	keepKept
)

var keepReasons = [...]string{"", schema.DetailFailed, schema.DetailCancelled, schema.DetailSlow, schema.DetailKept}

// Kinds of held records: how each is written when released.
const (
	heldZerolog = iota // a record of a zerolog logger, with its fields apart
	heldStep           // a step record LogCrest encoded
	heldFlow           // a flow_start

	// heldChecked, added to heldStep or heldFlow, says a Fields added to
	// the record, whose keys the sinks must check.
	heldChecked = 2
)

// heldRec is one held record: its bytes are buf[off:off+n], followed by
// its fields (for a zerolog record), buf[off+n:off+n+nf].
type heldRec struct {
	t     time.Time
	off   int32
	n     int32
	nf    int32
	level zerolog.Level
	kind  uint8
}

// inlineHeld is how many held records a flow keeps without allocating their
// index: a routine request's flow_start and the records of two steps.
const inlineHeld = 6

// detail is the held detail of one flow.
type detail struct {
	pol  core.DetailPolicy // read when the flow started
	on   bool              // the flow holds its detail
	open atomic.Bool       // records may still be held (on, and not yet released or dropped)
	kept atomic.Bool       // KeepDetail was called

	mu      sync.Mutex
	buf     []byte    // the held records' bytes, back to back, from dead on
	dead    int       // bytes at the start of buf of records evicted
	recs    []heldRec // in the order they were held, from first on
	first   int       // the oldest record still held
	live    int       // bytes of the records still held
	evicted int       // records evicted by the bounds
	pipe    *core.Pipeline
	listed  bool // registered with pipe as holding records (see core.Holder)
	inline  [inlineHeld]heldRec

	// start, when set, is the flow whose flow_start is held unencoded,
	// with its StartFields: it is the oldest record held, encoded when
	// anything else is held or the detail is written (see deferStart).
	start       *Span
	startFields Fields
}

// lazyDropMin is the smallest flow bound at which a routine flow drops its
// unencoded flow_start without encoding it, counted held and dropped: any
// flow_start LogCrest's adapters begin fits in it (a path of MaxPathLen
// bytes, every one escaped, and the request ID), so would have been held.
// Under a smaller bound, or with the pipeline's held memory nearly full,
// the flow_start is encoded to be counted as it would have been.
const lazyDropMin = 16 << 10

// bufPool holds the byte buffers of detail, which a routine flow drops at
// its end.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledDetail is the largest detail buffer put back in the pool: twice
// the default bound of a flow, which a flow at its bound grows its buffer
// to before it compacts, so that such flows reuse their buffers instead of
// growing a new one each (BenchmarkDetailLogCall/Held: 1.1 KB allocated
// per held record at 64 KiB).
const maxPooledDetail = 256 << 10

// init reads the policy of pipeline p.
func (d *detail) init(p *core.Pipeline) {
	d.pol, d.pipe = p.DetailPolicy(), p
	d.on = d.pol.Buffered
	d.open.Store(d.on)
}

// deferStart holds the flow_start of s, whose seq is 1, unencoded, with
// fields for its StartFields: most flows are routine and drop it, so it is
// encoded only when it may be written: when the flow holds another record
// (from which on it is held as any other, bounds included), or its detail
// is written (release); a routine flow that held nothing else drops it
// without encoding it (drop). Encoded, it is byte for byte what Begin
// would have held.
func (d *detail) deferStart(s *Span, fields Fields) {
	d.start, d.startFields = s, fields
	// A running flow holds a record: Close writes it.
	d.listed = true
	d.pipe.Register(d)
}

// encodeStart encodes the flow_start deferStart held and holds it, or
// writes it when it cannot be held, as Begin does. d.mu is held.
func (d *detail) encodeStart(p *core.Pipeline) {
	s, fields := d.start, d.startFields
	d.start, d.startFields = nil, nil
	r := newFlowRecord(p, s.level, false, false)
	if r == nil {
		return
	}
	r.w.buf = s.appendIdentitySeq(r.w.buf, flowStart, 1)
	at := len(r.w.buf)
	if fields != nil {
		fields.AddFields(&r.w)
	}
	rec := r.end(msgFlowStarted)
	kind := uint8(heldFlow)
	if r.w.used {
		kind += heldChecked
	}
	held := false
	if len(rec)+len(core.BufferedField) > d.pol.FlowBytes {
		p.Unheld()
	} else {
		held = d.holdLocked(p, kind, r.level, s.start, rec, at, core.BufferedField, nil)
	}
	switch {
	case held:
	case r.w.used:
		p.WriteFlow(rec, s.start)
	default:
		p.WriteUniqueFlow(rec, s.start)
	}
	release(r)
}

// holdsUser reports whether a record at level l of a logger of the flow is
// held: from debug up to the buffer level (trace too, when p writes trace).
func (d *detail) holdsUser(p *core.Pipeline, l zerolog.Level) bool {
	return d.open.Load() && l <= d.pol.BufferLevel && l < zerolog.WarnLevel &&
		(l >= zerolog.DebugLevel || l >= zerolog.TraceLevel && p.Enabled(l))
}

// holdsOwn reports whether a step record at level l is held: when p would
// write it, or when l is one of the levels held; a warning or an error never.
func (d *detail) holdsOwn(p *core.Pipeline, l zerolog.Level) bool {
	return d.open.Load() && l < zerolog.WarnLevel && l >= zerolog.TraceLevel &&
		(p.Enabled(l) || l >= zerolog.DebugLevel && l <= d.pol.BufferLevel)
}

// hold keeps a copy of rec (and fields, with mark inserted at index at of
// rec when mark is not empty), logged at t, and reports true, or reports
// false when the flow holds nothing more, the record is larger than the
// flow's bound, or the pipeline's held memory is full: the caller then
// writes it as if it were not held.
func (d *detail) hold(p *core.Pipeline, kind uint8, l zerolog.Level, t time.Time, rec []byte, at int, mark string, fields []byte) bool {
	size := len(rec) + len(mark) + len(fields)
	if !d.open.Load() {
		return false
	}
	if size > d.pol.FlowBytes {
		p.Unheld()
		return false
	}
	d.mu.Lock()
	// Whether the flow still holds is decided under the lock that take
	// holds, before the record is counted held: a record counted held is
	// always counted again written, dropped or evicted.
	if !d.open.Load() {
		d.mu.Unlock()
		return false
	}
	if d.start != nil {
		d.encodeStart(p)
	}
	ok := d.holdLocked(p, kind, l, t, rec, at, mark, fields)
	d.mu.Unlock()
	return ok
}

// holdLocked is hold once d.mu is held and the flow is known to hold.
func (d *detail) holdLocked(p *core.Pipeline, kind uint8, l zerolog.Level, t time.Time, rec []byte, at int, mark string, fields []byte) bool {
	size := len(rec) + len(mark) + len(fields)
	if !p.Hold(size) {
		return false
	}
	// Evict the oldest until this one fits.
	var evBytes, evRecs int
	for d.first < len(d.recs) && (d.live+size > d.pol.FlowBytes || len(d.recs)-d.first >= d.pol.FlowRecords) {
		r := &d.recs[d.first]
		n := int(r.n + r.nf)
		d.first++
		d.live -= n
		d.dead += n
		evBytes += n
		evRecs++
	}
	d.evicted += evRecs
	if d.buf == nil {
		d.buf = (*bufPool.Get().(*[]byte))[:0]
		d.recs = d.inline[:0]
		if !d.listed {
			d.listed = true
			p.Register(d)
		}
	}
	if len(d.buf)+size > cap(d.buf) && d.dead > 0 {
		d.compact()
	}
	off := len(d.buf)
	if mark == "" {
		d.buf = append(d.buf, rec...)
	} else {
		d.buf = append(append(append(d.buf, rec[:at]...), mark...), rec[at:]...)
	}
	d.buf = append(d.buf, fields...)
	d.recs = append(d.recs, heldRec{t: t, off: int32(off), n: int32(len(rec) + len(mark)), nf: int32(len(fields)), level: l, kind: kind})
	d.live += size
	if evRecs > 0 {
		p.Let(evBytes, evRecs, false, true)
	}
	return true
}

// compact moves the records still held to the start of buf.
func (d *detail) compact() {
	n := copy(d.buf, d.buf[d.dead:])
	d.buf = d.buf[:n]
	kept := copy(d.recs, d.recs[d.first:])
	d.recs = d.recs[:kept]
	for i := range d.recs {
		d.recs[i].off -= int32(d.dead)
	}
	d.dead, d.first = 0, 0
}

// take returns what the flow holds, and the count of records evicted so far,
// and empties it; with final, the flow holds nothing more. An unencoded
// flow_start is encoded first, unless drop says the records are to be
// dropped and it can be counted held and dropped as it is.
func (d *detail) take(p *core.Pipeline, final, drop bool) (buf []byte, recs []heldRec, live, evicted int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if final {
		d.open.Store(false)
	}
	if d.start != nil {
		if drop && d.pol.FlowBytes >= lazyDropMin && p.HoldRoom(d.pol.FlowBytes) {
			d.start, d.startFields = nil, nil
			p.HeldDropped()
		} else {
			d.encodeStart(p)
		}
	}
	if d.listed {
		d.listed = false
		d.pipe.Unregister(d)
	}
	if d.recs != nil {
		recs = d.recs[d.first:]
	}
	if !final {
		// Records may be held again before the caller is done with these.
		recs = slices.Clone(recs)
	}
	buf, live, evicted = d.buf, d.live, d.evicted
	// The caller has them now; a flow still open holds anew.
	d.buf, d.recs = nil, nil
	d.dead, d.first, d.live = 0, 0, 0
	return buf, recs, live, evicted
}

// release writes what the flow holds to p, in order, and returns how many
// records it wrote and how many its bounds evicted.
func (d *detail) release(p *core.Pipeline, final bool) (written, evicted int) {
	buf, recs, live, evicted := d.take(p, final, false)
	for i := range recs {
		r := &recs[i]
		rec := buf[r.off : r.off+r.n]
		switch r.kind {
		case heldZerolog:
			p.WriteAt(r.level, rec, buf[r.off+r.n:r.off+r.n+r.nf], r.t)
		case heldStep:
			p.WriteUniqueRecord(rec, r.level, r.t)
		case heldFlow:
			p.WriteUniqueFlow(rec, r.t)
		case heldStep + heldChecked:
			p.WriteRecord(rec, r.level, r.t)
		case heldFlow + heldChecked:
			p.WriteFlow(rec, r.t)
		}
	}
	if len(recs) > 0 {
		p.Let(live, len(recs), true, false)
	}
	putBuf(buf)
	return len(recs), evicted
}

// WriteHeld writes what the flow holds now, for the pipeline's Close; the
// flow goes on holding what it logs next, and its flow_end counts only
// that.
func (d *detail) WriteHeld() { d.release(d.pipe, false) }

// drop lets go of what the flow holds, for a routine flow, and returns how
// many records its bounds evicted before.
func (d *detail) drop(p *core.Pipeline) (evicted int) {
	buf, recs, live, evicted := d.take(p, true, true)
	if len(recs) > 0 {
		p.Let(live, len(recs), false, false)
	}
	putBuf(buf)
	return evicted
}

func putBuf(b []byte) {
	if b != nil && cap(b) <= maxPooledDetail {
		b = b[:0]
		bufPool.Put(&b)
	}
}

// keepReason returns why a flow that ended e after d keeps its detail, or
// keepNone.
func (d *detail) keepReason(e ending, took time.Duration) int {
	switch {
	case e == endFailed:
		return keepFailed
	case e == endCancelled:
		return keepCancelled
	case d.kept.Load():
		return keepKept
	case d.pol.Slow > 0 && took >= d.pol.Slow:
		return keepSlow
	}
	return keepNone
}

// sampledIn reports whether a routine flow of trace t is written when 1 in
// n are: by the trace ID's last 56 bits, the random part of a W3C trace ID,
// as OpenTelemetry's ratio sampler reads them, so that every service of a
// trace decides alike, and one sampling at a lower rate keeps a subset of
// what one at a higher rate keeps.
func sampledIn(t *traceID, n int) bool {
	if n <= 1 {
		return true
	}
	var raw [8]byte
	if _, err := hex.Decode(raw[:], t.hex()[16:]); err != nil {
		return true
	}
	r := binary.BigEndian.Uint64(raw[:]) & (1<<56 - 1)
	return r < (1<<56)/uint64(n)
}

// KeepDetail marks the flow ctx is in as kept: at its end its held detail
// is written, as for a failed flow, and sampling does not leave it out. It
// is for a flow the service wants in full (one tenant, a debug header it
// chooses to honour). It returns ErrNoFlow outside a flow and ErrFlowEnded
// once the flow has ended.
func KeepDetail(ctx context.Context) error {
	s := FromContext(ctx)
	if s == nil || s.flow == nil {
		return ErrNoFlow
	}
	if s.flow.isEnded() {
		return ErrFlowEnded
	}
	s.flow.detail.kept.Store(true)
	return nil
}
