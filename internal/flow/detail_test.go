package flow_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/testkit"
)

// The tests of the buffered detail mode (core.DetailBuffered), which start
// passes explicitly: start's default is full detail.

var buffered = core.WithDetail(core.DetailBuffered)

// detailSince returns the detail counters' change since before (HeldBytes
// is the live value).
func detailSince(before core.DetailCounters) core.DetailCounters {
	now := core.Stats().Detail
	return core.DetailCounters{
		Held: now.Held - before.Held, Written: now.Written - before.Written,
		Dropped: now.Dropped - before.Dropped, Evicted: now.Evicted - before.Evicted,
		Overflow: now.Overflow - before.Overflow, SampledOut: now.SampledOut - before.SampledOut,
		HeldBytes: now.HeldBytes,
	}
}

func wantDetail(t *testing.T, got, want core.DetailCounters) {
	t.Helper()
	if got != want {
		t.Errorf("detail counters\n got  %+v\n want %+v", got, want)
	}
}

// seqOf returns a record's seq as an int, failing when it has none.
func seqOf(t *testing.T, r record) int {
	t.Helper()
	f, ok := r["seq"].(float64)
	if !ok {
		t.Fatalf("record without a seq: %v", r)
	}
	return int(f)
}

func timeOf(t *testing.T, r record) time.Time {
	t.Helper()
	s, _ := r["time"].(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("record time %q: %v", s, err)
	}
	return tm
}

// all returns every record of the three files.
func (o output) all() []record {
	var rs []record
	rs = append(rs, o.flows...)
	rs = append(rs, o.success...)
	return append(rs, o.errs...)
}

// wantSeqs fails unless the seq values of rs are exactly 1..n, each once.
func wantSeqs(t *testing.T, rs []record) {
	t.Helper()
	seen := map[int]int{}
	for _, r := range rs {
		seen[seqOf(t, r)]++
	}
	for i := 1; i <= len(rs); i++ {
		if seen[i] != 1 {
			t.Fatalf("seq %d appears %d times among %d records", i, seen[i], len(rs))
		}
	}
}

func msgs(rs []record) []string {
	var out []string
	for _, r := range rs {
		m, _ := r["message"].(string)
		out = append(out, m)
	}
	return out
}

