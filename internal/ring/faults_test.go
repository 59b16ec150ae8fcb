package ring

// Faults tried on purpose against the ring: input a caller may pass that
// once panicked, and sinks that fail halfway through a batch.

import (
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRingWriteWithPrefixOnly: a record may be all prefix (p empty), and the
// empty record is a line too; neither may panic.
func TestRingWriteWithPrefixOnly(t *testing.T) {
	sink := &memSink{}
	r := New(sink, Options{Name: "t"})
	if _, err := r.WriteWithPrefix([]byte("prefix only"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteWithPrefix([]byte("ends\n"), []byte{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Write(nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Notice(nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(0); err != nil {
		t.Fatal(err)
	}
	if got := sink.buf.String(); got != "prefix only\nends\n\n\n" {
		t.Fatalf("sink got %q", got)
	}
	if s := r.Stats(); s.Produced != 4 || s.Written != 4 {
		t.Fatalf("stats %+v", s)
	}
}

// shortSink holds its first Write until gate is closed and takes it whole;
// of every later Write it takes the first limit bytes and then fails, the
// way a disk that fills up mid-write does.
type shortSink struct {
	memSink
	gate   chan struct{}
	primed bool
	limit  int
}

func (s *shortSink) Write(p []byte) (int, error) {
	if !s.primed {
		s.primed = true
		<-s.gate
		return s.memSink.Write(p)
	}
	if len(p) <= s.limit {
		return s.memSink.Write(p)
	}
	n, _ := s.memSink.Write(p[:s.limit])
	return n, syscall.ENOSPC
}

// TestRingCountsAPartialWrite: when the sink takes part of a batch and then
// fails, the records it took whole are counted written and only the rest
// failed, so the counters match what is in the sink.
func TestRingCountsAPartialWrite(t *testing.T) {
	for _, format := range []bool{false, true} {
		// "rec-0\n" is 6 bytes: 25 bytes are 4 whole records and a torn one.
		sink := &shortSink{gate: make(chan struct{}), limit: 25}
		opt := Options{Name: "t"}
		if format {
			opt.Format = func(dst, rec []byte) []byte { return append(dst, rec...) }
		}
		var mu sync.Mutex
		var lost int
		opt.OnError = func(_ string, _ error, n int) { mu.Lock(); lost += n; mu.Unlock() }
		r := New(sink, opt)
		r.Write([]byte("primer\n")) // the consumer blocks on it...
		for r.Stats().Buffered != 1 || !r.consumerBusy() {
			time.Sleep(time.Millisecond)
		}
		for i := range 10 { // ...while these gather into one batch
			r.Write([]byte("rec-" + strconv.Itoa(i) + "\n"))
		}
		close(sink.gate)
		if err := r.Close(0); err != nil {
			t.Fatal(err)
		}
		s := r.Stats()
		whole := strings.Count(sink.buf.String(), "\n")
		mu.Lock()
		if whole != 5 || s.Written != 5 || s.Failed != 6 || s.Produced != 11 || lost != 6 {
			t.Errorf("format=%v: sink holds %d whole records; stats %+v, OnError lost %d; want 5 written (primer + 4), 6 failed",
				format, whole, s, lost)
		}
		mu.Unlock()
	}
}

// consumerBusy reports whether the background goroutine has taken every
// record queued so far (it is writing them).
func (r *Ring) consumerBusy() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.full) == 0 && !r.cur.Load().used() && r.batched < len(r.batch)
}
