package flow_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/testkit"
)

func TestFlowIDLabels(t *testing.T) {
	req := httptest.NewRequest("GET", "/orders/42?token=abc", nil)
	req.Header.Set("X-Request-ID", "checkout-session-7f3a")
	hostile := httptest.NewRequest("GET", "/", nil)
	hostile.Header.Set("X-Request-ID", "order 42/ü\n\"x\"")

	tests := []struct {
		name  string
		label string
		want  string // the flow ID without its 8 hex digits
	}{
		{"empty", "", ""},
		{"static", "checkout", "checkout-"},
		{"from a request header", req.Header.Get("X-Request-ID"), "checkout-session-7f3a-"},
		{"from a request path", "order:" + strings.TrimPrefix(req.URL.Path, "/orders/"), "order:42-"},
		{"hostile request value", hostile.Header.Get("X-Request-ID"), "order_42____x_-"},
		{"too long", strings.Repeat("a", 100), strings.Repeat("a", 64) + "-"},
		{"all allowed", "A-z_0.9:x", "A-z_0.9:x-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t)
			var flowID, traceID string
			err := flow.RunFlow(context.Background(), tt.label, func(ctx context.Context) error {
				flowID, traceID = flow.FlowID(ctx), flow.TraceID(ctx)
				return flow.Run(ctx, "inner", func(ctx context.Context) error {
					if got := flow.FlowID(ctx); got != flowID {
						t.Errorf("FlowID in a step = %q, want the flow's %q", got, flowID)
					}
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			want := regexp.MustCompile("^" + regexp.QuoteMeta(tt.want) + "[0-9a-f]{8}$")
			if !want.MatchString(flowID) {
				t.Errorf("FlowID = %q, want %v", flowID, want)
			}
			if !hex32.MatchString(traceID) {
				t.Errorf("TraceID = %q, want 32 lowercase hex", traceID)
			}
			o := c.finish(t)
			fs, fe := flowPair(t, o)
			testkit.WantFields(t, fs, map[string]any{"flow_id": flowID, "trace_id": traceID})
			testkit.WantFields(t, fe, map[string]any{"flow_id": flowID, "trace_id": traceID})
			for _, r := range o.success {
				testkit.WantFields(t, r, map[string]any{"flow_id": flowID, "trace_id": traceID})
			}
		})
	}

	t.Run("outside a flow", func(t *testing.T) {
		if got := flow.FlowID(context.Background()); got != "" {
			t.Errorf("FlowID(Background) = %q", got)
		}
		if got := flow.TraceID(context.Background()); got != "" {
			t.Errorf("TraceID(Background) = %q", got)
		}
		var none context.Context // a nil context is documented to work
		if flow.FlowID(none) != "" || flow.TraceID(none) != "" || flow.SpanID(none) != "" || flow.Logger(none) != nil {
			t.Error("a nil context has IDs")
		}
	})

	t.Run("two flows differ", func(t *testing.T) {
		start(t)
		seen := map[string]bool{}
		for range 100 {
			ctx, s := flow.Flow(context.Background(), "")
			seen[flow.FlowID(ctx)+"/"+flow.TraceID(ctx)] = true
			s.End(nil)
		}
		if len(seen) != 100 {
			t.Errorf("100 flows gave %d distinct IDs", len(seen))
		}
	})
}

func TestNestedFlowDegradesToAStep(t *testing.T) {
	c := start(t)
	var outerID, innerID string
	var innerIsFlow bool
	err := flow.RunFlow(context.Background(), "outer", func(ctx context.Context) error {
		outerID = flow.FlowID(ctx)
		_ = flow.Run(ctx, "a", func(context.Context) error { return nil })
		ictx, inner := flow.Flow(ctx, "inner")
		innerIsFlow = inner.IsFlow()
		innerID = flow.FlowID(ictx)
		_ = flow.Run(ictx, "b", func(context.Context) error { return nil })
		inner.End(nil)
		return flow.Run(ctx, "c", func(context.Context) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if innerIsFlow {
		t.Error("the nested flow reports IsFlow")
	}
	if innerID != outerID {
		t.Errorf("FlowID inside the nested flow = %q, want the outer %q", innerID, outerID)
	}
	o := c.finish(t)

	fs, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{"flow_id": outerID, "flow_status": "success", "steps": 4.0})
	fns, statuses := timelineOf(t, fe)
	if !slices.Equal(fns, []string{"a", "inner", "b", "c"}) || !slices.Equal(statuses, []string{"ok", "ok", "ok", "ok"}) {
		t.Errorf("timeline %v %v, want a, inner, b, c", fns, statuses)
	}

	warn := one(t, o.success, map[string]any{"level": "warn"})
	wantCommon(t, warn, "warn")
	wantKeys(t, warn, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "fn", "label", "message")
	testkit.WantFields(t, warn, map[string]any{
		"message": "nested flow degraded to a step", "label": "inner", "fn": "inner",
		"flow_id": outerID, "trace_id": fs["trace_id"],
	})

	innerEntry := one(t, o.success, map[string]any{"fn": "inner", "message": "step started"})
	testkit.WantFields(t, innerEntry, map[string]any{"parent_span_id": fs["span_id"], "span_id": warn["span_id"]})
	one(t, o.success, map[string]any{"fn": "inner", "message": "step finished"})
	bEntry := one(t, o.success, map[string]any{"fn": "b", "message": "step started"})
	testkit.WantFields(t, bEntry, map[string]any{"parent_span_id": innerEntry["span_id"], "flow_id": outerID})
}

func TestTenGoroutinesOneTimeline(t *testing.T) {
	c := start(t)
	err := flow.RunFlow(context.Background(), "fanout", func(ctx context.Context) error {
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range 10 {
			wg.Go(func() {
				<-gate
				_ = flow.Run(ctx, "worker-"+strconv.Itoa(i), func(ctx context.Context) error {
					flow.Logger(ctx).Info().Int("worker", i).Msg("working")
					return nil
				})
			})
		}
		close(gate)
		wg.Wait()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.finish(t)
	fs, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{"flow_status": "success", "steps": 10.0})
	fns, statuses := timelineOf(t, fe)
	if len(fns) != 10 {
		t.Fatalf("timeline has %d entries, want 10", len(fns))
	}
	sorted := slices.Clone(fns)
	slices.Sort(sorted)
	for i, fn := range sorted {
		if want := "worker-" + strconv.Itoa(i); fn != want {
			t.Errorf("timeline entries %v: want each worker once", fns)
			break
		}
	}
	for _, s := range statuses {
		if s != "ok" {
			t.Errorf("statuses %v, want all ok", statuses)
		}
	}
	for _, r := range only(o.success, map[string]any{"message": "step started"}) {
		testkit.WantFields(t, r, map[string]any{"parent_span_id": fs["span_id"], "flow_id": fs["flow_id"], "trace_id": fs["trace_id"]})
	}
	if n := len(only(o.success, map[string]any{"message": "working"})); n != 10 {
		t.Errorf("%d records from inside the workers, want 10", n)
	}
}

func TestGoroutinesAtDepthJoinTheFlow(t *testing.T) {
	c := start(t)
	err := flow.RunFlow(context.Background(), "deep", func(ctx context.Context) error {
		return flow.Run(ctx, "parent", func(ctx context.Context) error {
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Go(func() {
					vctx := context.WithValue(ctx, struct{ k int }{i}, i)
					cctx, cancel := context.WithCancel(vctx)
					defer cancel()
					_ = flow.Run(cctx, "child", func(ctx context.Context) error {
						return flow.Run(ctx, "grandchild", func(context.Context) error { return nil })
					})
				})
			}
			wg.Wait()
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.finish(t)
	_, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{"steps": 7.0})
	fns, _ := timelineOf(t, fe)
	if fns[0] != "parent" || len(fns) != 7 {
		t.Errorf("timeline %v, want parent then 3 children and 3 grandchildren", fns)
	}
}

// panicValue is a panic value that only compares equal to itself.
type panicValue struct{ code int }

func TestPanicInStepInFlow(t *testing.T) {
	c := start(t)
	boom := &panicValue{42}
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = flow.RunFlow(context.Background(), "checkout", func(ctx context.Context) error {
			if _, err := validatePayment(ctx, 10); err != nil {
				return err
			}
			return flow.Run(ctx, "charge_card", func(context.Context) error { panic(boom) })
		})
	}()
	if recovered != boom {
		t.Fatalf("recovered %#v, want the original panic value %p", recovered, boom)
	}
	o := c.finish(t)

	_, fe := flowPair(t, o)
	wantCommon(t, fe, "error")
	wantKeys(t, fe, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "flow_type",
		"flow_status", "total_ms", "steps", "timeline", "failed_at", "step", "flow_error", "stack", "message")
	testkit.WantFields(t, fe, map[string]any{
		"flow_status": "failed", "steps": 2.0, "failed_at": "charge_card", "step": "2/2",
		"flow_error": "panic: &{42}",
	})
	fns, statuses := timelineOf(t, fe)
	if !slices.Equal(fns, []string{"validate_payment", "charge_card"}) || !slices.Equal(statuses, []string{"ok", "error"}) {
		t.Errorf("timeline %v %v", fns, statuses)
	}

	failed := one(t, o.errs, map[string]any{"fn": "charge_card"})
	wantCommon(t, failed, "error")
	wantKeys(t, failed, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "fn", "parent_span_id",
		"ms", "status", "error", "error_type", "stack", "message")
	testkit.WantFields(t, failed, map[string]any{"status": "error", "error": "&{42}", "error_type": "*flow_test.panicValue", "message": "step failed"})
	for _, r := range []record{failed, fe} {
		stack, _ := r["stack"].(string)
		if !strings.Contains(stack, "goroutine ") || !strings.Contains(stack, "TestPanicInStepInFlow") {
			t.Errorf("stack does not show where the panic happened:\n%s", stack)
		}
	}
	if len(o.errs) != 1 {
		t.Errorf("error file holds %d records, want 1", len(o.errs))
	}
}

func TestPanicValuesAreReRaisedUnchanged(t *testing.T) {
	start(t)
	for _, v := range []any{"boom", 7, errors.New("bad"), panicValue{1}} {
		got := func() (r any) {
			defer func() { r = recover() }()
			_ = flow.Run(context.Background(), "p", func(context.Context) error { panic(v) })
			return nil
		}()
		if got != v {
			t.Errorf("re-raised %#v, want %#v", got, v)
		}
	}
	got := func() (r any) {
		defer func() { r = recover() }()
		_ = flow.Run(context.Background(), "p", func(context.Context) error { panic(nil) })
		return nil
	}()
	if _, ok := got.(*runtime.PanicNilError); !ok {
		t.Errorf("panic(nil) re-raised as %#v, want *runtime.PanicNilError", got)
	}
}

func TestArgsAndResultsOnlyWhenOptedIn(t *testing.T) {
	const password = "hunter2-S3cret!"
	authenticate := func(ctx context.Context, user, pass string, opts ...flow.Option) (bool, error) {
		return flow.Call(ctx, "authenticate", func(context.Context) (bool, error) {
			return pass == password, nil
		}, opts...)
	}
	login := func(ctx context.Context, user, pass string, flowOpts, stepOpts []flow.Option) error {
		return flow.RunFlow(ctx, "login", func(ctx context.Context) error {
			ok, err := authenticate(ctx, user, pass, stepOpts...)
			if !ok {
				return errors.New("denied")
			}
			return err
		}, flowOpts...)
	}

	t.Run("by default", func(t *testing.T) {
		c := start(t)
		if err := login(context.Background(), "ada", password, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := login(context.Background(), "ada", password+"x", nil, nil); err == nil {
			t.Fatal("a wrong password was accepted")
		}
		o := c.finish(t)
		if len(o.flows) != 4 || len(o.success) != 4 {
			t.Fatalf("got %d flow and %d step records, want 4 and 4", len(o.flows), len(o.success))
		}
		for where, text := range map[string]string{"files": o.files, "console": o.console} {
			if strings.Contains(text, password) || strings.Contains(text, "hunter2") {
				t.Errorf("the password is in the %s", where)
			}
			if strings.Contains(text, `"args"`) || strings.Contains(text, `"result"`) || strings.Contains(text, "args=") || strings.Contains(text, "result=") {
				t.Errorf("args or result logged in the %s without opt-in", where)
			}
		}
	})

	t.Run("opted in", func(t *testing.T) {
		// Redaction off: this case checks what opting in writes; masking
		// a password is redaction's (TestRedactionEveryExit, root).
		c := start(t, core.WithRedaction(false))
		err := login(context.Background(), "ada", password,
			[]flow.Option{flow.Args("user", "ada", "password", password)},
			[]flow.Option{flow.Args("user", "ada", "password", password, 42), flow.LogResult()})
		if err != nil {
			t.Fatal(err)
		}
		o := c.finish(t)
		fs, _ := flowPair(t, o)
		testkit.WantFields(t, fs["args"].(map[string]any), map[string]any{"user": "ada", "password": password})
		entry := one(t, o.success, map[string]any{"fn": "authenticate", "message": "step started"})
		wantKeys(t, entry["args"].(map[string]any), "user", "password")
		testkit.WantFields(t, entry["args"].(map[string]any), map[string]any{"password": password})
		exit := one(t, o.success, map[string]any{"fn": "authenticate", "message": "step finished"})
		testkit.WantFields(t, exit, map[string]any{"result": true})
		if !strings.Contains(o.console, password) {
			t.Error("the opted-in password is not on the console")
		}
	})
}

func TestTimelineCap(t *testing.T) {
	t.Run("5000 steps, default cap", func(t *testing.T) {
		c := start(t)
		if got := core.Active().TimelineCap; got != 1000 {
			t.Fatalf("default timeline cap %d, want 1000", got)
		}
		err := flow.RunFlow(context.Background(), "bulk", func(ctx context.Context) error {
			for i := range 5000 {
				_, s := flow.Step(ctx, "step-"+strconv.Itoa(i))
				s.End(nil)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		o := c.finish(t)
		_, fe := flowPair(t, o)
		wantKeys(t, fe, "time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "flow_type",
			"flow_status", "total_ms", "steps", "timeline", "timeline_truncated", "message")
		testkit.WantFields(t, fe, map[string]any{"steps": 5000.0, "timeline_truncated": 4000.0, "flow_status": "success"})
		fns, _ := timelineOf(t, fe)
		if len(fns) != 1000 || fns[0] != "step-0" || fns[999] != "step-999" {
			t.Errorf("timeline holds %d entries from %s to %s, want the first 1000", len(fns), fns[0], fns[len(fns)-1])
		}
		if len(o.success) != 10000 {
			t.Errorf("%d step records, want 10000", len(o.success))
		}
	})

	t.Run("failure past the cap", func(t *testing.T) {
		c := start(t, core.WithTimelineCap(2))
		err := flow.RunFlow(context.Background(), "small", func(ctx context.Context) error {
			for i := range 3 {
				_ = flow.Run(ctx, "ok-"+strconv.Itoa(i), func(context.Context) error { return nil })
			}
			return flow.Run(ctx, "late", func(context.Context) error { return errors.New("late failure") })
		})
		if err == nil {
			t.Fatal("no error")
		}
		o := c.finish(t)
		_, fe := flowPair(t, o)
		testkit.WantFields(t, fe, map[string]any{
			"steps": 4.0, "timeline_truncated": 2.0, "failed_at": "late", "step": "4/4",
			"flow_error": "error: late failure",
		})
		if fns, _ := timelineOf(t, fe); !slices.Equal(fns, []string{"ok-0", "ok-1"}) {
			t.Errorf("timeline %v", fns)
		}
	})
}

func TestFlowFailsOnItsOwn(t *testing.T) {
	c := start(t)
	err := flow.RunFlow(context.Background(), "import", func(ctx context.Context) error {
		_ = flow.Run(ctx, "read", func(context.Context) error { return nil })
		return fmt.Errorf("parse line %d: %w", 3, &ConnectionError{"truncated"})
	})
	if err == nil {
		t.Fatal("no error")
	}
	o := c.finish(t)
	_, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{
		"flow_status": "failed", "failed_at": "import", "step": "0/1",
		"flow_error": "ConnectionError: parse line 3: truncated",
	})
}

func TestFirstFailureByTime(t *testing.T) {
	// An outer step fails because an inner one did: failed_at names the
	// inner one, where the failure happened, though the outer one started
	// first.
	c := start(t)
	err := flow.RunFlow(context.Background(), "order", func(ctx context.Context) error {
		return flow.Run(ctx, "outer", func(ctx context.Context) error {
			return flow.Run(ctx, "inner", func(context.Context) error { return errors.New("disk full") })
		})
	})
	if err == nil {
		t.Fatal("no error")
	}
	o := c.finish(t)
	_, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{"failed_at": "inner", "step": "2/2", "flow_error": "error: disk full"})
	if len(o.errs) != 2 {
		t.Errorf("%d records in the error file, want the two failed steps", len(o.errs))
	}
}

func TestStepOutsideAFlow(t *testing.T) {
	c := start(t)
	var traceID string
	err := flow.Run(context.Background(), "handle_request", func(ctx context.Context) error {
		traceID = flow.TraceID(ctx)
		flow.Logger(ctx).Info().Msg("approved")
		return flow.Run(ctx, "validate_user", func(ctx context.Context) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.finish(t)
	if len(o.flows) != 0 {
		t.Errorf("flow records without a flow: %v", o.flows)
	}
	outer := one(t, o.success, map[string]any{"fn": "handle_request", "message": "step started"})
	wantKeys(t, outer, "time", "level", "logger", "trace_id", "span_id", "fn", "message")
	testkit.WantFields(t, outer, map[string]any{"trace_id": traceID})
	inner := one(t, o.success, map[string]any{"fn": "validate_user", "message": "step finished"})
	wantKeys(t, inner, "time", "level", "logger", "trace_id", "span_id", "fn", "parent_span_id", "ms", "status", "message")
	testkit.WantFields(t, inner, map[string]any{"trace_id": traceID, "parent_span_id": outer["span_id"]})
	log := one(t, o.success, map[string]any{"message": "approved"})
	wantKeys(t, log, "time", "level", "logger", "trace_id", "span_id", "fn", "message")
	testkit.WantFields(t, log, map[string]any{"trace_id": traceID, "span_id": outer["span_id"], "fn": "handle_request"})
}

func TestLevels(t *testing.T) {
	c := start(t)
	ctx, f := flow.Flow(context.Background(), "lv", flow.AtLevel(zerolog.TraceLevel))
	_ = flow.Run(ctx, "quiet", func(context.Context) error { return nil }, flow.AtLevel(zerolog.DebugLevel))
	_ = flow.Run(ctx, "loud", func(context.Context) error { return errors.New("x") }, flow.AtLevel(zerolog.DebugLevel))
	f.End(nil)
	o := c.finish(t)
	// Trace is below the configured debug level, but flow records are the
	// access log: written whatever the level, at the flow's own level.
	fs, fe := flowPair(t, o)
	testkit.WantFields(t, fs, map[string]any{"level": "trace"})
	testkit.WantFields(t, fe, map[string]any{"level": "trace", "flow_status": "success"})
	for _, r := range only(o.success, map[string]any{"fn": "quiet"}) {
		testkit.WantFields(t, r, map[string]any{"level": "debug"})
	}
	testkit.WantFields(t, one(t, o.success, map[string]any{"fn": "loud"}), map[string]any{"level": "debug"})
	testkit.WantFields(t, one(t, o.errs, map[string]any{"fn": "loud"}), map[string]any{"level": "error"})

	c = start(t, core.WithLevel("info"))
	err := flow.RunFlow(context.Background(), "lv", func(ctx context.Context) error {
		return flow.Run(ctx, "hidden", func(context.Context) error { return errors.New("seen") }, flow.AtLevel(zerolog.DebugLevel))
	}, flow.AtLevel(zerolog.WarnLevel))
	if err == nil {
		t.Fatal("no error")
	}
	o = c.finish(t)
	fs, fe = flowPair(t, o)
	testkit.WantFields(t, fs, map[string]any{"level": "warn"})
	testkit.WantFields(t, fe, map[string]any{"level": "error", "steps": 1.0, "failed_at": "hidden"})
	if len(o.success) != 0 || len(o.errs) != 1 {
		t.Errorf("debug step under info: %d success records (want 0), %d error (want 1)", len(o.success), len(o.errs))
	}
}

// TestCancelledContext: a step's outcome is what its function returned. A
// step or flow whose context is cancelled while it runs, and that returns
// nil, succeeds; one that returns the cancellation (context.Canceled while
// its context is cancelled: a client that went away, a caller that gave up)
// ends "cancelled", at its own level, with nothing in the error stream; a
// deadline that passed is a timeout, a failure; and a cancelled flow in which
// a step failed is failed by that step, recorded once.
func TestCancelledContext(t *testing.T) {
	cases := []struct {
		name     string
		body     func(ctx context.Context, cancel func()) error
		ctx      func() (context.Context, context.CancelFunc)
		steps    map[string]string // the exit message of each step
		timeline string            // statuses of the timeline
		end      map[string]any    // exact fields of flow_end
		absent   []string          // fields flow_end must not have
		errs     []string          // fn of each record in the error stream
	}{
		{
			name: "a step returns nil after the cancellation",
			body: func(ctx context.Context, cancel func()) error {
				return flow.Run(ctx, "slow", func(ctx context.Context) error {
					cancel()
					<-ctx.Done()
					return nil
				})
			},
			steps: map[string]string{"slow": "step finished"}, timeline: "[ok]",
			end:    map[string]any{"flow_status": "success", "level": "info", "message": "flow finished"},
			absent: []string{"failed_at", "flow_error", "returned_error"},
		},
		{
			name: "a step returns the cancellation",
			body: func(ctx context.Context, cancel func()) error {
				_ = flow.Run(ctx, "first", func(context.Context) error { return nil })
				return flow.Run(ctx, "slow", func(ctx context.Context) error {
					cancel()
					<-ctx.Done()
					return fmt.Errorf("query orders: %w", ctx.Err())
				})
			},
			steps: map[string]string{"first": "step finished", "slow": "step cancelled"}, timeline: "[ok cancelled]",
			end:    map[string]any{"flow_status": "cancelled", "level": "info", "message": "flow cancelled"},
			absent: []string{"failed_at", "flow_error", "returned_error", "step"},
		},
		{
			name: "a deadline passes",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Millisecond)
			},
			body: func(ctx context.Context, _ func()) error {
				return flow.Run(ctx, "slow", func(ctx context.Context) error {
					<-ctx.Done()
					return ctx.Err()
				})
			},
			steps: map[string]string{"slow": "step failed"}, timeline: "[error]",
			end: map[string]any{
				"flow_status": "failed", "level": "error", "failed_at": "slow", "step": "1/1",
				"flow_error": "error: context deadline exceeded",
			},
			errs: []string{"slow"},
		},
		{
			name: "cancelled after a step failed",
			body: func(ctx context.Context, cancel func()) error {
				_ = flow.Run(ctx, "charge", func(context.Context) error { return errors.New("card declined") })
				cancel()
				return ctx.Err()
			},
			steps: map[string]string{"charge": "step failed"}, timeline: "[error]",
			end: map[string]any{
				"flow_status": "failed", "level": "error", "failed_at": "charge", "step": "1/1",
				"flow_error": "error: card declined", "returned_error": "error: context canceled",
			},
			errs: []string{"charge"},
		},
		{
			name: "context.Canceled from a context of the step's own",
			body: func(ctx context.Context, _ func()) error {
				return flow.Run(ctx, "inner", func(ctx context.Context) error {
					own, stop := context.WithCancel(ctx)
					stop()
					return own.Err()
				})
			},
			steps: map[string]string{"inner": "step failed"}, timeline: "[error]",
			end:  map[string]any{"flow_status": "failed", "failed_at": "inner", "flow_error": "error: context canceled"},
			errs: []string{"inner"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := start(t)
			newCtx := tc.ctx
			if newCtx == nil {
				newCtx = func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }
			}
			ctx, cancel := newCtx()
			defer cancel()
			_ = flow.RunFlow(ctx, "job", func(ctx context.Context) error { return tc.body(ctx, cancel) })
			o := c.finish(t)

			fe := one(t, o.flows, map[string]any{"flow_type": "flow_end"})
			testkit.WantFields(t, fe, tc.end)
			for _, k := range tc.absent {
				if v, ok := fe[k]; ok {
					t.Errorf("flow_end has %s = %v, want none", k, v)
				}
			}
			if _, statuses := timelineOf(t, fe); fmt.Sprint(statuses) != tc.timeline {
				t.Errorf("timeline statuses %v, want %s", statuses, tc.timeline)
			}
			for fn, msg := range tc.steps {
				level, status, stream := "info", "ok", o.success
				switch msg {
				case "step failed":
					level, status, stream = "error", "error", o.errs
				case "step cancelled":
					status = "cancelled"
				}
				exit := one(t, stream, map[string]any{"fn": fn, "message": msg})
				testkit.WantFields(t, exit, map[string]any{"level": level, "status": status})
				if msg != "step failed" {
					for _, k := range []string{"error", "error_type"} {
						if _, ok := exit[k]; ok {
							t.Errorf("%s record has %s: %v", msg, k, exit)
						}
					}
				}
			}
			var errFns []string
			for _, r := range o.errs {
				errFns = append(errFns, fmt.Sprint(r["fn"]))
			}
			if fmt.Sprint(errFns) != fmt.Sprint(tc.errs) {
				t.Errorf("error stream holds records of %v, want %v: %v", errFns, tc.errs, o.errs)
			}
		})
	}
}

// TestCancelledContextOutsideAFlow: a step outside any flow that returns nil
// after its context was cancelled succeeds, and Run returns the nil.
func TestCancelledContextOutsideAFlow(t *testing.T) {
	c := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := flow.Run(ctx, "slow", func(ctx context.Context) error {
		cancel()
		<-ctx.Done()
		return nil
	})
	if err != nil {
		t.Fatalf("Run returned %v, want the function's nil unchanged", err)
	}
	o := c.finish(t)
	if len(o.errs) != 0 {
		t.Errorf("%d records in the error stream, want none: %v", len(o.errs), o.errs)
	}
	exit := one(t, o.success, map[string]any{"fn": "slow", "message": "step finished"})
	testkit.WantFields(t, exit, map[string]any{"status": "ok", "level": "info"})
}

func TestEndEdgeCases(t *testing.T) {
	t.Run("nil span", func(t *testing.T) {
		var s *flow.Span
		s.End(nil)
		err := errors.New("x")
		s.End(&err)
		s.Finish(flow.Outcome{Err: err})
		s.SetResult(1)
		if s.TraceID() != "" || s.SpanID() != "" || s.FlowID() != "" || s.IsFlow() {
			t.Error("a nil span has IDs")
		}
	})

	t.Run("nil errp and twice", func(t *testing.T) {
		c := start(t)
		_, s := flow.Step(context.Background(), "once")
		s.End(nil)
		err := errors.New("late")
		s.End(&err)
		s.Finish(flow.Outcome{Failed: true})
		o := c.finish(t)
		if n := len(only(o.success, map[string]any{"fn": "once"})); n != 2 || len(o.errs) != 0 {
			t.Errorf("%d success records (want entry and exit), %d error", n, len(o.errs))
		}
	})

	t.Run("nil context", func(t *testing.T) {
		c := start(t)
		var none context.Context
		ctx, s := flow.Step(none, "from_nil")
		if flow.FromContext(ctx) != s || ctx.Err() != nil {
			t.Error("a step from a nil context does not carry its span")
		}
		s.End(nil)
		fctx, f := flow.Flow(none, "from_nil")
		if flow.FlowID(fctx) == "" {
			t.Error("a flow from a nil context has no ID")
		}
		f.End(nil)
		o := c.finish(t)
		if len(o.success) != 2 || len(o.flows) != 2 {
			t.Errorf("%d step and %d flow records, want 2 and 2", len(o.success), len(o.flows))
		}
	})

	t.Run("End(nil) re-raises", func(t *testing.T) {
		c := start(t)
		got := func() (r any) {
			defer func() { r = recover() }()
			func() {
				_, s := flow.Step(context.Background(), "p")
				defer s.End(nil)
				panic("boom")
			}()
			return nil
		}()
		if got != "boom" {
			t.Errorf("recovered %#v", got)
		}
		o := c.finish(t)
		testkit.WantFields(t, one(t, o.errs, map[string]any{"fn": "p"}), map[string]any{"error": "boom", "error_type": "string"})
	})
}

func TestStepStillRunningAtFlowEnd(t *testing.T) {
	c := start(t)
	ctx, f := flow.Flow(context.Background(), "bg")
	_, running := flow.Step(ctx, "background")
	_ = flow.Run(ctx, "done", func(context.Context) error { return nil })
	f.End(nil)
	running.End(nil)
	_, late := flow.Step(ctx, "after")
	late.End(nil)
	o := c.finish(t)
	_, fe := flowPair(t, o)
	testkit.WantFields(t, fe, map[string]any{"steps": 2.0, "flow_status": "success"})
	fns, statuses := timelineOf(t, fe)
	if !slices.Equal(fns, []string{"background", "done"}) || !slices.Equal(statuses, []string{"running", "ok"}) {
		t.Errorf("timeline %v %v, want background running, done ok", fns, statuses)
	}
	// A step started after the flow ended still logs, with the flow's ID.
	testkit.WantFields(t, one(t, o.success, map[string]any{"fn": "after", "message": "step finished"}),
		map[string]any{"flow_id": fe["flow_id"]})
}

func TestFlowUnderAStep(t *testing.T) {
	c := start(t)
	err := flow.Run(context.Background(), "job", func(ctx context.Context) error {
		return flow.RunFlow(ctx, "import", func(ctx context.Context) error {
			return flow.Run(ctx, "read", func(context.Context) error { return nil })
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	o := c.finish(t)
	fs, fe := flowPair(t, o)
	job := one(t, o.success, map[string]any{"fn": "job", "message": "step started"})
	if _, ok := job["flow_id"]; ok {
		t.Error("the step outside the flow has a flow_id")
	}
	testkit.WantFields(t, fs, map[string]any{"trace_id": job["trace_id"], "parent_span_id": job["span_id"]})
	testkit.WantFields(t, fe, map[string]any{"steps": 1.0, "parent_span_id": job["span_id"]})
}

func TestFlowAfterItsParentFlowEnded(t *testing.T) {
	c := start(t)
	ctx, f := flow.Flow(context.Background(), "first")
	f.End(nil)
	ctx2, f2 := flow.Flow(ctx, "second")
	if !f2.IsFlow() {
		t.Fatal("a flow under an ended flow was degraded")
	}
	f2.End(nil)
	o := c.finish(t)
	if len(o.flows) != 4 {
		t.Fatalf("%d flow records, want 4", len(o.flows))
	}
	if o.flows[0]["trace_id"] != o.flows[2]["trace_id"] || o.flows[2]["parent_span_id"] != o.flows[0]["span_id"] {
		t.Error("the second flow does not continue the trace of the first")
	}
	if flow.FlowID(ctx2) == flow.FlowID(ctx) {
		t.Error("the second flow kept the first one's ID")
	}
}

func TestCallResult(t *testing.T) {
	c := start(t)
	type receipt struct {
		Order string `json:"order"`
		Total int    `json:"total"`
	}
	got, err := flow.Call(context.Background(), "receipt", func(context.Context) (receipt, error) {
		return receipt{"ORD-1", 42}, nil
	}, flow.LogResult())
	if err != nil || got.Total != 42 {
		t.Fatal(got, err)
	}
	_, err = flow.Call(context.Background(), "failing", func(context.Context) (receipt, error) {
		return receipt{"ORD-2", 1}, errors.New("no")
	}, flow.LogResult())
	if err == nil {
		t.Fatal("no error")
	}
	o := c.finish(t)
	exit := one(t, o.success, map[string]any{"fn": "receipt", "message": "step finished"})
	testkit.WantFields(t, exit["result"].(map[string]any), map[string]any{"order": "ORD-1", "total": 42.0})
	if _, ok := one(t, o.errs, map[string]any{"fn": "failing"})["result"]; ok {
		t.Error("a failed Call logged its result")
	}
}

// TestSetFieldRefusesTheNewOutcomeKeys: client_gone and returned_error are
// keys of flow_end: a flow field may not take their place.
func TestSetFieldRefusesTheNewOutcomeKeys(t *testing.T) {
	c := start(t)
	ctx, fl := flow.Flow(context.Background(), "keys")
	for _, k := range []string{"client_gone", "returned_error"} {
		if err := flow.SetField(ctx, k, "x"); !errors.Is(err, flow.ErrReservedField) {
			t.Errorf("SetField(%q) = %v, want ErrReservedField", k, err)
		}
	}
	fl.End(nil)
	o := c.finish(t)
	fe := one(t, o.flows, map[string]any{"flow_type": "flow_end"})
	for _, k := range []string{"client_gone", "returned_error"} {
		if v, ok := fe[k]; ok {
			t.Errorf("flow_end has %s = %v", k, v)
		}
	}
}
