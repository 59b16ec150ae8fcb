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

type chunk struct {
	buf  []byte
	recs int
}

// Ring is a multi-producer, single-consumer record queue in front of one
// sink. Write copies the record into a preallocated segment under a short
// critical section (a memory copy, never I/O) and returns; one background
// goroutine takes whole segments and writes each with a single call.
//
// Unlike zerolog's diode, a Ring never drops in its default mode, keeps the
// order of records from one goroutine, does not allocate per record, never
// leaves a record unwritten while idle, and rejects a write that races Close
// with ErrClosed rather than losing it silently, so the caller can send it
// elsewhere.
type Ring struct {
	sink io.Writer
	opt  Options

	mu       sync.Mutex
	cur      *chunk
	full     []*chunk // filled segments waiting, oldest first
	free     []*chunk
	queued   int    // records in cur and full
	held     int64  // bytes of records accepted and not yet finished with
	accepted uint64 // records ever accepted (sequence number of the last one)
	taken    uint64 // records handed to the consumer
	done     uint64 // records the consumer has finished with (written or failed)
	closed   bool
	stopped  bool          // the consumer has taken its last batch
	sleeping bool          // the consumer is parked until a write wakes it
	progress chan struct{} // made by a waiting Flush, closed when done advances

	wake   chan struct{} // the ring turned non-empty
	urgent chan struct{} // stop lingering: a flush, a close, or a bound near full
	exited chan struct{}

	written     atomic.Uint64
	failed      atomic.Uint64
	writeErrors atomic.Uint64

	// A bounded ring that is full drops without taking mu: under overload,
	// producers that only count drops must not queue on the lock the
	// background goroutine needs to make room (a lock convoy that slowed
	// draining by orders of magnitude).
	dropped  atomic.Uint64
	pending  atomic.Uint64 // drops not yet reported through OnDrop
	atCap    atomic.Bool   // set (under mu) while a bounded ring is full
	stopping atomic.Bool   // Stop or Close was called

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
		sink:   sink,
		opt:    opt,
		cur:    &chunk{buf: make([]byte, 0, chunkSize)},
		wake:   make(chan struct{}, 1),
		urgent: make(chan struct{}, 1),
		exited: make(chan struct{}),
	}
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

func (r *Ring) write(prefix, p []byte, bounded bool) (int, error) {
	if bounded && r.atCap.Load() && !r.stopping.Load() {
		r.dropped.Add(1)
		r.pending.Add(1)
		return len(p), nil
	}
	n := len(prefix) + len(p)
	last := p
	if len(p) == 0 {
		last = prefix // the record is all prefix (or empty)
	}
	nl := len(last) == 0 || last[len(last)-1] != '\n'
	if nl {
		n++
	}
	r.mu.Lock()
	var fresh *chunk // a segment allocated without the lock, not yet in use
	for {
		if r.stopped || (r.closed && bounded) {
			r.mu.Unlock()
			return 0, ErrClosed
		}
		if bounded && r.atLimit(n) {
			r.atCap.Store(true)
			r.mu.Unlock()
			r.dropped.Add(1)
			r.pending.Add(1)
			return len(p), nil
		}
		c := r.cur
		if len(c.buf)+n <= cap(c.buf) {
			break // room in the current segment
		}
		var next *chunk
		switch {
		case fresh != nil && cap(fresh.buf) >= n:
			next, fresh = fresh, nil
		case len(r.free) > 0 && n <= chunkSize:
			next = r.popFree()
		default:
			// A new segment: allocate it without the lock, so that
			// neither the consumer nor another caller ever waits on an
			// allocation, which can take long (fresh pages, a GC assist)
			// and, with a waiter parked for over 1 ms, would tip the
			// mutex into handing itself over, P and all. The ring may
			// move on meanwhile: look again from the top.
			r.mu.Unlock()
			fresh = &chunk{buf: make([]byte, 0, max(n, chunkSize))}
			r.mu.Lock()
			continue
		}
		if len(c.buf) > 0 {
			r.full = append(r.full, c)
		} else if cap(c.buf) == chunkSize && len(r.free) < keepFree {
			r.free = append(r.free, c) // empty, but too small for this record
		}
		r.cur = next
		break
	}
	if fresh != nil && cap(fresh.buf) == chunkSize && len(r.free) < keepFree {
		r.free = append(r.free, fresh) // allocated for nothing: keep it
	}
	c := r.cur
	c.buf = append(c.buf, prefix...)
	c.buf = append(c.buf, p...)
	if nl {
		c.buf = append(c.buf, '\n')
	}
	c.recs++
	r.accepted++
	r.queued++
	r.held += int64(n)
	wake := r.sleeping // the first record after a quiet spell
	r.sleeping = false
	hurry := (r.opt.QueueSize > 0 && r.queued == (r.opt.QueueSize+1)/2) ||
		(r.opt.MaxBytes > 0 && r.held >= r.opt.MaxBytes/2 && r.held-int64(n) < r.opt.MaxBytes/2)
	r.mu.Unlock()
	if wake {
		signal(r.wake)
	}
	if hurry {
		signal(r.urgent)
	}
	return len(p), nil
}

