//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package writers

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestRotatingFileLockFileStaysOutOfTheRecords (issue 19 item 15): while a
// RotatingFile is open, the one file in its folder that is not a record
// file is ".<name>.lock": a dot file holding two times, 0600, matched by none of the
// patterns contrib/otelcol's configuration ships (<name>.log, <name>-*.log,
// <name>-*.log.gz) nor by "*.log"; the last Close removes it.
func TestRotatingFileLockFileStaysOutOfTheRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 10, Backups: 5})
	if err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("record-01\n"))
	rotWrite(t, f, []byte("record-02\n")) // a backup too
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	patterns := []string{"app.log", "app-*.log", "app-*.log.gz", "*.log"}
	var others []string
	for _, e := range entries {
		matched := false
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, e.Name()); ok {
				matched = true
			}
		}
		if !matched {
			others = append(others, e.Name())
		}
	}
	if len(others) != 1 || others[0] != ".app.log.lock" {
		t.Fatalf("files the shipped patterns leave out: %v, want the lock file alone", others)
	}
	info, err := os.Lstat(filepath.Join(dir, ".app.log.lock"))
	if err != nil {
		t.Fatal(err)
	}
	// It holds two lines, no record: the time (Unix ms) in the name of the
	// newest backup and the live file's start (RotateEvery goes by it),
	// shared by the processes writing the path.
	data, err := os.ReadFile(filepath.Join(dir, ".app.log.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9]{1,19}\n[0-9]{1,19}\n$`).Match(data) || info.Mode() != 0o600 {
		t.Errorf("lock file: %q, mode %v; want the newest backup's time and the live file's start, 0600", data, info.Mode())
	}
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, ".app.log.lock"); ok {
			t.Errorf("the lock file matches %q", p)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, ".app.log.lock")); !os.IsNotExist(err) {
		t.Errorf("lock file after Close: %v, want it removed", err)
	}
}
