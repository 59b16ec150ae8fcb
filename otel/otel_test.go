package logcrestotel_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/logcresttest"
	logcrestotel "github.com/logcrest/logcrest/otel"
)

// Each test has a pipeline of its own (logcresttest.New) and runs in
// parallel; hooks live on the pipeline, so tests never see each other's
// spans.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// lcSpan is one LogCrest step or flow as its records tell it.
type lcSpan struct {
	name, trace, id, parent string
	start, end              time.Time
	flow                    bool
}

// lcSpans gathers the steps and flows of recs by span_id: the entry record
// (step started, flow_start) and the exit record (step finished or failed,
// flow_end).
func lcSpans(t *testing.T, recs []logcresttest.Record) map[string]*lcSpan {
	t.Helper()
	out := map[string]*lcSpan{}
	for _, r := range recs {
		id := r.Str("span_id")
		if id == "" {
			continue
		}
		var entry, exit bool
		switch {
		case r.Message() == "step started" || r.Str("flow_type") == "flow_start":
			entry = true
		case r.Message() == "step finished" || r.Message() == "step failed" || r.Str("flow_type") == "flow_end":
			exit = true
		default:
			continue
		}
		s := out[id]
		if s == nil {
			s = &lcSpan{id: id}
			out[id] = s
		}
		s.name, s.trace, s.parent = r.Str("fn"), r.Str("trace_id"), r.Str("parent_span_id")
		s.flow = r.Str("flow_type") != ""
		at, err := time.Parse(time.RFC3339Nano, r.Str("time"))
		if err != nil {
			t.Fatalf("time of %v: %v", r, err)
		}
		if entry {
			s.start = at
		}
		if exit {
			s.end = at
		}
	}
	return out
}

