package flow_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/testkit"
)

// TestWaterfallAndSeq: a flow with a nested step and two concurrent steps.
// Each timeline entry has its start offset (at_ms) and, when nested, its
// parent's place; concurrent steps overlap; every record of the flow, in
// every file, has a seq, 1 to N with none missing or repeated, in the order
// they were written.
func TestWaterfallAndSeq(t *testing.T) {
	c := start(t)
	ctx, fl := flow.Flow(context.Background(), "wf")
	_ = flow.Run(ctx, "outer", func(ctx context.Context) error {
		flow.Logger(ctx).Info().Msg("in outer")
		return flow.Run(ctx, "inner", func(context.Context) error {
			time.Sleep(2 * time.Millisecond)
			return nil
		})
	})
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = flow.Run(ctx, fmt.Sprintf("parallel%d", i), func(ctx context.Context) error {
				<-gate // both are running before either ends
				time.Sleep(2 * time.Millisecond)
				return nil
			})
		}()
	}
	time.Sleep(5 * time.Millisecond)
	close(gate)
	wg.Wait()
	fl.End(nil)
	o := c.finish(t)

	fe := one(t, o.flows, map[string]any{"flow_type": "flow_end"})
	fns, _ := timelineOf(t, fe)
	sort.Strings(fns[2:]) // the two parallel steps may join in either order
	if fmt.Sprint(fns) != "[outer inner parallel0 parallel1]" {
		t.Fatalf("timeline = %v", fns)
	}
	tl := fe["timeline"].([]any)
	entry := func(i int) record { return record(tl[i].(map[string]any)) }
	if entry(1)["parent"] != 1.0 {
		t.Errorf("inner step's parent = %v, want 1 (outer)", entry(1)["parent"])
	}
	for _, i := range []int{0, 2, 3} {
		if _, ok := entry(i)["parent"]; ok {
			t.Errorf("entry %v has a parent, want none (a step of the flow itself)", entry(i))
		}
	}
	at := func(i int) float64 { return entry(i)["at_ms"].(float64) }
	ms := func(i int) float64 { return entry(i)["ms"].(float64) }
	if at(1) < at(0) || at(1)+ms(1) > at(0)+ms(0)+0.002 {
		t.Errorf("inner %v does not lie within outer %v", entry(1), entry(0))
	}
	if at(3) >= at(2)+ms(2) || at(2) >= at(3)+ms(3) {
		t.Errorf("the parallel steps do not overlap: %v, %v", entry(2), entry(3))
	}

	// seq: every record of the flow, from every stream, numbered 1..N.
	var seqs []int
	for _, rs := range [][]record{o.flows, o.success, o.errs} {
		for _, r := range rs {
			if r["flow_id"] != fe["flow_id"] {
				continue
			}
			s, ok := r["seq"].(float64)
			if !ok {
				t.Fatalf("record without seq: %v", r)
			}
			seqs = append(seqs, int(s))
		}
	}
	sort.Ints(seqs)
	// flow_start, 4 steps x (entry + exit), the log record, flow_end.
	if len(seqs) != 11 {
		t.Fatalf("%d records in the flow, want 11: seqs %v", len(seqs), seqs)
	}
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("seqs = %v, want 1..%d", seqs, len(seqs))
		}
	}
	if fs := one(t, o.flows, map[string]any{"flow_type": "flow_start"}); fs["seq"] != 1.0 || fe["seq"] != 11.0 {
		t.Errorf("flow_start seq %v, flow_end seq %v; want 1 and 11", fs["seq"], fe["seq"])
	}
}

