package bench_test

import (
	"context"
	"io"
	"testing"

	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logcrest/logcrest"
)

// Scenario 2: what it costs to time and correlate a piece of code.
//
//	BenchmarkStep   one step inside a running flow
//	BenchmarkFlow   a whole flow of five steps
//
//	LogCrest     logcrest.Step + span.End: an entry and an exit record (fn,
//	             trace_id, span_id, flow_id, ms, status) through the whole
//	             pipeline into files, and a timeline entry; Flow adds
//	             flow_start and flow_end with the five-entry timeline
//	OTel         the reference: an OpenTelemetry SDK span started and ended
//	             under a parent span, batch span processor (defaults) and an
//	             exporter that discards; Flow is a root span with five children
//	OTelZerolog  the hand-wired equivalent of a LogCrest step: the OTel span
//	             plus an entry and an exit zerolog record to io.Discard
//	             carrying the span's trace_id and span_id
//
// and in BenchmarkStep only:
//
//	LogCrestLog     a step whose code logs one record through
//	                logcrest.Log(ctx): the span's logger is built, used once
//	                and dropped with the span, as in a request handler
//	ZerologRecord   one zerolog record to io.Discard with the fields of a
//	                step's exit record (time, level, logger, fn, trace_id,
//	                span_id, flow_id, ms, status, message): the unit of
//	                issue 15's target "a step costs at most 3 records"

// flowSteps are the names of the five steps of BenchmarkFlow.
var flowSteps = [5]string{"validate_payment", "reserve_stock", "charge_card", "send_receipt", "ship"}

// discardExporter is an OpenTelemetry span exporter that drops every batch:
// the benchmark measures the tracer, not a collector.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// tracerProvider is an SDK tracer provider with a batch span processor in
// front of discardExporter, shut down when the benchmark ends.
func tracerProvider(b *testing.B) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}))
	b.Cleanup(func() {
		if err := tp.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	return tp
}

// spanLogger is the zerolog logger of OTelZerolog: time and logger like
// LogCrest's records, to io.Discard.
func spanLogger() zerolog.Logger {
	return zerolog.New(io.Discard).With().Timestamp().Str("logger", loggerName).Logger()
}

// otelLoggedSpan starts a span with an entry record and returns a function
// that ends it with an exit record, as a hand-wired OTel + zerolog step.
func otelLoggedSpan(ctx context.Context, tr trace.Tracer, l *zerolog.Logger, name string) (context.Context, func()) {
	ctx, span := tr.Start(ctx, name)
	sc := span.SpanContext()
	traceID, spanID := sc.TraceID().String(), sc.SpanID().String()
	l.Info().Str("fn", name).Str("trace_id", traceID).Str("span_id", spanID).Msg("step started")
	return ctx, func() {
		span.End()
		l.Info().Str("fn", name).Str("trace_id", traceID).Str("span_id", spanID).Str("status", "ok").Msg("step finished")
	}
}

func BenchmarkStep(b *testing.B) {
	b.Run("LogCrest", func(b *testing.B) {
		useLogCrest(b)
		ctx, f := logcrest.Flow(context.Background(), "bench")
		defer f.End(nil)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			var err error
			_, s := logcrest.Step(ctx, "charge_card")
			s.End(&err)
		}
		b.StopTimer()
	})
	b.Run("LogCrestLog", func(b *testing.B) {
		useLogCrest(b)
		ctx, f := logcrest.Flow(context.Background(), "bench")
		defer f.End(nil)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			var err error
			sctx, s := logcrest.Step(ctx, "charge_card")
			logcrest.Log(sctx).Info().Str("user", "42").Msg("charged")
			s.End(&err)
		}
		b.StopTimer()
	})
	b.Run("ZerologRecord", func(b *testing.B) {
		l := spanLogger()
		const traceID, spanID, flowID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "bench-1f2e3d4c"
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			l.Info().Str("fn", "charge_card").Str("trace_id", traceID).Str("span_id", spanID).
				Str("flow_id", flowID).Float64("ms", 0.012).Str("status", "ok").Msg("step finished")
		}
		b.StopTimer()
	})
	b.Run("OTel", func(b *testing.B) {
		tr := tracerProvider(b).Tracer("bench")
		ctx, root := tr.Start(context.Background(), "bench")
		defer root.End()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, s := tr.Start(ctx, "charge_card")
			s.End()
		}
		b.StopTimer()
	})
	b.Run("OTelZerolog", func(b *testing.B) {
		tr := tracerProvider(b).Tracer("bench")
		l := spanLogger()
		ctx, root := tr.Start(context.Background(), "bench")
		defer root.End()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, end := otelLoggedSpan(ctx, tr, &l, "charge_card")
			end()
		}
		b.StopTimer()
	})
}

func BenchmarkFlow(b *testing.B) {
	b.Run("LogCrest", func(b *testing.B) {
		useLogCrest(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			var ferr error
			ctx, f := logcrest.Flow(context.Background(), "checkout")
			for _, name := range flowSteps {
				var err error
				_, s := logcrest.Step(ctx, name)
				s.End(&err)
			}
			f.End(&ferr)
		}
		b.StopTimer()
	})
	b.Run("OTel", func(b *testing.B) {
		tr := tracerProvider(b).Tracer("bench")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ctx, root := tr.Start(context.Background(), "checkout")
			for _, name := range flowSteps {
				_, s := tr.Start(ctx, name)
				s.End()
			}
			root.End()
		}
		b.StopTimer()
	})
	b.Run("OTelZerolog", func(b *testing.B) {
		tr := tracerProvider(b).Tracer("bench")
		l := spanLogger()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ctx, end := otelLoggedSpan(context.Background(), tr, &l, "checkout")
			for _, name := range flowSteps {
				_, endStep := otelLoggedSpan(ctx, tr, &l, name)
				endStep()
			}
			end()
		}
		b.StopTimer()
	})
}
