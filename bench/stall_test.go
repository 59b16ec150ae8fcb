package bench_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/ring"
)

// Scenario 5: a stalled disk. The sink sleeps 1 ms on every 100th Write
// call (and otherwise discards); a round makes stallCalls log calls of the
// ten-field record from one goroutine, timing each with time.Now, then
// closes the logger (untimed) and counts the lines the sink received.
// Reported: the callers' latency percentiles "p50-ns", "p99-ns", "p99.9-ns"
// and "max-ns" over every call of every round, and "lost" per round.
//
//	Floor               zerolog to io.Discard, no sink at all: the tail this
//	                    machine gives the same timed call by itself (GC,
//	                    preemption, the host), below which no writer goes
//	Direct              the reference: zerolog writing straight into the sink,
//	                    one Write per record, so the caller takes every stall
//	Diode               zerolog through zerolog/diode (1000 slots, 10 ms poll),
//	                    whose poller writes one record per Write
//	LogCrestRing        LogCrest's core alone: zerolog over ring.New
//	                    (unbounded, the default) draining into the sink; one
//	                    Write carries a whole batch
//	LogCrestRingBounded the same ring bounded to 1000 records, like the diode
//	LogCrest            the whole pipeline with the sink as its console
//	                    (logcrest.WithConsole): every record is also rendered
//	                    as a text line for the sink and written to files in a
//	                    temp folder; "lost" counts console lines

// stallCalls is the number of log calls of one round.
const stallCalls = 200_000

// stalledSink discards what it is given, sleeping 1 ms every 100 writes, and
// counts the lines it received. It is safe for concurrent use.
type stalledSink struct {
	writes atomic.Int64
	lines  atomic.Int64
}

func (s *stalledSink) Write(p []byte) (int, error) {
	if s.writes.Add(1)%100 == 0 {
		time.Sleep(time.Millisecond)
	}
	s.lines.Add(int64(bytes.Count(p, []byte{'\n'})))
	return len(p), nil
}

// stallRound runs b.N rounds: setup returns the log function and the close
// function of a logger writing into sink.
func stallRound(b *testing.B, setup func(b *testing.B, sink io.Writer) (logf func(int), closef func() error)) {
	b.ReportAllocs()
	lat := make([]int64, 0, b.N*stallCalls)
	lost := int64(0)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		sink := new(stalledSink)
		logf, closef := setup(b, sink)
		b.StartTimer()
		for i := 0; i < stallCalls; i++ {
			t0 := time.Now()
			logf(i)
			lat = append(lat, int64(time.Since(t0)))
		}
		b.StopTimer()
		if err := closef(); err != nil {
			b.Fatal(err)
		}
		lost += stallCalls - sink.lines.Load()
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[min(len(lat)-1, int(float64(len(lat))*q))]) }
	b.ReportMetric(at(0.50), "p50-ns")
	b.ReportMetric(at(0.99), "p99-ns")
	b.ReportMetric(at(0.999), "p99.9-ns")
	b.ReportMetric(float64(lat[len(lat)-1]), "max-ns")
	b.ReportMetric(float64(lost)/float64(b.N), "lost")
}

// stampedLogger is zerolog with LogCrest's time and logger fields.
func stampedLogger(w io.Writer) zerolog.Logger {
	return zerolog.New(w).With().Timestamp().Str("logger", loggerName).Logger()
}

func BenchmarkStall(b *testing.B) {
	b.Run("Floor", func(b *testing.B) {
		stallRound(b, func(b *testing.B, sink io.Writer) (func(int), func() error) {
			l := stampedLogger(io.Discard)
			_, _ = sink.Write([]byte(strings.Repeat("\n", stallCalls))) // nothing to lose
			return func(i int) { zerologRecord(l.Info(), i) }, func() error { return nil }
		})
	})
	b.Run("Direct", func(b *testing.B) {
		stallRound(b, func(b *testing.B, sink io.Writer) (func(int), func() error) {
			l := stampedLogger(sink)
			return func(i int) { zerologRecord(l.Info(), i) }, func() error { return nil }
		})
	})
	b.Run("Diode", func(b *testing.B) {
		stallRound(b, func(b *testing.B, sink io.Writer) (func(int), func() error) {
			w := diode.NewWriter(sink, 1000, 10*time.Millisecond, func(int) {})
			l := stampedLogger(w)
			return func(i int) { zerologRecord(l.Info(), i) }, w.Close
		})
	})
	onRing := func(queue int) func(b *testing.B, sink io.Writer) (func(int), func() error) {
		return func(b *testing.B, sink io.Writer) (func(int), func() error) {
			r := ring.New(sink, ring.Options{Name: "stalled", QueueSize: queue})
			l := stampedLogger(r)
			return func(i int) { zerologRecord(l.Info(), i) }, func() error { return r.Close(0) }
		}
	}
	b.Run("LogCrestRing", func(b *testing.B) { stallRound(b, onRing(0)) })
	b.Run("LogCrestRingBounded", func(b *testing.B) { stallRound(b, onRing(1000)) })
	b.Run("LogCrest", func(b *testing.B) {
		stallRound(b, func(b *testing.B, sink io.Writer) (func(int), func() error) {
			useLogCrest(b, logcrest.WithConsole(sink), logcrest.WithCloseTimeout(time.Minute))
			ctx := context.Background()
			return func(i int) { zerologRecord(logcrest.Log(ctx).Info(), i) }, logcrest.Close
		})
	})
}
