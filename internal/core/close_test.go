package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/logcrest/logcrest/internal/ring"
)

// returnsWithin runs f and returns its error, failing the test at once,
// naming what hung, if f has not returned within d by the test's own clock
// (f is then left running: the test has failed either way).
func returnsWithin(t *testing.T, d time.Duration, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %v (started %v ago)", what, d, time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// pacedWriter is a console that takes pause for each write after the
// first, and the first after firstPause. After stopAfter writes (when
// positive) it blocks until gate is closed. It keeps the lines it got and
// when its last write returned.
type pacedWriter struct {
	pause      atomic.Int64 // a time.Duration
	firstPause time.Duration
	stopAfter  int
	gate       chan struct{}

	mu       sync.Mutex
	writes   int
	buf      bytes.Buffer
	lastDone time.Time
}

func (w *pacedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes++
	n := w.writes
	w.mu.Unlock()
	switch {
	case w.stopAfter > 0 && n > w.stopAfter:
		<-w.gate
	case n == 1 && w.firstPause > 0:
		time.Sleep(w.firstPause)
	default:
		time.Sleep(time.Duration(w.pause.Load()))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.lastDone = time.Now()
	return len(p), nil
}

func newPacedWriter(pause time.Duration) *pacedWriter {
	w := &pacedWriter{}
	w.pause.Store(int64(pause))
	return w
}

// state returns the number of writes begun, of complete lines taken, and
// when the last write returned.
func (w *pacedWriter) state() (writes, lines int, last time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes, bytes.Count(w.buf.Bytes(), []byte("\n")), w.lastDone
}

// logPadded logs n info records of about 1 KiB each, numbered in "i".
func logPadded(n int) {
	pad := strings.Repeat("p", 1000)
	for i := range n {
		Logger().Info().Int("i", i).Str("pad", pad).Msg("paced")
	}
}

// consoleRecords parses every line a JSON console got and checks that they
// are records 0..n-1 in order.
func consoleRecords(t *testing.T, w *pacedWriter, n int) {
	t.Helper()
	w.mu.Lock()
	data := bytes.Clone(w.buf.Bytes())
	w.mu.Unlock()
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("console holds %d lines, want %d", len(lines), n)
	}
	for i, line := range lines {
		var r struct {
			I       int    `json:"i"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("console line %d is not JSON: %v", i, err)
		}
		if r.I != i || r.Message != "paced" {
			t.Fatalf("console line %d is record %d %q, want %d", i, r.I, r.Message, i)
		}
	}
}

// TestCloseWaitsForASlowSinkThatKeepsWriting: a console that takes every
// batch, each after a pause, needs several close timeouts to drain what was
// logged. Close waits for it, as it never goes a close timeout without
// writing, returns nil, and every record is on the console and in the file.
func TestCloseWaitsForASlowSinkThatKeepsWriting(t *testing.T) {
	captureWarnings(t)
	dir := t.TempDir()
	// A 1 s timeout, 66 times the console's pause: a loaded machine (the
	// race detector, load average 20) may keep the writer's goroutine off a
	// core for a few hundred milliseconds, which is not the sink stalling.
	const timeout = time.Second
	console := newPacedWriter(15 * time.Millisecond)
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(console),
		WithConsoleFormat(ConsoleJSON), WithCloseTimeout(timeout)); err != nil {
		t.Fatal(err)
	}
	// About 5.6 MB: at most 64 KiB a write, so at least 83 writes and
	// 1.25 s of pauses, more than the close timeout.
	const n = 5000
	logPadded(n)
	start := time.Now()
	err := returnsWithin(t, capFactor*timeout+3*time.Second, "Close with a slow console", Close)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("Close gave up on a console still writing after %v: %v", took, err)
	}
	if took < timeout {
		t.Fatalf("Close took %v, less than the %v timeout: the test did not test a slow sink", took, timeout)
	}
	consoleRecords(t, console, n)
	if got := messages(t, dir, StreamSuccess); len(got) != n {
		t.Errorf("success file holds %d records, want %d", len(got), n)
	}
	if c := sinkStats(t, StreamConsole); c.Written != n || c.Failed != 0 || c.Buffered != 0 {
		t.Errorf("console stats %+v, want %d written", c, n)
	}
	writes, _, _ := console.state()
	t.Logf("Close took %v (%d console writes) with a %v timeout", took, writes, timeout)
}

// TestCloseDoesNotGiveUpEarly: a console whose first write takes 60% of the
// close timeout, the rest at once. Close waits for it (a Close that gave up
// before the timeout would lose the records) and returns nil.
func TestCloseDoesNotGiveUpEarly(t *testing.T) {
	captureWarnings(t)
	dir := t.TempDir()
	const timeout = 2 * time.Second
	console := &pacedWriter{firstPause: timeout * 6 / 10}
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(console),
		WithConsoleFormat(ConsoleJSON), WithCloseTimeout(timeout)); err != nil {
		t.Fatal(err)
	}
	const n = 500
	logPadded(n)
	start := time.Now()
	err := returnsWithin(t, timeout+3*time.Second, "Close with a console that pauses", Close)
	if err != nil {
		t.Fatalf("Close gave up after %v on a console that needs 60%% of the %v timeout: %v", time.Since(start), timeout, err)
	}
	consoleRecords(t, console, n)
	if got := messages(t, dir, StreamSuccess); len(got) != n {
		t.Errorf("success file holds %d records, want %d", len(got), n)
	}
}

// TestCloseGivesUpOnASinkThatStopsMidway: a console that writes steadily,
// then blocks for good. Close waits while it writes and gives up one close
// timeout after its last write (not one after Close began, not never),
// names it and what it still holds, and the files are complete.
func TestCloseGivesUpOnASinkThatStopsMidway(t *testing.T) {
	captureWarnings(t)
	dir := t.TempDir()
	const timeout = time.Second // see TestCloseWaitsForASlowSinkThatKeepsWriting
	console := newPacedWriter(20 * time.Millisecond)
	console.stopAfter, console.gate = 60, make(chan struct{}) // 1.2 s of progress, then none
	released := false
	release := func() {
		if !released {
			released = true
			close(console.gate)
		}
	}
	defer release()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(console),
		WithConsoleFormat(ConsoleJSON), WithCloseTimeout(timeout)); err != nil {
		t.Fatal(err)
	}
	const n = 5000 // at least 83 writes: it blocks with records left
	logPadded(n)
	start := time.Now()
	err := returnsWithin(t, capFactor*timeout+3*time.Second, "Close with a console that stops", Close)
	returned := time.Now()
	_, got, last := console.state()
	if !errors.Is(err, ring.ErrTimeout) || !strings.Contains(err.Error(), `sink "console" still holds`) {
		t.Fatalf("Close with a console stuck after 60 writes = %v; want a timeout naming it", err)
	}
	if want := fmt.Sprintf("still holds %d records", n-got); !strings.Contains(err.Error(), want) {
		t.Errorf("Close error %q; the console took %d of %d records, want %q", err, got, n, want)
	}
	if idle := returned.Sub(last); idle < timeout || idle > timeout+3*time.Second {
		t.Errorf("Close returned %v after the console's last write, want the %v timeout (+ margin)", idle, timeout)
	}
	if last.Sub(start) < timeout {
		t.Errorf("the console's 60 writes took %v, less than the timeout: the test did not test progress", last.Sub(start))
	}
	if got := messages(t, dir, StreamSuccess); len(got) != n {
		t.Errorf("success file holds %d records, want %d", len(got), n)
	}
	// Released, the console finishes the batch it is on; Close waits for
	// it, so that the next test starts with nothing left over.
	release()
	if err := returnsWithin(t, 10*time.Second, "Close once the console is released", Close); err != nil {
		t.Fatalf("Close once the console is released: %v", err)
	}
}

// TestCloseHardCapIsTenCloseTimeouts: the cap on Close, Flush and a
// rebuild is ten close timeouts from the start, saturating rather than
// overflowing for a huge timeout. (That a ring gives up at the cap however
// its sink is doing: internal/ring TestRingCloseGivesUpAtTheHardCap.)
func TestCloseHardCapIsTenCloseTimeouts(t *testing.T) {
	start := time.Now()
	if got := hardCap(start, 5*time.Second).Sub(start); got != 50*time.Second {
		t.Errorf("hard cap for 5s = %v, want 50s", got)
	}
	if got := hardCap(start, math.MaxInt64); !got.After(start.Add(100 * 365 * 24 * time.Hour)) {
		t.Errorf("hard cap for the longest timeout = %v, want a century or more after the start", got.Sub(start))
	}
}

// TestDropNoticeIsJSONForAnyLoggerName: the "logcrest dropped N records"
// record parses as JSON whatever the logger name holds. A name WithName
// accepts (quotes, markup, non-ASCII, U+2028) is in the notice as given;
// one it refuses (backslash, control characters, invalid UTF-8, a newline)
// is reported and replaced by the default, and the notice still parses.
func TestDropNoticeIsJSONForAnyLoggerName(t *testing.T) {
	cases := []struct {
		name     string
		accepted bool
	}{
		{`say "hi"`, true},
		{`"`, true},
		{`<script>&amp;'x'`, true},
		{"caf\u00e9 \u2014 \u65e5\u672c", true},
		{"line\u2028sep", true},
		{`back\slash`, false},
		{"ctl\x01\x1b[2J", false},
		{"bad\xff\xfeutf8", false},
		{"new\nline", false},
		{"tab\there", false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.name), func(t *testing.T) {
			captureWarnings(t)
			dir := t.TempDir()
			console := &blockingWriter{gate: make(chan struct{})}
			released := false
			defer func() {
				if !released {
					close(console.gate)
				}
			}()
			err := Configure(WithDir(dir), WithName(tc.name), WithQueueSize(10), WithConsole(console),
				WithConsoleFormat(ConsoleJSON))
			if tc.accepted != (err == nil) {
				t.Fatalf("Configure(WithName(%q)) = %v; want accepted %v", tc.name, err, tc.accepted)
			}
			want := tc.name
			if !tc.accepted {
				want = Defaults().Name
			}
			if got := Default().Settings().Name; got != want {
				t.Fatalf("name in force %q, want %q", got, want)
			}
			// The console takes one batch and blocks: of 100 records it
			// holds at most 10 and drops the rest.
			for i := range 100 {
				Logger().Info().Int("i", i).Msg("tick")
			}
			close(console.gate)
			released = true
			if err := returnsWithin(t, 10*time.Second, "Close", Close); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, StreamError, want+".log"))
			if err != nil {
				t.Fatal(err)
			}
			var notices int
			var dropped uint64
			for i, line := range strings.SplitAfter(string(data), "\n") {
				if line == "" {
					continue
				}
				if !strings.HasSuffix(line, "\n") || !utf8.ValidString(line) {
					t.Fatalf("error file line %d is not a whole UTF-8 line: %q", i, line)
				}
				var r struct {
					Level   string  `json:"level"`
					Logger  *string `json:"logger"`
					Sink    string  `json:"sink"`
					Dropped uint64  `json:"dropped"`
					Message string  `json:"message"`
				}
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatalf("error file line %d is not JSON: %v\n%q", i, err, line)
				}
				if r.Logger == nil || *r.Logger != want || r.Level != "warn" || r.Dropped == 0 ||
					r.Message != fmt.Sprintf("logcrest dropped %d records", r.Dropped) {
					t.Fatalf("error file line %d: %q; want a drop notice from logger %q", i, line, want)
				}
				if r.Sink == StreamConsole {
					dropped += r.Dropped
				}
				notices++
			}
			c := sinkStats(t, StreamConsole)
			if notices == 0 || c.Dropped == 0 || dropped != c.Dropped {
				t.Errorf("%d drop notices for the console add up to %d; Stats says %d dropped", notices, dropped, c.Dropped)
			}
		})
	}
}
