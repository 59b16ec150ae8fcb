package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
	"github.com/logcrest/logcrest/internal/testkit"
)

// testDeadline is how long a following test may wait: what the test's own
// deadline leaves, at most a minute.
func testDeadline(t *testing.T) time.Duration {
	d := time.Minute
	if dl, ok := t.Deadline(); ok {
		d = min(d, time.Until(dl)-5*time.Second)
	}
	return d
}

// startTail runs "logcrest tail -f args..." in-process until the returned
// stop is called.
func startTail(t *testing.T, args ...string) (out, errOut *testkit.Buffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline(t))
	out, errOut = &testkit.Buffer{}, &testkit.Buffer{}
	e := env{
		stdin: strings.NewReader(""), stdout: out, stderr: errOut,
		getenv:     func(string) (string, bool) { return "", false },
		isTerminal: func() bool { return false }, width: func() int { return 0 },
		now: time.Now, poll: 10 * time.Millisecond, workers: 2,
	}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"tail", "-f"}, args...), e) }()
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { stop() })
	return out, errOut, stop
}

// waitFor waits until cond holds or the test's deadline nears.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(testDeadline(t))
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var tickRE = regexp.MustCompile(`tick n=(\d+)`)

// checkTicks checks that out holds tick n=from..to, each once, in order.
func checkTicks(t *testing.T, out string, from, to int) {
	t.Helper()
	var got []int
	for _, m := range tickRE.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		got = append(got, n)
	}
	if len(got) != to-from+1 {
		t.Errorf("%d records, want %d", len(got), to-from+1)
	}
	for i, n := range got {
		if n != from+i {
			t.Errorf("record %d is tick %d, want %d (lost or repeated across a rotation)", i, n, from+i)
			break
		}
	}
}

// tail -f follows the live file across rotation while LogCrest writes
// with a small max size: every record is printed once, in order, even
// when the file rotated more than once between two looks at it.
func TestTailFollowsAcrossRotation(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			dir := t.TempDir()
			p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("tl"), logcrest.WithConsole(nil), logcrest.WithConfigFile(""), logcrest.WithDetail("full"),
				logcrest.WithMaxSize(4096), logcrest.WithBackupCount(1000), logcrest.WithCompress(compress))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			log := p.Log(context.Background())
			for i := range 5 {
				log.Info().Int("n", i).Msg("tick")
			}
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			out, errOut, stop := startTail(t, "--dir", dir, "-n", "3", "--level", "info")
			waitFor(t, "the last 3 records", func() bool { return strings.Contains(out.String(), "tick n=4") })

			const last = 1500
			for i := 5; i <= last; i++ {
				log.Info().Int("n", i).Str("pad", strings.Repeat("p", 40)).Msg("tick")
				log.Debug().Int("n", -i).Msg("debug, filtered out")
				if i%25 == 0 {
					_ = p.Flush()
					time.Sleep(time.Millisecond)
				}
			}
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the last record", func() bool { return strings.Contains(out.String(), "tick n="+strconv.Itoa(last)+" ") })
			time.Sleep(50 * time.Millisecond) // nothing more may come
			if code := stop(); code != 0 {
				t.Errorf("exit %d: %s", code, errOut.String())
			}
			checkTicks(t, out.String(), 2, last)
			if strings.Contains(out.String(), "debug, filtered out") {
				t.Error("--level info let a debug record through")
			}
			backups, _ := filepath.Glob(filepath.Join(dir, "success", "tl-*"))
			if len(backups) < 20 {
				t.Errorf("only %d rotations while tailing", len(backups))
			}
			if errOut.String() != "" {
				t.Errorf("stderr: %s", errOut.String())
			}
		})
	}
}

