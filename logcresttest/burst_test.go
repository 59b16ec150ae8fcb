package logcresttest_test

import (
	"context"
	"fmt"
	"github.com/logcrest/logcrest/internal/testenv"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/logcresttest"
)

// TestRecorderKeepsEveryRecordOfABurst: 8 goroutines log flat out, more
// bytes than the pipeline's default memory cap per sink (64 MiB) in all:
// Records returns every one, each goroutine's in its order, and nothing is
// counted dropped. Under the race detector, which makes encoding and
// decoding 80 MiB take most of a minute, the burst is an eighth of that.
func TestRecorderKeepsEveryRecordOfABurst(t *testing.T) {
	testenv.Long(t, "80 MiB through the recorder: 4-9 s, 450 MB of memory")
	goroutines, each := 8, 1280
	if raceEnabled() {
		each /= 8
	}
	pad := strings.Repeat("x", 8<<10) // 8 KiB a record: 80 MiB through the sink
	rec := logcresttest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := rec.Log(ctx)
			for i := range each {
				l.Info().Int("g", g).Int("i", i).Str("pad", pad).Msg("burst")
			}
		}()
	}
	wg.Wait()
	recs := rec.Records()
	if st := rec.Pipeline().Stats(); st.Dropped != 0 || st.Failed != 0 {
		t.Errorf("Stats: %d dropped, %d failed", st.Dropped, st.Failed)
	}
	if len(recs) != goroutines*each {
		t.Fatalf("Records() holds %d records, want %d", len(recs), goroutines*each)
	}
	next := make([]int, goroutines)
	for _, r := range recs {
		g, i := int(r.Num("g")), int(r.Num("i"))
		if r.Message() != "burst" || g < 0 || g >= goroutines || i != next[g] || r.Str("pad") != pad {
			t.Fatalf("record g=%d i=%d %q: want goroutine %d's record %d", g, i, r.Message(), g, next[g])
		}
		next[g]++
	}
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return true
			}
		}
	}
	return false
}

// fakeTB is a testing.TB whose Errorf and Cleanup are observed: the
// Recorder's verdict on a test, without failing this one.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }

func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// end runs the cleanups as the end of a test does, last first.
func (f *fakeTB) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// TestRecorderFailsTheTestOnADrop: a Recorder given a bound that a burst
// overflows fails its test, naming the number of records dropped; the same
// burst within bounds does not.
func TestRecorderFailsTheTestOnADrop(t *testing.T) {
	ctx := context.Background()
	t.Run("bounded", func(t *testing.T) {
		tb := &fakeTB{TB: t}
		rec := logcresttest.New(tb, logcrest.WithQueueSize(1))
		deadline := time.Now().Add(5 * time.Second)
		for rec.Pipeline().Stats().Dropped == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no record dropped in 5 s with a queue of 1")
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 1000 {
						rec.Log(ctx).Info().Int("i", i).Msg("burst")
					}
				}()
			}
			wg.Wait()
		}
		tb.end()
		st := rec.Pipeline().Stats()
		want := fmt.Sprintf("logcresttest: %d of %d records were dropped", st.Dropped, st.Written+st.Dropped+st.Failed+st.Buffered)
		if len(tb.errors) != 1 || !strings.HasPrefix(tb.errors[0], want) {
			t.Errorf("the Recorder reported %q, want one error starting %q", tb.errors, want)
		}
	})
	t.Run("unbounded", func(t *testing.T) {
		tb := &fakeTB{TB: t}
		rec := logcresttest.New(tb)
		for i := range 4000 {
			rec.Log(ctx).Info().Int("i", i).Msg("burst")
		}
		if n := len(rec.Records()); n != 4000 {
			t.Errorf("%d records, want 4000", n)
		}
		tb.end()
		if len(tb.errors) != 0 {
			t.Errorf("the Recorder failed a test that lost nothing: %q", tb.errors)
		}
	})
}

// TestRecordsWaitsPastTheCloseTimeout: Records waits for every record
// logged before it, even when writing them takes longer than one close
// timeout (a burst on a loaded machine), as long as they are being written.
func TestRecordsWaitsPastTheCloseTimeout(t *testing.T) {
	const goroutines, each = 4, 2500
	pad := strings.Repeat("y", 1<<10)
	// 20 ms: far less than the burst takes to write on a loaded machine,
	// but enough for the pipeline's own Close at the test's end (a 1 ms
	// close timeout gave up on the sink's goroutine when it was not
	// scheduled within the millisecond).
	rec := logcresttest.New(t, logcrest.WithCloseTimeout(20*time.Millisecond))
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				rec.Log(context.Background()).Info().Int("g", g).Int("i", i).Str("pad", pad).Msg("burst")
			}
		}()
	}
	wg.Wait()
	if n := len(rec.Records()); n != goroutines*each {
		t.Fatalf("Records() holds %d records, want %d", n, goroutines*each)
	}
}
