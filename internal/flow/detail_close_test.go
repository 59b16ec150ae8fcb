package flow_test

import (
	"context"
	"testing"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// TestCloseWritesWhatRunningFlowsHold: a flow still running when the
// pipeline closes has logged its held records before Close returned, so
// they are in the files, marked; the flow ends afterwards, writing only what
// it logged since, and Stats accounts for every record held.
func TestCloseWritesWhatRunningFlowsHold(t *testing.T) {
	c := start(t, core.WithDetail(core.DetailBuffered))
	ctx, span := flow.Flow(context.Background(), "late")
	_, step := flow.Step(ctx, "work")
	flow.Logger(ctx).Debug().Msg("held at close")
	step.End(nil)
	o := c.finish(t) // closes the pipeline with the flow running

	var held []string
	for _, r := range append(o.flows, o.success...) {
		if r["buffered"] == true {
			held = append(held, r["message"].(string))
		}
	}
	want := []string{"flow started", "step started", "held at close", "step finished"}
	if len(held) != len(want) {
		t.Fatalf("records written at Close: %q, want %q", held, want)
	}
	for _, r := range o.flows {
		if r["flow_type"] == "flow_end" {
			t.Errorf("flow_end written before the flow ended: %v", r)
		}
	}
	span.End(nil) // after Close: a routine end, nothing more held
	st := core.Stats().Detail
	if st.Held != 4 || st.Written != 4 || st.Dropped != 0 || st.HeldBytes != 0 {
		t.Errorf("Detail = %+v, want 4 held, 4 written, none dropped or held", st)
	}
}