// atLimit reports, with r.mu held, whether a record of n bytes must be dropped:
// the ring holds QueueSize records already, or the record would take the
// bytes held past MaxBytes.
func (r *Ring) atLimit(n int) bool {
	return (r.opt.QueueSize > 0 && r.accepted-r.done >= uint64(r.opt.QueueSize)) ||
		(r.opt.MaxBytes > 0 && r.held+int64(n) > r.opt.MaxBytes)
}

// signal leaves a token in a one-slot channel without ever blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// popFree takes a kept segment; the caller has checked there is one.
func (r *Ring) popFree() *chunk {
	k := len(r.free) - 1
	c := r.free[k]
	r.free[k] = nil
	r.free = r.free[:k]
	return c
}

// take moves everything queued to the consumer and gives the callers a kept
// segment to fill next, or spare when none is kept. Without either, they get
// an empty segment with no room, and the next write allocates one, outside
// the lock. It returns spare unless it used it, and whether the ring had no
// kept segment (so the consumer allocates a spare, without the lock, for the
// next time). It returns batch as it was when the ring is empty.
func (r *Ring) take(batch []*chunk, spare *chunk) (_ []*chunk, _ *chunk, short bool) {
	if r.queued == 0 {
		return batch, spare, false
	}
	batch = append(batch, r.full...)
	clear(r.full)
	r.full = r.full[:0]
	batch = append(batch, r.cur)
	switch {
	case len(r.free) > 0:
		r.cur = r.popFree()
	case spare != nil:
		r.cur, spare, short = spare, nil, true
	default:
		r.cur, short = &chunk{}, true
	}
	r.taken += uint64(r.queued)
	r.queued = 0
	return batch, spare, short
}

func (r *Ring) drain() {
	defer close(r.exited)
	var (
		batch   []*chunk
		scratch []byte
		pause   = time.NewTimer(linger)
		spare   *chunk // a segment for take, allocated without the lock
		rested  bool   // the ring was empty, or nearly: let the next batch fill
		idle    int    // consecutive polls that found the ring empty
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
		var short bool
		batch, spare, short = r.take(batch[:0], spare)
		if len(batch) == 0 {
			if r.opt.OnDrop != nil && r.pending.Load() > 0 {
				n := r.pending.Swap(0)
				r.mu.Unlock()
				r.opt.OnDrop(r.opt.Name, n)
				continue
			}
			if r.closed {
				r.stopped = true
				r.mu.Unlock()
				r.closeSink()
				return
			}
			if idle < idlePolls {
				// Keep polling for a while rather than park: a caller
				// that finds the consumer parked pays for waking it.
				idle++
				r.mu.Unlock()
				rested = true
				continue
			}
			r.sleeping = true
			r.mu.Unlock()
			<-r.wake
			r.mu.Lock()
			r.sleeping = false // woken by a write, Flush or Close
			r.mu.Unlock()
			idle = 0
			rested = true
			continue
		}
		idle = 0
		r.mu.Unlock()
		if short && spare == nil {
			spare = &chunk{buf: make([]byte, 0, chunkSize)}
		}

		var finished uint64 // records and bytes written and not yet accounted
		var finishedBytes int64
		batchBytes := 0
		for i, c := range batch {
			batchBytes += len(c.buf)
			finishedBytes += int64(len(c.buf))
			if c.recs > 0 {
				scratch = r.emit(c, scratch)
			}
			finished += uint64(c.recs)
			c.buf = c.buf[:0]
			c.recs = 0
			if cap(c.buf) > chunkSize {
				batch[i] = nil // an oversized one-off: let it go
			}
			if i+1 < len(batch) && finished > 0 {
				// A backlog can keep this goroutine on one batch for a
				// long while (a slow sink, text formatting for a
				// console): account for each segment once written, so
				// that Flush, Close and Stats see the progress and a
				// bounded ring makes room as it goes; and let a caller
				// waiting for a P run between segments rather than after
				// the scheduler's 10 ms time slice.
				r.mu.Lock()
				r.finish(finished, finishedBytes)
				r.mu.Unlock()
				finished, finishedBytes = 0, 0
				runtime.Gosched()
			}
		}
		if cap(scratch) > 4*chunkSize {
			scratch = nil
		}

		r.mu.Lock()
		r.finish(finished, finishedBytes)
		for i, c := range batch {
			if c != nil && len(r.free) < keepFree {
				r.free = append(r.free, c)
			}
			batch[i] = nil
		}
		// A small batch means the ring is keeping up: linger before the
		// next one rather than trading the lock with the callers for a
		// handful of records at a time.
		rested = batchBytes < chunkSize/2 && !r.closed
		r.mu.Unlock()
	}
}

