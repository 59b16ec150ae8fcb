package core

// Regression tests for the reliability issues found by trying to break
// LogCrest in-process: a lone CR in raw JSON, log calls and Stats waiting on
// a stuck sink, a console that panics, memory behind a stuck console, held
// loggers after Configure, and the drop notice's JSON. The cases that need a
// process to die or a pipe to break are in lastwords_test.go.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/testenv"
	"github.com/logcrest/logcrest/internal/testkit"

	"github.com/rs/zerolog"
)

// TestLoneCRInRawJSONStaysOnOneLine: a CR inside raw JSON, with no LF in
// the record, must not reach the file: Python's (and many other) line
// readers end a line at a lone CR.
func TestLoneCRInRawJSONStaysOnOneLine(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	Logger().Info().RawJSON("raw", []byte("{\"a\":\r1,\r\"forged\":true}")).Msg("cr")
	Logger().Info().RawJSON("raw", []byte("[1,\r\n2]")).Msg("crlf")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, StreamSuccess, "svc.log"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		t.Errorf("the file holds a raw CR: %q", data)
	}
	recs := testkit.ReadStream[record](t, dir, StreamSuccess, "svc")
	if len(recs) != 2 || recs[0]["message"] != "cr" || recs[1]["message"] != "crlf" {
		t.Fatalf("records = %v, want the two, one line each", recs)
	}
	if raw, ok := recs[0]["raw"].(map[string]any); !ok || raw["a"] != 1.0 || raw["forged"] != true {
		t.Errorf("raw field = %v, want the object intact", recs[0]["raw"])
	}
}

// within fails the test unless f returns within d, measured by the test's
// own clock, and says what was waited on.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Errorf("%s did not return within %v", what, d)
		<-done
		t.Logf("%s took %v", what, time.Since(start))
	}
}

// TestLogAndStatsNeverWaitOnAStuckSink: while Close or Configure waits for a
// console that never returns, a log call (which then builds the next
// pipeline) and Stats return at once.
func TestLogAndStatsNeverWaitOnAStuckSink(t *testing.T) {
	testenv.Long(t, "waits out several close timeouts: about 12 s")
	captureWarnings(t)
	dir := t.TempDir()
	stuck := &blockingWriter{gate: make(chan struct{})}
	defer close(stuck.gate)
	const timeout = 2 * time.Second
	const bound = 200 * time.Millisecond // generous on a loaded 2-core machine; the old code waited ~2 s

	for _, lifecycle := range []string{"Close", "Configure"} {
		t.Run(lifecycle, func(t *testing.T) {
			opts := []Option{WithDir(dir), WithName("svc"), WithConsole(stuck), WithCloseTimeout(timeout)}
			// A first run that failed midway leaves the stuck console
			// live, for this rebuild to wait on: bound it.
			if err := returnsWithin(t, timeout+5*time.Second, "Configure after the previous run", func() error {
				return Configure(opts...)
			}); err != nil {
				t.Fatal(err)
			}
			Logger().Info().Msg("the console blocks on this one")
			if err := returnsWithin(t, timeout+5*time.Second, "Flush with the console stuck", Flush); err == nil {
				t.Fatal("Flush with the console stuck returned nil")
			}
			started := make(chan struct{})
			finished := make(chan error, 1)
			go func() {
				close(started)
				if lifecycle == "Close" {
					finished <- Close()
				} else {
					finished <- Configure(WithDir(dir), WithName("svc"), WithConsole(nil), WithCloseTimeout(timeout))
				}
			}()
			<-started
			time.Sleep(50 * time.Millisecond) // let it reach its wait
			within(t, bound, "a log call during "+lifecycle, func() { Logger().Info().Msg("during") })
			within(t, bound, "Stats during "+lifecycle, func() { _ = Stats() })
			var err error
			select {
			case err = <-finished:
			case <-time.After(timeout + 5*time.Second):
				t.Fatalf("%s with the console stuck did not return within %v", lifecycle, timeout+5*time.Second)
			}
			if err == nil {
				t.Errorf("%s with the console stuck returned nil", lifecycle)
			}
			if err := returnsWithin(t, timeout+5*time.Second, "Close with the console stuck", Close); err != nil && !strings.Contains(err.Error(), "console") {
				t.Fatal(err)
			}
			if got := messages(t, dir, StreamSuccess); countLines(got, "during") != 1 {
				t.Errorf("success file = %q, want the record logged during %s", got, lifecycle)
			}
			_ = os.RemoveAll(dir)
		})
	}
}

// panickyConsole panics on every write.
type panickyConsole struct{}

func (panickyConsole) Write([]byte) (int, error) { panic("console bug") }

