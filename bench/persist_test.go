package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/logcrest/logcrest"
)

// Scenario 4: persistence. One round logs persistRecords records (the
// ten-field record of scenario 1) from one goroutine and closes the logger,
// so that every record it kept is in its file; then the lines in the folder
// are counted, untimed. Reported per round: "lines/s", records logged per
// second of the round (first call to the return of Close), and "lost",
// records that never reached the file.
//
//	LogCrest                  logcrest.Log(ctx) and Close, default settings
//	                          except 1 GiB files so that no line rotates away
//	ZerologLumberjack         the reference: zerolog straight into a
//	                          lumberjack.Logger (1 GiB files), one write per record
//	ZerologDiodeLumberjack    zerolog through zerolog/diode (1000 slots, 10 ms
//	                          poll) into the same lumberjack; "alerted" is the
//	                          sum its alert func was told it dropped
//
// "Persisted" means on disk: LogCrest's Close fsyncs its files, so the
// lumberjack peers' close is followed by an fsync of their file too
// (syncedClose); otherwise the peers would be timed to the page cache only.
//
// A round writes about 330 MB; run it with -benchtime 1x.

// persistRecords is the size of one round.
const persistRecords = 1_000_000

// persistRound runs b.N rounds: setup returns the log function and the close
// function of a logger writing under dir.
func persistRound(b *testing.B, setup func(b *testing.B, dir string) (logf func(int), closef func() error)) {
	b.ReportAllocs()
	var (
		elapsed time.Duration
		lost    int
	)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		dir, err := os.MkdirTemp(b.TempDir(), "round")
		if err != nil {
			b.Fatal(err)
		}
		logf, closef := setup(b, dir)
		b.StartTimer()
		start := time.Now()
		for i := 0; i < persistRecords; i++ {
			logf(i)
		}
		if err := closef(); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		lost += persistRecords - countLines(b, dir)
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*persistRecords/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(lost)/float64(b.N), "lost")
}

// lumberjackFor is a lumberjack.Logger large enough that one round never
// rotates.
func lumberjackFor(dir string) *lumberjack.Logger {
	return &lumberjack.Logger{Filename: filepath.Join(dir, loggerName+".log"), MaxSize: 1024, MaxBackups: 3}
}

// syncedClose returns a close function that runs closef and then fsyncs the
// file at path, as LogCrest's Close does for its own files.
func syncedClose(closef func() error, path string) func() error {
	return func() error {
		if err := closef(); err != nil {
			return err
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}

func BenchmarkPersist(b *testing.B) {
	b.Run("LogCrest", func(b *testing.B) {
		persistRound(b, func(b *testing.B, dir string) (func(int), func() error) {
			if err := logcrest.Configure(logcrest.WithDir(dir), logcrest.WithConsole(nil), logcrest.WithMaxSize(1<<30),
				logcrest.WithConfigFile(filepath.Join(dir, "none.json"))); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			logcrest.Log(ctx) // build the pipeline before the clock starts
			return func(i int) { zerologRecord(logcrest.Log(ctx).Info(), i) }, logcrest.Close
		})
	})
	b.Run("ZerologLumberjack", func(b *testing.B) {
		persistRound(b, func(b *testing.B, dir string) (func(int), func() error) {
			lj := lumberjackFor(dir)
			l := zerolog.New(lj).With().Timestamp().Str("logger", loggerName).Logger()
			return func(i int) { zerologRecord(l.Info(), i) }, syncedClose(lj.Close, lj.Filename)
		})
	})
	b.Run("ZerologDiodeLumberjack", func(b *testing.B) {
		var alerted atomic.Int64
		persistRound(b, func(b *testing.B, dir string) (func(int), func() error) {
			w := diode.NewWriter(lumberjackFor(dir), 1000, 10*time.Millisecond, func(missed int) { alerted.Add(int64(missed)) })
			l := zerolog.New(w).With().Timestamp().Str("logger", loggerName).Logger()
			// Close drains the diode, then closes lumberjack.
			return func(i int) { zerologRecord(l.Info(), i) }, syncedClose(w.Close, filepath.Join(dir, loggerName+".log"))
		})
		b.ReportMetric(float64(alerted.Load())/float64(b.N), "alerted")
	})
}