// within1us reports whether a and b are at most a microsecond apart.
func within1us(a, b time.Time) bool {
	d := a.Sub(b)
	return d >= -time.Microsecond && d <= time.Microsecond
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

func byName(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q among %d", name, len(spans))
	return tracetest.SpanStub{}
}

func TestExportFlowMatchesTheRecords(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	exp := tracetest.NewInMemoryExporter()
	x := logcrestotel.Export(rec.Pipeline(), exp)
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })
	ctx := rec.Context(context.Background())

	errDeclined := errors.New("card declined")
	var flowID string
	err := logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
		flowID = logcrest.FlowID(ctx)
		if err := logcrest.SetFlowField(ctx, "user_id", "u-1842"); err != nil {
			t.Error(err)
		}
		err := logcrest.Run(ctx, "validate", func(ctx context.Context) error {
			return logcrest.Run(ctx, "lookup_customer", func(context.Context) error { return nil })
		})
		if err != nil {
			return err
		}
		// Two steps on two goroutines, each running until both have
		// started: they overlap.
		names := []string{"reserve_stock", "quote_shipping"}
		var wg, started sync.WaitGroup
		started.Add(len(names))
		for _, name := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = logcrest.Run(ctx, name, func(context.Context) error {
					started.Done()
					started.Wait()
					return nil
				})
			}()
		}
		wg.Wait()
		if err := logcrest.Run(ctx, "charge_card", func(context.Context) error { return errDeclined }); err == nil {
			t.Error("charge_card did not fail")
		}
		return nil // the declined card was handled: the flow succeeds
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	lc := lcSpans(t, rec.Records())
	if len(spans) != 6 || len(lc) != 6 {
		t.Fatalf("%d spans exported, %d in the records; want 6 and 6", len(spans), len(lc))
	}
	flowSpan := byName(t, spans, "checkout")
	traceID := flowSpan.SpanContext.TraceID().String()
	for _, s := range spans {
		id := s.SpanContext.SpanID().String()
		l := lc[id]
		if l == nil {
			t.Errorf("span %q: span_id %s is in no record", s.Name, id)
			continue
		}
		if got := s.SpanContext.TraceID().String(); got != l.trace || got != traceID {
			t.Errorf("span %q: trace %s, records %s, flow %s", s.Name, got, l.trace, traceID)
		}
		if l.parent == "" {
			if s.Parent.IsValid() {
				t.Errorf("span %q: parent %s, the records have none", s.Name, s.Parent.SpanID())
			}
		} else if got := s.Parent.SpanID().String(); got != l.parent || s.Parent.TraceID() != s.SpanContext.TraceID() || s.Parent.IsRemote() {
			t.Errorf("span %q: parent %s (remote %v), parent_span_id %s", s.Name, got, s.Parent.IsRemote(), l.parent)
		}
		if !l.flow && s.Name != l.name {
			t.Errorf("span %s named %q, fn %q", id, s.Name, l.name)
		}
		if !within1us(s.StartTime, l.start) || !within1us(s.EndTime, l.end) {
			t.Errorf("span %q: %v – %v, records %v – %v", s.Name, s.StartTime, s.EndTime, l.start, l.end)
		}
		if !s.SpanContext.IsSampled() || s.SpanKind != trace.SpanKindInternal {
			t.Errorf("span %q: sampled %v, kind %v", s.Name, s.SpanContext.IsSampled(), s.SpanKind)
		}
		if got := attrs(s)["logcrest.flow_id"].AsString(); got != flowID {
			t.Errorf("span %q: logcrest.flow_id %q, want %q", s.Name, got, flowID)
		}
		wantCode := codes.Unset
		if s.Name == "charge_card" {
			wantCode = codes.Error
		}
		if s.Status.Code != wantCode {
			t.Errorf("span %q: status %v, want %v", s.Name, s.Status, wantCode)
		}
	}
	// The tree: checkout > validate > lookup_customer; the concurrent
	// steps and charge_card directly under checkout.
	parents := map[string]string{
		"validate": "checkout", "lookup_customer": "validate", "reserve_stock": "checkout",
		"quote_shipping": "checkout", "charge_card": "checkout",
	}
	for child, parent := range parents {
		if got, want := byName(t, spans, child).Parent.SpanID(), byName(t, spans, parent).SpanContext.SpanID(); got != want {
			t.Errorf("parent of %s is %s, want %s's %s", child, got, parent, want)
		}
	}
	a, b := byName(t, spans, "reserve_stock"), byName(t, spans, "quote_shipping")
	if !a.StartTime.Before(b.EndTime) || !b.StartTime.Before(a.EndTime) {
		t.Errorf("the concurrent steps do not overlap: %v–%v and %v–%v", a.StartTime, a.EndTime, b.StartTime, b.EndTime)
	}

	charge := byName(t, spans, "charge_card")
	if charge.Status.Description != "card declined" {
		t.Errorf("charge_card status %+v", charge.Status)
	}
	if len(charge.Events) != 1 || charge.Events[0].Name != "exception" {
		t.Fatalf("charge_card events %+v", charge.Events)
	}
	ev := map[attribute.Key]string{}
	for _, kv := range charge.Events[0].Attributes {
		ev[kv.Key] = kv.Value.AsString()
	}
	if ev["exception.message"] != "card declined" || ev["exception.type"] != "*errors.errorString" || ev["exception.stacktrace"] != "" {
		t.Errorf("charge_card exception %v", ev)
	}
	fa := attrs(flowSpan)
	if fa["user_id"].AsString() != "u-1842" || fa["logcrest.steps"].AsInt64() != 5 {
		t.Errorf("checkout attributes %v", flowSpan.Attributes)
	}
	if flowSpan.Resource == nil || flowSpan.InstrumentationScope.Name != logcrestotel.ScopeName {
		t.Errorf("checkout resource %v, scope %+v", flowSpan.Resource, flowSpan.InstrumentationScope)
	}
}