// A file truncated in place (copytruncate) is read again from its top; a
// stream file that appears while following is followed from its start.
func TestTailFollowsTruncationAndNewFiles(t *testing.T) {
	dir := t.TempDir()
	for _, s := range logread.Streams {
		if err := os.MkdirAll(filepath.Join(dir, s), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(dir, "success", "app.log")
	rec := func(n int) string {
		return fmt.Sprintf(`{"time":"2026-03-14T09:26:%02d.000000Z","level":"info","logger":"app","message":"tick","n":%d}`+"\n", n%60, n)
	}
	appendTo := func(path string, lines ...string) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if _, err := f.WriteString(l); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	appendTo(live, rec(0), rec(1), rec(2), rec(3))
	out, _, stop := startTail(t, "--dir", dir, "-n", "1")
	waitFor(t, "the last record", func() bool { return strings.Contains(out.String(), "tick n=3") })

	// Half a record, then its end: printed once, whole.
	r4 := rec(4)
	appendTo(live, r4[:20])
	time.Sleep(50 * time.Millisecond)
	appendTo(live, r4[20:])
	waitFor(t, "tick 4", func() bool { return strings.Contains(out.String(), "tick n=4") })

	if err := os.Truncate(live, 0); err != nil {
		t.Fatal(err)
	}
	appendTo(live, rec(5))
	waitFor(t, "tick 5 after truncation", func() bool { return strings.Contains(out.String(), "tick n=5") })

	appendTo(filepath.Join(dir, "error", "app.log"), strings.Replace(rec(6), `"info"`, `"error"`, 1))
	waitFor(t, "tick 6 in a new file", func() bool { return strings.Contains(out.String(), "tick n=6") })
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	checkTicks(t, out.String(), 3, 6)
}

// tail without -f: the last n records of the live files, merged by time,
// filtered by level and flow.
func TestTailLast(t *testing.T) {
	fx := fixtureFor(t)
	r := runCmd(t, "", nil, "tail", "--dir", fx.norm.shop, "-n", "3")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.Contains(lines[2], "flow finished") || !strings.Contains(lines[2], "miss-1") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
	r = runCmd(t, "", nil, "tail", "--dir", fx.norm.shop, "-n", "100", "--level", "error")
	if r.code != 0 || strings.Count(r.stdout, " ERR ") != strings.Count(r.stdout, "\n") || strings.Count(r.stdout, "\n") != 6 {
		t.Errorf("--level error:\n%s", r.stdout)
	}
	r = runCmd(t, "", nil, "tail", "--dir", fx.norm.shop, "-n", "100", "--flow", fx.normIDs["refund"])
	if seqs := seqsOf(r.stdout); r.code != 0 || !contiguous(seqs) || len(seqs) != 6 {
		t.Errorf("--flow: %v\n%s", seqs, r.stdout)
	}
}

// Files rotated within one tick of the file clock share a modification
// time. The follower, which saw only the first of them live, must print
// the ones rotated after it, once, and not its own backup or an earlier
// one again, whether its backup is still plain or already compressed
// (found then by its size and last line, which a later backup of the same
// size does not share).
func TestTailRotationsWithinOneClockTick(t *testing.T) {
	rec := func(s string) string { return `{"level":"info","message":"tick","n":"` + s + `"}` + "\n" }
	backup := func(ms int) string { return fmt.Sprintf("app-2026-03-14T09-26-53.%03d.log", ms) }
	tick := time.Date(2026, 3, 14, 9, 26, 53, 4_000_000, time.UTC)
	for _, tc := range []struct {
		name                 string
		compressOld, compLat bool
	}{
		{"old plain", false, false},
		{"old compressed", true, false},
		{"all compressed", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "success")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			live := filepath.Join(dir, "app.log")
			write := func(path string, recs ...string) {
				t.Helper()
				f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					f.WriteString(rec(r))
				}
				f.Close()
			}
			// A backup rotated before the followed file, in the same tick.
			write(filepath.Join(dir, backup(0)), "Z1", "Z2", "Z3", "Z4")
			write(live, "A1", "A2", "A3")
			var got []string
			tf := &tailFilter{minLevel: -1, rep: logread.NewReport()}
			fl := &follower{path: live, src: logread.Source{Path: live, Name: "app", Stream: "success", Active: true}}
			fl.open(context.Background(), 0, tf, fromEnd)
			emit := func(_ *follower, line []byte) {
				var r struct{ N string }
				if err := json.Unmarshal(line, &r); err != nil {
					t.Errorf("line %q: %v", line, err)
				}
				got = append(got, r.N)
			}
			// Then, between two polls: A4, the file rotated; B1..B4 (the
			// same size as the followed file), rotated; C1 in the live file.
			// The backups share the followed file's time.
			write(live, "A4")
			os.Rename(live, filepath.Join(dir, backup(1)))
			write(live, "B1", "B2", "B3", "B4")
			os.Rename(live, filepath.Join(dir, backup(2)))
			write(live, "C1")
			for _, ms := range []int{0, 1, 2} {
				os.Chtimes(filepath.Join(dir, backup(ms)), tick, tick)
			}
			os.Chtimes(live, tick, tick)
			if tc.compressOld {
				testkit.CompressLikeTheRotator(t, filepath.Join(dir, backup(0)))
				testkit.CompressLikeTheRotator(t, filepath.Join(dir, backup(1)))
			}
			if tc.compLat {
				testkit.CompressLikeTheRotator(t, filepath.Join(dir, backup(2)))
			}
			fl.poll(context.Background(), tf, emit)
			if want := "A4 B1 B2 B3 B4 C1"; strings.Join(got, " ") != want {
				t.Errorf("printed %q, want %q", strings.Join(got, " "), want)
			}
			fl.f.Close()
		})
	}
}
