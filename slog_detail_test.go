package logcrest_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/logcrest/logcrest"
)

// TestSlogDebugIsHeldInsideAFlow: with the pipeline at info and buffered
// detail (the default), the slog handler's Enabled answers true for debug
// inside a flow, whose detail holds it, and false outside one; a slog debug
// record is then written, marked "buffered": true and alongside the
// zerolog one logged next to it (the same writer), for a failed flow, and
// not at all for a routine flow or outside a flow.
func TestSlogDebugIsHeldInsideAFlow(t *testing.T) {
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("steps"), logcrest.WithLevel("info"),
		logcrest.WithConsole(nil), logcrest.WithConfigFile(""))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	h := p.SlogHandler(nil)
	log := slog.New(h)
	base := logcrest.NewContext(context.Background(), p)

	if h.Enabled(base, slog.LevelDebug) {
		t.Error("Enabled(debug) outside a flow with the pipeline at info")
	}
	log.DebugContext(base, "outside")

	var failedFlow, routineFlow string
	var inFlow, inStep bool
	_ = logcrest.RunFlow(base, "failing", func(ctx context.Context) error {
		failedFlow = logcrest.FlowID(ctx)
		inFlow = h.Enabled(ctx, slog.LevelDebug)
		return logcrest.Run(ctx, "charge", func(ctx context.Context) error {
			inStep = h.Enabled(ctx, slog.LevelDebug)
			log.DebugContext(ctx, "slog in failed")
			logcrest.Log(ctx).Debug().Msg("zerolog in failed")
			return errors.New("card declined")
		})
	})
	_ = logcrest.RunFlow(base, "routine", func(ctx context.Context) error {
		routineFlow = logcrest.FlowID(ctx)
		log.DebugContext(ctx, "slog in routine")
		return nil
	})
	if !inFlow || !inStep {
		t.Errorf("Enabled(debug) inside a flow = %v, inside its step = %v; want true, true", inFlow, inStep)
	}
	if h.Enabled(base, slog.LevelDebug) {
		t.Error("Enabled(debug) after the flows ended")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	recs := readStream(t, dir, "success")
	byMsg := map[string]stepRecord{}
	for _, r := range recs {
		if m, ok := r["message"].(string); ok {
			if _, dup := byMsg[m]; dup {
				t.Errorf("%q written twice", m)
			}
			byMsg[m] = r
		}
	}
	for _, m := range []string{"outside", "slog in routine"} {
		if r, ok := byMsg[m]; ok {
			t.Errorf("%q written: %v", m, r)
		}
	}
	s, z := byMsg["slog in failed"], byMsg["zerolog in failed"]
	if s == nil || z == nil {
		t.Fatalf("the failed flow's debug records: slog %v, zerolog %v; want both (records %v)", s, z, recs)
	}
	for _, k := range []string{"level", "flow_id", "trace_id", "span_id", "fn", "buffered"} {
		if s[k] != z[k] {
			t.Errorf("%s: slog's %v, zerolog's %v: not the same writer", k, s[k], z[k])
		}
	}
	if s["buffered"] != true || s["level"] != "debug" || s["flow_id"] != failedFlow || s["fn"] != "charge" {
		t.Errorf("slog record %v: want buffered true, level debug, flow_id %s, fn charge", s, failedFlow)
	}
	if routineFlow == "" || routineFlow == failedFlow {
		t.Errorf("flow IDs %q and %q", failedFlow, routineFlow)
	}
}
