package flow_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/testkit"
)

// These tests use Begin and Finish the way an HTTP adapter does: the
// adapter adopts an incoming trace, adds request fields to flow_start,
// recovers panics itself and adds response fields to flow_end.

const (
	incomingTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	incomingParent = "00f067aa0ba902b7"
)

func requestSpec() flow.FlowSpec {
	return flow.FlowSpec{
		Label:        "req-7f3a",
		Name:         "GET /orders/{id}",
		TraceID:      incomingTrace,
		ParentSpanID: incomingParent,
		StartFields:  requestFields{},
	}
}

// requestFields adds what an HTTP adapter adds to flow_start.
type requestFields struct{}

func (requestFields) AddFields(w *flow.FieldWriter) {
	w.Str("method", "GET").Str("path", "/orders/42").Str("request_id", "req-7f3a")
}

// withStatus adds what an HTTP adapter adds to flow_end.
type withStatus int

func (s withStatus) AddFields(w *flow.FieldWriter) {
	w.Int("http_status", int64(s)).Int("bytes", 12).Str("route", "/orders/{id}")
}

func TestBeginFinishSuccess(t *testing.T) {
	c := start(t)
	ctx, s := flow.Begin(context.Background(), requestSpec())
	if !s.IsFlow() || s.TraceID() != incomingTrace || flow.TraceID(ctx) != incomingTrace {
		t.Fatalf("IsFlow %v, trace %q: the incoming trace was not adopted", s.IsFlow(), s.TraceID())
	}
	if s.FlowID() != flow.FlowID(ctx) || s.SpanID() != flow.SpanID(ctx) {
		t.Error("the span's IDs differ from its context's")
	}
	flow.Logger(ctx).Info().Msg("handling")
	_ = flow.Run(ctx, "fetch_order", func(context.Context) error { return nil })
	s.Finish(flow.Outcome{EndFields: withStatus(200)})
	s.Finish(flow.Outcome{Failed: true}) // ignored
	o := c.finish(t)

	fs, fe := flowPair(t, o)
	wantKeys(t, fs, "time", "level", "logger", "trace_id", "span_id", "parent_span_id", "flow_id", "seq", "flow_type",
		"method", "path", "request_id", "message")
	testkit.WantFields(t, fs, map[string]any{"trace_id": incomingTrace, "parent_span_id": incomingParent, "method": "GET"})
	wantKeys(t, fe, "time", "level", "logger", "trace_id", "span_id", "parent_span_id", "flow_id", "seq", "flow_type",
		"flow_status", "total_ms", "steps", "timeline", "http_status", "bytes", "route", "message")
	testkit.WantFields(t, fe, map[string]any{"flow_status": "success", "http_status": 200.0, "route": "/orders/{id}", "steps": 1.0})

	log := one(t, o.success, map[string]any{"message": "handling"})
	testkit.WantFields(t, log, map[string]any{"fn": "GET /orders/{id}", "trace_id": incomingTrace, "span_id": fs["span_id"], "flow_id": fs["flow_id"]})
}

func TestBeginFinishFailedWithoutError(t *testing.T) {
	c := start(t)
	_, s := flow.Begin(context.Background(), requestSpec())
	s.Finish(flow.Outcome{Failed: true, EndFields: withStatus(503)})
	o := c.finish(t)
	_, fe := flowPair(t, o)
	wantCommon(t, fe, "error")
	wantKeys(t, fe, "time", "level", "logger", "trace_id", "span_id", "parent_span_id", "flow_id", "seq", "flow_type",
		"flow_status", "total_ms", "steps", "timeline", "failed_at", "step", "http_status", "bytes", "route", "message")
	testkit.WantFields(t, fe, map[string]any{
		"flow_status": "failed", "failed_at": "GET /orders/{id}", "step": "0/0", "http_status": 503.0, "steps": 0.0,
	})
	if tl := fe["timeline"].([]any); len(tl) != 0 {
		t.Errorf("timeline %v, want empty", tl)
	}
}

func TestBeginFinishFailedAfterAFailedStep(t *testing.T) {
	// The handler turned a step's error into a 500: flow_error is the
	// step's.
	c := start(t)
	ctx, s := flow.Begin(context.Background(), requestSpec())
	_ = flow.Run(ctx, "load", func(context.Context) error { return &ConnectionError{"db down"} })
	s.Finish(flow.Outcome{Failed: true, EndFields: withStatus(500)})
	o := c.finish(t)
	_, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{"failed_at": "load", "step": "1/1", "flow_error": "ConnectionError: db down"})
}

func TestBeginFinishPanic(t *testing.T) {
	c := start(t)
	ctx, s := flow.Begin(context.Background(), requestSpec())
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.Finish(flow.Outcome{Panic: r, Stack: []byte("the adapter's stack"), EndFields: withStatus(500)})
			}
		}()
		_ = flow.Run(ctx, "render", func(context.Context) error {
			var m map[string]int
			//lint:ignore SA5000 the runtime error is the point of the test
			m["x"] = 1
			return nil
		})
	}()
	o := c.finish(t)
	_, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{
		"flow_status": "failed", "failed_at": "render", "step": "1/1", "stack": "the adapter's stack",
		"flow_error": "panic: assignment to entry in nil map", "http_status": 500.0,
	})
	step := one(t, o.errs, map[string]any{"fn": "render"})
	testkit.WantFields(t, step, map[string]any{"error": "assignment to entry in nil map", "error_type": "runtime.plainError"})
}