// finish accounts, with r.mu held, for records and bytes the sink is done
// with (written or failed), and wakes a waiting Flush.
func (r *Ring) finish(records uint64, size int64) {
	r.done += records
	r.held -= size
	if r.atCap.Load() && !r.atLimit(0) {
		r.atCap.Store(false)
	}
	if r.progress != nil {
		close(r.progress)
		r.progress = nil
	}
}

// emit hands one segment to the sink, formatting it first if asked.
func (r *Ring) emit(c *chunk, scratch []byte) []byte {
	out := c.buf
	if r.opt.Format != nil {
		scratch = scratch[:0]
		rest := c.buf
		for len(rest) > 0 {
			i := bytes.IndexByte(rest, '\n')
			rec := rest
			if i >= 0 {
				rec, rest = rest[:i+1], rest[i+1:]
			} else {
				rest = nil
			}
			scratch = r.opt.Format(scratch, rec)
		}
		out = scratch
	}
	n, err := r.sinkWrite(out)
	r.lastProgress.Store(int64(time.Since(epoch)))
	if err != nil {
		// The sink may have taken part of the batch (a disk filling up
		// mid-write): the records it took whole (one line each, formatted or
		// not) are written; the rest, a torn one included, are lost.
		took := 0
		if n > 0 {
			took = min(bytes.Count(out[:min(n, len(out))], []byte{'\n'}), c.recs)
		}
		r.writeErrors.Add(1)
		r.written.Add(uint64(took))
		r.failed.Add(uint64(c.recs - took))
		if r.opt.OnError != nil {
			r.opt.OnError(r.opt.Name, err, c.recs-took)
		}
	} else {
		r.written.Add(uint64(c.recs))
	}
	return scratch
}

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
	target := r.accepted
	r.mu.Unlock()
	signal(r.wake)
	signal(r.urgent)
	w := r.newWaiter(p)
	defer w.stop()
	for {
		r.mu.Lock()
		if r.done >= target {
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
			caughtUp := r.done >= target
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
	if r.done >= target {
		return nil
	}
	return ErrClosed
}

func (r *Ring) timeoutError() error {
	r.mu.Lock()
	left := r.accepted - r.done
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
	r.stopping.Store(true)
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
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
	if r.queued == 0 {
		return
	}
	var bytes int64
	for _, c := range r.full {
		bytes += int64(len(c.buf))
	}
	bytes += int64(len(r.cur.buf))
	clear(r.full)
	r.full = r.full[:0]
	r.cur = &chunk{}
	r.free = nil
	n := uint64(r.queued)
	r.queued = 0
	r.taken += n
	r.done += n
	r.held -= bytes
	r.failed.Add(n)
	if r.progress != nil {
		close(r.progress)
		r.progress = nil
	}
}

// Stats returns a snapshot of the ring's counters.
func (r *Ring) Stats() Stats {
	r.mu.Lock()
	s := Stats{
		Name:     r.opt.Name,
		Produced: r.accepted,
		Buffered: r.accepted - r.done,
	}
	r.mu.Unlock()
	// Drops are counted outside mu; read them once, for both fields.
	s.Dropped = r.dropped.Load()
	s.Produced += s.Dropped
	s.Written = r.written.Load()
	s.Failed = r.failed.Load()
	s.WriteErrors = r.writeErrors.Load()
	// done was read before written/failed: a batch finishing in between is
	// counted in both places; take it out of Buffered.
	if over := s.Written + s.Failed + s.Dropped + s.Buffered; over > s.Produced {
		s.Buffered -= min(s.Buffered, over-s.Produced)
	}
	return s
}
