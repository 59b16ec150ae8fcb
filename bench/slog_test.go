package bench_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/logcrest/logcrest"
)

// Scenario: the caller's cost of one log/slog call, the message and ten
// fields of the log-call scenario, logged with Logger.LogAttrs (slog's
// cheapest call) through each handler.
//
//	LogCrest        slog.New(logcrest.NewSlogHandler(nil)): LogCrest's default
//	                pipeline, the whole of it (ring, background writer,
//	                rotating files in a temp folder, console off)
//	LogCrestInStep  the same inside a step of a flow, with the step's context:
//	                the record carries trace_id, span_id, flow_id, seq and fn
//	JSONDiscard     slog.NewJSONHandler to io.Discard, the log-call
//	                scenario's Slog peer
//	JSONFile        slog.NewJSONHandler to a file in a temp folder: each
//	                record one write(2), under the handler's lock
//	LogCrestZerolog the reference: the same record through logcrest.Log(ctx),
//	                zerolog's API (BenchmarkLogCall/Fields10/LogCrest)
//
// slog's JSON handlers are given a "logger" field with With, since LogCrest
// stamps one on every record. Every slog peer pays what slog.Logger does
// before any handler runs: a runtime.Callers for the record's PC and, past
// five attributes, an allocation for the rest. BenchmarkSlog runs each on
// one goroutine, BenchmarkSlogParallel on every P at once.

var slogCases = []struct {
	name string
	make func(b *testing.B) func(i int)
}{
	{"LogCrest", func(b *testing.B) func(int) {
		useLogCrest(b)
		return slogLoggerCall(context.Background(), slog.New(logcrest.NewSlogHandler(nil)))
	}},
	{"LogCrestInStep", func(b *testing.B) func(int) {
		useLogCrest(b)
		ctx, f := logcrest.Flow(context.Background(), "bench")
		ctx, s := logcrest.Step(ctx, "charge_card")
		b.Cleanup(func() { s.End(nil); f.End(nil) })
		return slogLoggerCall(ctx, slog.New(logcrest.NewSlogHandler(nil)))
	}},
	{"JSONDiscard", func(b *testing.B) func(int) {
		return slogLoggerCall(context.Background(), slog.New(slog.NewJSONHandler(io.Discard, nil)).With(slog.String("logger", loggerName)))
	}},
	{"JSONFile", func(b *testing.B) func(int) {
		f, err := os.OpenFile(filepath.Join(b.TempDir(), loggerName+".log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = f.Close() })
		return slogLoggerCall(context.Background(), slog.New(slog.NewJSONHandler(f, nil)).With(slog.String("logger", loggerName)))
	}},
	{"LogCrestZerolog", func(b *testing.B) func(int) { return logCrestCall(b, false) }},
}

// slogLoggerCall logs the scenario's record on l with ctx.
func slogLoggerCall(ctx context.Context, l *slog.Logger) func(int) {
	return func(i int) {
		l.LogAttrs(ctx, slog.LevelInfo, message,
			slog.String("user", "ada"),
			slog.String("order", "ORD-42"),
			slog.String("currency", "EUR"),
			slog.Int("attempt", i),
			slog.Int("items", 3),
			slog.Float64("amount", 129.95),
			slog.Float64("tax_rate", 0.21),
			slog.Bool("paid", true),
			slog.Time("at", fieldAt),
			slog.Any("error", errField),
		)
	}
}

func BenchmarkSlog(b *testing.B) {
	for _, c := range slogCases {
		b.Run(c.name, func(b *testing.B) { timeCalls(b, c.make(b)) })
	}
}

func BenchmarkSlogParallel(b *testing.B) {
	for _, c := range slogCases {
		b.Run(c.name, func(b *testing.B) { timeCallsParallel(b, 1, c.make(b)) })
	}
}