// TestFlowFailureReachesTheErrorStream: one failure, one record in the
// error stream. A failed flow writes its own error record only when no step
// of it failed, or when its own code panicked (a failure of its own, with
// its own stack); otherwise the failed step's record is the one, and
// flow_end names that step in failed_at and its error in flow_error, the
// flow's own different error kept as returned_error.
func TestFlowFailureReachesTheErrorStream(t *testing.T) {
	errStep := errors.New("card declined")
	cases := []struct {
		name      string
		body      func(ctx context.Context) error
		wantErrs  []string       // messages of the error stream's records, in order
		wantError string         // the error field of the flow's own record
		wantEnd   map[string]any // exact fields of flow_end
		absent    []string       // fields flow_end must not have
	}{
		{"own error", func(context.Context) error { return errors.New("no stock") },
			[]string{"flow failed"}, "no stock",
			map[string]any{"failed_at": "order", "step": "0/0", "flow_error": "error: no stock"}, []string{"returned_error"}},
		{"step error returned", func(ctx context.Context) error {
			return flow.Run(ctx, "charge", func(context.Context) error { return errStep })
		}, []string{"step failed"}, "",
			map[string]any{"failed_at": "charge", "step": "1/1", "flow_error": "error: card declined"}, []string{"returned_error"}},
		{"step error wrapped", func(ctx context.Context) error {
			err := flow.Run(ctx, "charge", func(context.Context) error { return errStep })
			return fmt.Errorf("checkout: %w", err)
		}, []string{"step failed"}, "",
			map[string]any{"failed_at": "charge", "step": "1/1", "flow_error": "error: checkout: card declined"}, []string{"returned_error"}},
		{"another error after a failed step", func(ctx context.Context) error {
			_ = flow.Run(ctx, "charge", func(context.Context) error { return errStep })
			return errors.New("order 13: status 500")
		}, []string{"step failed"}, "",
			map[string]any{
				"failed_at": "charge", "step": "1/1", "flow_error": "error: card declined",
				"returned_error": "error: order 13: status 500",
			}, nil},
		{"panic in the flow's own code", func(context.Context) error { panic("boom") },
			[]string{"flow failed"}, "boom",
			map[string]any{"failed_at": "order", "step": "0/0", "flow_error": "panic: boom"}, []string{"returned_error"}},
		{"panic in a step", func(ctx context.Context) error {
			return flow.Run(ctx, "charge", func(context.Context) error { panic("boom") })
		}, []string{"step failed"}, "",
			map[string]any{"failed_at": "charge", "step": "1/1", "flow_error": "panic: boom"}, []string{"returned_error"}},
		{"panic in the flow's own code after a failed step", func(ctx context.Context) error {
			_ = flow.Run(ctx, "charge", func(context.Context) error { return errStep })
			panic("boom")
		}, []string{"step failed", "flow failed"}, "boom",
			map[string]any{"failed_at": "order", "step": "0/1", "flow_error": "panic: boom"}, []string{"returned_error"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := start(t)
			func() {
				defer func() { _ = recover() }()
				_ = flow.RunFlow(context.Background(), "order", tc.body)
			}()
			o := c.finish(t)
			fe := one(t, o.flows, map[string]any{"flow_type": "flow_end"})
			testkit.WantFields(t, fe, map[string]any{"flow_status": "failed", "level": "error"})
			testkit.WantFields(t, fe, tc.wantEnd)
			for _, k := range tc.absent {
				if v, ok := fe[k]; ok {
					t.Errorf("flow_end has %s = %v, want none", k, v)
				}
			}
			var msgs []string
			for _, r := range o.errs {
				msgs = append(msgs, r["message"].(string))
				if r["flow_id"] != fe["flow_id"] || r["trace_id"] != fe["trace_id"] || r["seq"] == nil {
					t.Errorf("error record %v lacks the flow's IDs", r)
				}
				switch r["message"] {
				case "flow failed":
					testkit.WantFields(t, r, map[string]any{"level": "error", "fn": "order", "status": "error", "error": tc.wantError})
					if _, ok := r["stack"]; ok != strings.HasPrefix(tc.name, "panic in the flow's own code") {
						t.Errorf("stack present %v in %v", ok, r)
					}
				case "step failed":
					if r["fn"] != "charge" {
						t.Errorf("step failed record of %v, want charge", r["fn"])
					}
				}
			}
			if fmt.Sprint(msgs) != fmt.Sprint(tc.wantErrs) {
				t.Errorf("error stream = %q, want %q", msgs, tc.wantErrs)
			}
		})
	}
}

