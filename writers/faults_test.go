package writers

// Faults tried on purpose against the writers: input a caller may pass that
// once panicked, sinks that fail halfway through a batch, and a log file
// deleted, renamed away or replaced under an open RotatingFile.

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRingWriteWithPrefixOnly: a record may be all prefix (p empty), and the
// empty record is a line too; neither may panic.
func TestRingWriteWithPrefixOnly(t *testing.T) {
	sink := &memSink{}
	r := NewRing(sink, RingOptions{Name: "t"})
	if _, err := r.WriteWithPrefix([]byte("prefix only"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteWithPrefix([]byte("ends\n"), []byte{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Write(nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Notice(nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(0); err != nil {
		t.Fatal(err)
	}
	if got := sink.buf.String(); got != "prefix only\nends\n\n\n" {
		t.Fatalf("sink got %q", got)
	}
	if s := r.Stats(); s.Produced != 4 || s.Written != 4 {
		t.Fatalf("stats %+v", s)
	}
}

// shortSink holds its first Write until gate is closed and takes it whole;
// of every later Write it takes the first limit bytes and then fails, the
// way a disk that fills up mid-write does.
type shortSink struct {
	memSink
	gate   chan struct{}
	primed bool
	limit  int
}

func (s *shortSink) Write(p []byte) (int, error) {
	if !s.primed {
		s.primed = true
		<-s.gate
		return s.memSink.Write(p)
	}
	if len(p) <= s.limit {
		return s.memSink.Write(p)
	}
	n, _ := s.memSink.Write(p[:s.limit])
	return n, syscall.ENOSPC
}

// TestRingCountsAPartialWrite: when the sink takes part of a batch and then
// fails, the records it took whole are counted written and only the rest
// failed, so the counters match what is in the sink.
func TestRingCountsAPartialWrite(t *testing.T) {
	for _, format := range []bool{false, true} {
		// "rec-0\n" is 6 bytes: 25 bytes are 4 whole records and a torn one.
		sink := &shortSink{gate: make(chan struct{}), limit: 25}
		opt := RingOptions{Name: "t"}
		if format {
			opt.Format = func(dst, rec []byte) []byte { return append(dst, rec...) }
		}
		var mu sync.Mutex
		var lost int
		opt.OnError = func(_ string, _ error, n int) { mu.Lock(); lost += n; mu.Unlock() }
		r := NewRing(sink, opt)
		r.Write([]byte("primer\n")) // the consumer blocks on it...
		for r.Stats().Buffered != 1 || !r.consumerBusy() {
			time.Sleep(time.Millisecond)
		}
		for i := range 10 { // ...while these gather into one batch
			r.Write([]byte("rec-" + strconv.Itoa(i) + "\n"))
		}
		close(sink.gate)
		if err := r.Close(0); err != nil {
			t.Fatal(err)
		}
		s := r.Stats()
		whole := strings.Count(sink.buf.String(), "\n")
		mu.Lock()
		if whole != 5 || s.Written != 5 || s.Failed != 6 || s.Produced != 11 || lost != 6 {
			t.Errorf("format=%v: sink holds %d whole records; stats %+v, OnError lost %d; want 5 written (primer + 4), 6 failed",
				format, whole, s, lost)
		}
		mu.Unlock()
	}
}

// consumerBusy reports whether the background goroutine has taken every
// record queued so far (it is writing them).
func (r *Ring) consumerBusy() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queued == 0 && r.taken > r.done
}

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
