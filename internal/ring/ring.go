// Package ring is the non-blocking record queue of LogCrest: one Ring in
// front of each sink (a rotating file, the console) decouples a logging
// call from I/O. Package core builds and closes the rings; nothing outside
// LogCrest uses this package (it is internal), and the writers a ring
// drains into are in package writers.
package ring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// chunkSize is the capacity of one reusable buffer segment of a Ring. A
// segment holds many records; the background goroutine hands a whole segment
// to the sink in one Write, so batches grow by themselves under load.
const chunkSize = 64 << 10

// linger is how long the background goroutine lets records gather after the
// ring turns non-empty before it takes them. Waking it for every record would
// cost each caller a goroutine hand-off and each record a write call; a
// linger makes both once per batch. Its length sets the batch size under
// load: a server answering 18k requests/s on 2 cores (BenchmarkServer) made
// ~2,400 batches a second per file at 200 µs, each batch a timer wake-up and
// five system calls (lock, two identity checks, write, unlock), and those
// cost it about 10 µs of CPU per request; at 2 ms the same records go in a
// tenth of the batches, for about 3 µs. A record still reaches the operating
// system within a few milliseconds; Flush, Close and a bounded ring filling
// up cut the linger short, and a fatal record is synced before the process
// exits.
const linger = 2 * time.Millisecond

// idlePolls is how many lingers in a row the background goroutine polls an
// empty ring before it parks. While it polls, callers never have to wake it
// (waking a parked goroutine is the costliest thing a log call could do), so
// a steady stream of records, even a slow one, costs callers no wake-ups;
// after idlePolls*linger of silence it parks and costs nothing when idle.
const idlePolls = 3

// keepFree is how many drained segments a Ring keeps for reuse. Beyond that,
// segments allocated to absorb a burst are returned to the garbage collector,
// so memory falls back once the burst is written.
const keepFree = 16

// Options configures New.
type Options struct {
	// Name identifies the sink in Stats and warnings ("success", "console"...).
	Name string
	// QueueSize bounds the records the ring holds (queued, or taken by the
	// background goroutine and not yet written). Zero or less means
	// unbounded: nothing is ever dropped, a full segment spills into a fresh
	// one (the only time the ring allocates). A positive N holds at most N
	// records; the excess is dropped and counted exactly.
	QueueSize int
	// Format, when set, turns each record into the bytes the sink receives
	// (for example JSON into a text line). It runs on the background
	// goroutine and must append to dst and return it. It should make one
	// line of each record: when a sink fails partway through a batch, the
	// whole lines it took are what is counted written.
	Format func(dst, rec []byte) []byte
	// Keep, when set with Format, reports that rec (one line, its '\n'
	// included) goes to the sink exactly as it is, so Format need not
	// copy it: a segment whose records are all kept is written straight
	// from where the callers put them. Keep(rec) true must mean
	// Format(dst, rec) would append rec unchanged.
	Keep func(rec []byte) bool
	// MaxBytes caps the memory the ring's queued records may take, in
	// bytes, whatever QueueSize says: a record that would pass it is dropped
	// and counted exactly as a bounded ring drops, so a sink that never
	// drains (a console nobody reads) costs a bounded amount of memory, not
	// the process. Zero or less means no cap.
	MaxBytes int64
	// OnDrop is called on the background goroutine, once pressure has ended
	// (the ring has caught up), with the number of records dropped since the
	// previous call. It may write to any Ring, this one included (see Notice).
	OnDrop func(sink string, n uint64)
	// OnError is called on the background goroutine when the sink returns an
	// error, with the number of records that write carried. Rate limiting
	// warnings is the caller's concern.
	OnError func(sink string, err error, records int)
}

// Stats is a snapshot of one ring's counters. Every record offered to the
// ring is in exactly one of Written, Dropped, Failed or Buffered:
// Produced = Written + Dropped + Failed + Buffered.
type Stats struct {
	Name        string
	Produced    uint64 // records offered to Write or Notice
	Written     uint64 // records the sink accepted
	Dropped     uint64 // records refused because a bounded ring was full
	Failed      uint64 // records lost because the sink returned an error
	WriteErrors uint64 // sink writes that returned an error
	Buffered    uint64 // records accepted but not yet handed to the sink
}