func TestExportFailedFlowAndPanic(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	sr := tracetest.NewSpanRecorder()
	x := logcrestotel.ExportTo(rec.Pipeline(), sr)
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })
	ctx := rec.Context(context.Background())

	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v", r)
			}
		}()
		_ = logcrest.RunFlow(ctx, "import", func(ctx context.Context) error {
			return logcrest.Run(ctx, "parse", func(context.Context) error { panic("boom") })
		})
	}()
	ended := tracetest.SpanStubsFromReadOnlySpans(sr.Ended())
	if len(ended) != 2 {
		t.Fatalf("%d spans, want 2", len(ended))
	}
	for _, s := range ended {
		if s.Status.Code != codes.Error || s.Status.Description != "boom" {
			t.Errorf("%s: status %+v", s.Name, s.Status)
		}
		if len(s.Events) != 1 {
			t.Fatalf("%s: events %+v", s.Name, s.Events)
		}
		ev := map[attribute.Key]string{}
		for _, kv := range s.Events[0].Attributes {
			ev[kv.Key] = kv.Value.AsString()
		}
		if ev["exception.type"] != "string" || ev["exception.message"] != "boom" ||
			!strings.Contains(ev["exception.stacktrace"], "panic") {
			t.Errorf("%s: exception %v", s.Name, ev)
		}
		if !s.Events[0].Time.Equal(s.EndTime) {
			t.Errorf("%s: exception at %v, span ends at %v", s.Name, s.Events[0].Time, s.EndTime)
		}
	}

	// A flow failed by a step it did not recover from, with an error of
	// its own wrapping the step's: the flow's error describes it.
	sr2 := tracetest.NewSpanRecorder()
	x.Shutdown(context.Background())
	x2 := logcrestotel.ExportTo(rec.Pipeline(), sr2)
	t.Cleanup(func() { _ = x2.Shutdown(context.Background()) })
	_ = logcrest.RunFlow(ctx, "sync", func(ctx context.Context) error {
		_ = logcrest.Run(ctx, "fetch", func(context.Context) error { return errors.New("timeout") })
		return errors.New("sync failed")
	})
	flow := byName(t, tracetest.SpanStubsFromReadOnlySpans(sr2.Ended()), "sync")
	if flow.Status.Code != codes.Error || flow.Status.Description != "sync failed" {
		t.Errorf("flow status %+v", flow.Status)
	}
	if len(sr.Ended()) != 2 {
		t.Errorf("the stopped exporter got %d spans, want 2", len(sr.Ended()))
	}
}

func TestExportHTTPRequestFlow(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	sr := tracetest.NewSpanRecorder()
	x := logcrestotel.ExportTo(rec.Pipeline(), sr)
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = logcrest.SetFlowField(r.Context(), "tenant", "acme")
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	h := logcresthttp.Handler(mux, adapters.WithPipeline(rec.Pipeline()))
	req := httptest.NewRequest(http.MethodGet, "/orders/42?token=secret", nil)
	req.RemoteAddr = "192.0.2.7:4711"
	req.Header.Set("X-Request-ID", "req-1")
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)

	ended := tracetest.SpanStubsFromReadOnlySpans(sr.Ended())
	if len(ended) != 1 {
		t.Fatalf("%d spans, want 1", len(ended))
	}
	s := ended[0]
	if s.Name != "GET /orders/{id}" || s.SpanKind != trace.SpanKindServer {
		t.Errorf("name %q, kind %v", s.Name, s.SpanKind)
	}
	if s.SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		s.Parent.SpanID().String() != "00f067aa0ba902b7" || !s.Parent.IsRemote() {
		t.Errorf("span context %v, parent %v (remote %v)", s.SpanContext, s.Parent, s.Parent.IsRemote())
	}
	end, ok := rec.FlowEnd(w.Header().Get("X-Flow-ID"))
	if !ok || end.Str("span_id") != s.SpanContext.SpanID().String() {
		t.Errorf("flow_end %v, span %v", end, s.SpanContext.SpanID())
	}
	a := attrs(s)
	want := map[attribute.Key]attribute.Value{
		"http.request.method":       attribute.StringValue("GET"),
		"url.path":                  attribute.StringValue("/orders/42"),
		"http.route":                attribute.StringValue("/orders/{id}"),
		"http.response.status_code": attribute.Int64Value(503),
		"client.address":            attribute.StringValue("192.0.2.7"),
		"logcrest.request_id":       attribute.StringValue("req-1"),
		"tenant":                    attribute.StringValue("acme"),
	}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("%s = %v, want %v", k, a[k].String(), v.String())
		}
	}
	for k, v := range a {
		if strings.Contains(v.String(), "secret") {
			t.Errorf("%s = %q: the query string leaked", k, v.String())
		}
	}
	if s.Status.Code != codes.Error {
		t.Errorf("status %+v", s.Status)
	}

	// An unknown method is _OTHER, as semantic conventions have it.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("FROB", "/nowhere", nil))
	ended = tracetest.SpanStubsFromReadOnlySpans(sr.Ended())
	s = ended[len(ended)-1]
	a = attrs(s)
	if s.Name != "HTTP" || a["http.request.method"].AsString() != "_OTHER" ||
		a["http.request.method_original"].AsString() != "FROB" || s.Status.Code != codes.Unset {
		t.Errorf("name %q, attributes %v, status %v", s.Name, s.Attributes, s.Status)
	}
}