// TestPanickingConsoleIsCountedNotFatal: a custom console writer that panics
// is recovered on LogCrest's goroutine: its records are counted failed, one
// warning names the panic, and the files get everything.
func TestPanickingConsoleIsCountedNotFatal(t *testing.T) {
	warn := captureWarnings(t)
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(panickyConsole{})); err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := range n {
		Logger().Info().Int("i", i).Msg("tick")
		if i == n/2 {
			if err := Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := Flush(); err != nil {
		t.Fatal(err)
	}
	c := sinkStats(t, StreamConsole)
	if c.Failed != n || c.Written != 0 || c.Produced != n {
		t.Errorf("console stats %+v, want %d produced and failed", c, n)
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	wantOneWarning(t, warn, "console", "sink panicked", "console bug")
	if got := messages(t, dir, StreamSuccess); len(got) != n {
		t.Errorf("success file holds %d records, want %d", len(got), n)
	}
}

// TestStuckConsoleMemoryIsCapped: with the default unbounded queue, a console
// that never drains holds at most the memory cap; what passes it is dropped
// and counted for the console alone, the files get every record, and Close
// lets go of what the stuck console still holds.
func TestStuckConsoleMemoryIsCapped(t *testing.T) {
	captureWarnings(t)
	dir := t.TempDir()
	stuck := &blockingWriter{gate: make(chan struct{})}
	defer close(stuck.gate)
	const capBytes = 1 << 20
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(stuck), WithMaxBuffer(capBytes),
		WithMaxSize(1<<30), WithCloseTimeout(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := heapInUse()
	const n = 200_000 // about 30 MB of records
	pad := strings.Repeat("x", 100)
	for i := range n {
		Logger().Info().Int("i", i).Str("pad", pad).Msg("tick")
		if i%2000 == 1999 {
			// Let the file catch up, so that its own cap (the same 1 MiB)
			// is never reached: this test is about the console's.
			waitDrained(t, StreamSuccess)
		}
	}
	if err := returnsWithin(t, 5*time.Second, "Flush with the console stuck", Flush); err == nil {
		t.Fatal("Flush with the console stuck returned nil")
	}
	runtime.GC()
	grown := int64(heapInUse()) - int64(before)
	c := sinkStats(t, StreamConsole)
	if c.Dropped == 0 || c.Produced != n || c.Written+c.Dropped+c.Failed+c.Buffered != c.Produced {
		t.Errorf("console stats %+v: want drops, and produced = written + dropped + failed + buffered = %d", c, n)
	}
	if grown > 8*capBytes {
		t.Errorf("heap grew by %d bytes behind a stuck console capped at %d", grown, capBytes)
	}
	if s := sinkStats(t, StreamSuccess); s.Dropped != 0 || s.Written != n {
		t.Errorf("success stats %+v: want all %d written, none dropped", s, n)
	}
	if err := returnsWithin(t, 5*time.Second, "Close with the console stuck", Close); err == nil {
		t.Error("Close with the console stuck returned nil")
	}
	c = sinkStats(t, StreamConsole)
	if c.Buffered > 100_000 || c.Written+c.Dropped+c.Failed+c.Buffered != c.Produced {
		t.Errorf("console stats after Close gave up: %+v", c)
	}
	if got := testkit.ReadStream[record](t, dir, StreamSuccess, "svc"); len(got) != n {
		t.Errorf("success file holds %d records, want %d", len(got), n)
	}
}

// waitDrained waits until the named sink holds no record.
func waitDrained(t *testing.T, sink string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for sinkStats(t, sink).Buffered != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sink %s did not drain in 10 s", sink)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestHeldLoggersFollowConfigure: a logger obtained before Configure (and
// a child of it held by a goroutine) takes the new level and logger name.
func TestHeldLoggersFollowConfigure(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("old"), WithLevel("debug"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	held := Logger()
	child := held.With().Str("component", "db").Logger()
	held.Debug().Msg("debug before")
	if err := Configure(WithDir(dir), WithName("svc"), WithLevel("warn"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		child.Debug().Msg("debug after")
		child.Info().Msg("info after")
		child.Warn().Msg("warn after")
	}()
	wg.Wait()
	held.Debug().Msg("debug after")
	held.Error().Msg("error after")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	old := testkit.ReadStream[record](t, dir, StreamSuccess, "old")
	if len(old) != 1 || old[0]["message"] != "debug before" {
		t.Errorf("old file = %v, want the one record logged before Configure", old)
	}
	got := append(testkit.ReadStream[record](t, dir, StreamSuccess, "svc"), testkit.ReadStream[record](t, dir, StreamError, "svc")...)
	var msgs []string
	for _, r := range got {
		if r["logger"] != "svc" {
			t.Errorf("record %v: logger is not the new name", r)
		}
		msgs = append(msgs, fmt.Sprint(r["message"]))
	}
	if strings.Join(msgs, "|") != "warn after|error after" {
		t.Errorf("records after Configure(warn) = %q, want only the warn and error ones", msgs)
	}
	if got[0]["component"] != "db" {
		t.Errorf("child logger lost its field: %v", got[0])
	}
}

// TestDropNoticeIsValidJSON: the "logcrest dropped N records" notice is
// encoded with JSON escapes, so a logger name that Go would quote
// differently (a tag character) still gives valid JSON with the same name.
func TestDropNoticeIsValidJSON(t *testing.T) {
	captureWarnings(t)
	dir := t.TempDir()
	name := "app\U000E0001\u2028x"
	gate := &blockingWriter{gate: make(chan struct{})}
	before := Stats().Dropped
	if err := Configure(WithDir(dir), WithName(name), WithConsole(gate), WithQueueSize(2)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	for i := range 50 {
		Logger().Info().Int("i", i).Msg("tick")
	}
	close(gate.gate)
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	recs := testkit.ReadStream[record](t, dir, StreamError, name)
	var dropped float64
	for _, r := range recs {
		if r["logger"] != name {
			t.Errorf("record %v: logger is not %q", r, name)
		}
		if n, ok := r["dropped"].(float64); ok {
			dropped += n
		}
	}
	if total := Stats().Dropped - before; dropped == 0 || uint64(dropped) != total {
		t.Errorf("drop notices count %v, Stats say %d", dropped, total)
	}
}

// TestLevelGateIsNotBypassedBySamplingOff: with zerolog's sampling disabled
// process-wide, which skips the level gate, the writer still filters.
func TestLevelGateIsNotBypassedBySamplingOff(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithLevel("info"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	zerolog.DisableSampling(true)
	defer zerolog.DisableSampling(false)
	Logger().Debug().Msg("hidden")
	Logger().Info().Msg("shown")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	if got := messages(t, dir, StreamSuccess); strings.Join(got, "|") != "shown" {
		t.Errorf("success file = %q, want only the info record", got)
	}
}
