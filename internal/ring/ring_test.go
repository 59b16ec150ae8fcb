package ring

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memSink records every Write it receives.
type memSink struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	closed bool
}

func (m *memSink) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	return m.buf.Write(p)
}

func (m *memSink) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

func (m *memSink) lines() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := strings.TrimSuffix(m.buf.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// gateSink blocks every Write until its gate is opened.
type gateSink struct {
	memSink
	gate chan struct{}
}

func (g *gateSink) Write(p []byte) (int, error) {
	<-g.gate
	return g.memSink.Write(p)
}

func TestRingManyProducersLosesNothingAndKeepsOrder(t *testing.T) {
	const producers, each = 8, 25000
	sink := &memSink{}
	r := New(sink, Options{Name: "t"})
	var wg sync.WaitGroup
	for g := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b []byte
			for i := range each {
				b = fmt.Appendf(b[:0], "%d %d\n", g, i)
				if _, err := r.Write(b); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := r.Close(0); err != nil {
		t.Fatal(err)
	}
	lines := sink.lines()
	if len(lines) != producers*each {
		t.Fatalf("got %d lines, want %d", len(lines), producers*each)
	}
	next := make([]int, producers)
	for _, l := range lines {
		var g, i int
		if _, err := fmt.Sscanf(l, "%d %d", &g, &i); err != nil {
			t.Fatalf("bad line %q: %v", l, err)
		}
		if i != next[g] {
			t.Fatalf("producer %d: got record %d, want %d (order or loss)", g, i, next[g])
		}
		next[g]++
	}
	if !sink.closed {
		t.Error("sink not closed by Close")
	}
	if sink.writes >= producers*each/10 {
		t.Errorf("%d writes for %d records: not batching", sink.writes, producers*each)
	}
	s := r.Stats()
	want := Stats{Name: "t", Produced: producers * each, Written: producers * each}
	if s != want {
		t.Errorf("stats = %+v, want %+v", s, want)
	}
}

func TestRingBoundedCountsEveryDrop(t *testing.T) {
	sink := &gateSink{gate: make(chan struct{})}
	var mu sync.Mutex
	var reported uint64
	reports := 0
	r := New(sink, Options{Name: "console", QueueSize: 1000, OnDrop: func(_ string, n uint64) {
		mu.Lock()
		reported += n
		reports++
		mu.Unlock()
	}})
	const total = 20000
	for i := range total {
		if _, err := r.Write([]byte(strconv.Itoa(i) + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	s := r.Stats()
	if s.Dropped == 0 {
		t.Fatalf("nothing dropped with a blocked sink: %+v", s)
	}
	close(sink.gate)
	if err := r.Close(0); err != nil {
		t.Fatal(err)
	}
	s = r.Stats()
	if s.Produced != total || s.Written+s.Dropped != total || s.Buffered != 0 {
		t.Fatalf("produced %d = written %d + dropped %d + buffered %d does not hold", s.Produced, s.Written, s.Dropped, s.Buffered)
	}
	if got := uint64(len(sink.lines())); got != s.Written {
		t.Fatalf("sink holds %d records, stats say written %d", got, s.Written)
	}
	// The ring holds at most 1,000 records, in flight included.
	if s.Written != 1000 {
		t.Errorf("written %d with a queue of 1000 and a blocked sink", s.Written)
	}
	mu.Lock()
	defer mu.Unlock()
	if reported != s.Dropped || reports != 1 {
		t.Errorf("OnDrop reported %d in %d calls, want %d in 1", reported, reports, s.Dropped)
	}
}

func TestRingNoticeBypassesBound(t *testing.T) {
	sink := &gateSink{gate: make(chan struct{})}
	r := New(sink, Options{QueueSize: 2})
	r.Write([]byte("a\n")) // taken by the consumer, which blocks (still held)
	time.Sleep(10 * time.Millisecond)
	r.Write([]byte("b\n")) // queued
	r.Write([]byte("c\n")) // dropped
	if err := r.Notice([]byte("notice\n")); err != nil {
		t.Fatal(err)
	}
	close(sink.gate)
	r.Close(0)
	got := strings.Join(sink.lines(), ",")
	if got != "a,b,notice" {
		t.Errorf("sink got %q, want a,b,notice", got)
	}
	if s := r.Stats(); s.Dropped != 1 || s.Written != 3 || s.Produced != 4 {
		t.Errorf("stats %+v", s)
	}
}

func TestRingWriteAfterCloseIsRefused(t *testing.T) {
	sink := &memSink{}
	r := New(sink, Options{})
	r.Write([]byte("kept\n"))
	r.Close(0)
	if _, err := r.Write([]byte("late\n")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: err = %v, want ErrClosed", err)
	}
	if err := r.Notice([]byte("late\n")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Notice after Close: err = %v, want ErrClosed", err)
	}
	if err := r.Close(0); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := strings.Join(sink.lines(), ","); got != "kept" {
		t.Errorf("sink got %q", got)
	}
}

func TestRingWritesAnIdleRecordWithoutAnotherWrite(t *testing.T) {
	sink := &memSink{}
	r := New(sink, Options{})
	defer r.Close(0)
	r.Write([]byte("alone"))
	deadline := time.Now().Add(5 * time.Second)
	for len(sink.lines()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a lone record was never written")
		}
		time.Sleep(time.Millisecond)
	}
	if got := sink.lines(); len(got) != 1 || got[0] != "alone" {
		t.Fatalf("got %q (a newline must be added)", got)
	}
}

func TestRingFlushWaitsForEverythingBefore(t *testing.T) {
	sink := &memSink{}
	r := New(sink, Options{})
	defer r.Close(0)
	for i := range 5000 {
		r.Write([]byte(strconv.Itoa(i) + "\n"))
	}
	if err := r.Flush(0); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.lines()); n != 5000 {
		t.Fatalf("after Flush the sink holds %d of 5000", n)
	}
}

func TestRingCloseGivesUpOnAStuckSink(t *testing.T) {
	sink := &gateSink{gate: make(chan struct{})}
	defer close(sink.gate)
	r := New(sink, Options{Name: "stuck"})
	for range 10 {
		r.Write([]byte("x\n"))
	}
	start := time.Now()
	err := returnsWithin(t, 2*time.Second, "Close on a stuck sink", func() error { return r.Close(50 * time.Millisecond) })
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), `"stuck"`) {
		t.Fatalf("Close on a stuck sink: %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("Close gave up after %v, before the 50ms timeout", d)
	}
	err = returnsWithin(t, 2*time.Second, "Flush on a stuck sink", func() error { return r.Flush(20 * time.Millisecond) })
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Flush on a stuck sink: %v", err)
	}
}

// pacedSink takes each write after a pause.
type pacedSink struct {
	memSink
	pause atomic.Int64 // a time.Duration
}

func (p *pacedSink) Write(b []byte) (int, error) {
	time.Sleep(time.Duration(p.pause.Load()))
	return p.memSink.Write(b)
}

// TestRingCloseWaitsWhileTheSinkWritesUpToTheHardCap: a sink that writes a
// segment every 10 ms needs 0.4 s or more for what is queued. With an idle
// limit it never reaches, CloseWith waits for it while it writes, and gives
// up at Until, naming it; with no Until it waits until every record is in.
func TestRingCloseWaitsWhileTheSinkWritesUpToTheHardCap(t *testing.T) {
	const n = 40 * chunkSize / 1024 // 40 segments of 1 KiB records: 0.4 s or more
	rec := append(bytes.Repeat([]byte("x"), 1023), '\n')
	for _, capped := range []bool{true, false} {
		t.Run(fmt.Sprintf("capped=%v", capped), func(t *testing.T) {
			sink := &pacedSink{}
			sink.pause.Store(int64(10 * time.Millisecond))
			r := New(sink, Options{Name: "paced"})
			for range n {
				r.Write(rec)
			}
			start := time.Now()
			p := Patience{Idle: 5 * time.Second}
			if capped {
				p.Until = start.Add(200 * time.Millisecond)
			}
			err := returnsWithin(t, 10*time.Second, "CloseWith on a paced sink", func() error { return r.CloseWith(p) })
			took := time.Since(start)
			sink.mu.Lock()
			got := bytes.Count(sink.buf.Bytes(), []byte("\n"))
			sink.mu.Unlock()
			if !capped {
				if err != nil || got != n {
					t.Fatalf("CloseWith with no cap = %v after %v, sink holds %d of %d records", err, took, got, n)
				}
				return
			}
			if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), `sink "paced" still holds`) {
				t.Fatalf("CloseWith past the cap = %v after %v; want a timeout naming the sink", err, took)
			}
			if took < 200*time.Millisecond || took > 3*time.Second {
				t.Errorf("CloseWith gave up after %v, want the 200ms cap (+ margin)", took)
			}
			sink.pause.Store(0) // let it finish the batch it is on (goleak)
		})
	}
}