func TestAdoptOtelhttpServerSpan(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	p := rec.Pipeline()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	logcrestotel.Adopt(p)
	x := logcrestotel.ExportTo(p, sr) // LogCrest's spans beside otelhttp's
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = logcrest.Run(r.Context(), "load_order", func(ctx context.Context) error {
			logcrest.Log(ctx).Info().Msg("loading")
			return nil
		})
		_, _ = w.Write([]byte("ok"))
	})
	h := otelhttp.NewHandler(logcresthttp.Handler(mux, adapters.WithPipeline(p)), "server",
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))
	srv := httptest.NewServer(h)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/orders/7", nil)
	// The caller's trace: otelhttp's server span is its child, and the
	// request's flow the server span's.
	req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close() // waits for the handler, and otelhttp's span, to end

	var server sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.InstrumentationScope().Name != logcrestotel.ScopeName {
			server = s
		}
	}
	if server == nil {
		t.Fatal("otelhttp recorded no span")
	}
	if server.SpanContext().TraceID().String() != "0af7651916cd43dd8448eb211c80319c" ||
		server.Parent().SpanID().String() != "b7ad6b7169203331" {
		t.Fatalf("otelhttp's span %v, parent %v: the traceparent was not extracted", server.SpanContext(), server.Parent())
	}
	flowID := resp.Header.Get("X-Flow-ID")
	recs := rec.Flow(flowID)
	if len(recs) == 0 {
		t.Fatalf("no record of flow %q", flowID)
	}
	var flowSpanID string
	for _, r := range recs {
		if r.Str("trace_id") != server.SpanContext().TraceID().String() {
			t.Errorf("%s: trace_id %s, want otelhttp's %s", r.Message(), r.Str("trace_id"), server.SpanContext().TraceID())
		}
		switch {
		case r.Str("flow_type") == "flow_start":
			flowSpanID = r.Str("span_id")
			if r.Str("parent_span_id") != server.SpanContext().SpanID().String() {
				t.Errorf("flow_start parent_span_id %s, want otelhttp's span %s", r.Str("parent_span_id"), server.SpanContext().SpanID())
			}
		case r.Message() == "step started":
			if r.Str("parent_span_id") != flowSpanID {
				t.Errorf("load_order's parent_span_id %s, want the flow's %s", r.Str("parent_span_id"), flowSpanID)
			}
		}
	}
	// Exported, the flow is the child of otelhttp's span: Internal, since
	// otelhttp's span is the server span.
	for _, s := range tracetest.SpanStubsFromReadOnlySpans(sr.Ended()) {
		if s.Name == "GET /orders/{id}" && s.InstrumentationScope.Name == logcrestotel.ScopeName {
			if s.Parent.SpanID() != server.SpanContext().SpanID() || s.Parent.IsRemote() || s.SpanKind != trace.SpanKindInternal {
				t.Errorf("exported flow: parent %v (remote %v), kind %v", s.Parent.SpanID(), s.Parent.IsRemote(), s.SpanKind)
			}
			return
		}
	}
	t.Error("the flow was not exported")
}

func TestAdoptUserTracerSpan(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	stop := logcrestotel.Adopt(rec.Pipeline())
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	ctx, job := tp.Tracer("jobs").Start(rec.Context(context.Background()), "nightly")
	_ = logcrest.Run(ctx, "work", func(context.Context) error { return nil })
	logcrest.Log(ctx).Info().Msg("package Log")
	rec.Pipeline().Log(ctx).Info().Msg("Pipeline.Log")
	job.End()
	stop()
	_ = logcrest.Run(ctx, "after_stop", func(context.Context) error { return nil })

	traceID, spanID := job.SpanContext().TraceID().String(), job.SpanContext().SpanID().String()
	var n int
	for _, r := range rec.Records() {
		switch {
		case r.Str("fn") == "work":
			n++
			if r.Str("trace_id") != traceID || r.Str("parent_span_id") != spanID || r.Str("span_id") == spanID {
				t.Errorf("%s: trace %s parent %s span %s; want trace %s parent %s",
					r.Message(), r.Str("trace_id"), r.Str("parent_span_id"), r.Str("span_id"), traceID, spanID)
			}
		case r.Message() == "package Log" || r.Message() == "Pipeline.Log":
			n++
			if r.Str("trace_id") != traceID || r.Str("span_id") != spanID {
				t.Errorf("%s: trace %s span %s; want %s %s", r.Message(), r.Str("trace_id"), r.Str("span_id"), traceID, spanID)
			}
		case r.Str("fn") == "after_stop":
			n++
			if r.Str("trace_id") == traceID || r.Str("parent_span_id") != "" {
				t.Errorf("after stop: %v", r)
			}
		}
	}
	if n != 6 {
		t.Errorf("%d records checked, want 6", n)
	}
}