func TestBeginOwnStackWhenNoneGiven(t *testing.T) {
	c := start(t)
	_, s := flow.Begin(context.Background(), flow.FlowSpec{})
	s.Finish(flow.Outcome{Panic: errors.New("bad")})
	o := c.finish(t)
	_, fe := flowPair(t, o)
	if stack, _ := fe["stack"].(string); stack == "" {
		t.Error("no stack")
	}
	testkit.WantFields(t, fe, map[string]any{"failed_at": "flow", "flow_error": "panic: bad"})
}

func TestBeginRejectsInvalidTraces(t *testing.T) {
	for _, tc := range []struct{ trace, parent string }{
		{"4BF92F3577B34DA6A3CE929D0E0E4736", incomingParent},  // uppercase
		{"00000000000000000000000000000000", incomingParent},  // all zero
		{"4bf92f3577b34da6a3ce929d0e0e473", incomingParent},   // short
		{"4bf92f3577b34da6a3ce929d0e0e4736x", incomingParent}, // long
		{"zbf92f3577b34da6a3ce929d0e0e4736", incomingParent},  // not hex
		{"", incomingParent},                // none
		{incomingTrace, "0000000000000000"}, // valid trace, zero parent
		{incomingTrace, "00f067aa0ba902b"},  // valid trace, bad parent
	} {
		c := start(t)
		_, s := flow.Begin(context.Background(), flow.FlowSpec{TraceID: tc.trace, ParentSpanID: tc.parent})
		s.Finish(flow.Outcome{})
		o := c.finish(t)
		fs, _ := flowPair(t, o)
		wantCommon(t, fs, "info")
		adopted := flow.ValidTraceID(tc.trace)
		if (fs["trace_id"] == tc.trace) != adopted {
			t.Errorf("trace %q: flow trace_id %v", tc.trace, fs["trace_id"])
		}
		if _, ok := fs["parent_span_id"]; ok {
			t.Errorf("trace %q parent %q: parent_span_id %v recorded", tc.trace, tc.parent, fs["parent_span_id"])
		}
	}
}

func TestBeginInsideAFlowDegrades(t *testing.T) {
	c := start(t)
	err := flow.RunFlow(context.Background(), "outer", func(ctx context.Context) error {
		ictx, s := flow.Begin(ctx, requestSpec())
		if s.IsFlow() || flow.TraceID(ictx) == incomingTrace {
			t.Error("a nested Begin started a flow or adopted a trace")
		}
		s.Finish(flow.Outcome{EndFields: withStatus(204)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.finish(t)
	_, fe := flowPair(t, o)
	if fns, _ := timelineOf(t, fe); !slices.Equal(fns, []string{"GET /orders/{id}"}) {
		t.Errorf("timeline %v", fns)
	}
	entry := one(t, o.success, map[string]any{"message": "step started"})
	testkit.WantFields(t, entry, map[string]any{"method": "GET", "path": "/orders/42"})
	exit := one(t, o.success, map[string]any{"message": "step finished"})
	testkit.WantFields(t, exit, map[string]any{"http_status": 204.0})
	testkit.WantFields(t, one(t, o.success, map[string]any{"level": "warn"}), map[string]any{"label": "req-7f3a"})
}

// reqFields is an adapter's request, adding its fields as objects rather
// than through method values.
type reqFields struct{ method, route string }

type reqStart reqFields

func (r *reqStart) AddFields(w *flow.FieldWriter) { w.Str("method", r.method) }

type reqEnd reqFields

func (r *reqEnd) AddFields(w *flow.FieldWriter) { w.Str("route", r.route) }

// bothEnds adds two Fields in turn.
type bothEnds [2]flow.Fields

func (b bothEnds) AddFields(w *flow.FieldWriter) {
	b[0].AddFields(w)
	b[1].AddFields(w)
}

func TestBeginFinishWithFieldObjects(t *testing.T) {
	c := start(t)
	q := &reqFields{method: "PUT", route: "/orders/{id}"}
	ctx, s := flow.Begin(context.Background(), flow.FlowSpec{Label: "req", StartFields: (*reqStart)(q)})
	// Nested: degraded to a step whose entry record gets the start fields.
	_, inner := flow.Begin(ctx, flow.FlowSpec{Label: "inner", StartFields: (*reqStart)(q)})
	inner.Finish(flow.Outcome{EndFields: (*reqEnd)(q)})
	s.Finish(flow.Outcome{EndFields: bothEnds{withStatus(201), (*reqEnd)(q)}})
	o := c.finish(t)

	fs, fe := flowPair(t, o)
	testkit.WantFields(t, fs, map[string]any{"method": "PUT"})
	testkit.WantFields(t, fe, map[string]any{"route": "/orders/{id}", "http_status": 201.0, "steps": 1.0})
	var entry, exit bool
	for _, r := range o.success {
		switch r["message"] {
		case "step started":
			entry = r["method"] == "PUT"
		case "step finished":
			exit = r["route"] == "/orders/{id}"
		}
	}
	if !entry || !exit {
		t.Errorf("degraded flow: entry has method %v, exit has route %v; records %v", entry, exit, o.success)
	}
}
