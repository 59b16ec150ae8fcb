package logcrestotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/logcresttest"
)

// TestTwoServicesOneTrace: a caller traced by a real OTel tracer calls
// service A (gin); A's handler, inside its request flow, calls service B
// (chi) through logcresthttp.Transport. The OTel span, A's flow and B's flow
// share one trace; B's flow is labelled with A's flow ID and records A's
// outbound step as its parent; A's timeline has the outbound call with B's
// status.
func TestTwoServicesOneTrace(t *testing.T) {
	t.Parallel()
	gin.SetMode(gin.ReleaseMode)
	recA, recB := logcresttest.New(t, logcrest.WithDetail("full")), logcresttest.New(t, logcrest.WithDetail("full"))

	rb := chi.NewRouter()
	rb.Use(logcrestchi.Middleware(adapters.WithPipeline(recB.Pipeline())))
	rb.Get("/stock/{sku}", func(w http.ResponseWriter, r *http.Request) {
		_ = logcrest.Run(r.Context(), "count_stock", func(context.Context) error { return nil })
		w.WriteHeader(http.StatusAccepted)
	})
	b := httptest.NewServer(rb)
	defer b.Close()

	client := &http.Client{Transport: logcresthttp.Transport(nil)}
	defer client.CloseIdleConnections()
	ra := gin.New()
	ra.Use(logcrestgin.Middleware(adapters.WithPipeline(recA.Pipeline())))
	ra.GET("/checkout", func(c *gin.Context) {
		req, _ := http.NewRequestWithContext(c, http.MethodGet, b.URL+"/stock/42?token=secret", nil)
		resp, err := client.Do(req)
		if err != nil {
			c.Status(http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		c.Status(http.StatusOK)
	})
	a := httptest.NewServer(ra)
	defer a.Close()

	// The caller: a real OTel tracer, its span propagated to A by otelhttp's transport.
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("caller").Start(context.Background(), "caller")
	caller := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))}
	defer caller.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+"/checkout", nil)
	resp, err := caller.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	span.End()
	trace := span.SpanContext().TraceID().String()

	endA, ok := recA.FlowEnd(resp.Header.Get("X-Flow-ID"))
	if !ok {
		t.Fatalf("no flow_end in A:\n%s", recA)
	}
	if endA.Str("trace_id") != trace {
		t.Errorf("A's flow trace %s, want the caller's OTel trace %s", endA.Str("trace_id"), trace)
	}
	ends := recB.FlowEnds()
	if len(ends) != 1 {
		t.Fatalf("B has %d flow_ends:\n%s", len(ends), recB)
	}
	endB := ends[0]
	if endB.Str("trace_id") != trace {
		t.Errorf("B's flow trace %s, want %s", endB.Str("trace_id"), trace)
	}
	if endB.Str("request_id") != endA.Str("flow_id") || !strings.HasPrefix(endB.Str("flow_id"), endA.Str("flow_id")+"-") {
		t.Errorf("B's flow %s (request_id %s) is not labelled with A's flow ID %s", endB.Str("flow_id"), endB.Str("request_id"), endA.Str("flow_id"))
	}
	// A's timeline has the outbound call, and its exit record B's status.
	tl, _ := endA["timeline"].([]any)
	if len(tl) != 1 || !strings.HasPrefix(tl[0].(map[string]any)["fn"].(string), "http GET 127.0.0.1:") {
		t.Fatalf("A's timeline %v, want the outbound call", tl)
	}
	var step logcresttest.Record
	for _, r := range recA.Flow(endA.Str("flow_id")) {
		if r.Message() == "step finished" {
			step = r
		}
	}
	if step == nil || step.Num("http_status") != http.StatusAccepted || step.Str("path") != "/stock/42" {
		t.Errorf("A's outbound step record %v, want B's status 202 and the path without query", step)
	}
	var startB logcresttest.Record
	for _, r := range recB.Flow(endB.Str("flow_id")) {
		if r.Str("flow_type") == "flow_start" {
			startB = r
		}
	}
	if startB == nil || startB.Str("parent_span_id") != step.Str("span_id") {
		t.Errorf("B's flow_start parent_span_id %v, want A's outbound step %s", startB, step.Str("span_id"))
	}
	for _, rec := range []*logcresttest.Recorder{recA, recB} {
		if strings.Contains(rec.String(), "secret") {
			t.Errorf("the query string reached a record:\n%s", rec)
		}
	}
}
