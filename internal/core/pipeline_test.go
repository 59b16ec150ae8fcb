package core

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/logcrest/logcrest/internal/testkit"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// record is one parsed line of a log file.
type record map[string]any

// blockingWriter blocks every Write until released.
type blockingWriter struct {
	gate chan struct{}
	mu   sync.Mutex
	n    int
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.gate
	b.mu.Lock()
	b.n += bytes.Count(p, []byte("\n"))
	b.mu.Unlock()
	return len(p), nil
}

func TestEightGoroutinesRotatingAt64KiBLoseNothing(t *testing.T) {
	dir := t.TempDir()
	const goroutines, each, maxSize = 8, 25000, 64 << 10
	if err := Configure(WithDir(dir), WithName("svc"), WithMaxSize(maxSize), WithBackupCount(10000), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				Logger().Info().Int("g", g).Int("i", i).Str("pad", "some payload to fill the files").Msg("load")
			}
		}()
	}
	wg.Wait()
	if err := Close(); err != nil {
		t.Fatal(err)
	}

	seen := make(map[[2]int]bool, goroutines*each)
	for _, r := range testkit.ReadStream[record](t, dir, StreamSuccess, "svc") {
		k := [2]int{int(r["g"].(float64)), int(r["i"].(float64))}
		if seen[k] {
			t.Fatalf("record %v written twice", k)
		}
		seen[k] = true
		if r["logger"] != "svc" || r["level"] != "info" || r["message"] != "load" {
			t.Fatalf("unexpected record %v", r)
		}
		if _, err := time.Parse(time.RFC3339Nano, r["time"].(string)); err != nil {
			t.Fatalf("time %q: %v", r["time"], err)
		}
	}
	if len(seen) != goroutines*each {
		t.Fatalf("found %d distinct records, want %d", len(seen), goroutines*each)
	}
	files := testkit.StreamFiles(t, dir, StreamSuccess, "svc")
	if len(files) < 2 {
		t.Fatalf("no rotation happened: %v", files)
	}
	for _, f := range append(files, testkit.StreamFiles(t, dir, StreamError, "svc")...) {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > maxSize {
			t.Errorf("%s is %d bytes, over %d", f, fi.Size(), maxSize)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	for _, d := range []string{StreamSuccess, StreamError, StreamFlows} {
		fi, err := os.Stat(filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("folder %s has mode %v, want 0700", d, fi.Mode().Perm())
		}
	}
}

func TestBlockedConsoleDropsAreCountedExactly(t *testing.T) {
	dir := t.TempDir()
	console := &blockingWriter{gate: make(chan struct{})}
	if err := Configure(WithDir(dir), WithName("svc"), WithQueueSize(1000), WithConsole(console)); err != nil {
		t.Fatal(err)
	}
	const total = 20000
	for i := range total {
		Logger().Info().Int("i", i).Msg("tick")
	}
	Logger().Error().Msg("an error")
	if st := Stats(); st.Dropped == 0 {
		t.Fatalf("nothing dropped behind a blocked console: %+v", st)
	}
	close(console.gate)
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	st := Stats()
	if len(st.Sinks) != 4 {
		t.Fatalf("want 4 sinks, got %+v", st.Sinks)
	}
	for _, s := range st.Sinks {
		if s.Produced != s.Written+s.Dropped || s.Failed != 0 || s.Buffered != 0 {
			t.Errorf("sink %s: produced %d != written %d + dropped %d (failed %d, buffered %d)",
				s.Name, s.Produced, s.Written, s.Dropped, s.Failed, s.Buffered)
		}
	}
	console.mu.Lock()
	if got := uint64(console.n); got != st.Sinks[0].Written {
		t.Errorf("console received %d records, stats say %d", got, st.Sinks[0].Written)
	}
	console.mu.Unlock()

	// The files show what Stats says: success holds every record it did not
	// drop, and the error file holds the error and the drop warning(s).
	succ := testkit.ReadStream[record](t, dir, StreamSuccess, "svc")
	if uint64(len(succ)) != st.Sinks[1].Written {
		t.Errorf("success file has %d records, stats say %d", len(succ), st.Sinks[1].Written)
	}
	var dropped uint64
	var sawError bool
	for _, r := range testkit.ReadStream[record](t, dir, StreamError, "svc") {
		switch r["message"] {
		case "an error":
			sawError = true
		default:
			if !strings.HasPrefix(r["message"].(string), "logcrest dropped ") || r["level"] != "warn" {
				t.Errorf("unexpected record in the error file: %v", r)
				continue
			}
			dropped += uint64(r["dropped"].(float64))
		}
	}
	if !sawError {
		t.Error("the error record is missing from the error file")
	}
	var want uint64
	for _, s := range st.Sinks {
		want += s.Dropped
	}
	if dropped != want {
		t.Errorf("drop warnings add up to %d, stats say %d", dropped, want)
	}
}

func TestConfigureWhileLoggingLandsEveryRecordOnce(t *testing.T) {
	base := t.TempDir()
	old, new := filepath.Join(base, "old"), filepath.Join(base, "new")
	if err := Configure(WithDir(old), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	// Each goroutine logs each records while the rebuild runs, and then,
	// if the rebuild has not finished yet (a loaded machine), after more
	// once it has: some records must land in the new folder.
	const goroutines, each, after = 4, 20000, 200
	rebuilt := make(chan struct{})
	logged := make([]int, goroutines)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			held := Logger() // a logger kept across the rebuild
			n := each
			i := 0
			for ; i < n; i++ {
				if i == each-1 {
					select {
					case <-rebuilt:
					default: // still rebuilding: wait, and log after it too
						<-rebuilt
						n += after
					}
				}
				if i%2 == 0 {
					held.Info().Int("g", g).Int("i", i).Msg("held")
				} else {
					Logger().Info().Int("g", g).Int("i", i).Msg("fresh")
				}
			}
			logged[g] = i
		}()
	}
	close(start)
	time.Sleep(5 * time.Millisecond)
	if err := Configure(WithDir(new), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	close(rebuilt)
	wg.Wait()
	total := 0
	for _, n := range logged {
		total += n
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	seen := make(map[[2]int]int)
	inNew := 0
	for _, dir := range []string{old, new} {
		recs := testkit.ReadStream[record](t, dir, StreamSuccess, "svc")
		if dir == new {
			inNew = len(recs)
		}
		for _, r := range recs {
			seen[[2]int{int(r["g"].(float64)), int(r["i"].(float64))}]++
		}
	}
	if len(seen) != total {
		t.Fatalf("%d distinct records, want %d", len(seen), total)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("record %v written %d times", k, n)
		}
	}
	if inNew == 0 {
		t.Error("no record reached the new folder")
	}
}

func TestCloseLeavesNoGoroutineAndLaterLogStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(io.Discard)); err != nil {
		t.Fatal(err)
	}
	Logger().Info().Msg("one")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
		t.Fatal(err)
	}
	Logger().Info().Msg("two")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	if err := Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	recs := testkit.ReadStream[record](t, dir, StreamSuccess, "svc")
	if len(recs) != 2 || recs[0]["message"] != "one" || recs[1]["message"] != "two" {
		t.Fatalf("records %v", recs)
	}
}

