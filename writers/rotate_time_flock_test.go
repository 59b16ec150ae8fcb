//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package writers

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// timeChildEnv selects the child mode of
	// TestRotatingFileByTimeTwoProcesses: "<path> <proc>".
	timeChildEnv  = "LOGCREST_ROTATE_TIME_CHILD"
	timeChildRecs = 3000
)

// timeChildMidnight is the boundary the two children write across.
var timeChildMidnight = time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)

// timeChildAt is the child's clock for its record seq: from 1.5 s before
// midnight to 1.5 s after, 1 ms a record, so records seq >= 1500 are
// written at or after midnight.
func timeChildAt(seq int) time.Time {
	return timeChildMidnight.Add(time.Duration(seq-timeChildRecs/2) * time.Millisecond)
}

// TestRotatingFileByTimeTwoProcesses: two child processes share one path
// with RotateEvery a day, each writing 3,000 records one by one while its
// own clock (the package seam, set per record) runs across midnight; they
// start together, so they cross it at about the same moment but not the
// same one. Exactly one rotation is made, named at midnight; every record
// is in the files exactly once, whole; every record a child wrote at or
// after midnight on its clock is in the live file (the first write after
// midnight, in whichever process, rotated; no later one did).
func TestRotatingFileByTimeTwoProcesses(t *testing.T) {
	if spec := os.Getenv(timeChildEnv); spec != "" {
		timeChild(t, spec)
		return
	}
	path := filepath.Join(t.TempDir(), "app.log")
	runRotChildrenWithin(t, 30*time.Second, "TestRotatingFileByTimeTwoProcesses", timeChildEnv, path)
	backups := rotBackups(t, path)
	if len(backups) != 1 || filepath.Base(backups[0]) != timeBackupName(timeChildMidnight) {
		t.Fatalf("backups %v, want %s alone (one rotation at midnight)", backups, timeBackupName(timeChildMidnight))
	}
	seen := make(map[[2]int]bool)
	for _, name := range []string{backups[0], path} {
		data := rotRead(t, name)
		if data == "" || !strings.HasSuffix(data, "\n") {
			t.Fatalf("%s: empty or ends in a torn line", filepath.Base(name))
		}
		for _, line := range strings.SplitAfter(strings.TrimSuffix(data, "\n"), "\n") {
			if !strings.HasSuffix(line, "\n") {
				line += "\n"
			}
			proc, seq, ok := rotParseChildLine([]byte(line))
			if !ok || seq >= timeChildRecs {
				t.Fatalf("%s: bad line %q", filepath.Base(name), line)
			}
			k := [2]int{proc, seq}
			if seen[k] {
				t.Fatalf("record %d of child %d twice", seq, proc)
			}
			seen[k] = true
			if name != path && !timeChildAt(seq).Before(timeChildMidnight) {
				t.Errorf("record %d of child %d, written at %v, is in the backup of the day before",
					seq, proc, timeChildAt(seq).Format(time.TimeOnly+".000"))
			}
		}
	}
	if len(seen) != rotChildProcs*timeChildRecs {
		t.Fatalf("%d records on disk, want %d", len(seen), rotChildProcs*timeChildRecs)
	}
}

// timeChild is the child's side: wait for the parent's go (stdin closed),
// then write its records one a Write, its clock set for each, over about
// 0.3 s.
func timeChild(t *testing.T, spec string) {
	path, procText, _ := strings.Cut(spec, " ")
	proc, err := strconv.Atoi(procText)
	if err != nil {
		t.Fatalf("bad %s %q", timeChildEnv, spec)
	}
	set := timeClock(t, timeChildAt(0))
	_, _ = io.Copy(io.Discard, os.Stdin)
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, RotateEvery: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// Paced on the real clock, 100 µs a record, from the moment both
	// were let go: the two cross midnight within a few ms of each other,
	// their writes interleaved, each with its own clock.
	t0 := time.Now()
	var line []byte
	for seq := range timeChildRecs {
		if d := time.Until(t0.Add(time.Duration(seq) * 100 * time.Microsecond)); d > 0 {
			time.Sleep(d)
		}
		set(timeChildAt(seq))
		line = rotChildLine(line[:0], proc, seq)
		if n, err := f.Write(line); err != nil || n != len(line) {
			t.Fatalf("Write = %d, %v; want %d", n, err, len(line))
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
