package logcrestotel_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logcrest/logcrest"
	logcrestotel "github.com/logcrest/logcrest/otel"
)

// Both ways on one pipeline: steps and flows join the OpenTelemetry trace
// of their context (Adopt), and are exported as spans with LogCrest's own
// IDs and times (Export). A real program gives Export an OTLP exporter
// (otlptracegrpc.New) and adopts on logcrest.Default().
func Example() {
	p, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsole(nil))
	defer p.Close()
	logcrestotel.Adopt(p)
	exp := tracetest.NewInMemoryExporter()
	x := logcrestotel.Export(p, exp)

	// A span of the program's own tracer, as otelhttp or otelgrpc would
	// start for a request.
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, job := tp.Tracer("jobs").Start(logcrest.NewContext(context.Background(), p), "nightly_job")

	_ = logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
		return logcrest.Run(ctx, "charge_card", func(ctx context.Context) error { return nil })
	})
	job.End()

	_ = x.ForceFlush(context.Background())
	for _, s := range exp.GetSpans() {
		fmt.Printf("%s: in the job's trace %v, parent is the job %v\n", s.Name,
			s.SpanContext.TraceID() == job.SpanContext().TraceID(),
			s.Parent.SpanID() == job.SpanContext().SpanID())
	}
	_ = x.Shutdown(context.Background())
	// Output:
	// charge_card: in the job's trace true, parent is the job false
	// checkout: in the job's trace true, parent is the job true
}
