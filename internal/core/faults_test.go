package core

// Fault injection: the log folder unusable at start, removed, replaced or
// made read-only mid-run, a sink failing with ENOSPC, a sink that never
// returns, and the lifecycle calls racing each other. Each test checks the
// three promises: the service keeps running (every log call returns), nothing
// is lost without being counted, and the user hears about it once (one
// "logcrest: warning:" line), not once per record.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/ring"
	"github.com/logcrest/logcrest/internal/testkit"
)

// captureWarnings sends the warning output to a buffer for the rest of the
// test and forgets earlier write-failure warnings, so the rate limit starts
// afresh.
func captureWarnings(t *testing.T) *testkit.Buffer {
	t.Helper()
	buf := &testkit.Buffer{}
	restore := SetWarnOutput(buf)
	t.Cleanup(restore)
	writeWarnings.reset()
	return buf
}

// wantOneWarning fails unless buf holds exactly one warning line containing
// every string in want.
func wantOneWarning(t *testing.T, buf *testkit.Buffer, want ...string) {
	t.Helper()
	lines := warningLines(t, buf.String())
	if len(lines) != 1 {
		t.Fatalf("got %d warning lines, want exactly 1:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("warning %q does not mention %q", lines[0], w)
		}
	}
}

// sinkStats returns the counters of the named sink of the live pipeline.
func sinkStats(t *testing.T, name string) ring.Stats {
	t.Helper()
	for _, s := range Stats().Sinks {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no sink %q in %+v", name, Stats().Sinks)
	return ring.Stats{}
}

// messages returns the "message" of every record of a stream, in file order.
func messages(t *testing.T, dir, stream string) []string {
	t.Helper()
	var out []string
	for _, r := range testkit.ReadStream[record](t, dir, stream, "svc") {
		out = append(out, fmt.Sprint(r["message"]))
	}
	return out
}

// countLines counts the lines of ss that contain sub.
func countLines(ss []string, sub string) int {
	n := 0
	for _, s := range ss {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// TestFaultFolderUnusableAtStart points the log folder under a regular file
// (ENOTDIR, which stops root as well as anyone): no file can ever be opened.
// Every log call returns, the console still gets every record, one warning
// is printed for the whole fault, and every file record is counted failed.
func TestFaultFolderUnusableAtStart(t *testing.T) {
	warns := captureWarnings(t)
	blocker := filepath.Join(t.TempDir(), "a-regular-file")
	if err := os.WriteFile(blocker, []byte("in the way\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocker, "logs")
	console := &testkit.Buffer{}
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(console)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	const infos, errs, flows = 300, 30, 3
	for i := range infos {
		Logger().Info().Int("i", i).Msg("still serving")
		if i%50 == 49 {
			if err := Flush(); err != nil {
				t.Fatalf("Flush: %v", err)
			}
		}
	}
	for i := range errs {
		Logger().Error().Int("i", i).Msg("still failing")
	}
	for i := range flows {
		flowLogger().Info().Int("i", i).Str("flow_type", "flow_start").Msg("flow")
	}
	if err := Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}

	lines := console.Lines()
	if len(lines) != infos+errs+flows {
		t.Fatalf("console has %d lines, want %d", len(lines), infos+errs+flows)
	}
	if n := countLines(lines, "still serving"); n != infos {
		t.Errorf("console shows %d info records, want %d", n, infos)
	}
	if n := countLines(lines, "still failing"); n != errs {
		t.Errorf("console shows %d error records, want %d", n, errs)
	}

	for stream, want := range map[string]uint64{StreamSuccess: infos, StreamError: errs, StreamFlows: flows} {
		s := sinkStats(t, stream)
		if s.Failed != want || s.Written != 0 || s.Produced != want || s.WriteErrors == 0 {
			t.Errorf("sink %s: %+v; want Failed=Produced=%d, Written=0, WriteErrors>0", stream, s, want)
		}
	}
	if s := sinkStats(t, StreamConsole); s.Written != infos+errs+flows || s.Failed != 0 {
		t.Errorf("console sink: %+v", s)
	}
	st := Stats()
	if st.WriteErrors == 0 || st.Failed < infos+errs+flows {
		t.Errorf("Stats() = %+v; want WriteErrors > 0 and Failed >= %d", st, infos+errs+flows)
	}
	wantOneWarning(t, warns, blocker)

	if err := Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, err := os.Stat(blocker); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the blocking file was disturbed: %v, %v", fi, err)
	}
	if got := len(warningLines(t, warns.String())); got != 1 {
		t.Errorf("Close added warnings: %d lines in all", got)
	}
}

// TestFaultFolderUnusableAtStartRecovers clears the start-up fault while the
// service runs: records logged once the folder can be created are in the
// file, and only those.
func TestFaultFolderUnusableAtStartRecovers(t *testing.T) {
	warns := captureWarnings(t)
	blocker := filepath.Join(t.TempDir(), "a-regular-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocker, "logs")
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	for i := range 20 {
		Logger().Info().Int("i", i).Msg("lost")
	}
	if err := Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(blocker); err != nil { // the fault clears
		t.Fatal(err)
	}
	// The sink retries opening at most once a second: wait until a probe
	// record is written, then log the records that must all be kept.
	probes := 0
	deadline := time.Now().Add(10 * time.Second)
	for sinkStats(t, StreamSuccess).Written == 0 {
		if time.Now().After(deadline) {
			t.Fatal("writing did not resume within 10s of the fault clearing")
		}
		Logger().Info().Int("i", probes).Msg("probe")
		probes++
		if err := Flush(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := range 10 {
		Logger().Info().Int("i", i).Msg("after")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	s := Stats().Sinks
	var succ ring.Stats
	for _, x := range s {
		if x.Name == StreamSuccess {
			succ = x
		}
	}
	got := messages(t, dir, StreamSuccess)
	if n := countLines(got, "after"); n != 10 || countLines(got, "lost") != 0 {
		t.Fatalf("file after recovery holds %q", got)
	}
	if uint64(len(got)) != succ.Written || succ.Written+succ.Failed != succ.Produced || succ.Produced != uint64(20+probes+10) {
		t.Errorf("success sink %+v, file has %d records, %d probes", succ, len(got), probes)
	}
	wantOneWarning(t, warns, blocker)
}

// TestFaultFolderReplacedByAFileMidRun removes the log folder while the
// service runs and puts a regular file in its place. Records logged meanwhile
// are counted failed with one warning however many writes fail; once the
// file is taken away, writing resumes in a recreated folder.
func TestFaultFolderReplacedByAFileMidRun(t *testing.T) {
	warns := captureWarnings(t)
	dir := filepath.Join(t.TempDir(), "logs")
	console := &testkit.Buffer{}
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(console)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	for i := range 10 {
		Logger().Info().Int("i", i).Msg("before")
	}
	if err := Flush(); err != nil {
		t.Fatal(err)
	}
	if got := messages(t, dir, StreamSuccess); len(got) != 10 {
		t.Fatalf("before the fault the file holds %q", got)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	const rounds, each = 40, 25
	for r := range rounds {
		for i := range each {
			Logger().Info().Int("i", r*each+i).Msg("during")
		}
		if err := Flush(); err != nil { // each round is at least one failed write
			t.Fatalf("Flush: %v", err)
		}
	}
	s := sinkStats(t, StreamSuccess)
	if s.Failed != rounds*each || s.Written != 10 || s.WriteErrors < rounds {
		t.Fatalf("success sink during the fault: %+v; want Failed=%d, Written=10, WriteErrors>=%d", s, rounds*each, rounds)
	}
	wantOneWarning(t, warns, "svc.log")
	if n := countLines(console.Lines(), "during"); n != rounds*each {
		t.Errorf("console shows %d records logged during the fault, want %d", n, rounds*each)
	}

	if err := os.Remove(dir); err != nil { // the fault clears
		t.Fatal(err)
	}
	for i := range 10 {
		Logger().Info().Int("i", i).Msg("after")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	got := messages(t, dir, StreamSuccess)
	if len(got) != 10 || countLines(got, "after") != 10 {
		t.Fatalf("after the fault cleared the file holds %q, want the 10 later records", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, StreamSuccess)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("recreated folder: %v, %v", fi, err)
	}
	if got := len(warningLines(t, warns.String())); got != 1 {
		t.Errorf("%d warning lines in all, want 1", got)
	}
}

// TestFaultFolderRemovedMidRun deletes the log folder under a running
// service: the next write recreates it (0700) and the file, so nothing logged
// after the removal is lost and nothing is reported.
func TestFaultFolderRemovedMidRun(t *testing.T) {
	warns := captureWarnings(t)
	dir := filepath.Join(t.TempDir(), "logs")
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	Logger().Info().Msg("before")
	Logger().Error().Msg("before")
	if err := Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		Logger().Info().Int("i", i).Msg("after")
		Logger().Error().Int("i", i).Msg("after")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	for _, stream := range []string{StreamSuccess, StreamError} {
		if got := messages(t, dir, stream); len(got) != 10 || countLines(got, "after") != 10 {
			t.Errorf("%s file after the folder was removed holds %q, want the 10 later records", stream, got)
		}
	}
	for _, d := range []string{dir, filepath.Join(dir, StreamSuccess), filepath.Join(dir, StreamError)} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("recreated folder %s: %v, %v", d, fi, err)
		}
	}
	for _, s := range Stats().Sinks {
		if s.Failed != 0 {
			t.Errorf("sink %s counted %d failures", s.Name, s.Failed)
		}
	}
	if lines := warningLines(t, warns.String()); len(lines) != 0 {
		t.Errorf("unexpected warnings: %q", lines)
	}
}

// chattr sets or clears a file attribute; the test is skipped when the file
// system or the process cannot (no chattr, no CAP_LINUX_IMMUTABLE).
func chattr(t *testing.T, flag, path string) {
	t.Helper()
	out, err := exec.Command("chattr", flag, path).CombinedOutput()
	if err != nil {
		t.Skipf("chattr %s %s: %v %s", flag, path, err, out)
	}
}

// TestFaultFileMadeReadOnlyMidRun makes the live file immutable (chattr +i:
// permission bits do not stop root, this does), so every write fails with
// EPERM. The failures are counted with one warning; clearing the attribute
// lets writing resume in the same file.
func TestFaultFileMadeReadOnlyMidRun(t *testing.T) {
	if _, err := exec.LookPath("chattr"); err != nil {
		t.Skip("no chattr")
	}
	warns := captureWarnings(t)
	dir := filepath.Join(t.TempDir(), "logs")
	live := filepath.Join(dir, StreamSuccess, "svc.log")
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	for i := range 5 {
		Logger().Info().Int("i", i).Msg("before")
	}
	if err := Flush(); err != nil {
		t.Fatal(err)
	}
	chattr(t, "+i", live)
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", live).Run() })
	const rounds, each = 30, 10
	for r := range rounds {
		for i := range each {
			Logger().Info().Int("i", r*each+i).Msg("during")
		}
		if err := Flush(); err != nil {
			t.Fatal(err)
		}
	}
	s := sinkStats(t, StreamSuccess)
	if s.Failed != rounds*each || s.Written != 5 || s.WriteErrors < rounds {
		t.Fatalf("success sink while read-only: %+v", s)
	}
	wantOneWarning(t, warns, "svc.log", "operation not permitted")

	chattr(t, "-i", live)
	for i := range 5 {
		Logger().Info().Int("i", i).Msg("after")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	got := messages(t, dir, StreamSuccess)
	if strings.Join(got, ",") != "before,before,before,before,before,after,after,after,after,after" {
		t.Fatalf("file holds %q", got)
	}
}

// faultyConsole fails every write with the error of /dev/full (ENOSPC) while
// fail is set, and keeps what it is given otherwise.
type faultyConsole struct {
	full *os.File
	fail atomic.Bool
	testkit.Buffer
}

func (f *faultyConsole) Write(p []byte) (int, error) {
	if f.fail.Load() {
		return f.full.Write(p)
	}
	return f.Buffer.Write(p)
}

// TestFaultSinkReturnsENOSPC makes the console sink fail with a real ENOSPC
// (a write to /dev/full) for many batches: every record is counted failed,
// one warning is printed, the files are unaffected, and once the fault clears
// the console gets the later records.
func TestFaultSinkReturnsENOSPC(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	if _, err := full.Write([]byte("x")); !errors.Is(err, syscall.ENOSPC) {
		t.Skipf("/dev/full does not return ENOSPC: %v", err)
	}
	warns := captureWarnings(t)
	dir := t.TempDir()
	console := &faultyConsole{full: full}
	console.fail.Store(true)
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(console)); err != nil {
		t.Fatal(err)
	}
	defer Close()
	const rounds, each = 50, 20
	for r := range rounds {
		for i := range each {
			Logger().Info().Int("i", r*each+i).Msg("during")
		}
		if err := Flush(); err != nil {
			t.Fatal(err)
		}
	}
	s := sinkStats(t, StreamConsole)
	if s.Failed != rounds*each || s.Written != 0 || s.WriteErrors < rounds {
		t.Fatalf("console sink while the disk is full: %+v", s)
	}
	wantOneWarning(t, warns, "console", "no space left on device")

	console.fail.Store(false)
	for i := range 7 {
		Logger().Info().Int("i", i).Msg("after")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	if lines := console.Lines(); len(lines) != 7 || countLines(lines, "after") != 7 {
		t.Fatalf("console after the fault cleared: %q", lines)
	}
	if got := messages(t, dir, StreamSuccess); len(got) != rounds*each+7 {
		t.Errorf("success file holds %d records, want %d", len(got), rounds*each+7)
	}
	if got := len(warningLines(t, warns.String())); got != 1 {
		t.Errorf("%d warning lines in all, want 1", got)
	}
}

// TestWriteWarningsAtMostOncePerMinute drives the rate limit with explicit
// times: a fault is reported, then stays quiet for a minute, then may be
// reported again; another fault has its own minute.
func TestWriteWarningsAtMostOncePerMinute(t *testing.T) {
	var l warnLimiter
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"files:/a", 0, true},
		{"files:/a", time.Second, false},
		{"console", time.Second, true},
		{"files:/a", 59 * time.Second, false},
		{"console", 30 * time.Second, false},
		{"files:/a", time.Minute, true},
		{"files:/a", time.Minute + time.Second, false},
		{"console", time.Minute + time.Second, true},
		{"files:/a", 3 * time.Minute, true},
	}
	for _, s := range steps {
		if got := l.allow(s.key, t0.Add(s.at)); got != s.want {
			t.Errorf("allow(%q, +%v) = %v, want %v", s.key, s.at, got, s.want)
		}
	}
}

// TestFaultBlockedConsoleCloseIsBounded gives the pipeline a console that
// never returns. Flush and Close give up after the close timeout, say which
// sink still holds how many records (Close then counts those still queued as
// failed and lets them go), and the files are complete all the same.
func TestFaultBlockedConsoleCloseIsBounded(t *testing.T) {
	if d := Defaults().CloseTimeout; d != 5*time.Second {
		t.Errorf("default close timeout %v, want 5s", d)
	}
	warns := captureWarnings(t)
	dir := t.TempDir()
	console := &blockingWriter{gate: make(chan struct{})}
	released := false
	release := func() {
		if !released {
			released = true
			close(console.gate)
		}
	}
	defer release()
	const timeout = 300 * time.Millisecond
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(console), WithCloseTimeout(timeout)); err != nil {
		t.Fatal(err)
	}
	const infos, errs, flows = 100, 5, 1
	for i := range infos {
		Logger().Info().Int("i", i).Msg("info")
	}
	for i := range errs {
		Logger().Error().Int("i", i).Msg("error")
	}
	flowLogger().Info().Str("flow_type", "flow_start").Msg("flow")
	const total = infos + errs + flows

	start := time.Now()
	err := returnsWithin(t, timeout+5*time.Second, "Flush with a stuck console", Flush)
	if !errors.Is(err, ring.ErrTimeout) || !strings.Contains(err.Error(), `"console"`) {
		t.Fatalf("Flush with a stuck console = %v; want a timeout naming the console", err)
	}
	if d := time.Since(start); d > timeout+5*time.Second {
		t.Errorf("Flush took %v with a %v timeout", d, timeout)
	}

	start = time.Now()
	err = returnsWithin(t, timeout+5*time.Second, "Close with a stuck console", Close)
	took := time.Since(start)
	if !errors.Is(err, ring.ErrTimeout) {
		t.Fatalf("Close with a stuck console = %v; want ErrTimeout", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"console"`) || !strings.Contains(msg, fmt.Sprintf("%d records", total)) {
		t.Errorf("Close error %q does not say that the console still holds %d records", msg, total)
	}
	if took > timeout+5*time.Second {
		t.Errorf("Close took %v with a %v timeout", took, timeout)
	}
	for _, stream := range []string{StreamSuccess, StreamError, StreamFlows} {
		if strings.Contains(err.Error(), `"`+stream+`"`) {
			t.Errorf("Close reports the healthy %s sink: %v", stream, err)
		}
	}
	// The stuck console did not cost the files anything.
	if got := messages(t, dir, StreamSuccess); len(got) != infos {
		t.Errorf("success file holds %d records, want %d", len(got), infos)
	}
	if got := messages(t, dir, StreamError); len(got) != errs {
		t.Errorf("error file holds %d records, want %d", len(got), errs)
	}
	if got := messages(t, dir, StreamFlows); len(got) != flows {
		t.Errorf("flows file holds %d records, want %d", len(got), flows)
	}
	var con ring.Stats
	for _, s := range Stats().Sinks {
		if s.Name == StreamConsole {
			con = s
		}
	}
	// Close gave up on what was still queued (counted failed, its memory
	// let go); the batch the console blocks on is still buffered.
	if con.Buffered+con.Failed != total || con.Buffered == 0 || con.Written != 0 {
		t.Errorf("console sink after Close: %+v; want Buffered+Failed=%d, Buffered>0", con, total)
	}

	// Unblock the console so its goroutine can finish (goleak checks it).
	release()
	deadline := time.Now().Add(10 * time.Second)
	for {
		console.mu.Lock()
		n := console.n
		console.mu.Unlock()
		if n == int(con.Buffered) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the released console got %d records, want the %d it blocked on", n, con.Buffered)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if lines := warningLines(t, warns.String()); len(lines) != 0 {
		t.Errorf("unexpected warnings: %q", lines)
	}
}

// TestCloseTwiceAndLogAfterClose: a second Close is a no-op, a log call after
// Close starts a fresh pipeline (the record is kept), and Flush and Stats
// after Close work.
func TestCloseTwiceAndLogAfterClose(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	Logger().Info().Msg("one")
	for i := range 3 {
		if err := Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if err := Flush(); err != nil {
		t.Fatalf("Flush after Close: %v", err)
	}
	_ = Stats()
	held := Logger() // a logger taken before the next Close
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	held.Info().Msg("two")
	flowLogger().Info().Str("flow_type", "flow_start").Msg("three")
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(messages(t, dir, StreamSuccess), ","); got != "one,two" {
		t.Errorf("success file: %q", got)
	}
	if got := strings.Join(messages(t, dir, StreamFlows), ","); got != "three" {
		t.Errorf("flows file: %q", got)
	}
}

// TestCloseConfigureFlushAndLogConcurrently races Close, Configure, Flush and
// Stats, each in a loop, against goroutines that log (run it under -race).
// Nothing panics, every call returns, and every record logged lands exactly
// once in the files and once on the console.
func TestCloseConfigureFlushAndLogConcurrently(t *testing.T) {
	dir := t.TempDir()
	console := &testkit.Buffer{}
	opts := []Option{WithDir(dir), WithName("svc"), WithConsole(console), WithBackupCount(100000)}
	if err := Configure(opts...); err != nil {
		t.Fatal(err)
	}
	const loggers, each, minCycles = 4, 4000, 20
	var logWG, ctlWG sync.WaitGroup
	for g := range loggers {
		logWG.Add(1)
		go func() {
			defer logWG.Done()
			for i := range each {
				switch i % 10 {
				case 9:
					Logger().Error().Int("g", g).Int("i", i).Msg("e")
				case 5:
					flowLogger().Info().Int("g", g).Int("i", i).Str("flow_type", "flow_start").Msg("f")
				default:
					Logger().Info().Int("g", g).Int("i", i).Msg("s")
				}
				if i%100 == 0 {
					time.Sleep(100 * time.Microsecond) // let the lifecycle calls interleave
				}
			}
		}()
	}
	loggersDone := make(chan struct{})
	go func() { logWG.Wait(); close(loggersDone) }()
	var cycles [3]atomic.Int64
	errc := make(chan error, 1000)
	ctl := func(slot int, f func(k int) error) {
		ctlWG.Add(1)
		go func() {
			defer ctlWG.Done()
			for k := 0; ; k++ {
				select {
				case <-loggersDone:
					if k >= minCycles {
						return
					}
				default:
				}
				if err := f(k); err != nil {
					select {
					case errc <- err:
					default:
					}
				}
				cycles[slot].Add(1)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	ctl(0, func(int) error { return Close() })
	ctl(1, func(k int) error {
		return Configure(append([]Option{WithJSON(true), WithMaxSize(int64(64<<10 + k))}, opts...)...)
	})
	ctl(2, func(int) error { _ = Stats(); return Flush() })
	ctlWG.Wait()
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	close(errc)
	for err := range errc {
		t.Errorf("lifecycle call failed: %v", err)
	}

	seen := make(map[[2]int]int)
	total := 0
	for _, stream := range []string{StreamSuccess, StreamError, StreamFlows} {
		for _, r := range testkit.ReadStream[record](t, dir, stream, "svc") {
			seen[[2]int{int(r["g"].(float64)), int(r["i"].(float64))}]++
			total++
		}
	}
	for g := range loggers {
		for i := range each {
			if c := seen[[2]int{g, i}]; c != 1 {
				t.Fatalf("record g=%d i=%d is in the files %d times", g, i, c)
			}
		}
	}
	if total != loggers*each {
		t.Fatalf("files hold %d records, %d were logged", total, loggers*each)
	}
	if lines := console.Lines(); len(lines) != loggers*each {
		t.Fatalf("console has %d lines, %d records were logged", len(lines), loggers*each)
	}
	t.Logf("lifecycle calls: %d Close, %d Configure, %d Flush", cycles[0].Load(), cycles[1].Load(), cycles[2].Load())
}

// TestFaultConfigureTimesOutOnAStuckSink rebuilds while the old console is
// stuck. Configure gives up on it after the close timeout and says so: the
// records still queued are counted failed and let go, and the one the
// console blocks on stays with the old pipeline. Until it has finished,
// Stats counts it live, and Flush and Close wait for it (and report it when
// it is still stuck); once the console is released, every count adds up.
func TestFaultConfigureTimesOutOnAStuckSink(t *testing.T) {
	captureWarnings(t)
	dir := t.TempDir()
	stuck := &blockingWriter{gate: make(chan struct{})}
	released := false
	release := func() {
		if !released {
			released = true
			close(stuck.gate)
		}
	}
	defer release()
	const timeout = 200 * time.Millisecond
	before := Stats()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(stuck), WithCloseTimeout(timeout)); err != nil {
		t.Fatal(err)
	}
	// The stuck console takes the first record and blocks on it; the other
	// 49 wait behind it.
	Logger().Info().Int("i", 0).Msg("old")
	const bound = timeout + 5*time.Second
	if err := returnsWithin(t, bound, "Flush with the console stuck", Flush); !errors.Is(err, ring.ErrTimeout) {
		t.Fatalf("Flush with the console stuck = %v; want a timeout", err)
	}
	for i := 1; i < 50; i++ {
		Logger().Info().Int("i", i).Msg("old")
	}
	fresh := &testkit.Buffer{}
	err := returnsWithin(t, bound, "Configure with the old console stuck", func() error {
		return Configure(WithDir(dir), WithName("svc"), WithConsole(fresh), WithCloseTimeout(timeout))
	})
	if !errors.Is(err, ring.ErrTimeout) || !strings.Contains(err.Error(), `sink "console" still holds 50 records`) {
		t.Fatalf("Configure with the old console stuck = %v; want a timeout naming it", err)
	}
	for i := range 10 {
		Logger().Info().Int("i", i).Msg("new")
	}
	if err := returnsWithin(t, bound, "Flush with an old console stuck", Flush); !errors.Is(err, ring.ErrTimeout) || !strings.Contains(err.Error(), `"console"`) {
		t.Errorf("Flush with an old console still stuck = %v; want a timeout naming it", err)
	}
	// Configure gave up on the 49 queued records (counted failed, their
	// memory let go); the one the console blocks on is still buffered.
	if st := Stats(); st.Buffered-before.Buffered != 1 || st.Failed-before.Failed != 49 {
		t.Errorf("Stats while the old console is stuck: %d buffered, %d failed; want 1, 49",
			st.Buffered-before.Buffered, st.Failed-before.Failed)
	}
	err = returnsWithin(t, bound, "Close with an old console stuck", Close)
	if !errors.Is(err, ring.ErrTimeout) || !strings.Contains(err.Error(), `sink "console" still holds 1 records`) {
		t.Fatalf("Close with an old console still stuck = %v; want a timeout naming it", err)
	}

	release()
	if err := Close(); err != nil { // waits for the old pipeline to finish
		t.Fatalf("Close once the console is released: %v", err)
	}
	after := Stats()
	stuck.mu.Lock()
	got := stuck.n
	stuck.mu.Unlock()
	if got != 1 {
		t.Errorf("the released console got %d records, want the 1 it blocked on", got)
	}
	if n := len(fresh.Lines()); n != 10 {
		t.Errorf("the new console got %d records, want 10", n)
	}
	// 60 records into the success file, 1 to the old console, 10 to the new;
	// 49 given up on.
	if w, b, f := after.Written-before.Written, after.Buffered-before.Buffered, after.Failed-before.Failed; w != 71 || b != 0 || f != 49 {
		t.Errorf("Stats once everything finished: written %d, buffered %d, failed %d; want 71, 0, 49", w, b, f)
	}
	if got := messages(t, dir, StreamSuccess); countLines(got, "old") != 50 || countLines(got, "new") != 10 {
		t.Errorf("success file holds %d records", len(got))
	}
}