func TestAdoptRules(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tracer := tp.Tracer("t")

	t.Run("not adopted without Adopt", func(t *testing.T) {
		t.Parallel()
		rec := logcresttest.New(t, logcrest.WithDetail("full"))
		ctx, sp := tracer.Start(rec.Context(context.Background()), "outer")
		defer sp.End()
		ctx, step := logcrest.Step(ctx, "s")
		step.End(nil)
		if logcrest.TraceID(ctx) == sp.SpanContext().TraceID().String() {
			t.Error("the step joined the OpenTelemetry trace without Adopt")
		}
	})
	t.Run("a LogCrest span comes first", func(t *testing.T) {
		t.Parallel()
		rec := logcresttest.New(t, logcrest.WithDetail("full"))
		logcrestotel.Adopt(rec.Pipeline())
		ctx, flow := logcrest.Flow(rec.Context(context.Background()), "f")
		ctx, sp := tracer.Start(ctx, "inner") // a new OpenTelemetry trace
		defer sp.End()
		sctx, step := logcrest.Step(ctx, "s")
		step.End(nil)
		flow.End(nil)
		if logcrest.TraceID(sctx) != logcrest.TraceID(ctx) || step.FlowID() != flow.FlowID() {
			t.Error("the step left its LogCrest flow for the OpenTelemetry span")
		}
	})
	t.Run("a remote span context", func(t *testing.T) {
		t.Parallel()
		rec := logcresttest.New(t, logcrest.WithDetail("full"))
		logcrestotel.Adopt(rec.Pipeline())
		sr := tracetest.NewSpanRecorder()
		x := logcrestotel.ExportTo(rec.Pipeline(), sr)
		defer x.Shutdown(context.Background())
		sc := trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled, Remote: true,
		})
		ctx := trace.ContextWithRemoteSpanContext(rec.Context(context.Background()), sc)
		_ = logcrest.RunFlow(ctx, "consume", func(context.Context) error { return nil })
		s := tracetest.SpanStubsFromReadOnlySpans(sr.Ended())
		if len(s) != 1 || s[0].SpanContext.TraceID() != sc.TraceID() || s[0].Parent.SpanID() != sc.SpanID() || !s[0].Parent.IsRemote() {
			t.Errorf("exported %+v", s)
		}
	})
	t.Run("an unsampled trace is recorded, not exported", func(t *testing.T) {
		t.Parallel()
		rec := logcresttest.New(t, logcrest.WithDetail("full"))
		logcrestotel.Adopt(rec.Pipeline())
		sr := tracetest.NewSpanRecorder()
		x := logcrestotel.ExportTo(rec.Pipeline(), sr)
		defer x.Shutdown(context.Background())
		never := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
		defer never.Shutdown(context.Background())
		ctx, sp := never.Tracer("t").Start(rec.Context(context.Background()), "unsampled")
		defer sp.End()
		_ = logcrest.RunFlow(ctx, "f", func(ctx context.Context) error {
			return logcrest.Run(ctx, "s", func(context.Context) error { return nil })
		})
		if n := len(sr.Ended()); n != 0 {
			t.Errorf("%d spans of an unsampled trace exported", n)
		}
		var n int
		for _, r := range rec.Records() {
			if r.Str("trace_id") == sp.SpanContext().TraceID().String() {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%d records in the unsampled trace, want 4", n)
		}
	})
}

func TestContextWithSpan(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	if ctx := context.Background(); logcrestotel.ContextWithSpan(ctx) != ctx {
		t.Error("a context without a step changed")
	}
	ctx, step := logcrest.Step(rec.Context(context.Background()), "call_billing")
	_, db := tp.Tracer("db").Start(logcrestotel.ContextWithSpan(ctx), "SELECT")
	db.End()
	step.End(nil)
	s := sr.Ended()
	if len(s) != 1 {
		t.Fatalf("%d spans", len(s))
	}
	if s[0].SpanContext().TraceID().String() != step.TraceID() || s[0].Parent().SpanID().String() != step.SpanID() {
		t.Errorf("the OpenTelemetry span is in %s under %s; the step is %s in %s",
			s[0].SpanContext().TraceID(), s[0].Parent().SpanID(), step.SpanID(), step.TraceID())
	}
}