// TestFlowRecordsAndTheLevel: the level does not erase the access log: with
// the level at error, flow_start and a successful flow_end are written all
// the same; with flow_records "failed" only a failed flow_end is, whatever
// the level.
func TestFlowRecordsAndTheLevel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []core.Option
		types string // flow_type of the flows file's records
	}{
		{"level error", []core.Option{core.WithLevel("error")}, "[flow_start flow_end flow_start flow_end]"},
		{"failed only", []core.Option{core.WithFlowRecords("failed")}, "[flow_end]"},
		{"failed only, level fatal", []core.Option{core.WithFlowRecords("failed"), core.WithLevel("fatal")}, "[flow_end]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := start(t, tc.opts...)
			_ = flow.RunFlow(context.Background(), "ok", func(context.Context) error { return nil })
			_ = flow.RunFlow(context.Background(), "bad", func(context.Context) error { return errors.New("no") })
			o := c.finish(t)
			var types []string
			for _, r := range o.flows {
				types = append(types, r["flow_type"].(string))
				if r["flow_type"] == "flow_end" && r["flow_status"] == "failed" && r["level"] != "error" {
					t.Errorf("failed flow_end not at error level: %v", r)
				}
			}
			if fmt.Sprint(types) != tc.types {
				t.Errorf("flows file = %v, want %s", types, tc.types)
			}
		})
	}
}

// TestAtMsIsEachStepsOwnStart: at_ms is the offset of each step's own start
// from the flow's, not 0 nor the flow's start for every step. The test reads
// the clock around the flow's start and around each step's start, which
// brackets what at_ms must be, whatever the machine's load: a step started
// after a sleep of 30 ms has at_ms >= 30, and the second step's at_ms is past
// the first step's end plus the sleep between them.
func TestAtMsIsEachStepsOwnStart(t *testing.T) {
	c := start(t)
	before := time.Now()
	ctx, fl := flow.Flow(context.Background(), "offsets")
	after := time.Now()
	// lo and hi bound, in ms, the offset from the flow's start of a moment
	// taken between t0 and t1.
	bounds := func(t0, t1 time.Time) (lo, hi float64) {
		return float64(t0.Sub(after)) / 1e6, float64(t1.Sub(before)) / 1e6
	}
	const gap = 30 * time.Millisecond
	var lo, hi [2]float64
	time.Sleep(gap)
	for i, name := range []string{"first", "second"} {
		t0 := time.Now()
		_ = flow.Run(ctx, name, func(context.Context) error {
			lo[i], hi[i] = bounds(t0, time.Now())
			time.Sleep(10 * time.Millisecond)
			return nil
		})
		time.Sleep(gap)
	}
	fl.End(nil)
	o := c.finish(t)

	fe := one(t, o.flows, map[string]any{"flow_type": "flow_end"})
	if fns, _ := timelineOf(t, fe); fmt.Sprint(fns) != "[first second]" {
		t.Fatalf("timeline = %v", fns)
	}
	tl := fe["timeline"].([]any)
	const usTol = 0.001 // at_ms is rounded to the microsecond
	for i := range 2 {
		e := tl[i].(map[string]any)
		at := e["at_ms"].(float64)
		if at < lo[i]-usTol || at > hi[i]+usTol {
			t.Errorf("%s: at_ms %v, want within [%.3f, %.3f], the clock read around its start", e["fn"], at, lo[i], hi[i])
		}
	}
	first, second := tl[0].(map[string]any), tl[1].(map[string]any)
	if want := gap.Seconds() * 1000; first["at_ms"].(float64) < want {
		t.Errorf("first step at_ms %v, want >= %v (the sleep before it)", first["at_ms"], want)
	}
	if want := first["at_ms"].(float64) + first["ms"].(float64) + gap.Seconds()*1000; second["at_ms"].(float64) < want-usTol {
		t.Errorf("second step at_ms %v, want >= %v (the first's end plus the sleep between)", second["at_ms"], want)
	}
}
