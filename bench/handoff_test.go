package bench_test

import (
	"bytes"
	"io"
	"runtime"
	"sync"
	"testing"
)

// BenchmarkHandoff measures the floor under issue 24's target: what the
// same zerolog records as BenchmarkLogCall (ten fields; two context
// fields and ten) cost their caller when the bytes go to
// another goroutine, in the simplest hand-off there is, beside zerolog to
// io.Discard and LogCrest in the same run.
//
//	ZerologDiscard   zerolog to io.Discard: encoded, then thrown away
//	ZerologCopy      zerolog to a writer that copies each record into one
//	                 reused 64 KiB buffer that nobody reads: the cost of the
//	                 copy alone, the memory staying in the caller's cache
//	ZerologHandoff   zerolog to a writer that copies each record into 64 KiB
//	                 segments handed whole, over a channel, to a consumer
//	                 goroutine that reads every byte (counts the lines) and
//	                 gives the segment back: one producer, no atomic
//	                 operation per record, no lock, no system call. The
//	                 least any background writer must do.
//	ZerologHandoffDeep  the same with 128 segments (8 MiB) in rotation
//	                 instead of 4: a segment comes back to the producer long
//	                 after the consumer read it, out of the consumer's core's
//	                 caches, which makes the producer's writes cheaper
//	LogCrest         logcrest.Log(ctx) through the whole pipeline (ring,
//	                 redaction, files), as in BenchmarkLogCall
//
// The difference between ZerologCopy and ZerologHandoff is the price of the
// bytes crossing from the caller's core to the consumer's and back (the
// consumer reads each line, the caller then writes it again): a price every
// design that takes the write off the caller's path pays per record.
func BenchmarkHandoff(b *testing.B) {
	for _, v := range fieldSets {
		b.Run(v.name, func(b *testing.B) {
			for _, c := range []struct {
				name string
				make func(b *testing.B, ctx2 bool) func(int)
			}{
				{"ZerologDiscard", func(_ *testing.B, ctx2 bool) func(int) { return zerologCall(zerologFor(io.Discard, ctx2)) }},
				{"ZerologCopy", func(_ *testing.B, ctx2 bool) func(int) {
					return zerologCall(zerologFor(&copyWriter{buf: make([]byte, 64<<10)}, ctx2))
				}},
				{"ZerologHandoff", func(b *testing.B, ctx2 bool) func(int) {
					return zerologCall(zerologFor(handedOff(b, newHandoffWriterN(4)), ctx2))
				}},
				{"ZerologHandoffDeep", func(b *testing.B, ctx2 bool) func(int) {
					return zerologCall(zerologFor(handedOff(b, newHandoffWriterN(deepRotation)), ctx2))
				}},
				{"LogCrest", logCrestCall},
			} {
				b.Run(c.name, func(b *testing.B) { timeCalls(b, c.make(b, v.ctx2)) })
			}
		})
	}
}

// BenchmarkHandoffParallel is BenchmarkHandoff's floor with several
// producers: GOMAXPROCS of them (Procs) and 16 goroutines (G16), zerolog to
// io.Discard, the same hand-off behind a mutex (ZerologHandoffLocked: the
// simplest multi-producer hand-off), and LogCrest, ten fields.
func BenchmarkHandoffParallel(b *testing.B) {
	for _, p := range []struct {
		name        string
		parallelism int
	}{{"Procs", 1}, {"G16", max(1, 16/runtime.GOMAXPROCS(0))}} {
		b.Run(p.name, func(b *testing.B) {
			for _, c := range []struct {
				name string
				make func(b *testing.B) func(int)
			}{
				{"ZerologDiscard", func(*testing.B) func(int) { return zerologCall(zerologFor(io.Discard, false)) }},
				{"ZerologHandoffLocked", func(b *testing.B) func(int) {
					return zerologCall(zerologFor(&lockedWriter{w: handedOff(b, newHandoffWriterN(4))}, false))
				}},
				{"LogCrest", func(b *testing.B) func(int) { return logCrestCall(b, false) }},
			} {
				b.Run(c.name, func(b *testing.B) { timeCallsParallel(b, p.parallelism, c.make(b)) })
			}
		})
	}
}

// lockedWriter lets several producers share a handoffWriter.
type lockedWriter struct {
	mu sync.Mutex
	w  *handoffWriter
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// deepRotation is ZerologHandoffDeep's number of segments.
const deepRotation = 128

// copyWriter copies each record into buf, wrapping around; nobody reads it.
type copyWriter struct {
	buf []byte
	off int
}

func (w *copyWriter) Write(p []byte) (int, error) {
	if w.off+len(p) > len(w.buf) {
		w.off = 0
	}
	w.off += copy(w.buf[w.off:], p)
	return len(p), nil
}

// handoffWriter is the simplest hand-off of records to another goroutine:
// the producer fills a 64 KiB segment and sends it whole; the consumer reads
// every byte and sends it back for reuse.
type handoffWriter struct {
	cur   []byte
	full  chan []byte
	free  chan []byte
	done  sync.WaitGroup
	lines int64
}

// handedOff closes w when b ends and checks that its consumer read every
// record b logged.
func handedOff(b *testing.B, w *handoffWriter) *handoffWriter {
	b.Cleanup(func() {
		if got, want := w.close(), int64(b.N); got != want {
			b.Errorf("the consumer read %d lines, want %d", got, want)
		}
	})
	return w
}

// newHandoffWriterN starts a handoffWriter with k segments in rotation.
func newHandoffWriterN(k int) *handoffWriter {
	w := &handoffWriter{full: make(chan []byte, k), free: make(chan []byte, k)}
	for range k {
		w.free <- make([]byte, 0, 64<<10)
	}
	w.cur = <-w.free
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		for seg := range w.full {
			w.lines += int64(bytes.Count(seg, []byte{'\n'}))
			select {
			case w.free <- seg[:0]:
			default: // the producer made one more: let it go
			}
		}
	}()
	return w
}

func (w *handoffWriter) Write(p []byte) (int, error) {
	if len(w.cur)+len(p) > cap(w.cur) {
		w.full <- w.cur
		select {
		case w.cur = <-w.free:
		default:
			w.cur = make([]byte, 0, 64<<10)
		}
	}
	w.cur = append(w.cur, p...)
	return len(p), nil
}

// close hands over the last segment, waits for the consumer and returns the
// lines it read.
func (w *handoffWriter) close() int64 {
	w.full <- w.cur
	close(w.full)
	w.done.Wait()
	return w.lines
}
