package bench_test

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/logcrest/logcrest"
)

// Scenario 1: the caller's cost of one log call, a message and ten fields,
// and the same call on a logger carrying two context fields (added once
// with With, as each library does it).
//
//	LogCrest        logcrest.Log(ctx) through the whole pipeline: ring, background
//	                writer, rotating files in a temp folder (console off)
//	LogCrestInStep  the same inside a step of a flow: Log(ctx) carries
//	                trace_id, span_id, flow_id and fn (Fields10 only)
//	ZerologDiscard  zerolog to io.Discard, the reference: the floor of any
//	                zerolog-based logger
//	ZerologDiode    zerolog through zerolog/diode (1000 slots, 10 ms poll) to io.Discard
//	Zap             zap's production JSON encoder and core to an io.Discard WriteSyncer
//	Slog            log/slog's JSON handler to io.Discard, LogAttrs
//
// BenchmarkLogCall runs each on one goroutine, BenchmarkLogCallParallel on
// every P at once.

// logCallCases are the peers of the scenario, each building a log function
// for one variant (ctx2: the logger carries two context fields).
var logCallCases = []struct {
	name     string
	fields10 bool // only in the Fields10 variant
	make     func(b *testing.B, ctx2 bool) func(i int)
}{
	{"LogCrest", false, logCrestCall},
	{"LogCrestInStep", true, logCrestInStepCall},
	{"ZerologDiscard", false, func(b *testing.B, ctx2 bool) func(int) {
		return zerologCall(zerologFor(io.Discard, ctx2))
	}},
	{"ZerologDiode", false, func(b *testing.B, ctx2 bool) func(int) {
		w := diode.NewWriter(io.Discard, 1000, 10*time.Millisecond, func(int) {})
		b.Cleanup(func() { _ = w.Close() })
		return zerologCall(zerologFor(w, ctx2))
	}},
	{"Zap", false, zapCall},
	{"Slog", false, slogCall},
}

// fieldSets are the two sets of fields the log-call benchmarks time: a
// message and ten fields, and two fields from the context (ctx2).
var fieldSets = []struct {
	name string
	ctx2 bool
}{{"Fields10", false}, {"Ctx2", true}}

func BenchmarkLogCall(b *testing.B) {
	for _, v := range fieldSets {
		b.Run(v.name, func(b *testing.B) {
			for _, c := range logCallCases {
				if c.fields10 && v.ctx2 {
					continue
				}
				b.Run(c.name, func(b *testing.B) { timeCalls(b, c.make(b, v.ctx2)) })
			}
		})
	}
}

func BenchmarkLogCallParallel(b *testing.B) { logCallParallel(b, 1) }

// BenchmarkLogCallParallel16 is BenchmarkLogCallParallel with 16
// goroutines logging at once, whatever GOMAXPROCS is (more goroutines than
// Ps: a server's many handlers).
func BenchmarkLogCallParallel16(b *testing.B) {
	logCallParallel(b, max(1, 16/runtime.GOMAXPROCS(0)))
}

func logCallParallel(b *testing.B, parallelism int) {
	for _, v := range fieldSets {
		b.Run(v.name, func(b *testing.B) {
			for _, c := range logCallCases {
				if c.fields10 {
					continue // serial only
				}
				b.Run(c.name, func(b *testing.B) { timeCallsParallel(b, parallelism, c.make(b, v.ctx2)) })
			}
		})
	}
}

// timeCalls times b.N calls of call on one goroutine, allocations reported.
func timeCalls(b *testing.B, call func(int)) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		call(i)
	}
	b.StopTimer()
}

// timeCallsParallel times b.N calls of call on parallelism goroutines a P
// (b.RunParallel), allocations reported.
func timeCallsParallel(b *testing.B, parallelism int, call func(int)) {
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			call(i)
		}
	})
	b.StopTimer()
}

// zerologFor is a zerolog logger stamped like LogCrest's records: time and
// logger, plus the two context fields in the Ctx2 variant.
func zerologFor(w io.Writer, ctx2 bool) zerolog.Logger {
	c := zerolog.New(w).With().Timestamp().Str("logger", loggerName)
	if ctx2 {
		c = c.Str("service", "checkout").Int("shard", 7)
	}
	return c.Logger()
}

func zerologCall(l zerolog.Logger) func(int) {
	return func(i int) { zerologRecord(l.Info(), i) }
}

// zerologRecord adds the ten fields to e and sends it. LogCrest and zerolog
// share it: LogCrest's logger is a zerolog logger.
func zerologRecord(e *zerolog.Event, i int) {
	e.Str("user", "ada").
		Str("order", "ORD-42").
		Str("currency", "EUR").
		Int("attempt", i).
		Int("items", 3).
		Float64("amount", 129.95).
		Float64("tax_rate", 0.21).
		Bool("paid", true).
		Time("at", fieldAt).
		Err(errField).
		Msg(message)
}

func logCrestCall(b *testing.B, ctx2 bool) func(int) {
	useLogCrest(b)
	ctx := context.Background()
	if ctx2 {
		l := logcrest.Log(ctx).With().Str("service", "checkout").Int("shard", 7).Logger()
		return func(i int) { zerologRecord(l.Info(), i) }
	}
	return func(i int) { zerologRecord(logcrest.Log(ctx).Info(), i) }
}

func logCrestInStepCall(b *testing.B, _ bool) func(int) {
	useLogCrest(b)
	ctx, f := logcrest.Flow(context.Background(), "bench")
	ctx, s := logcrest.Step(ctx, "charge_card")
	b.Cleanup(func() { s.End(nil); f.End(nil) })
	return func(i int) { zerologRecord(logcrest.Log(ctx).Info(), i) }
}

func zapCall(b *testing.B, ctx2 bool) func(int) {
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	l := zap.New(core).Named(loggerName)
	if ctx2 {
		l = l.With(zap.String("service", "checkout"), zap.Int("shard", 7))
	}
	b.Cleanup(func() { _ = l.Sync() })
	return func(i int) {
		l.Info(message,
			zap.String("user", "ada"),
			zap.String("order", "ORD-42"),
			zap.String("currency", "EUR"),
			zap.Int("attempt", i),
			zap.Int("items", 3),
			zap.Float64("amount", 129.95),
			zap.Float64("tax_rate", 0.21),
			zap.Bool("paid", true),
			zap.Time("at", fieldAt),
			zap.Error(errField),
		)
	}
}

func slogCall(b *testing.B, ctx2 bool) func(int) {
	l := slog.New(slog.NewJSONHandler(io.Discard, nil)).With(slog.String("logger", loggerName))
	if ctx2 {
		l = l.With(slog.String("service", "checkout"), slog.Int("shard", 7))
	}
	return slogLoggerCall(context.Background(), l)
}