// ErrSinkPanicked wraps the value of a panic raised by a sink's Write or
// Close; the ring recovers it and counts the records as failed.
var ErrSinkPanicked = errors.New("logcrest: sink panicked")

// ErrClosed is returned by a Ring once it has been closed: Write and
// WriteWithPrefix refuse a record after Stop or Close (Notice only once the
// background goroutine has finished), and Flush returns it when the ring
// finished before every record it waited for was written. The bytes are
// refused rather than silently lost, so the caller can count them or send
// them elsewhere.
var ErrClosed = errors.New("logcrest: writer closed")

// ErrTimeout is returned by Flush and Close when the sink did not take the
// buffered records in time.
var ErrTimeout = errors.New("logcrest: timed out waiting for the sink")

// A segment is one reusable buffer of a Ring. Producers fill it without a
// lock: one atomic add on state both reserves their bytes (the low 40 bits
// are the tail, the next free offset) and counts them in flight (the high
// 24 bits), and a second one, once the bytes are copied, counts them out.
// A reservation succeeds when it ends within buf. The first that does not
// (it straddles the end) stores where the valid bytes end, and so does
// whoever seals the segment (adding len(buf)+1 to the tail, so that every
// later reservation fails) if the tail was still within buf: exactly one of
// them does. Once a sealed segment has nothing in flight, buf[:end] holds
// whole records, each in the order its producer wrote it.
//
// A segment waiting for reuse stays sealed, so a producer holding a stale
// pointer to it fails its reservation and takes the slow path; reinstalled,
// it takes records again as the current segment, which is then correct.
type segment struct {
	state atomic.Uint64 // inflight<<40 | tail
	recs  atomic.Int64  // records committed
	end   atomic.Int64  // valid end, once sealed (see above)
	buf   []byte        // len(buf) is the capacity; nil for a placeholder
	seq   uint64        // order of installation (under Ring.mu)
}

const (
	inflightUnit = 1 << 40
	tailMask     = inflightUnit - 1
	inflightDone = ^uint64(inflightUnit - 1) // adding it subtracts inflightUnit
)

// quiet reports whether no producer is copying into s.
func (s *segment) quiet() bool { return s.state.Load()>>40 == 0 }

// used reports whether s has had a reservation since it was installed.
func (s *segment) used() bool { return s.buf != nil && s.state.Load()&tailMask > 0 }

// seal makes every later reservation in s fail and, when no reservation
// straddled the end, records where the valid bytes end.
func (s *segment) seal() {
	inc := uint64(len(s.buf) + 1)
	old := (s.state.Add(inc) - inc) & tailMask
	if old <= uint64(len(s.buf)) {
		s.end.Store(int64(old))
	}
}

