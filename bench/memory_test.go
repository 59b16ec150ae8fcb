package bench_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/logcrest/logcrest"
)

// Issue 21's memory: what the detail flows hold costs, for one flow at its
// caps and for 10,000 flows in flight at once, measured two ways: the
// pipeline's own count (Stats().Detail.HeldBytes: the bytes of the records
// held) and the Go heap (runtime.ReadMemStats after a GC, before the flows
// start and while they are all in flight: what a user's process pays,
// bookkeeping and buffer slack included). The pipeline runs at info, so
// that a debug record past the global cap is dropped by the level (the
// full-detail rule), not written: the test writes no files to speak of;
// no flow counts as slow, so that every flow's detail is dropped at its end.

// memPayload makes memLog's debug record about 300 bytes once encoded.
var memPayload = strings.Repeat("x", 96)

func memLog(ctx context.Context, i int) {
	logcrest.Log(ctx).Debug().Int("i", i).Str("order", "ORD-42").Str("payload", memPayload).Msg("holding")
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func newMemPipeline(t *testing.T, opts ...logcrest.Option) (*logcrest.Pipeline, context.Context) {
	t.Helper()
	dir := t.TempDir()
	p, err := logcrest.New(append([]logcrest.Option{
		logcrest.WithDir(dir),
		logcrest.WithConfigFile(filepath.Join(dir, "none.json")),
		logcrest.WithConsoleFormat("off"),
		logcrest.WithLevel("info"),
		logcrest.WithSlowFlow(0), // flows in flight for seconds (-race) are not slow: their detail is dropped
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, logcrest.NewContext(context.Background(), p)
}

// memFlows starts flows flows on p, each logging records debug records, and
// returns the heap they take and the function that ends them (routine:
// what they hold is dropped).
func memFlows(base context.Context, flows, records int) (heap int64, end func()) {
	spans := make([]*logcrest.Span, 0, flows)
	before := heapInUse()
	for f := range flows {
		ctx, span := logcrest.Flow(base, "mem")
		for i := range records {
			memLog(ctx, f*records+i)
		}
		spans = append(spans, span)
	}
	heap = int64(heapInUse()) - int64(before)
	return heap, func() {
		for _, s := range spans {
			s.End(nil)
		}
		runtime.KeepAlive(spans)
	}
}

func TestDetailMemory(t *testing.T) {
	const (
		flowBytes   = 64 << 10 // the per-flow defaults
		flowRecords = 512
		maxHeld     = 32 << 20
	)
	t.Run("one flow at its caps", func(t *testing.T) {
		p, ctx := newMemPipeline(t)
		heap, end := memFlows(ctx, 1, 16*flowRecords)
		d := p.Stats().Detail
		t.Logf("one flow, %d records logged: held %d B (Stats), heap +%d B, evicted %d", 16*flowRecords, d.HeldBytes, heap, d.Evicted)
		if d.HeldBytes <= 0 || d.HeldBytes > flowBytes {
			t.Errorf("HeldBytes = %d, want in (0, %d]: the flow's byte cap", d.HeldBytes, flowBytes)
		}
		if d.Evicted == 0 || d.Held != 16*flowRecords+1 {
			t.Errorf("Held %d, Evicted %d: want %d held (flow_start and every record) and some evicted", d.Held, d.Evicted, 16*flowRecords+1)
		}
		// The records logged take about 2.4 MB; the flow keeps its byte
		// cap's worth, in a buffer that holds evicted bytes until it
		// would grow (then compacts), and the index of its records.
		if heap > 6*flowBytes {
			t.Errorf("the flow's heap grew %d B, want at most 6× its byte cap (%d)", heap, 6*flowBytes)
		}
		end()
		if d := p.Stats().Detail; d.HeldBytes != 0 {
			t.Errorf("after the flow ended HeldBytes = %d, want 0", d.HeldBytes)
		}
	})
	for _, c := range []struct {
		name    string
		records int // a flow's
		maxHeld int64
		over    bool // the flows want more than maxHeld (a record held is about 300 B)
	}{
		{"flows of 6 records", 6, maxHeld, false},
		{"flows at the global cap", 100, 8 << 20, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			flows := 10_000
			if testing.Short() {
				flows = 1_000 // the second case still wants 30 MB, over its cap
			}
			p, ctx := newMemPipeline(t, logcrest.WithMaxHeld(c.maxHeld))
			heap, end := memFlows(ctx, flows, c.records)
			d := p.Stats().Detail
			t.Logf("%d flows × %d records: held %d B (%.0f B/flow, Stats), heap +%d B (%.0f B/flow), overflow %d, evicted %d",
				flows, c.records, d.HeldBytes, float64(d.HeldBytes)/float64(flows), heap, float64(heap)/float64(flows), d.Overflow, d.Evicted)
			if d.HeldBytes <= 0 || d.HeldBytes > c.maxHeld {
				t.Errorf("HeldBytes = %d, want in (0, %d]: max_held_bytes", d.HeldBytes, c.maxHeld)
			}
			logged := uint64(flows * (c.records + 1)) // flow_start too
			if d.Held+d.Overflow != logged {
				t.Errorf("Held %d + Overflow %d = %d, want every record the flows logged, %d", d.Held, d.Overflow, d.Held+d.Overflow, logged)
			}
			// Past the global cap a record falls back to the level:
			// counted, never held.
			if (d.Overflow > 0) != c.over {
				t.Errorf("Overflow = %d; want it counted exactly when the flows want more than %d B", d.Overflow, c.maxHeld)
			}
			// What the heap pays: the held bytes, with buffer slack
			// (capacity up to twice the length) and each flow's own state.
			if bound := 2*d.HeldBytes + int64(flows)*8<<10; heap > bound {
				t.Errorf("heap grew %d B, want at most %d (2× HeldBytes + 8 KiB a flow)", heap, bound)
			}
			end()
			if d := p.Stats().Detail; d.HeldBytes != 0 || d.Dropped != d.Held {
				t.Errorf("after the flows ended: HeldBytes %d, Dropped %d, Held %d; want 0 and every held record dropped", d.HeldBytes, d.Dropped, d.Held)
			}
		})
	}
}