type flakySink struct {
	memSink
	fail bool
}

func (f *flakySink) Write(p []byte) (int, error) {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		return 0, errors.New("no space left on device")
	}
	return f.memSink.Write(p)
}

func TestRingCountsSinkErrorsAndResumes(t *testing.T) {
	sink := &flakySink{fail: true}
	var mu sync.Mutex
	var lost int
	r := New(sink, Options{OnError: func(_ string, _ error, n int) { mu.Lock(); lost += n; mu.Unlock() }})
	for range 3 {
		r.Write([]byte("lost\n"))
	}
	r.Flush(0)
	sink.mu.Lock()
	sink.fail = false
	sink.mu.Unlock()
	r.Write([]byte("kept\n"))
	r.Close(0)
	s := r.Stats()
	if s.Failed != 3 || s.Written != 1 || s.WriteErrors == 0 || s.Produced != 4 {
		t.Fatalf("stats %+v", s)
	}
	mu.Lock()
	defer mu.Unlock()
	if lost != 3 {
		t.Errorf("OnError reported %d lost records, want 3", lost)
	}
	if got := strings.Join(sink.lines(), ","); got != "kept" {
		t.Errorf("sink got %q", got)
	}
}

func TestRingFormatsEachRecord(t *testing.T) {
	sink := &memSink{}
	r := New(sink, Options{Format: func(dst, rec []byte) []byte {
		dst = append(dst, '<')
		dst = append(dst, bytes.TrimSuffix(rec, []byte("\n"))...)
		return append(dst, ">\n"...)
	}})
	r.Write([]byte("a\n"))
	r.WriteWithPrefix([]byte("b"), []byte("c"))
	r.Close(0)
	if got := strings.Join(sink.lines(), ","); got != "<a>,<bc>" {
		t.Errorf("got %q", got)
	}
}

func TestRingOversizedRecord(t *testing.T) {
	sink := &memSink{}
	r := New(sink, Options{})
	big := strings.Repeat("x", 3*chunkSize) + "\n"
	r.Write([]byte("small\n"))
	r.Write([]byte(big))
	r.Write([]byte("after\n"))
	r.Close(0)
	lines := sink.lines()
	if len(lines) != 3 || lines[0] != "small" || lines[1] != big[:len(big)-1] || lines[2] != "after" {
		t.Fatalf("oversized record mangled: %d lines", len(lines))
	}
}

// returnsWithin runs f and returns its error, failing the test at once,
// naming what hung, if f has not returned within d by the test's own clock.
func returnsWithin(t *testing.T, d time.Duration, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return nil
	}
}
