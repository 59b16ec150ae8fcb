package ring

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRingStressCloseRacingWrites: many producers write records of varying
// sizes (some as a prefix and a body, so that reservations straddle segment
// ends at every offset) while Close races them, unbounded, with a queue
// bound and with a byte cap. Every record a producer offered is exactly one
// of: in the sink once, in its producer's order; counted dropped; refused
// with ErrClosed. The counters say the same.
func TestRingStressCloseRacingWrites(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"unbounded", Options{}},
		{"queue", Options{QueueSize: 300}},
		{"bytes", Options{MaxBytes: 8 << 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const producers, each = 16, 4000
			sink := &pacedSink{}
			if tc.opt.QueueSize > 0 || tc.opt.MaxBytes > 0 {
				sink.pause.Store(int64(50 * time.Microsecond)) // let the bound bite
			}
			opt := tc.opt
			opt.Name = "stress"
			r := New(sink, opt)
			var (
				wg       sync.WaitGroup
				accepted [producers]int // Write returned nil (written or dropped)
				refused  [producers]int // Write returned ErrClosed
			)
			pad := strings.Repeat("p", 300)
			for g := range producers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var b []byte
					for i := range each {
						b = fmt.Appendf(b[:0], "%d %d %s\n", g, i, pad[:(i*7+g)%len(pad)])
						var err error
						if i%3 == 0 {
							_, err = r.WriteWithPrefix(b[:3], b[3:])
						} else {
							_, err = r.Write(b)
						}
						switch {
						case err == nil:
							accepted[g]++
						case errors.Is(err, ErrClosed):
							refused[g]++
						default:
							t.Errorf("producer %d: %v", g, err)
							return
						}
					}
				}()
			}
			// Close once the producers are well under way.
			deadline := time.Now().Add(5 * time.Second)
			for r.Stats().Produced < producers*each/4 {
				if time.Now().After(deadline) {
					t.Fatal("producers made no progress in 5 s")
				}
				time.Sleep(100 * time.Microsecond)
			}
			if err := returnsWithin(t, 10*time.Second, "Close racing writes", func() error { return r.Close(0) }); err != nil {
				t.Fatal(err)
			}
			wg.Wait()

			sink.mu.Lock()
			data := sink.buf.String()
			sink.mu.Unlock()
			lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
			if data == "" {
				lines = nil
			}
			last := make([]int, producers)
			for g := range last {
				last[g] = -1
			}
			inSink := make([]int, producers)
			for _, l := range lines {
				f := strings.SplitN(l, " ", 3)
				if len(f) != 3 {
					t.Fatalf("torn or foreign line %q", l)
				}
				g, err1 := strconv.Atoi(f[0])
				i, err2 := strconv.Atoi(f[1])
				if err1 != nil || err2 != nil {
					t.Fatalf("torn or foreign line %q", l)
				}
				if g < 0 || g >= producers || i <= last[g] {
					t.Fatalf("line %q: producer %d after record %d (order, duplicate)", l, g, last[g])
				}
				if want := pad[:(i*7+g)%len(pad)]; !strings.HasSuffix(l, " "+want) {
					t.Fatalf("line %q: body mangled", l)
				}
				last[g] = i
				inSink[g]++
			}
			s := r.Stats()
			var sumAccepted, sumRefused, sumSink int
			for g := range producers {
				sumAccepted += accepted[g]
				sumRefused += refused[g]
				sumSink += inSink[g]
				if accepted[g]+refused[g] != each {
					t.Errorf("producer %d: %d accepted + %d refused != %d offered", g, accepted[g], refused[g], each)
				}
			}
			if uint64(sumSink) != s.Written || uint64(sumAccepted) != s.Produced || s.Written+s.Dropped != s.Produced ||
				s.Failed != 0 || s.Buffered != 0 {
				t.Errorf("sink holds %d, producers saw %d accepted and %d refused; stats %+v", sumSink, sumAccepted, sumRefused, s)
			}
			if (tc.opt.QueueSize > 0 || tc.opt.MaxBytes > 0) != (s.Dropped > 0) {
				t.Errorf("dropped %d in mode %s", s.Dropped, tc.name)
			}
			if sumRefused == 0 {
				t.Logf("no write raced Close this time (%d accepted)", sumAccepted)
			}
			if n := bytes.Count([]byte(data), []byte{'\n'}); n != sumSink {
				t.Errorf("%d newlines for %d lines", n, sumSink)
			}
		})
	}
}
