package core

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/schema"
)

// A flow's detail (see package flow's detail.go) is held in the flow's own
// memory; what the pipeline keeps is the policy each flow reads when it
// starts, the bound on the bytes all its flows hold together, and the
// counters.

// DetailPolicy is what a flow needs of the settings to hold its detail,
// read once when it starts.
type DetailPolicy struct {
	Buffered    bool           // hold the detail (DetailBuffered)
	BufferLevel zerolog.Level  // user records from debug up to this level are held
	Slow        time.Duration  // a flow that runs this long keeps its detail; 0: never
	FlowBytes   int            // bytes one flow holds
	FlowRecords int            // records one flow holds
	Sample      int            // 1 in Sample routine flows is written
	Routes      map[string]int // per route, the rate in place of Sample
}

// SampleRate returns the rate a routine flow of route is sampled at.
func (d *DetailPolicy) SampleRate(route string) int {
	if route != "" && d.Routes != nil {
		if n, ok := d.Routes[route]; ok {
			return n
		}
	}
	return d.Sample
}

// policyOf derives the DetailPolicy of settings s.
func policyOf(s *Settings) DetailPolicy {
	fb := min(s.FlowBuffer, maxFlowBuffer) // checked at Resolve; held record offsets are int32
	return DetailPolicy{
		Buffered:    s.Detail == DetailBuffered,
		BufferLevel: s.BufferLevel,
		Slow:        s.SlowFlow,
		FlowBytes:   int(fb),
		FlowRecords: s.FlowBufferRec,
		Sample:      max(s.SampleRoutine, 1),
		Routes:      routeRates(s.SampleRoutes),
	}
}

// DetailPolicy returns the detail policy of the live generation.
func (p *Pipeline) DetailPolicy() DetailPolicy { return p.current().policy }

// DetailCounters count what became of the records flows held.
type DetailCounters struct {
	Held       uint64 // records held in a flow's memory
	Written    uint64 // held records written: their flow failed, was slow, cancelled or kept
	Dropped    uint64 // held records dropped at the end of their routine flow
	Evicted    uint64 // held records evicted by their flow's bounds (not in Dropped)
	Overflow   uint64 // records not held: the pipeline held MaxHeld bytes already, or the record was larger than a flow's bound
	SampledOut uint64 // routine flows whose flow_end sampling left out
	HeldBytes  int64  // bytes held right now
}

// detailStats are a Pipeline's DetailCounters, live.
type detailStats struct {
	held, written, dropped, evicted, overflow, sampledOut atomic.Uint64
	bytes                                                 atomic.Int64
}

func (d *detailStats) snapshot() DetailCounters {
	return DetailCounters{
		Held: d.held.Load(), Written: d.written.Load(), Dropped: d.dropped.Load(),
		Evicted: d.evicted.Load(), Overflow: d.overflow.Load(),
		SampledOut: d.sampledOut.Load(), HeldBytes: d.bytes.Load(),
	}
}

// Hold reserves n bytes of the pipeline's held memory for one record and
// counts it held, or reports false, counting an overflow, when that would
// pass MaxHeld.
func (p *Pipeline) Hold(n int) bool {
	limit := p.current().settings.MaxHeld
	for {
		cur := p.detail.bytes.Load()
		if cur+int64(n) > limit {
			p.detail.overflow.Add(1)
			return false
		}
		if p.detail.bytes.CompareAndSwap(cur, cur+int64(n)) {
			p.detail.held.Add(1)
			return true
		}
	}
}

// Let frees the bytes of records no longer held: written (kept true) or
// dropped, records of them; evicted says they were evicted by a flow's
// bounds rather than dropped with their routine flow.
func (p *Pipeline) Let(bytes int, records int, kept, evicted bool) {
	p.detail.bytes.Add(-int64(bytes))
	switch {
	case kept:
		p.detail.written.Add(uint64(records))
	case evicted:
		p.detail.evicted.Add(uint64(records))
	default:
		p.detail.dropped.Add(uint64(records))
	}
}

// HeldDropped counts one record held and dropped, of no bytes: a routine
// flow's flow_start, which a flow holds unencoded (see package flow) and
// drops without ever encoding it.
func (p *Pipeline) HeldDropped() {
	p.detail.held.Add(1)
	p.detail.dropped.Add(1)
}

// HoldRoom reports whether n more bytes would fit in the pipeline's held
// memory now.
func (p *Pipeline) HoldRoom(n int) bool {
	return p.detail.bytes.Load()+int64(n) <= p.current().settings.MaxHeld
}

// Unheld counts a record a flow could not hold, being larger than its
// bound, as an overflow.
func (p *Pipeline) Unheld() { p.detail.overflow.Add(1) }

// Holder is the detail of a flow that holds records, as the pipeline
// knows it: Close has every holder write what it holds (see Close).
type Holder interface{ WriteHeld() }

// heldSet are the holders of a Pipeline that hold records now.
type heldSet struct {
	mu  sync.Mutex
	set map[Holder]struct{}
}

// Register notes that h holds records; Unregister that it holds none.
func (p *Pipeline) Register(h Holder) {
	p.holders.mu.Lock()
	if p.holders.set == nil {
		p.holders.set = make(map[Holder]struct{})
	}
	p.holders.set[h] = struct{}{}
	p.holders.mu.Unlock()
}

// Unregister notes that h holds no record any more.
func (p *Pipeline) Unregister(h Holder) {
	p.holders.mu.Lock()
	delete(p.holders.set, h)
	p.holders.mu.Unlock()
}

// writeHeld has every flow still running write what it holds, for Close:
// a record logged before Close returns is in its file, whether or not its
// flow has decided yet.
func (p *Pipeline) writeHeld() {
	p.holders.mu.Lock()
	hs := make([]Holder, 0, len(p.holders.set))
	for h := range p.holders.set {
		hs = append(hs, h)
	}
	p.holders.mu.Unlock()
	for _, h := range hs {
		h.WriteHeld()
	}
}

// SampledOut counts a routine flow whose flow_end sampling left out.
func (p *Pipeline) SampledOut() { p.detail.sampledOut.Add(1) }

// AppendHeldHead is AppendHead for a record a flow holds: it is begun
// whatever the pipeline's level (but not below zerolog's global level), as
// a held record is written only for a flow that keeps its detail, which is
// when the levels the flow holds are wanted.
func (p *Pipeline) AppendHeldHead(dst []byte, l zerolog.Level) ([]byte, bool) {
	if l < zerolog.TraceLevel || l > zerolog.PanicLevel || l < zerolog.GlobalLevel() {
		return dst, false
	}
	return append(dst, p.current().heads[l-zerolog.TraceLevel]...), true
}

// WriteAt writes rec, a record of a zerolog logger at level l that a flow
// held, as WriteWith does but stamped with t, the time it was logged, and
// whatever the pipeline's level.
func (p *Pipeline) WriteAt(l zerolog.Level, rec, fields []byte, t time.Time) {
	stream := successOf
	if l >= zerolog.ErrorLevel && l <= zerolog.PanicLevel {
		stream = errsOf
	}
	_, _ = p.dispatch(rec, l, fields, stream, t)
}

// BufferedField is the field that marks a record held by its flow and
// written at the flow's end, as a span's logger puts it in after its own
// fields (see WriteWith).
const BufferedField = `,"` + schema.KeyBuffered + `":true`
