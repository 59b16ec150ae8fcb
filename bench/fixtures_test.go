package bench_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
)

// The record every scenario logs: a message and ten fields of the common
// kinds (three strings, two ints, two floats, a bool, a time and an error).
// LogCrest stamps "time" and "logger" on every record itself, so every peer
// logger is given a timestamp and a "logger" field too: the records come out
// the same size.
const (
	loggerName = "app_logger"
	message    = "order charged"
)

var (
	fieldAt  = time.Date(2026, 11, 25, 19, 8, 17, 123456000, time.UTC)
	errField = errors.New("gateway timeout")
)

// useLogCrest points LogCrest's global pipeline at files under a fresh temp
// folder, with the console off and every other setting at its default (5 MiB
// files, 3 backups, unbounded queue). The pipeline is closed, everything
// drained, when the benchmark ends: outside the timed loop.
func useLogCrest(b *testing.B, opts ...logcrest.Option) string {
	b.Helper()
	dir := b.TempDir()
	all := append([]logcrest.Option{logcrest.WithDir(dir), logcrest.WithConsole(nil), logcrest.WithConfigFile(filepath.Join(dir, "none.json"))}, opts...)
	if err := logcrest.Configure(all...); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := logcrest.Close(); err != nil {
			b.Error(err)
		}
	})
	logcrest.Log(context.Background()) // builds the pipeline: files opened, goroutines started
	return dir
}

// countLines returns the number of newline-terminated lines in every file
// under dir, rotated backups included.
func countLines(b *testing.B, dir string) int {
	b.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n += bytes.Count(data, []byte{'\n'})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
