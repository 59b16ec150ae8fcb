package logcrest_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"

	"github.com/logcrest/logcrest"
)

// The caller's cost of one record with the same fields: LogCrest through its
// whole pipeline (files, no console), zerolog to io.Discard (the floor) and
// zerolog through its diode. LogCrest stamps time and logger itself, so the
// zerolog loggers carry both too.

func BenchmarkLogCallLogCrest(b *testing.B) {
	dir := b.TempDir()
	if err := logcrest.Configure(logcrest.WithDir(dir), logcrest.WithConsole(nil), logcrest.WithMaxSize(1<<30)); err != nil {
		b.Fatal(err)
	}
	defer logcrest.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		logcrest.Log(ctx).Info().Str("user", "ada").Int("attempt", i).Msg("charged card")
	}
	b.StopTimer()
}

func BenchmarkLogCallZerologDiscard(b *testing.B) {
	l := zerolog.New(io.Discard).With().Timestamp().Str("logger", "app_logger").Logger()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Info().Str("user", "ada").Int("attempt", i).Msg("charged card")
	}
}

func BenchmarkLogCallZerologDiode(b *testing.B) {
	w := diode.NewWriter(io.Discard, 1000, 10*time.Millisecond, func(int) {})
	defer w.Close()
	l := zerolog.New(w).With().Timestamp().Str("logger", "app_logger").Logger()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Info().Str("user", "ada").Int("attempt", i).Msg("charged card")
	}
}

func BenchmarkLogCallParallelLogCrest(b *testing.B) {
	dir := b.TempDir()
	if err := logcrest.Configure(logcrest.WithDir(dir), logcrest.WithConsole(nil), logcrest.WithMaxSize(1<<30)); err != nil {
		b.Fatal(err)
	}
	defer logcrest.Close()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		i := 0
		for pb.Next() {
			i++
			logcrest.Log(ctx).Info().Str("user", "ada").Int("attempt", i).Msg("charged card")
		}
	})
	b.StopTimer() // the deferred Close drains and syncs: not the caller's cost
}

func BenchmarkLogCallParallelZerologDiscard(b *testing.B) {
	l := zerolog.New(io.Discard).With().Timestamp().Str("logger", "app_logger").Logger()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			l.Info().Str("user", "ada").Int("attempt", i).Msg("charged card")
		}
	})
}

// persistRecords is the size of one persistence round: records logged and
// then made durable in files (Close), reported as lines persisted per second.
const persistRecords = 1_000_000

func BenchmarkPersistLogCrest(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		if err := logcrest.Configure(logcrest.WithDir(dir), logcrest.WithConsole(nil)); err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()
		for j := 0; j < persistRecords; j++ {
			logcrest.Log(ctx).Info().Str("user", "ada").Int("attempt", j).Msg("charged card")
		}
		if err := logcrest.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(persistRecords/time.Since(start).Seconds(), "lines/s")
		st := logcrest.Stats()
		if lost := st.Dropped + st.Failed; lost != 0 {
			b.Fatalf("%d lines lost", lost)
		}
	}
}

// benchObject is a zerolog.LogObjectMarshaler, the value kind the slog
// handler encodes with zerolog's object encoder.
type benchObject struct{ id, name string }

func (o benchObject) MarshalZerologObject(e *zerolog.Event) { e.Str("id", o.id).Str("name", o.name) }

// BenchmarkSlogHandlerAny is the cost of a slog record whose attributes are
// of kind Any: an error, a zerolog.LogObjectMarshaler and a map encoded by
// encoding/json, each encoded apart so that one that panics cannot take the
// record with it.
func BenchmarkSlogHandlerAny(b *testing.B) {
	p, err := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"), logcrest.WithConsole(io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	l := slog.New(p.SlogHandler(nil))
	obj, m, ctx := benchObject{"u-1", "ada"}, map[string]int{"items": 3}, context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.LogAttrs(ctx, slog.LevelInfo, "charged card", slog.Any("error", errTimeout), slog.Any("user", obj), slog.Any("cart", m))
	}
}

var errTimeout = errors.New("gateway timeout")