func TestLogWithoutOtelSpanAllocatesNothing(t *testing.T) {
	rec := logcresttest.New(t, logcrest.WithLevel("info"))
	logcrestotel.Adopt(rec.Pipeline())
	ctx := rec.Context(context.Background())
	p := rec.Pipeline()
	if n := testing.AllocsPerRun(100, func() {
		_ = logcrest.Log(ctx)
		_ = p.Log(ctx)
	}); n != 0 {
		t.Errorf("Log outside any span allocates %v times with Adopt", n)
	}
}

func TestExportOutboundStep(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithDetail("full"))
	sr := tracetest.NewSpanRecorder()
	x := logcrestotel.ExportTo(rec.Pipeline(), sr)
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	client := &http.Client{Transport: logcresthttp.Transport(srv.Client().Transport)}
	defer client.CloseIdleConnections()

	err := logcrest.RunFlow(rec.Context(context.Background()), "sync", func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/items/42?token=secret", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	s := byName(t, tracetest.SpanStubsFromReadOnlySpans(sr.Ended()), "http POST "+host)
	a := attrs(s)
	addr, port, _ := strings.Cut(host, ":")
	if s.SpanKind != trace.SpanKindClient || a["http.request.method"].AsString() != "POST" ||
		a["server.address"].AsString() != addr || a["server.port"].String() != port ||
		a["url.path"].AsString() != "/items/42" || a["http.response.status_code"].AsInt64() != 202 {
		t.Errorf("kind %v, attributes %v", s.SpanKind, s.Attributes)
	}
	if _, ok := a["host"]; ok {
		t.Error("host kept beside server.address")
	}
}

// TestExportFlowFieldsKeepTheirTypes: a flow's fields reach OpenTelemetry
// with the types SetFlowField was given, not as a JSON decoder reads them
// back: a float that happens to be whole stays a float, an int64 beyond
// 2^53 stays exact, and a cut string comes with its _truncated marker.
func TestExportFlowFieldsKeepTheirTypes(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t)
	exp := tracetest.NewInMemoryExporter()
	x := logcrestotel.Export(rec.Pipeline(), exp)
	t.Cleanup(func() { _ = x.Shutdown(context.Background()) })
	ctx := rec.Context(context.Background())

	const big = int64(1)<<53 + 1 // no float64 holds it
	long := strings.Repeat("x", 300)
	fields := []struct {
		key string
		val any
	}{
		{"ratio", float64(3.0)},
		{"small", float32(0.5)},
		{"big", big},
		{"huge", uint64(math.MaxUint64)},
		{"count", 7},
		{"premium", true},
		{"note", long},
	}
	err := logcrest.RunFlow(ctx, "typed", func(ctx context.Context) error {
		for _, f := range fields {
			if err := logcrest.SetFlowField(ctx, f.key, f.val); err != nil {
				t.Errorf("SetFlowField(%s): %v", f.key, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans exported, want 1", len(spans))
	}
	a := attrs(spans[0])
	want := map[attribute.Key]attribute.Value{
		"ratio":          attribute.Float64Value(3),
		"small":          attribute.Float64Value(0.5),
		"big":            attribute.Int64Value(big),
		"huge":           attribute.StringValue("18446744073709551615"),
		"count":          attribute.Int64Value(7),
		"premium":        attribute.BoolValue(true),
		"note":           attribute.StringValue(long[:logcrest.MaxFlowFieldValueLen-2]),
		"note_truncated": attribute.BoolValue(true),
	}
	for k, w := range want {
		got, ok := a[k]
		if !ok {
			t.Errorf("attribute %s missing; have %v", k, spans[0].Attributes)
			continue
		}
		if got.Type() != w.Type() || got.String() != w.String() {
			t.Errorf("attribute %s = %s %s, want %s %s", k, got.Type(), got.String(), w.Type(), w.String())
		}
	}
	// flow_end holds the same cut value.
	var end logcresttest.Record
	for _, r := range rec.Records() {
		if r.Str("flow_type") == "flow_end" {
			end = r
		}
	}
	if end == nil || end.Str("note") != long[:logcrest.MaxFlowFieldValueLen-2] || end["note_truncated"] != true || end.Num("big") == 0 {
		t.Errorf("flow_end %v", end)
	}
}