func TestStreamsRouteByLevel(t *testing.T) {
	dir := t.TempDir()
	var console bytes.Buffer
	var cmu sync.Mutex
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(lockedWriter{&cmu, &console})); err != nil {
		t.Fatal(err)
	}
	l := Logger()
	l.Debug().Msg("d")
	l.Info().Msg("i")
	l.Warn().Msg("w")
	l.Error().Msg("e")
	l.WithLevel(4).Msg("f") // fatal level without exiting
	flowLogger().Info().Str("flow_type", "flow_start").Msg("flow")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	msgs := func(stream string) string {
		var m []string
		for _, r := range testkit.ReadStream[record](t, dir, stream, "svc") {
			m = append(m, r["message"].(string))
		}
		return strings.Join(m, ",")
	}
	if got := msgs(StreamSuccess); got != "d,i,w" {
		t.Errorf("success file: %q", got)
	}
	if got := msgs(StreamError); got != "e,f" {
		t.Errorf("error file: %q", got)
	}
	if got := msgs(StreamFlows); got != "flow" {
		t.Errorf("flows file: %q", got)
	}
	cmu.Lock()
	defer cmu.Unlock()
	if n := strings.Count(console.String(), "\n"); n != 6 {
		t.Errorf("console has %d lines, want 6:\n%s", n, console.String())
	}
}

func TestLevelFilters(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithLevel("warning"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	Logger().Info().Msg("hidden")
	Logger().Warn().Msg("shown")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	recs := testkit.ReadStream[record](t, dir, StreamSuccess, "svc")
	if len(recs) != 1 || recs[0]["message"] != "shown" {
		t.Fatalf("records %v", recs)
	}
}

func TestTextFilesAreOneLinePerRecord(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithJSON(false), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	Logger().Info().Str("user", "a\nINF forged\r\x1b[31m").Msg("line one\nline two")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, StreamSuccess, "svc.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("\n")); n != 1 {
		t.Fatalf("text file has %d lines, want 1: %q", n, data)
	}
	if bytes.ContainsAny(data[:len(data)-1], "\r\x1b") {
		t.Fatalf("control bytes in text file: %q", data)
	}
	for _, want := range []string{"INF", "svc", "line one", "user="} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("text line lacks %q: %q", want, data)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// flowWriter sends what a test logs through flowLogger to the flows stream
// and the console, as WriteFlow does with the records package flow encodes.
type flowWriter struct{}

func (flowWriter) Write(rec []byte) (int, error) {
	return Default().dispatch(rec, headed, nil, flowsOf, time.Now())
}

// flowLogger is a zerolog logger for flow records, carrying the configured
// logger name and level: the tests write flow records with it.
func flowLogger() *zerolog.Logger {
	s := Active()
	l := zerolog.New(flowWriter{}).Level(s.Level).With().Str("logger", s.Name).Logger()
	return &l
}
