package writers

// Faults tried on purpose against the writers: a log file deleted, renamed
// away or replaced under an open RotatingFile.

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRotatingFileNoticesItsFileRemoved deletes the live file, then its
// folder, under an open RotatingFile: the next Write recreates them (0700,
// 0600) and what it writes is in the new file, not lost in the deleted one.
func TestRotatingFileNoticesItsFileRemoved(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "logs")
	path := filepath.Join(dir, "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 2})
	rotWrite(t, f, []byte("one\n"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("two\n"))
	if got := rotRead(t, path); got != "two\n" {
		t.Fatalf("after the file was removed it holds %q, want %q", got, "two\n")
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("three\n"))
	rotWrite(t, f, []byte("four\n"))
	if got := rotRead(t, path); got != "three\nfour\n" {
		t.Fatalf("after the folder was removed the file holds %q", got)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want mode %v", p, fi, err, want)
		}
	}
}

// TestRotatingFileNoticesItsFileReplaced renames the live file away (as an
// outside log rotator does) and puts another file in its place: writing
// continues in the file now at the path, after what it already held, and the
// byte count starts from that file's size.
func TestRotatingFileNoticesItsFileReplaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 5})
	rotWrite(t, f, []byte("one-----\n"))
	if err := os.Rename(path, filepath.Join(dir, "moved.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("outsider\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("two-----\n"))
	if got := rotRead(t, path); got != "outsider\ntwo-----\n" {
		t.Fatalf("replaced file holds %q", got)
	}
	if got := rotRead(t, filepath.Join(dir, "moved.log")); got != "one-----\n" {
		t.Fatalf("moved file holds %q", got)
	}
	rotWrite(t, f, []byte("three---\n")) // 18+9 > 20: rotates first
	if got := rotRead(t, path); got != "three---\n" {
		t.Fatalf("after rotation the live file holds %q", got)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("live file: %v, %v", fi, err)
	}
}

// TestRotatingFileFolderReplacedByAFile: the folder becomes a regular file;
// each Write fails with ENOTDIR and nothing is written anywhere, until the
// file is removed.
func TestRotatingFileFolderReplacedByAFile(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "logs")
	path := filepath.Join(dir, "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 1 << 20})
	rotWrite(t, f, []byte("one\n"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		n, err := f.Write([]byte("lost\n"))
		if n != 0 || !errors.Is(err, syscall.ENOTDIR) {
			t.Fatalf("Write with the folder replaced = %d, %v; want 0 and ENOTDIR", n, err)
		}
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("two\n"))
	if got := rotRead(t, path); got != "two\n" {
		t.Fatalf("after recovery the file holds %q", got)
	}
}
