package flow_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// The benchmarks write through the real pipeline into files under a temp
// folder, with the console off, so they measure the library and not a
// terminal. BenchmarkZerologRecord is the yardstick of the targets: one
// zerolog record of the shape of a step's exit record, to io.Discard.

func benchPipeline(b *testing.B) {
	b.Helper()
	if err := core.Configure(core.WithDir(b.TempDir()), core.WithName("bench"), core.WithConsole(nil), core.WithLevel("debug"), core.WithJSON(true)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := core.Close(); err != nil {
			b.Error(err)
		}
	})
}

// BenchmarkZerologRecord is one zerolog record to io.Discard: a logger with
// the context of a step (time, logger, trace_id, span_id, flow_id, fn; the
// pipeline stamps time on every record, so the yardstick does too) and the
// fields of an exit record.
func BenchmarkZerologRecord(b *testing.B) {
	l := zerolog.New(io.Discard).With().Timestamp().
		Str("logger", "bench").
		Str("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736").
		Str("span_id", "00f067aa0ba902b7").
		Str("flow_id", "checkout-3a7e2b1f").
		Str("fn", "charge_card").Logger()
	b.ReportAllocs()
	for b.Loop() {
		l.Info().Str("parent_span_id", "53ce929d0e0e4736").Float64("ms", 0.125).Str("status", "ok").Msg("step finished")
	}
}

// BenchmarkStepInFlow is Step + End inside a flow: two records and a
// timeline entry (the timeline fills up to its cap, then only counts).
func BenchmarkStepInFlow(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		_, s := flow.Step(ctx, "charge_card")
		s.End(&err)
	}
}

// BenchmarkStepInFlowParallel is BenchmarkStepInFlow from every P at once:
// the timeline mutex under contention.
func BenchmarkStepInFlowParallel(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var err error
			_, s := flow.Step(ctx, "charge_card")
			s.End(&err)
		}
	})
}

// BenchmarkStepWithOption is BenchmarkStepInFlow with AtLevel: options cost
// no allocation.
func BenchmarkStepWithOption(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		_, s := flow.Step(ctx, "charge_card", flow.AtLevel(zerolog.DebugLevel))
		s.End(&err)
	}
}

// BenchmarkStepNoFlow is Step + End outside any flow, starting a trace each
// time.
func BenchmarkStepNoFlow(b *testing.B) {
	benchPipeline(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var err error
		_, s := flow.Step(ctx, "charge_card")
		s.End(&err)
	}
}

// BenchmarkStepFailed is a step that returns an error: the exit record goes
// to the error file with error and error_type.
func BenchmarkStepFailed(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	fail := errors.New("gateway timeout")
	b.ReportAllocs()
	for b.Loop() {
		err := fail
		_, s := flow.Step(ctx, "charge_card")
		s.End(&err)
	}
}

// BenchmarkRunInFlow is Run with a closure that does nothing.
func BenchmarkRunInFlow(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = flow.Run(ctx, "charge_card", fn)
	}
}

// BenchmarkFlowFiveSteps is a whole flow: flow_start, five steps, flow_end
// with its five-entry timeline.
func BenchmarkFlowFiveSteps(b *testing.B) {
	benchPipeline(b)
	names := [5]string{"validate_payment", "reserve_stock", "charge_card", "send_receipt", "ship"}
	b.ReportAllocs()
	for b.Loop() {
		var ferr error
		ctx, f := flow.Flow(context.Background(), "checkout")
		for _, n := range names {
			var err error
			_, s := flow.Step(ctx, n)
			s.End(&err)
		}
		f.End(&ferr)
	}
}

// BenchmarkLoggerInStep is Logger(ctx) inside a step: a lookup, no
// allocation.
func BenchmarkLoggerInStep(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	ctx, s := flow.Step(ctx, "charge_card")
	defer s.End(nil)
	l := flow.Logger(ctx) // the first call builds the step's logger
	b.ReportAllocs()
	for b.Loop() {
		l = flow.Logger(ctx)
	}
	if l == nil {
		b.Fatal("no logger")
	}
}

// BenchmarkStepWithLog is a step that logs one record of its own through
// Logger(ctx): the step's logger is built (the span's fields are put in as
// the record is written, so building it allocates nothing) and used.
func BenchmarkStepWithLog(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		sctx, s := flow.Step(ctx, "charge_card")
		flow.Logger(sctx).Info().Int("attempt", 1).Msg("calling the gateway")
		s.End(&err)
	}
}

// BenchmarkLogInStep is one record through Logger(ctx) inside a step, under
// a context.WithCancel layer: lookup, encode, and the pipeline.
func BenchmarkLogInStep(b *testing.B) {
	benchPipeline(b)
	ctx, f := flow.Flow(context.Background(), "bench")
	defer f.End(nil)
	ctx, s := flow.Step(ctx, "charge_card")
	defer s.End(nil)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		flow.Logger(ctx).Info().Int("attempt", 1).Msg("calling the gateway")
	}
}

// BenchmarkPipelineRecord is one record of the same shape through the
// pipeline (files, no console), outside any step: what a step's two records
// cost at least.
func BenchmarkPipelineRecord(b *testing.B) {
	benchPipeline(b)
	l := core.Logger().With().
		Str("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736").
		Str("span_id", "00f067aa0ba902b7").
		Str("flow_id", "checkout-3a7e2b1f").
		Str("fn", "charge_card").Logger()
	b.ReportAllocs()
	for b.Loop() {
		l.Info().Str("parent_span_id", "53ce929d0e0e4736").Float64("ms", 0.125).Str("status", "ok").Msg("step finished")
	}
}
