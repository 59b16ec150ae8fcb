package flow_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/testkit"
)

// The checkout example of the Python README, in Go: a flow "checkout" with
// the steps validate_payment and charge_card; when the gateway is down the
// hold on the card is released (a third step) and the flow fails.

// ConnectionError is what the payment gateway returns when it cannot be
// reached.
type ConnectionError struct{ msg string }

func (e *ConnectionError) Error() string { return e.msg }

type gateway struct{ down bool }

func validatePayment(ctx context.Context, amount float64) (ok bool, err error) {
	_, span := flow.Step(ctx, "validate_payment")
	defer span.End(&err)
	return amount > 0, nil
}

func (g gateway) chargeCard(ctx context.Context, amount float64) (err error) {
	_, span := flow.Step(ctx, "charge_card")
	defer span.End(&err)
	if g.down {
		return &ConnectionError{"gateway timeout"}
	}
	return nil
}

func releaseHold(ctx context.Context) (err error) {
	_, span := flow.Step(ctx, "release_hold")
	defer span.End(&err)
	return nil
}

func (g gateway) processCheckout(ctx context.Context, orderID string, amount float64) (err error) {
	ctx, span := flow.Flow(ctx, "checkout")
	defer span.End(&err)
	if _, err := validatePayment(ctx, amount); err != nil {
		return err
	}
	if err := g.chargeCard(ctx, amount); err != nil {
		_ = releaseHold(ctx)
		return err
	}
	return nil
}

var checkoutID = regexp.MustCompile(`^checkout-[0-9a-f]{8}$`)

// flowPair returns the flow_start and flow_end records of the only flow in
// o, checking the fields they share.
func flowPair(t *testing.T, o output) (startRec, endRec record) {
	t.Helper()
	if len(o.flows) != 2 {
		t.Fatalf("flows file holds %d records, want 2: %v", len(o.flows), o.flows)
	}
	startRec, endRec = o.flows[0], o.flows[1]
	testkit.WantFields(t, startRec, map[string]any{"flow_type": "flow_start", "message": "flow started"})
	testkit.WantFields(t, endRec, map[string]any{"flow_type": "flow_end"})
	for _, k := range []string{"flow_id", "trace_id", "span_id"} {
		if startRec[k] != endRec[k] {
			t.Errorf("%s differs: flow_start %v, flow_end %v", k, startRec[k], endRec[k])
		}
	}
	return startRec, endRec
}

// checkStepRecords checks the entry and exit records of the steps of a flow:
// exact keys, IDs tied to the flow, and exit status.
func checkStepRecords(t *testing.T, o output, fs record, steps map[string]string) {
	t.Helper()
	for fn, status := range steps {
		entry := one(t, o.success, map[string]any{"fn": fn, "message": "step started"})
		wantCommon(t, entry, "info")
		wantKeys(t, entry, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "fn", "parent_span_id", "message")
		testkit.WantFields(t, entry, map[string]any{"trace_id": fs["trace_id"], "flow_id": fs["flow_id"], "parent_span_id": fs["span_id"]})

		var exit record
		if status == "ok" {
			exit = one(t, o.success, map[string]any{"fn": fn, "message": "step finished"})
			wantCommon(t, exit, "info")
			wantKeys(t, exit, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "fn", "parent_span_id", "ms", "status", "message")
			if len(only(o.errs, map[string]any{"fn": fn})) != 0 {
				t.Errorf("step %s succeeded but has records in the error file", fn)
			}
		} else {
			exit = one(t, o.errs, map[string]any{"fn": fn, "message": "step failed"})
			wantCommon(t, exit, "error")
			wantKeys(t, exit, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "fn", "parent_span_id", "ms", "status", "error", "error_type", "message")
		}
		testkit.WantFields(t, exit, map[string]any{
			"status": status, "span_id": entry["span_id"], "trace_id": fs["trace_id"],
			"flow_id": fs["flow_id"], "parent_span_id": fs["span_id"],
		})
		wantMS(t, exit, "ms")
	}
}

func TestCheckoutSuccess(t *testing.T) {
	c := start(t)
	if err := (gateway{}).processCheckout(context.Background(), "ORD-42", 99.99); err != nil {
		t.Fatal(err)
	}
	o := c.finish(t)

	fs, fe := flowPair(t, o)
	wantCommon(t, fs, "info")
	wantKeys(t, fs, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "flow_type", "message")
	if id, _ := fs["flow_id"].(string); !checkoutID.MatchString(id) {
		t.Errorf("flow_id %q does not match %v", id, checkoutID)
	}

	wantCommon(t, fe, "info")
	wantKeys(t, fe, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "flow_type",
		"flow_status", "total_ms", "steps", "timeline", "message")
	testkit.WantFields(t, fe, map[string]any{"flow_status": "success", "steps": 2.0, "message": "flow finished"})
	total := wantMS(t, fe, "total_ms")
	fns, statuses := timelineOf(t, fe)
	if !slices.Equal(fns, []string{"validate_payment", "charge_card"}) || !slices.Equal(statuses, []string{"ok", "ok"}) {
		t.Errorf("timeline %v %v, want validate_payment, charge_card, both ok", fns, statuses)
	}
	for _, e := range fe["timeline"].([]any) {
		if ms := e.(map[string]any)["ms"].(float64); ms > total {
			t.Errorf("a step took %v ms, longer than the flow's %v", ms, total)
		}
	}

	checkStepRecords(t, o, fs, map[string]string{"validate_payment": "ok", "charge_card": "ok"})
	if len(o.success) != 4 || len(o.errs) != 0 {
		t.Errorf("success holds %d records (want 4), error %d (want 0)", len(o.success), len(o.errs))
	}
}

func TestCheckoutFailure(t *testing.T) {
	c := start(t)
	err := (gateway{down: true}).processCheckout(context.Background(), "ORD-42", 99.99)
	var ce *ConnectionError
	if !errors.As(err, &ce) || err.Error() != "gateway timeout" {
		t.Fatalf("processCheckout returned %v, want the gateway's *ConnectionError unchanged", err)
	}
	o := c.finish(t)

	fs, fe := flowPair(t, o)
	wantCommon(t, fs, "info")
	wantCommon(t, fe, "error")
	if id, _ := fe["flow_id"].(string); !checkoutID.MatchString(id) {
		t.Errorf("flow_id %q does not match %v", id, checkoutID)
	}
	wantKeys(t, fe, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "flow_type",
		"flow_status", "total_ms", "steps", "timeline", "failed_at", "step", "flow_error", "message")
	testkit.WantFields(t, fe, map[string]any{
		"flow_status": "failed",
		"steps":       3.0,
		"failed_at":   "charge_card",
		"step":        "2/3",
		"flow_error":  "ConnectionError: gateway timeout",
		"message":     "flow failed",
	})
	wantMS(t, fe, "total_ms")
	fns, statuses := timelineOf(t, fe)
	if !slices.Equal(fns, []string{"validate_payment", "charge_card", "release_hold"}) ||
		!slices.Equal(statuses, []string{"ok", "error", "ok"}) {
		t.Errorf("timeline %v %v", fns, statuses)
	}

	checkStepRecords(t, o, fs, map[string]string{"validate_payment": "ok", "charge_card": "error", "release_hold": "ok"})
	failed := one(t, o.errs, map[string]any{"fn": "charge_card"})
	testkit.WantFields(t, failed, map[string]any{"error": "gateway timeout", "error_type": "*flow_test.ConnectionError"})
	if len(o.success) != 5 || len(o.errs) != 1 {
		t.Errorf("success holds %d records (want 5), error %d (want 1)", len(o.success), len(o.errs))
	}
}