// settle waits until no producer is copying into the sealed segment s. A
// producer is in flight for the time of a memory copy, but it may be
// preempted there: spin briefly, then yield, then sleep, never give up.
func (s *segment) settle() {
	for i := 0; !s.quiet(); i++ {
		switch {
		case i < 64:
		case i < 256:
			runtime.Gosched()
		default:
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// reset makes a sealed, read segment ready to take records again. Producers
// holding a stale pointer may be counted in flight: their count is kept.
func (s *segment) reset() {
	s.end.Store(-1)
	s.recs.Store(0)
	for {
		old := s.state.Load()
		if s.state.CompareAndSwap(old, old&^tailMask) {
			return
		}
	}
}

func newSegment(size int) *segment {
	s := &segment{buf: make([]byte, size)}
	s.end.Store(-1)
	return s
}

// Ring is a multi-producer, single-consumer record queue in front of one
// sink. Write reserves room for the record in the current segment with one
// atomic add, copies it there and returns; one background goroutine takes
// whole segments and writes each with a single call. Producers and the
// consumer share no lock: a mutex is taken only to swap the current segment
// (by a producer that filled it, once per 64 KiB, or by the consumer when it
// takes a batch, once per linger). Under the former design (one mutex taken
// by every Write and by the consumer) the mutex's Unlock alone, contended by
// the draining goroutine, took 9 % of all CPU in BenchmarkLogCallLogCrest;
// bench/RESULTS.md ("Issue 24") has the figures before and after.
//
// Unlike zerolog's diode, a Ring never drops in its default mode, keeps the
// order of records from one goroutine, does not allocate per record, never
// leaves a record unwritten while idle, and rejects a write that races Close
// with ErrClosed rather than losing it silently, so the caller can send it
// elsewhere.
type Ring struct {
	// Read by every producer, written rarely.
	cur      atomic.Pointer[segment]
	closed   atomic.Bool // Stop or Close was called
	sleeping atomic.Bool // the consumer is parked until a write wakes it
	atCap    atomic.Bool // the byte cap refuses a new segment (set under mu)
	held     atomic.Int64
	sink     io.Writer
	opt      Options
	segSize  int
	_        [64]byte

	mu        sync.Mutex
	full      []*segment // sealed segments waiting, oldest first
	free      []*segment // sealed, read segments kept for reuse
	batch     []*segment // taken by the consumer, not yet finished
	batched   int        // batch[:batched] are finished
	live      int64      // capacity of every segment not yet finished
	retired   uint64     // records of the segments finished or given up
	seq       uint64     // seq of the last segment installed or queued
	queuedSeq uint64     // seq of the last segment queued with records
	stopped   bool       // the consumer has taken its last batch
	progress  chan struct{}
	blocked   *segment // placeholder current segment: no room at all

	wake   chan struct{} // the ring turned non-empty
	urgent chan struct{} // stop lingering: a flush, a close, or a bound near full
	exited chan struct{}

	written     atomic.Uint64
	failed      atomic.Uint64
	writeErrors atomic.Uint64
	dropped     atomic.Uint64
	pending     atomic.Uint64 // drops not yet reported through OnDrop
	uncopied    atomic.Uint64 // segments written as they were (see Uncopied)

	// lastProgress is when a write to the sink last returned, as a time
	// since epoch: the clock by which Flush and Close tell a slow sink
	// (still writing) from a stuck one.
	lastProgress atomic.Int64
}

// epoch is the origin of the monotonic times a Ring keeps as numbers.
var epoch = time.Now()

// New starts a ring draining into sink. The ring owns sink: Close closes
// it if it implements io.Closer.
func New(sink io.Writer, opt Options) *Ring {
	r := &Ring{
		sink:    sink,
		opt:     opt,
		segSize: chunkSize,
		wake:    make(chan struct{}, 1),
		urgent:  make(chan struct{}, 1),
		exited:  make(chan struct{}),
		blocked: &segment{},
	}
	if opt.MaxBytes > 0 && opt.MaxBytes/2 < chunkSize {
		// A small cap: segments of half of it (never tiny), so that it
		// holds one being written and one being filled.
		r.segSize = int(max(opt.MaxBytes/2, 1024))
	}
	r.blocked.state.Store(1) // sealed, empty
	r.blocked.end.Store(0)
	r.mu.Lock()
	r.install(false)
	r.mu.Unlock()
	go r.drain()
	return r
}

// Name returns the sink name given in Options.
func (r *Ring) Name() string { return r.opt.Name }

// Write queues one record (p, which should end in '\n'; one is added if it
// does not). It never blocks on I/O and never allocates in steady state. In
// bounded mode a record that does not fit is counted as dropped and Write
// still reports success, as the caller has nothing better to do with it.
// After Close, Write returns ErrClosed and keeps nothing.
func (r *Ring) Write(p []byte) (int, error) {
	return r.write(nil, p, true)
}

// WriteWithPrefix queues one record made of prefix followed by p, as one
// record, so a caller can add a field without building a new slice.
func (r *Ring) WriteWithPrefix(prefix, p []byte) (int, error) {
	return r.write(prefix, p, true)
}

// Notice queues a record that bypasses the QueueSize bound: the ring's own
// reports (a drop count) must not be dropped by the pressure they describe.
// It is refused only once the background goroutine has finished.
func (r *Ring) Notice(p []byte) error {
	_, err := r.write(nil, p, false)
	return err
}

func (r *Ring) drop(p []byte) (int, error) {
	r.dropped.Add(1)
	r.pending.Add(1)
	return len(p), nil
}

func (r *Ring) write(prefix, p []byte, bounded bool) (int, error) {
	n := len(prefix) + len(p)
	last := p
	if len(p) == 0 {
		last = prefix // the record is all prefix (or empty)
	}
	nl := len(last) == 0 || last[len(last)-1] != '\n'
	if nl {
		n++
	}
	counted := false // the record is in held (QueueSize)
	if q := int64(r.opt.QueueSize); q > 0 {
		if bounded {
			if r.closed.Load() {
				return 0, ErrClosed
			}
			if r.held.Load() >= q {
				return r.drop(p)
			}
			h := r.held.Add(1)
			if h > q {
				r.held.Add(-1)
				return r.drop(p)
			}
			if h == (q+1)/2 {
				signal(r.urgent)
			}
		} else {
			r.held.Add(1) // a notice counts, but is never refused for it
		}
		counted = true
	}
	for {
		if bounded && (r.closed.Load() || r.atCap.Load()) {
			if r.closed.Load() {
				if counted {
					r.held.Add(-1)
				}
				return 0, ErrClosed
			}
			if counted {
				r.held.Add(-1)
			}
			return r.drop(p)
		}
		s := r.cur.Load()
		if n <= len(s.buf) { // a placeholder, or a record too big for a segment, never reserves
			old := s.state.Add(inflightUnit + uint64(n))
			end := int(old & tailMask)
			if off := end - n; end <= len(s.buf) {
				copy(s.buf[off+copy(s.buf[off:end], prefix):end], p)
				if nl {
					s.buf[end-1] = '\n'
				}
				s.recs.Add(1)
				s.state.Add(inflightDone)
				if r.sleeping.Load() && r.sleeping.CompareAndSwap(true, false) {
					signal(r.wake) // the first record after a quiet spell
				}
				return len(p), nil
			} else if off <= len(s.buf) {
				s.end.Store(int64(off)) // this reservation straddles the end
			}
			s.state.Add(inflightDone)
		}
		switch r.advance(s, prefix, p, nl, bounded) {
		case errClosed:
			if counted {
				r.held.Add(-1)
			}
			return 0, ErrClosed
		case dropIt:
			if counted {
				r.held.Add(-1)
			}
			return r.drop(p)
		case wrote:
			return len(p), nil
		}
	}
}

type outcome int

const (
	retry outcome = iota
	wrote
	dropIt
	errClosed
)

// advance is a producer's slow path, when the current segment s had no room
// for its record: seal s and install a fresh one (or, for a record bigger
// than a segment, queue it in a segment of its own). It takes mu, once per
// segment filled.
func (r *Ring) advance(s *segment, prefix, p []byte, nl, bounded bool) outcome {
	n := len(prefix) + len(p)
	if nl {
		n++
	}
	var big *segment
	if n > r.segSize {
		// A segment of its own, allocated without the lock.
		big = &segment{buf: make([]byte, n)}
		copy(big.buf[copy(big.buf, prefix):], p)
		if nl {
			big.buf[n-1] = '\n'
		}
		big.recs.Store(1)
		big.end.Store(int64(n))
		big.state.Store(uint64(n) + 1) // sealed
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || (bounded && r.closed.Load()) {
		return errClosed
	}
	if big == nil && r.cur.Load() != s {
		return retry // someone moved on already
	}
	if bounded && r.overCap(int64(max(n, r.segSize))) {
		r.atCap.Store(true)
		r.retire()
		return dropIt
	}
	r.retire()
	if big != nil {
		r.seq++
		big.seq = r.seq
		r.live += int64(n)
		r.full = append(r.full, big)
		r.queuedSeq = big.seq
		r.install(bounded)
		return wrote
	}
	r.install(bounded)
	return retry
}

// overCap reports, with mu held, whether queuing a segment of size bytes
// would pass MaxBytes. One segment is always allowed.
func (r *Ring) overCap(size int64) bool {
	return r.opt.MaxBytes > 0 && r.live > 0 && r.live+size > r.opt.MaxBytes
}

// retire seals the current segment, with mu held, and queues it if it holds
// anything; the current segment is then the placeholder until install.
func (r *Ring) retire() {
	s := r.cur.Load()
	if s == r.blocked {
		return
	}
	s.seal()
	if s.state.Load()&tailMask > uint64(len(s.buf))+1 {
		r.full = append(r.full, s)
		r.queuedSeq = s.seq
	} else {
		// Never used: let it go, as a kept one, without reading it.
		r.live -= int64(len(s.buf))
		r.keep(s)
	}
	r.cur.Store(r.blocked)
}

// keep puts a sealed segment that nobody reads any more in the free list.
func (r *Ring) keep(s *segment) {
	if len(s.buf) == r.segSize && len(r.free) < keepFree {
		r.free = append(r.free, s)
	}
}

// install makes a fresh segment current, with mu held, unless the byte cap
// forbids it (bounded) and the placeholder stays.
func (r *Ring) install(bounded bool) {
	if bounded && r.overCap(int64(r.segSize)) {
		r.atCap.Store(true)
		return
	}
	var s *segment
	if k := len(r.free) - 1; k >= 0 {
		s = r.free[k]
		r.free[k] = nil
		r.free = r.free[:k]
		s.reset()
	} else {
		s = newSegment(r.segSize)
	}
	r.seq++
	s.seq = r.seq
	r.live += int64(len(s.buf))
	if r.opt.MaxBytes > 0 && r.live >= r.opt.MaxBytes/2 {
		signal(r.urgent)
	}
	r.cur.Store(s)
}

// signal leaves a token in a one-slot channel without ever blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// take moves everything queued to the consumer, with mu held: the segments
// producers sealed and, if it holds anything, the current one, replaced by a
// fresh one.
func (r *Ring) take() []*segment {
	if r.cur.Load().used() {
		r.retire()
		r.install(true)
	}
	r.batch = append(r.batch[:0], r.full...)
	r.batched = 0
	clear(r.full)
	r.full = r.full[:0]
	return r.batch
}

// hasWork reports, without mu, whether a producer has reserved room in the
// current segment.
func (r *Ring) hasWork() bool { return r.cur.Load().used() }

func (r *Ring) drain() {
	defer close(r.exited)
	var (
		local   []*segment
		scratch []byte
		pause   = time.NewTimer(linger)
		rested  bool // the ring was empty, or nearly: let the next batch fill
		idle    int  // consecutive polls that found the ring empty
	)
	defer pause.Stop()
	for {
		if rested {
			// Polling, or woken by the first record of a new batch: let
			// records gather (Flush, Close or a filling bound cut it short).
			rested = false
			pause.Reset(linger)
			select {
			case <-pause.C:
			case <-r.urgent:
			}
		}
		r.mu.Lock()
		closing := r.closed.Load()
		if closing && len(r.full) == 0 && !r.cur.Load().used() && !(r.opt.OnDrop != nil && r.pending.Load() > 0) {
			// The last batch: whatever a producer slipped in before the
			// placeholder went up, and then nothing more.
			r.retire()
			r.stopped = true
		}
		local = append(local[:0], r.take()...)
		if len(local) == 0 {
			if r.stopped {
				r.mu.Unlock()
				r.closeSink()
				return
			}
			if r.opt.OnDrop != nil && r.pending.Load() > 0 {
				n := r.pending.Swap(0)
				r.mu.Unlock()
				r.opt.OnDrop(r.opt.Name, n)
				continue
			}
			if closing {
				r.mu.Unlock()
				continue
			}
			if idle < idlePolls {
				// Keep polling for a while rather than park: a caller
				// that finds the consumer parked pays for waking it.
				idle++
				r.mu.Unlock()
				rested = true
				continue
			}
			r.sleeping.Store(true)
			r.mu.Unlock()
			// A producer that committed before sleeping was set did not
			// look at it: look for its record before parking.
			if r.hasWork() && r.sleeping.CompareAndSwap(true, false) {
				idle, rested = 0, true
				continue
			}
			<-r.wake
			r.sleeping.Store(false) // woken by a write, Flush or Close
			idle = 0
			rested = true
			continue
		}
		idle = 0
		r.mu.Unlock()

		batchBytes := 0
		for i, s := range local {
			s.settle()
			end := s.end.Load()
			recs := s.recs.Load()
			batchBytes += int(end)
			if recs > 0 {
				scratch = r.emit(s.buf[:end], int(recs), scratch)
			}
			r.mu.Lock()
			r.finish(s, recs)
			r.mu.Unlock()
			local[i] = nil
			if i+1 < len(local) {
				// A backlog can keep this goroutine on one batch for a
				// long while (a slow sink, text formatting for a
				// console): let a caller waiting for a P run between
				// segments rather than after the scheduler's 10 ms time
				// slice.
				runtime.Gosched()
			}
		}
		if cap(scratch) > 4*chunkSize {
			scratch = nil
		}
		// A small batch means the ring is keeping up: linger before the
		// next one rather than taking a handful of records at a time.
		rested = batchBytes < chunkSize/2 && !r.closed.Load()
	}
}

// finish accounts, with mu held, for a segment the sink is done with
// (written or failed), and wakes a waiting Flush.
func (r *Ring) finish(s *segment, recs int64) {
	if r.batched < len(r.batch) && r.batch[r.batched] == s {
		r.batch[r.batched] = nil
		r.batched++
	}
	r.retired += uint64(recs)
	r.live -= int64(len(s.buf))
	if r.opt.QueueSize > 0 {
		r.held.Add(-recs)
	}
	if r.atCap.Load() && !r.overCap(int64(r.segSize)) {
		r.atCap.Store(false)
	}
	r.keep(s)
	if r.progress != nil {
		close(r.progress)
		r.progress = nil
	}
}

// flushed reports, with mu held, whether every segment up to seq target is
// finished (written, failed or given up).
func (r *Ring) flushed(target uint64) bool {
	for _, s := range r.batch[r.batched:] {
		if s.seq <= target {
			return false
		}
	}
	if len(r.full) > 0 && r.full[0].seq <= target {
		return false
	}
	s := r.cur.Load()
	return !s.used() || s.seq > target
}

// accepted returns, with mu held, how many records the ring has accepted.
func (r *Ring) accepted() uint64 {
	n := r.retired
	for _, s := range r.batch[r.batched:] {
		n += uint64(s.recs.Load())
	}
	for _, s := range r.full {
		n += uint64(s.recs.Load())
	}
	return n + uint64(r.cur.Load().recs.Load())
}

// emit hands the records of one segment to the sink, formatting them first
// if asked.
func (r *Ring) emit(buf []byte, recs int, scratch []byte) []byte {
	out := buf
	if r.opt.Format != nil {
		out, scratch = r.format(buf, scratch)
	}
	n, err := r.sinkWrite(out)
	r.lastProgress.Store(int64(time.Since(epoch)))
	if err != nil {
		// The sink may have taken part of the batch (a disk filling up
		// mid-write): the records it took whole (one line each, formatted or
		// not) are written; the rest, a torn one included, are lost.
		took := 0
		if n > 0 {
			took = min(bytes.Count(out[:min(n, len(out))], []byte{'\n'}), recs)
		}
		r.writeErrors.Add(1)
		r.written.Add(uint64(took))
		r.failed.Add(uint64(recs - took))
		if r.opt.OnError != nil {
			r.opt.OnError(r.opt.Name, err, recs-took)
		}
	} else {
		r.written.Add(uint64(recs))
	}
	return scratch
}

// format runs Options.Format over each record of buf. With Options.Keep,
// the records it keeps as they are cost no copy: while every record so far
// is kept, the output is buf itself; at the first that is not, what was
// kept is copied once into scratch and the rest goes through Format.
func (r *Ring) format(buf, scratch []byte) (out, _ []byte) {
	scratch = scratch[:0]
	rest := buf
	copied := false
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		rec := rest
		if i >= 0 {
			rec, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		if !copied {
			if r.opt.Keep != nil && r.opt.Keep(rec) {
				continue
			}
			scratch = append(scratch, buf[:len(buf)-len(rest)-len(rec)]...)
			copied = true
		}
		scratch = r.opt.Format(scratch, rec)
	}
	if !copied {
		r.uncopied.Add(1)
		return buf, scratch
	}
	return scratch, scratch
}

// Uncopied returns how many segments, with a Format set, went to the sink
// straight from where the callers wrote them, every record of them kept
// (Options.Keep): what the check that records are not copied again reads.
func (r *Ring) Uncopied() uint64 { return r.uncopied.Load() }

// sinkWrite hands out to the sink. A sink that panics (a custom console
// writer with a bug) would take the whole process down from a goroutine the
// application cannot recover: the panic is turned into an error instead, so
// its records are counted as failed and reported through OnError.
func (r *Ring) sinkWrite(out []byte) (n int, err error) {
	defer func() {
		if v := recover(); v != nil {
			n, err = 0, fmt.Errorf("%w: %v", ErrSinkPanicked, v)
		}
	}()
	return r.sink.Write(out)
}

// sinkClose closes the sink if it is an io.Closer, turning a panic into an
// error as sinkWrite does.
func (r *Ring) sinkClose() (err error) {
	cl, ok := r.sink.(io.Closer)
	if !ok {
		return nil
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v", ErrSinkPanicked, v)
		}
	}()
	return cl.Close()
}

func (r *Ring) closeSink() {
	if err := r.sinkClose(); err != nil {
		r.writeErrors.Add(1)
		if r.opt.OnError != nil {
			r.opt.OnError(r.opt.Name, err, 0)
		}
	}
}

// Patience says how long Flush and Close wait for a sink. They wait as long
// as the sink makes progress, so a slow sink that is still writing is never
// abandoned for being slow, and give up on a sink that makes none: a sink
// makes progress each time one of its writes returns (a segment of records,
// at most 64 KiB of them, written or failed).
type Patience struct {
	// Idle is how long the sink may go without progress before the wait
	// gives up; zero or less means no such limit.
	Idle time.Duration
	// Since is when the idle clock starts: progress made before it does not
	// count. The zero time means when the wait begins. A caller that waits
	// for several rings one after the other passes the time it began, so
	// that each ring is measured from then, not from when its turn came.
	Since time.Time
	// Until, unless it is the zero time, is when the wait gives up however
	// the sink is doing: a hard cap for a sink that trickles.
	Until time.Time
}

// giveUpAt returns when a wait with patience p gives up as things stand (the
// sink's last progress pushes it back), or false if it never does.
func (r *Ring) giveUpAt(p Patience) (time.Time, bool) {
	var at time.Time
	limited := false
	if p.Idle > 0 {
		last := epoch.Add(time.Duration(r.lastProgress.Load()))
		if last.Before(p.Since) {
			last = p.Since
		}
		at, limited = last.Add(p.Idle), true
	}
	if !p.Until.IsZero() && (!limited || p.Until.Before(at)) {
		at, limited = p.Until, true
	}
	return at, limited
}

// waiter is the clock of one Flush or Close.
type waiter struct {
	r     *Ring
	p     Patience
	timer *time.Timer
}

func (r *Ring) newWaiter(p Patience) *waiter {
	if p.Since.IsZero() {
		p.Since = time.Now()
	}
	return &waiter{r: r, p: p}
}

// alarm returns a channel that fires when the wait may have to give up, or
// nil if it never does.
func (w *waiter) alarm() <-chan time.Time {
	at, limited := w.r.giveUpAt(w.p)
	if !limited {
		return nil
	}
	if w.timer == nil {
		w.timer = time.NewTimer(time.Until(at))
	} else {
		w.timer.Reset(time.Until(at))
	}
	return w.timer.C
}

// due reports whether the wait must give up now: the sink has made no
// progress for the idle time, or the hard cap has passed.
func (w *waiter) due() bool {
	at, limited := w.r.giveUpAt(w.p)
	return limited && !time.Now().Before(at)
}

func (w *waiter) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// Flush returns once every record accepted before the call has been handed to
// the sink (written or counted failed), or ErrTimeout after timeout without
// progress (zero or less waits forever); see FlushWith.
func (r *Ring) Flush(timeout time.Duration) error {
	return r.FlushWith(Patience{Idle: timeout})
}

// FlushWith returns once every record accepted before the call has been
// handed to the sink (written or counted failed), or ErrTimeout once p gives
// up: the sink made no progress for p.Idle, or p.Until passed.
func (r *Ring) FlushWith(p Patience) error {
	r.mu.Lock()
	target := r.queuedSeq // every segment queued so far...
	if s := r.cur.Load(); s.used() {
		target = s.seq // ...and the current one
	}
	r.mu.Unlock()
	signal(r.wake)
	signal(r.urgent)
	w := r.newWaiter(p)
	defer w.stop()
	for {
		r.mu.Lock()
		if r.flushed(target) {
			r.mu.Unlock()
			return nil
		}
		if r.progress == nil {
			r.progress = make(chan struct{})
		}
		progress := r.progress
		r.mu.Unlock()
		select {
		case <-progress:
		case <-r.exited:
			return r.flushedAfterExit(target)
		case <-w.alarm():
			r.mu.Lock()
			caughtUp := r.flushed(target)
			r.mu.Unlock()
			if caughtUp { // progress and the alarm were both ready
				return nil
			}
			if w.due() {
				return r.timeoutError()
			}
			// The sink made progress since the alarm was set: wait on.
		}
	}
}

func (r *Ring) flushedAfterExit(target uint64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.flushed(target) {
		return nil
	}
	return ErrClosed
}

func (r *Ring) timeoutError() error {
	r.mu.Lock()
	left := r.accepted() - r.written.Load() - r.failed.Load()
	r.mu.Unlock()
	if left == 0 {
		return fmt.Errorf("%w: sink %q has been handed every record but is still writing or closing", ErrTimeout, r.opt.Name)
	}
	return fmt.Errorf("%w: sink %q still holds %d records", ErrTimeout, r.opt.Name, left)
}

// Stop refuses further writes, as Close does, but returns at once: the
// background goroutine goes on to write what was accepted, closes the sink
// and exits, closing Done. Stopping several rings before waiting on any lets
// them drain in parallel. Stop is safe to call more than once.
func (r *Ring) Stop() {
	r.closed.Store(true)
	signal(r.wake)
	signal(r.urgent)
}

// Done returns a channel that is closed once the background goroutine has
// exited: after Stop or Close, every accepted record handed to the sink and
// the sink closed.
func (r *Ring) Done() <-chan struct{} { return r.exited }

// Close refuses further writes, waits until every accepted record has been
// handed to the sink and the sink is closed, and returns. If the sink makes
// no progress for timeout (zero or less waits forever), Close gives up; see
// CloseWith. Close is safe to call more than once.
func (r *Ring) Close(timeout time.Duration) error {
	return r.CloseWith(Patience{Idle: timeout})
}

// CloseWith refuses further writes, waits until every accepted record has
// been handed to the sink and the sink is closed, and returns. It waits as
// long as the sink makes progress; once p gives up (no progress for p.Idle,
// or p.Until passed), CloseWith returns ErrTimeout naming how many records
// it could not write, counts those still queued as failed and lets them go;
// the background goroutine is then left to finish the batch it is on (or
// stay blocked in the sink) on its own. It is safe to call more than once.
func (r *Ring) CloseWith(p Patience) error {
	r.Stop()
	w := r.newWaiter(p)
	defer w.stop()
	for {
		select {
		case <-r.exited:
			return nil
		case <-w.alarm():
			select {
			case <-r.exited: // both were ready: finishing wins
				return nil
			default:
			}
			if !w.due() {
				continue // the sink made progress since the alarm was set
			}
			err := r.timeoutError()
			r.abandon()
			return err
		}
	}
}

// abandon gives up on the records still queued behind a sink that did not
// finish in time: they are counted as failed and their segments let go, so
// a sink stuck for good keeps at most the one batch it is blocked on, not
// everything logged to it since. The background goroutine finishes that
// batch (or stays blocked in it) and exits.
func (r *Ring) abandon() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retire()
	r.install(false) // a notice may still come until the consumer stops
	var n int64
	for _, s := range r.full {
		s.settle()
		n += s.recs.Load()
		r.retired += uint64(s.recs.Load())
		r.live -= int64(len(s.buf))
	}
	clear(r.full)
	r.full = r.full[:0]
	r.free = nil
	if n == 0 {
		return
	}
	if r.opt.QueueSize > 0 {
		r.held.Add(-n)
	}
	r.failed.Add(uint64(n))
	if r.progress != nil {
		close(r.progress)
		r.progress = nil
	}
}

// Stats returns a snapshot of the ring's counters.
func (r *Ring) Stats() Stats {
	r.mu.Lock()
	accepted := r.accepted()
	// Under mu no segment finishes: written and failed are settled for
	// every segment outside the live ones counted above, except one
	// being emitted right now (counted in both: taken out of Buffered).
	s := Stats{
		Name:        r.opt.Name,
		Produced:    accepted,
		Written:     r.written.Load(),
		Failed:      r.failed.Load(),
		WriteErrors: r.writeErrors.Load(),
	}
	r.mu.Unlock()
	s.Dropped = r.dropped.Load()
	s.Produced += s.Dropped
	if done := s.Written + s.Failed; done < accepted {
		s.Buffered = accepted - done
	}
	return s
}
