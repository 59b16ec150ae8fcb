package writers

// Regression tests for the failures that made RotatingFile drop lumberjack
// (see rotate.go), the portable ones; rotate_unix_test.go and
// rotate_flock_test.go hold the others. Each writes through RotatingFile, then
// reads the files back from disk.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// rotLines returns the lines of the file at path, which must end in '\n'.
func rotLines(t *testing.T, path string) []string {
	t.Helper()
	c := rotRead(t, path)
	if !strings.HasSuffix(c, "\n") {
		t.Fatalf("%s does not end in a newline: %q", filepath.Base(path), c)
	}
	return strings.Split(strings.TrimSuffix(c, "\n"), "\n")
}

// TestRotatingFileEndsATornLineLeftByAPreviousRun (item 3): a file whose last
// line a previous run left unfinished gets a '\n' before the first new
// record, so the fragment stays alone on its line and both records parse.
func TestRotatingFileEndsATornLineLeftByAPreviousRun(t *testing.T) {
	const fragment = `{"level":"info","mess`
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte(fragment), 0o600); err != nil {
		t.Fatal(err)
	}
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 1})
	rotWrite(t, f, []byte(`{"level":"info","message":"first"}`+"\n"))
	rotWrite(t, f, []byte(`{"level":"warn","message":"second"}`+"\n"))
	lines := rotLines(t, path)
	if len(lines) != 3 || lines[0] != fragment {
		t.Fatalf("lines = %q, want the fragment then two records", lines)
	}
	for i, want := range []string{"first", "second"} {
		var rec struct{ Message string }
		if err := json.Unmarshal([]byte(lines[i+1]), &rec); err != nil || rec.Message != want {
			t.Errorf("line %d = %q (%v), want the record %q", i+2, lines[i+1], err, want)
		}
	}
	// A complete file gets nothing added.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f2 := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 1})
	rotWrite(t, f2, []byte(`{"message":"third"}`+"\n"))
	if got := rotLines(t, path); len(got) != 4 {
		t.Fatalf("after a clean reopen: %q, want 4 lines", got)
	}
}

// TestRotatingFilePrunesBackupsNamedInTheFutureFirst (item 4 of an earlier
// issue): backups named in 2099, as after a clock step back, but written an
// hour ago, are pruned first: the backups made after them are named after
// them, so the kept backups are the latest rotations.
func TestRotatingFilePrunesBackupsNamedInTheFutureFirst(t *testing.T) {
	const keep = 3
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	hourAgo := time.Now().Add(-time.Hour)
	var planted []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("app-2099-01-0%dT00-00-00.000.log", i+1))
		if err := os.WriteFile(p, []byte("from the future\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, hourAgo, hourAgo); err != nil {
			t.Fatal(err)
		}
		planted = append(planted, p)
	}
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10, Backups: keep, Warn: func(string) {}})
	const writes = 20
	var recs []string
	for i := range writes {
		r := fmt.Sprintf("record-%02d\n", i) // 10 bytes: one per file
		recs = append(recs, r)
		rotWrite(t, f, []byte(r))
		if i > 0 { // a rotation: never more than keep backups left
			if n := len(rotBackups(t, path)); n > keep {
				t.Fatalf("after write %d: %d backups, want at most %d", i, n, keep)
			}
		}
	}
	for _, p := range planted {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s (old, misleading name) kept: %v", filepath.Base(p), err)
		}
	}
	backups := rotBackups(t, path)
	if len(backups) != keep {
		t.Fatalf("backups %v, want %d", backups, keep)
	}
	for i, b := range backups {
		if got, want := rotRead(t, b), recs[writes-1-keep+i]; got != want {
			t.Errorf("backup %d = %q, want %q (a latest rotation)", i, got, want)
		}
	}
	if got := rotRead(t, path); got != recs[writes-1] {
		t.Errorf("live = %q, want %q", got, recs[writes-1])
	}
}

// TestRotatingFileCountsBytesAppendedByOthers: another writer appending
// between two batches (another process, say) is counted: the file still
// rotates before passing MaxSize, and nothing is overwritten.
func TestRotatingFileCountsBytesAppendedByOthers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 5})
	rotWrite(t, f, []byte("mine-1\n"))
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString("theirs-1\n"); err != nil { // 16 bytes now
		t.Fatal(err)
	}
	_ = fh.Close()
	rotWrite(t, f, []byte("mine-2\n")) // 16+7 > 20: rotates first
	backups := rotBackups(t, path)
	if len(backups) != 1 || rotRead(t, backups[0]) != "mine-1\ntheirs-1\n" || rotRead(t, path) != "mine-2\n" {
		t.Fatalf("backups %v, live %q", backups, rotRead(t, path))
	}
}

// TestRotatingFileLeavesNothingBehind (item 13): opening, writing, rotating
// and closing RotatingFiles in 200 folders leaves no goroutine (lumberjack
// left three per folder), no registry entry, no open descriptor and no lock
// file.
func TestRotatingFileLeavesNothingBehind(t *testing.T) {
	const folders = 200
	ignore := goleak.IgnoreCurrent()
	goroutines := runtime.NumGoroutine()
	entries := rotRegistryLen()
	fds := rotOpenFDs()
	root := t.TempDir()
	for i := range folders {
		path := filepath.Join(root, fmt.Sprintf("f%03d", i), "app.log")
		f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 8, Backups: 1})
		if err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			rotWrite(t, f, []byte(fmt.Sprintf("rec-%d\n", j))) // rotates
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := goleak.Find(ignore); err != nil {
		t.Fatalf("goroutines left: %v", err)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Fatalf("%d goroutines, %d before", n, goroutines)
	}
	if n := rotRegistryLen(); n != entries {
		t.Fatalf("registry holds %d paths, %d before: closed paths are kept", n, entries)
	}
	if n := rotOpenFDs(); n > fds {
		t.Fatalf("%d open descriptors, %d before", n, fds)
	}
	locks, err := filepath.Glob(filepath.Join(root, "*", ".*.lock"))
	if err != nil || len(locks) != 0 {
		t.Fatalf("lock files left: %v %v", locks, err)
	}
}

// rotRegistryLen returns how many paths the registry holds.
func rotRegistryLen() int {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return len(registry.paths)
}

// rotOpenFDs returns how many descriptors the process has open, or 0 where
// /proc/self/fd does not tell.
func rotOpenFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(entries)
}