func TestDetailRoutineFlowWritesOnlyFlowEnd(t *testing.T) {
	c := start(t, buffered)
	before := core.Stats().Detail
	err := flow.RunFlow(context.Background(), "routine", func(ctx context.Context) error {
		for _, n := range []string{"a", "b"} {
			_ = flow.Run(ctx, n, func(ctx context.Context) error {
				flow.Logger(ctx).Debug().Msg("debug " + n)
				flow.Logger(ctx).Info().Msg("info " + n)
				return nil
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := detailSince(before)
	o := c.finish(t)
	if len(o.flows) != 1 || o.flows[0]["flow_type"] != "flow_end" {
		t.Fatalf("flows file = %v, want one flow_end", o.flows)
	}
	fe := o.flows[0]
	for _, k := range []string{"detail", "buffered_records", "buffered_evicted", "sample_rate"} {
		if _, ok := fe[k]; ok {
			t.Errorf("routine flow_end has %q: %v", k, fe)
		}
	}
	testkit.WantFields(t, fe, map[string]any{"flow_status": "success", "steps": float64(2)})
	if m := msgs(o.success); strings.Join(m, "|") != "info a|info b" {
		t.Errorf("success file messages = %q, want the two info records only", m)
	}
	for _, r := range o.success {
		if _, ok := r["buffered"]; ok {
			t.Errorf("record written when logged is marked buffered: %v", r)
		}
	}
	if len(o.errs) != 0 {
		t.Errorf("error file: %v", o.errs)
	}
	// flow_start, and per step its entry, its debug record and its exit.
	wantDetail(t, got, core.DetailCounters{Held: 7, Dropped: 7})
}

func TestDetailFailedFlowWritesHeldRecordsOnceBeforeFlowEnd(t *testing.T) {
	c := start(t, buffered, core.WithConsoleFormat("json"))
	before := core.Stats().Detail
	boom := errors.New("boom")
	err := flow.RunFlow(context.Background(), "failing", func(ctx context.Context) error {
		_ = flow.Run(ctx, "a", func(ctx context.Context) error {
			flow.Logger(ctx).Debug().Msg("d1")
			flow.Logger(ctx).Info().Msg("i1")
			return nil
		})
		return flow.Run(ctx, "b", func(ctx context.Context) error {
			flow.Logger(ctx).Debug().Msg("d2")
			time.Sleep(30 * time.Millisecond) // flow_end's time is well after every held record's
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	got := detailSince(before)
	o := c.finish(t)
	all := o.all()
	// flow_start, a's entry, d1, i1, a's exit, b's entry, d2, b's failure, flow_end.
	if len(all) != 9 {
		t.Fatalf("%d records, want 9:\n%s", len(all), o.files)
	}
	wantSeqs(t, all)
	if len(o.flows) != 2 || o.flows[0]["flow_type"] != "flow_start" || o.flows[1]["flow_type"] != "flow_end" {
		t.Fatalf("flows file = %v, want flow_start then flow_end", o.flows)
	}
	fe := o.flows[1]
	testkit.WantFields(t, fe, map[string]any{"flow_status": "failed", "detail": "failed", "buffered_records": float64(6)})
	if _, ok := fe["buffered"]; ok {
		t.Errorf("flow_end is marked buffered: %v", fe)
	}
	feTime := timeOf(t, fe)
	held := map[string]bool{"flow started": true, "step started": true, "d1": true, "step finished": true, "d2": true}
	var nHeld int
	for _, r := range all {
		m := r["message"].(string)
		if r["flow_type"] == "flow_end" {
			continue
		}
		if held[m] {
			nHeld++
			if r["buffered"] != true {
				t.Errorf("held record %q not marked buffered: %v", m, r)
			}
			if !timeOf(t, r).Before(feTime.Add(-20 * time.Millisecond)) {
				t.Errorf("held record %q has time %v, not its own (flow_end %v)", m, r["time"], fe["time"])
			}
		} else if _, ok := r["buffered"]; ok {
			t.Errorf("record %q written when logged is marked buffered: %v", m, r)
		}
	}
	if nHeld != 6 {
		t.Errorf("%d held records written, want 6", nHeld)
	}
	// d1 keeps the time it was logged: not after i1, logged after it.
	d1, i1 := one(t, o.success, map[string]any{"message": "d1"}), one(t, o.success, map[string]any{"message": "i1"})
	if timeOf(t, d1).After(timeOf(t, i1)) || seqOf(t, d1) >= seqOf(t, i1) {
		t.Errorf("d1 (%v, seq %v) is not before i1 (%v, seq %v)", d1["time"], d1["seq"], i1["time"], i1["seq"])
	}
	// In the success file, i1, written when logged, comes first, then the
	// held records in the order they were logged.
	if m := msgs(o.success); strings.Join(m, "|") != "i1|step started|d1|step finished|step started|d2" {
		t.Errorf("success file order = %q", m)
	}
	// Dispatch order (the console): flow_end is the flow's last record.
	lines := testkit.ParseLines[record](t, "console", []byte(o.console))
	if len(lines) != 9 || lines[8]["flow_type"] != "flow_end" {
		t.Errorf("console: %d records, the last %v; want 9 ending with flow_end", len(lines), lines[len(lines)-1])
	}
	wantDetail(t, got, core.DetailCounters{Held: 6, Written: 6})
}

// flowEnd runs one flow with fn and returns its flow_end (which must be the
// only one) and the counters' change.
func runOne(t *testing.T, opts []core.Option, fn func(ctx context.Context) error) (output, core.DetailCounters) {
	t.Helper()
	c := start(t, append([]core.Option{buffered}, opts...)...)
	before := core.Stats().Detail
	_ = flow.RunFlow(context.Background(), "one", fn)
	got := detailSince(before)
	return c.finish(t), got
}

func flowEndOf(t *testing.T, o output) record {
	t.Helper()
	return one(t, o.flows, map[string]any{"flow_type": "flow_end"})
}

func TestDetailKeepReasons(t *testing.T) {
	debugOnce := func(ctx context.Context) { flow.Logger(ctx).Debug().Msg("held") }
	t.Run("slow", func(t *testing.T) {
		o, got := runOne(t, []core.Option{core.WithSlowFlow(20 * time.Millisecond)}, func(ctx context.Context) error {
			debugOnce(ctx)
			time.Sleep(40 * time.Millisecond)
			return nil
		})
		testkit.WantFields(t, flowEndOf(t, o), map[string]any{"flow_status": "success", "detail": "slow", "buffered_records": float64(2)})
		testkit.WantFields(t, one(t, o.success, map[string]any{"message": "held"}), map[string]any{"buffered": true})
		wantDetail(t, got, core.DetailCounters{Held: 2, Written: 2})
	})
	t.Run("not slow", func(t *testing.T) {
		o, got := runOne(t, []core.Option{core.WithSlowFlow(10 * time.Second)}, func(ctx context.Context) error {
			debugOnce(ctx)
			return nil
		})
		if _, ok := flowEndOf(t, o)["detail"]; ok || len(o.success) != 0 {
			t.Errorf("a quick flow wrote its detail: %s", o.files)
		}
		wantDetail(t, got, core.DetailCounters{Held: 2, Dropped: 2})
	})
	t.Run("kept", func(t *testing.T) {
		o, got := runOne(t, nil, func(ctx context.Context) error {
			debugOnce(ctx)
			return flow.KeepDetail(ctx)
		})
		testkit.WantFields(t, flowEndOf(t, o), map[string]any{"flow_status": "success", "detail": "kept", "buffered_records": float64(2)})
		testkit.WantFields(t, one(t, o.success, map[string]any{"message": "held"}), map[string]any{"buffered": true})
		wantDetail(t, got, core.DetailCounters{Held: 2, Written: 2})
	})
	t.Run("KeepDetail errors", func(t *testing.T) {
		start(t, buffered)
		if err := flow.KeepDetail(context.Background()); !errors.Is(err, flow.ErrNoFlow) {
			t.Errorf("KeepDetail outside a flow = %v, want ErrNoFlow", err)
		}
		var fctx context.Context
		_ = flow.RunFlow(context.Background(), "x", func(ctx context.Context) error { fctx = ctx; return nil })
		if err := flow.KeepDetail(fctx); !errors.Is(err, flow.ErrFlowEnded) {
			t.Errorf("KeepDetail after the flow ended = %v, want ErrFlowEnded", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		c := start(t, buffered)
		before := core.Stats().Detail
		ctx, cancel := context.WithCancel(context.Background())
		err := flow.RunFlow(ctx, "one", func(ctx context.Context) error {
			debugOnce(ctx)
			cancel()
			return ctx.Err()
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		got := detailSince(before)
		o := c.finish(t)
		testkit.WantFields(t, flowEndOf(t, o), map[string]any{"flow_status": "cancelled", "detail": "cancelled", "buffered_records": float64(2)})
		wantDetail(t, got, core.DetailCounters{Held: 2, Written: 2})
	})
}

func TestDetailPanicWritesHeldRecords(t *testing.T) {
	c := start(t, buffered)
	before := core.Stats().Detail
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("recovered %v, want kaboom", r)
			}
		}()
		_ = flow.RunFlow(context.Background(), "p", func(ctx context.Context) error {
			flow.Logger(ctx).Debug().Msg("before the panic")
			return flow.Run(ctx, "step", func(ctx context.Context) error {
				flow.Logger(ctx).Debug().Msg("in the step")
				panic("kaboom")
			})
		})
	}()
	got := detailSince(before)
	o := c.finish(t)
	fe := flowEndOf(t, o)
	// flow_start, the debug record, the step's entry, its debug record.
	testkit.WantFields(t, fe, map[string]any{"flow_status": "failed", "detail": "failed", "buffered_records": float64(4)})
	if s, _ := fe["stack"].(string); !strings.Contains(s, "goroutine") {
		t.Errorf("flow_end stack = %q", fe["stack"])
	}
	for _, m := range []string{"before the panic", "in the step"} {
		testkit.WantFields(t, one(t, o.success, map[string]any{"message": m}), map[string]any{"buffered": true, "level": "debug"})
	}
	wantSeqs(t, o.all())
	wantDetail(t, got, core.DetailCounters{Held: 4, Written: 4})
}

// A panic-level record of a span's logger first writes what the flow
// holds: the process may end with it.
func TestDetailPanicRecordReleasesHeldFirst(t *testing.T) {
	c := start(t, buffered, core.WithConsoleFormat("json"))
	before := core.Stats().Detail
	var midway output
	err := flow.RunFlow(context.Background(), "p", func(ctx context.Context) error {
		flow.Logger(ctx).Debug().Msg("context")
		func() {
			defer func() { _ = recover() }()
			flow.Logger(ctx).Panic().Msg("dying")
		}()
		// Before the flow ends, the files hold the released records.
		if err := core.Default().Sync(); err != nil {
			t.Error(err)
		}
		midway = readFiles(t, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := detailSince(before)
	o := c.finish(t)
	for _, oo := range []output{midway, o} {
		testkit.WantFields(t, one(t, oo.success, map[string]any{"message": "context"}), map[string]any{"buffered": true, "seq": float64(2)})
		testkit.WantFields(t, one(t, oo.flows, map[string]any{"flow_type": "flow_start"}), map[string]any{"buffered": true, "seq": float64(1)})
		testkit.WantFields(t, one(t, oo.errs, map[string]any{"message": "dying"}), map[string]any{"level": "panic", "seq": float64(3)})
	}
	lines := testkit.ParseLines[record](t, "console", []byte(o.console))
	if len(lines) != 4 || lines[2]["message"] != "dying" {
		t.Errorf("console order %q, want the held records before the panic record", msgs(lines))
	}
	// The flow ended routine: the released records stay, written once.
	if _, ok := flowEndOf(t, o)["detail"]; ok {
		t.Errorf("flow_end: %v", flowEndOf(t, o))
	}
	wantDetail(t, got, core.DetailCounters{Held: 2, Written: 2})
}

// readFiles reads the three files as they are, without closing.
func readFiles(t *testing.T, c *capture) output {
	t.Helper()
	var o output
	for _, s := range []struct {
		name string
		dst  *[]record
	}{{core.StreamFlows, &o.flows}, {core.StreamSuccess, &o.success}, {core.StreamError, &o.errs}} {
		data, err := readLog(c, s.name)
		if err != nil {
			t.Fatal(err)
		}
		*s.dst = testkit.ParseLines[record](t, s.name, data)
	}
	return o
}

func TestDetailGoroutinesOfTheFlow(t *testing.T) {
	c := start(t, buffered)
	before := core.Stats().Detail
	const workers, each = 10, 20
	_ = flow.RunFlow(context.Background(), "fan", func(ctx context.Context) error {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = flow.Run(ctx, fmt.Sprint("w", w), func(ctx context.Context) error {
					for i := range each {
						flow.Logger(ctx).Debug().Int("i", i).Msg("work")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		return errors.New("fail")
	})
	got := detailSince(before)
	o := c.finish(t)
	// flow_start, and per worker its entry, its records and its exit.
	const held = 1 + workers*(each+2)
	if n := len(only(o.success, map[string]any{"message": "work", "buffered": true})); n != workers*each {
		t.Errorf("%d work records written, want %d", n, workers*each)
	}
	testkit.WantFields(t, flowEndOf(t, o), map[string]any{"detail": "failed", "buffered_records": float64(held)})
	wantSeqs(t, o.all())
	wantDetail(t, got, core.DetailCounters{Held: held, Written: held})
}

// readLog reads one stream's file as it is ("" when there is none yet).
func readLog(c *capture, stream string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(c.dir, stream, logName+".log"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	return data, err
}

func TestDetailFlowBounds(t *testing.T) {
	t.Run("records", func(t *testing.T) {
		o, got := runOne(t, []core.Option{core.WithFlowBuffer(64<<10, 5)}, func(ctx context.Context) error {
			for i := range 20 {
				flow.Logger(ctx).Debug().Int("i", i).Msg("d")
			}
			return errors.New("fail")
		})
		// flow_start (seq 1) and d 0..19 (seq 2..21) were held; the last 5 stay.
		ds := only(o.success, map[string]any{"message": "d"})
		var seqs []int
		for _, r := range ds {
			seqs = append(seqs, seqOf(t, r))
			if r["buffered"] != true {
				t.Errorf("not marked: %v", r)
			}
		}
		if fmt.Sprint(seqs) != "[17 18 19 20 21]" {
			t.Errorf("written seqs %v, want the last 5 held, [17 18 19 20 21]", seqs)
		}
		if len(only(o.flows, map[string]any{"flow_type": "flow_start"})) != 0 {
			t.Error("evicted flow_start was written")
		}
		testkit.WantFields(t, flowEndOf(t, o), map[string]any{"detail": "failed", "buffered_records": float64(5), "buffered_evicted": float64(16)})
		wantDetail(t, got, core.DetailCounters{Held: 21, Written: 5, Evicted: 16})
	})
	t.Run("routine flow says what it evicted", func(t *testing.T) {
		o, got := runOne(t, []core.Option{core.WithFlowBuffer(64<<10, 5)}, func(ctx context.Context) error {
			for range 8 {
				flow.Logger(ctx).Debug().Msg("d")
			}
			return nil
		})
		fe := flowEndOf(t, o)
		if _, ok := fe["detail"]; ok {
			t.Errorf("routine flow_end: %v", fe)
		}
		testkit.WantFields(t, fe, map[string]any{"buffered_evicted": float64(4)})
		wantDetail(t, got, core.DetailCounters{Held: 9, Dropped: 5, Evicted: 4})
	})
	big := strings.Repeat("x", 2000)
	for _, level := range []string{"debug", "info"} {
		t.Run("record larger than the bound, level "+level, func(t *testing.T) {
			o, got := runOne(t, []core.Option{core.WithFlowBuffer(1024, 100), core.WithLevel(level)}, func(ctx context.Context) error {
				flow.Logger(ctx).Debug().Str("big", big).Msg("big")
				return nil
			})
			bigs := only(o.success, map[string]any{"message": "big"})
			want := 0
			if level == "debug" {
				want = 1
				if _, ok := bigs[0]["buffered"]; ok {
					t.Errorf("an unheld record is marked: %v", bigs[0])
				}
			}
			if len(bigs) != want {
				t.Errorf("%d big records written, want %d", len(bigs), want)
			}
			wantDetail(t, got, core.DetailCounters{Held: 1, Dropped: 1, Overflow: 1})
		})
	}
	for _, level := range []string{"debug", "info"} {
		t.Run("pipeline cap, level "+level, func(t *testing.T) {
			const flows, each = 20, 10
			c := start(t, buffered, core.WithLevel(level), core.WithMaxHeld(4096))
			before := core.Stats().Detail
			var wg sync.WaitGroup
			var all sync.WaitGroup
			all.Add(flows)
			for f := range flows {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = flow.RunFlow(context.Background(), fmt.Sprint("f", f), func(ctx context.Context) error {
						for i := range each {
							flow.Logger(ctx).Debug().Int("i", i).Msg("d")
						}
						// Every flow holds its records until all logged theirs.
						all.Done()
						all.Wait()
						return nil
					})
				}()
			}
			wg.Wait()
			got := detailSince(before)
			o := c.finish(t)
			if got.Held+got.Overflow != flows*(1+each) {
				t.Errorf("held %d + overflow %d != %d records at held levels", got.Held, got.Overflow, flows*(1+each))
			}
			if got.Overflow == 0 || got.Dropped != got.Held || got.Written != 0 || got.HeldBytes != 0 {
				t.Errorf("counters %+v", got)
			}
			// What was not held is written as in full mode: flow_start
			// always, debug records when the level allows.
			starts := len(only(o.flows, map[string]any{"flow_type": "flow_start"}))
			ds := len(only(o.success, map[string]any{"message": "d"}))
			if level == "debug" && uint64(starts+ds) != got.Overflow || level == "info" && (ds != 0 || uint64(starts) > got.Overflow) {
				t.Errorf("level %s: %d flow_start and %d debug records written for %d overflows", level, starts, ds, got.Overflow)
			}
			for _, r := range o.all() {
				if _, ok := r["buffered"]; ok {
					t.Errorf("routine flows wrote a held record: %v", r)
				}
			}
		})
	}
}

func TestDetailAtInfoLevel(t *testing.T) {
	c := start(t, buffered, core.WithLevel("info"))
	before := core.Stats().Detail
	_ = flow.RunFlow(context.Background(), "failed", func(ctx context.Context) error {
		flow.Logger(ctx).Debug().Msg("failed flow debug")
		return errors.New("fail")
	})
	_ = flow.RunFlow(context.Background(), "routine", func(ctx context.Context) error {
		flow.Logger(ctx).Debug().Msg("routine flow debug")
		return nil
	})
	core.Logger().Debug().Msg("outside debug")
	got := detailSince(before)
	o := c.finish(t)
	testkit.WantFields(t, one(t, o.success, map[string]any{"message": "failed flow debug"}), map[string]any{"buffered": true, "level": "debug"})
	if n := len(only(o.success, map[string]any{"message": "routine flow debug"})) + len(only(o.success, map[string]any{"message": "outside debug"})); n != 0 {
		t.Errorf("%d debug records of a routine flow or outside a flow written at info", n)
	}
	// Each flow held its flow_start and its debug record.
	wantDetail(t, got, core.DetailCounters{Held: 4, Written: 2, Dropped: 2})
}

func TestDetailBufferLevelInfo(t *testing.T) {
	c := start(t, buffered, core.WithBufferLevel("info"))
	before := core.Stats().Detail
	log := func(ctx context.Context, name string) {
		l := flow.Logger(ctx)
		l.Debug().Msg(name + " debug")
		l.Info().Msg(name + " info")
		l.Warn().Msg(name + " warn")
	}
	_ = flow.RunFlow(context.Background(), "routine", func(ctx context.Context) error { log(ctx, "routine"); return nil })
	_ = flow.RunFlow(context.Background(), "failed", func(ctx context.Context) error { log(ctx, "failed"); return errors.New("x") })
	got := detailSince(before)
	o := c.finish(t)
	if m := strings.Join(msgs(o.success), "|"); m != "routine warn|failed warn|failed debug|failed info" {
		t.Errorf("success file %q", m)
	}
	for _, r := range o.success {
		_, marked := r["buffered"]
		if marked != (r["level"] != "warn") {
			t.Errorf("record %v: buffered %v", r, marked)
		}
	}
	wantDetail(t, got, core.DetailCounters{Held: 6, Written: 3, Dropped: 3})
}

func TestDetailFullModeHoldsNothing(t *testing.T) {
	c := start(t, core.WithDetail(core.DetailFull))
	before := core.Stats().Detail
	_ = flow.RunFlow(context.Background(), "x", func(ctx context.Context) error {
		flow.Logger(ctx).Debug().Msg("d")
		return flow.Run(ctx, "s", func(context.Context) error { return nil })
	})
	got := detailSince(before)
	o := c.finish(t)
	if len(o.flows) != 2 || o.flows[0]["flow_type"] != "flow_start" || len(o.success) != 3 {
		t.Errorf("full mode wrote:\n%s", o.files)
	}
	for _, r := range o.all() {
		for _, k := range []string{"buffered", "detail", "buffered_records"} {
			if _, ok := r[k]; ok {
				t.Errorf("full mode record has %q: %v", k, r)
			}
		}
	}
	wantSeqs(t, o.all())
	wantDetail(t, got, core.DetailCounters{})
}

// keepsTrace is the sampling rule, written apart from the library's: a
// routine flow of trace id is written at rate n when the last 56 bits of
// the trace ID are below 2^56/n.
func keepsTrace(t *testing.T, id string, n int) bool {
	t.Helper()
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != 16 {
		t.Fatalf("trace ID %q", id)
	}
	return binary.BigEndian.Uint64(raw[8:])&(1<<56-1) < (1<<56)/uint64(n)
}

// traceIDs returns n distinct valid trace IDs, the same on every call.
func traceIDs(n int) []string {
	r := rand.New(rand.NewPCG(21, 4))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%016x%016x", r.Uint64()|1, r.Uint64())
	}
	return ids
}

// runSampled runs a routine flow per trace ID at sampling rate n and
// returns the trace IDs of the flow_ends written (each with its
// sample_rate checked) and the counters' change.
func runSampled(t *testing.T, n int, ids []string) (map[string]bool, core.DetailCounters) {
	t.Helper()
	c := start(t, buffered, core.WithSampling(n))
	before := core.Stats().Detail
	for _, id := range ids {
		_, s := flow.Begin(context.Background(), flow.FlowSpec{TraceID: id})
		s.End(nil)
	}
	got := detailSince(before)
	o := c.finish(t)
	kept := map[string]bool{}
	for _, r := range o.flows {
		if r["flow_type"] != "flow_end" {
			t.Errorf("a routine flow wrote %v", r)
			continue
		}
		testkit.WantFields(t, r, map[string]any{"sample_rate": float64(n)})
		id := r["trace_id"].(string)
		if kept[id] {
			t.Errorf("two flow_ends for trace %s", id)
		}
		kept[id] = true
	}
	return kept, got
}

func TestDetailSampling(t *testing.T) {
	ids := traceIDs(400)
	want := map[string]bool{}
	for _, id := range ids {
		if keepsTrace(t, id, 4) {
			want[id] = true
		}
	}
	if len(want) < 60 || len(want) > 140 {
		t.Fatalf("%d of 400 trace IDs kept at rate 4: the test's IDs are not random", len(want))
	}
	kept4, got := runSampled(t, 4, ids)
	if fmt.Sprint(kept4) != fmt.Sprint(want) {
		t.Errorf("rate 4 kept %d flows, want the %d the rule keeps", len(kept4), len(want))
	}
	// Each flow held its flow_start and dropped it.
	wantDetail(t, got, core.DetailCounters{Held: 400, Dropped: 400, SampledOut: uint64(400 - len(want))})

	t.Run("another service decides alike", func(t *testing.T) {
		again, _ := runSampled(t, 4, ids)
		if fmt.Sprint(again) != fmt.Sprint(kept4) {
			t.Errorf("a second pipeline kept %d flows, the first %d, not the same", len(again), len(kept4))
		}
	})
	t.Run("rate 8 keeps a subset of rate 4", func(t *testing.T) {
		kept8, _ := runSampled(t, 8, ids)
		var want8 int
		for _, id := range ids {
			if keepsTrace(t, id, 8) {
				want8++
				if !kept8[id] {
					t.Errorf("trace %s not kept at rate 8", id)
				}
			}
		}
		if len(kept8) != want8 {
			t.Errorf("rate 8 kept %d, want %d", len(kept8), want8)
		}
		for id := range kept8 {
			if !kept4[id] {
				t.Errorf("trace %s kept at rate 8, not at rate 4", id)
			}
		}
	})
	t.Run("failed, slow and kept flows are never sampled out", func(t *testing.T) {
		var out []string // trace IDs a routine flow would leave out
		for _, id := range ids {
			if !keepsTrace(t, id, 4) {
				out = append(out, id)
			}
			if len(out) == 3 {
				break
			}
		}
		c := start(t, buffered, core.WithSampling(4), core.WithSlowFlow(20*time.Millisecond))
		before := core.Stats().Detail
		for i, id := range out {
			fctx, s := flow.Begin(context.Background(), flow.FlowSpec{TraceID: id})
			var err error
			switch i {
			case 0:
				err = errors.New("fail")
			case 1:
				time.Sleep(40 * time.Millisecond)
			case 2:
				_ = flow.KeepDetail(fctx)
			}
			s.End(&err)
		}
		got := detailSince(before)
		o := c.finish(t)
		for i, reason := range []string{"failed", "slow", "kept"} {
			fe := one(t, o.flows, map[string]any{"flow_type": "flow_end", "trace_id": out[i]})
			testkit.WantFields(t, fe, map[string]any{"detail": reason})
			if _, ok := fe["sample_rate"]; ok {
				t.Errorf("a %s flow_end has sample_rate: %v", reason, fe)
			}
		}
		wantDetail(t, got, core.DetailCounters{Held: 3, Written: 3})
	})
}

// Goroutines log into a flow while the flow ends: each record is held
// and then written or dropped with the flow, or written after its end,
// never lost and never written twice, and the counters add up. The end
// falls in the middle of the logging, over many rounds, to hit the moment
// a record is being held as the flow lets go.
func TestDetailRaceWithFlowEnd(t *testing.T) {
	for _, failed := range []bool{true, false} {
		t.Run(fmt.Sprint("failed=", failed), func(t *testing.T) {
			c := start(t, buffered, core.WithFlowBuffer(16<<20, 100000), core.WithConsoleFormat("off"))
			before := core.Stats().Detail
			const workers, perWorker = 4, 40
			// A routine flow writes little: more of them are cheap.
			rounds := 60
			if failed {
				rounds = 12
			}
			for round := range rounds {
				ctx, s := flow.Flow(context.Background(), fmt.Sprint("race", round))
				var started, wg sync.WaitGroup
				for w := range workers {
					started.Add(1)
					wg.Add(1)
					go func() {
						defer wg.Done()
						l := flow.Logger(ctx)
						for i := range perWorker {
							if i == 20 {
								started.Done() // the flow ends from now on
							}
							l.Debug().Int("w", w).Int("i", i).Msg("r")
						}
					}()
				}
				started.Wait()
				var err error
				if failed {
					err = errors.New("fail")
				}
				s.End(&err)
				waited := make(chan struct{})
				go func() { wg.Wait(); close(waited) }()
				select {
				case <-waited:
				case <-time.After(10 * time.Second):
					t.Fatal("a logging goroutine hung")
				}
			}
			got := detailSince(before)
			if st := core.Stats(); st.Dropped+st.Failed != 0 {
				t.Errorf("the pipeline dropped %d and lost %d records", st.Dropped, st.Failed)
			}
			o := c.finish(t)
			type key struct{ flow, w, i int }
			seen := map[key]int{}
			var marked, total int
			for _, r := range only(o.success, map[string]any{"message": "r"}) {
				var round int
				fmt.Sscanf(r["flow_id"].(string), "race%d-", &round)
				seen[key{round, int(r["w"].(float64)), int(r["i"].(float64))}]++
				if r["buffered"] == true {
					marked++
				}
			}
			total = rounds * workers * perWorker
			var written int
			for k, n := range seen {
				if n > 1 {
					t.Fatalf("record %+v written %d times", k, n)
				}
				if k.i >= perWorker || k.w >= workers || k.flow >= rounds {
					t.Fatalf("record %+v was never logged", k)
				}
				written++
			}
			// Held: each flow_start and the records logged before the end.
			if failed {
				if written != total || uint64(marked+rounds) != got.Written || got.Dropped != 0 {
					t.Errorf("%d of %d written, %d marked; counters %+v", written, total, marked, got)
				}
			} else if marked != 0 || uint64(written)+got.Dropped-uint64(rounds) != uint64(total) {
				t.Errorf("%d written + %d dropped (flow_starts aside) != %d logged; %d marked", written, got.Dropped-uint64(rounds), total, marked)
			}
			if got.Held != got.Written+got.Dropped+got.Evicted || got.HeldBytes != 0 || got.Evicted != 0 || got.Overflow != 0 {
				t.Errorf("counters %+v: held != written+dropped+evicted", got)
			}
		})
	}
}

// countedFields counts the calls of its AddFields, which adds method and
// path, as an HTTP adapter's flow_start fields do.
type countedFields struct{ n int32 }

func (c *countedFields) AddFields(w *flow.FieldWriter) {
	c.n++
	w.Str("method", "GET").Str("path", "/orders/7")
}

// flowStartLine returns the raw flow_start line of o's flows file.
func flowStartLine(t *testing.T, o output) string {
	t.Helper()
	var got []string
	for _, l := range strings.Split(o.files, "\n") {
		if strings.Contains(l, `"flow_type":"flow_start"`) {
			got = append(got, l)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d flow_start lines, want 1:\n%s", len(got), o.files)
	}
	return got[0]
}

// TestDetailFlowStartEncodedWhenWritten: in buffered detail mode a flow's
// flow_start is encoded (its StartFields called) only when it is written:
// never for a routine flow, which counts it held and dropped all the same;
// for a failed or kept flow, or one still running at Close, it is written
// first, seq 1, stamped with the flow's start, marked buffered after
// flow_type, its fields in place.
func TestDetailFlowStartEncodedWhenWritten(t *testing.T) {
	begin := func(f *countedFields) (context.Context, *flow.Span) {
		return flow.Begin(context.Background(), flow.FlowSpec{Label: "lazy", StartFields: f})
	}
	shape := regexp.MustCompile(`^\{"time":"[^"]+","level":"info","logger":"[^"]+","trace_id":"[0-9a-f]{32}","span_id":"[0-9a-f]{16}","flow_id":"lazy-[0-9a-f]{8}","seq":1,"flow_type":"flow_start","buffered":true,"method":"GET","path":"/orders/7","message":"flow started"\}$`)
	t.Run("routine", func(t *testing.T) {
		c := start(t, buffered)
		before := core.Stats().Detail
		var f countedFields
		_, span := begin(&f)
		span.End(nil)
		got := detailSince(before)
		o := c.finish(t)
		if f.n != 0 {
			t.Errorf("StartFields called %d times for a routine flow, want 0", f.n)
		}
		if n := len(only(o.flows, map[string]any{"flow_type": "flow_start"})); n != 0 {
			t.Errorf("%d flow_start written for a routine flow", n)
		}
		wantDetail(t, got, core.DetailCounters{Held: 1, Dropped: 1})
	})
	t.Run("failed", func(t *testing.T) {
		c := start(t, buffered)
		before := core.Stats().Detail
		var f countedFields
		t0 := time.Now()
		ctx, span := begin(&f)
		time.Sleep(5 * time.Millisecond)
		flow.Logger(ctx).Debug().Msg("held")
		err := errors.New("fail")
		span.End(&err)
		got := detailSince(before)
		o := c.finish(t)
		if f.n != 1 {
			t.Errorf("StartFields called %d times, want 1", f.n)
		}
		if l := flowStartLine(t, o); !shape.MatchString(l) {
			t.Errorf("flow_start\n%s\nnot of the shape\n%s", l, shape)
		}
		fs := one(t, o.flows, map[string]any{"flow_type": "flow_start"})
		held := one(t, o.success, map[string]any{"message": "held"})
		if ts, th := timeOf(t, fs), timeOf(t, held); ts.Before(t0.Add(-time.Millisecond)) || !ts.Before(th) {
			t.Errorf("flow_start at %v, want its begin (after %v, before the held record's %v)", ts, t0, th)
		}
		if seqOf(t, held) != 2 || o.flows[0]["flow_type"] != "flow_start" {
			t.Errorf("held seq %d, first flow record %v", seqOf(t, held), o.flows[0])
		}
		testkit.WantFields(t, flowEndOf(t, o), map[string]any{"detail": "failed", "buffered_records": float64(2)})
		wantDetail(t, got, core.DetailCounters{Held: 2, Written: 2})
	})
	t.Run("kept, nothing else held", func(t *testing.T) {
		c := start(t, buffered)
		before := core.Stats().Detail
		var f countedFields
		ctx, span := begin(&f)
		if err := flow.KeepDetail(ctx); err != nil {
			t.Fatal(err)
		}
		span.End(nil)
		got := detailSince(before)
		o := c.finish(t)
		if l := flowStartLine(t, o); !shape.MatchString(l) || f.n != 1 {
			t.Errorf("StartFields called %d times; flow_start\n%s", f.n, l)
		}
		testkit.WantFields(t, flowEndOf(t, o), map[string]any{"detail": "kept", "buffered_records": float64(1)})
		wantDetail(t, got, core.DetailCounters{Held: 1, Written: 1})
	})
	t.Run("running at Close", func(t *testing.T) {
		c := start(t, buffered)
		before := core.Stats().Detail
		var f countedFields
		_, span := begin(&f)
		o := c.finish(t)
		span.End(nil)
		got := detailSince(before)
		if l := flowStartLine(t, o); !shape.MatchString(l) || f.n != 1 {
			t.Errorf("StartFields called %d times; flow_start\n%s", f.n, l)
		}
		wantDetail(t, got, core.DetailCounters{Held: 1, Written: 1})
	})
}
