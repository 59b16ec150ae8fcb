//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package writers

// TestRotatingFileTwoProcessesCrowdedFolder (issue 19 item 3): two
// processes rotating one file in a folder that already holds thousands of
// backups. TestRotatingFileTwoWritersAfterAClockStepBack (item 1): two
// writers (as two processes) after a clock step back. Both need the lock
// shared between processes, so flock(2).

import (
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// crowdedChildEnv selects the child mode: "<path> <proc>".
	crowdedChildEnv = "LOGCREST_ROTATE_CROWDED_CHILD"
	crowdedPlanted  = 5_000  // empty backups in the folder before the children start
	crowdedRecs     = 20_000 // records of about 100 bytes, per child
	crowdedMaxSize  = 8 << 10
	crowdedDeadline = 60 * time.Second
)

// TestRotatingFileTwoProcessesCrowdedFolder: 5,000 empty backups are in the
// folder; two child processes write 20,000 records each with 8 KiB files
// (about 490 rotations between them, every backup kept), taking turns
// under the lock. Before issue 19, a rotation that followed the other
// process's read the whole folder again and stat-ed every file in it, so
// the processes spent their time listing (two processes, 20,000 backups,
// 100,000 records each: Close timed out and 28 % of the records were
// lost). Checked from the files: every record exactly once, no file over
// MaxSize; and from each child's count of folder reads: a handful, not
// one per rotation (the folder is read again at most once every
// entries/64 rotations). The children must be done within a deadline of
// their own.
func TestRotatingFileTwoProcessesCrowdedFolder(t *testing.T) {
	if spec := os.Getenv(crowdedChildEnv); spec != "" {
		crowdedChild(t, spec)
		return
	}
	root := t.TempDir()
	dir := filepath.Join(root, "logs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "shared.log")
	benchPlantBackups(t, path, crowdedPlanted)

	start := time.Now()
	// Its own deadline: rotations in a crowded folder that are too slow
	// fail the test here, not by go test's timeout.
	runRotChildrenWithin(t, crowdedDeadline, "TestRotatingFileTwoProcessesCrowdedFolder", crowdedChildEnv, path)
	t.Logf("both children done in %v", time.Since(start).Round(time.Millisecond))

	// Every record exactly once (the planted backups are empty), no file
	// over MaxSize.
	rotCheckSharedN(t, path, crowdedRecs, crowdedMaxSize)
	made := len(rotBackups(t, path)) - crowdedPlanted
	// Each child reads the folder at its first rotation, then at most once
	// every entries/64 of its rotations (entries > crowdedPlanted).
	limit := 2 + made*relistRatio/crowdedPlanted
	for i := range rotChildProcs {
		data, err := os.ReadFile(filepath.Join(root, fmt.Sprintf("listings-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(string(data))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("child %d read the folder %d times; %d backups made in all", i, n, made)
		if n > limit {
			t.Errorf("child %d read the folder of %d backups %d times for %d rotations between both; want at most %d",
				i, crowdedPlanted, n, made, limit)
		}
	}
}

// crowdedChild is the child's side: wait for the parent's go, write
// crowdedRecs numbered records in batches of 1 to 32 (every backup kept),
// close, and write how many times the folder was read into
// "listings-<proc>" beside the log folder.
func crowdedChild(t *testing.T, spec string) {
	path, procText, _ := strings.Cut(spec, " ")
	proc, err := strconv.Atoi(procText)
	if err != nil {
		t.Fatalf("bad %s %q", crowdedChildEnv, spec)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: crowdedMaxSize, Backups: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(int64(proc)))
	var batch []byte
	for seq := 0; seq < crowdedRecs; {
		batch = batch[:0]
		for n := 1 + rng.Intn(32); n > 0 && seq < crowdedRecs; n-- {
			batch = rotChildLine(batch, proc, seq)
			seq++
		}
		if n, err := f.Write(batch); err != nil || n != len(batch) {
			t.Fatalf("Write = %d, %v; want %d", n, err, len(batch))
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(filepath.Dir(path)), fmt.Sprintf("listings-%d", proc))
	if err := os.WriteFile(out, []byte(strconv.FormatInt(listings.Load(), 10)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRotatingFileTwoWritersAfterAClockStepBack: two writers with their own
// state and lock descriptor (as two processes have) take turns rotating a
// path whose backups are named in the future, with Backups 3. Each learns
// the newest name the other gave from the lock file, so names follow the
// order the backups were made in across both, and the newest data survive.
func TestRotatingFileTwoWritersAfterAClockStepBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	clockPlantFuture(t, path, 3)
	o := RotatingFileOptions{Path: path, MaxSize: 2000, Backups: 3, Warn: func(string) {}}
	a := rotOpen(t, o)
	b := clockOpenUnshared(t, o)
	const recs = 60
	for i := range recs {
		w := a
		if i/6%2 == 1 {
			w = b // a file each, in turns
		}
		rotWrite(t, w, []byte(clockRecord(i)))
	}
	var got strings.Builder
	for _, name := range rotFiles(t, path) {
		got.WriteString(rotRead(t, name))
	}
	var want strings.Builder
	for i := recs - 4*6; i < recs; i++ {
		want.WriteString(clockRecord(i))
	}
	if n := len(rotBackups(t, path)); n != 3 {
		t.Fatalf("%d backups, want 3", n)
	}
	if got.String() != want.String() {
		t.Fatalf("files hold, in name order:\n%s\nwant records %d to %d", got.String(), recs-24, recs-1)
	}
}

// clockOpenUnshared opens a RotatingFile on o.Path with a state of its own,
// outside the registry: its own descriptors, its own lock file descriptor
// (flock excludes it like another process) and its own list of backups.
func clockOpenUnshared(t *testing.T, o RotatingFileOptions) *RotatingFile {
	t.Helper()
	f := benchOpenUnshared(t, o)
	f.warn = o.Warn
	return f
}
