package flow_test

import (
	"context"
	"errors"
	"testing"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/schema"
)

// TestRecordKeysAreSchemaKeys: every key the records of a flow hold at
// their top level and in a timeline entry, apart from the caller's own
// (a flow field), is one internal/schema defines, and the values of
// flow_type, flow_status and status are schema's: the writer cannot add a
// key or a value the readers (cmd/logcrest, otel, logcresttest) do not
// know by name. The flow below writes every kind of record: flow_start
// with args, a step's entry and exit with a result, a nested step, a
// failed step with its error, a panic's stack, a cancelled step, a step
// still running at flow_end, a flow cut timeline, flow_end failed with
// its failure fields.
func TestRecordKeysAreSchemaKeys(t *testing.T) {
	c := start(t, core.WithTimelineCap(3))
	ctx, s := flow.Begin(context.Background(), flow.FlowSpec{Label: "keys"}, flow.Args("a", 1))
	if err := flow.SetField(ctx, "user_id", "u1"); err != nil {
		t.Fatal(err)
	}
	_, _ = flow.Call(ctx, "lookup", func(ctx context.Context) (int, error) {
		return 7, flow.Run(ctx, "inner", func(context.Context) error { return nil })
	}, flow.LogResult())
	_ = flow.Run(ctx, "charge", func(context.Context) error { return errors.New("declined") })
	func() {
		defer func() { _ = recover() }()
		_ = flow.Run(ctx, "boom", func(context.Context) error { panic("boom") })
	}()
	_, cancelled := flow.Step(ctx, "called off")
	cancelled.Finish(flow.Outcome{Cancelled: true})
	_, running := flow.Step(ctx, "still running")
	s.Finish(flow.Outcome{Err: errors.New("gave up")})
	running.End(nil)
	o := c.finish(t)

	values := map[string]map[string]bool{
		schema.KeyFlowType:   {schema.FlowStart: true, schema.FlowEnd: true},
		schema.KeyFlowStatus: {schema.FlowSuccess: true, schema.FlowFailed: true, schema.FlowCancelled: true},
		schema.KeyStatus: {schema.StepOK: true, schema.StepError: true, schema.StepCancelled: true,
			schema.StepRunning: true},
	}
	seen := map[string]bool{}
	check := func(where string, r map[string]any) {
		for k, v := range r {
			seen[k] = true
			if k == "user_id" {
				continue
			}
			if !schema.Known(k) {
				t.Errorf("%s: key %q is not defined in internal/schema: %v", where, k, r)
			}
			if allowed, ok := values[k]; ok && !allowed[v.(string)] {
				t.Errorf("%s: %s %q is not one of schema's values", where, k, v)
			}
		}
	}
	n := 0
	for _, rs := range [][]record{o.flows, o.success, o.errs} {
		for _, r := range rs {
			n++
			check("record", r)
			if tl, ok := r[schema.KeyTimeline].([]any); ok {
				for _, e := range tl {
					check("timeline entry", e.(map[string]any))
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d records written", n)
	}
	// The flow above wrote the keys it was meant to: the check saw them.
	for _, k := range []string{schema.KeyArgs, schema.KeyResult, schema.KeyStack, schema.KeyParentSpanID,
		schema.KeyTimelineTruncated, schema.KeyFailedAt, schema.KeyFlowError, schema.KeyErrorType,
		schema.KeyAtMs, schema.KeyParent, "user_id"} {
		if !seen[k] {
			t.Errorf("no record held %q", k)
		}
	}
}
