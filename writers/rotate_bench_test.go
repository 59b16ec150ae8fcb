package writers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRotatingFileWrite writes batches of 16 records of 100 bytes
// (rotating every MiB): the per-batch cost of the lock, the identity check
// and the write.
func BenchmarkRotatingFileWrite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.log")
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 3})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	batch := bytes.Repeat(append(bytes.Repeat([]byte("x"), 99), '\n'), 16)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Write(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRotatingFileBatch16K writes what LogCrest's background goroutine
// hands RotatingFile under load: one Write per batch of 64 records of 250
// bytes (16,000 bytes). With MaxSize 1 MiB a rotation comes every 65
// batches; with 64 MiB nearly never, which leaves the per-batch cost alone:
// the lock, the checks under it, the write and the unlock.
//
// To count the system calls a batch makes (on Linux, five: flock, fstat of
// the lock file, lstat of the live path, write, unlock):
//
//	go test -c -o /tmp/w.test ./writers
//	cd writers && strace -f -c /tmp/w.test -test.run '^$' \
//		-test.bench 'Batch16K/MaxSize=64MiB' -test.benchtime 20000x
func BenchmarkRotatingFileBatch16K(b *testing.B) {
	record := append(bytes.Repeat([]byte("r"), 249), '\n')
	batch := bytes.Repeat(record, 64)
	for _, maxSize := range []int64{1 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("MaxSize=%dMiB", maxSize>>20), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.log")
			f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: maxSize, Backups: 3})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Write(batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRotatingFileLockOverhead is the part of a Write batch that is
// not the write: taking the file lock, the checks under it (is the lock file
// still linked, does the path still name the live file, how big is it) and
// the unlock. The write itself, tens of microseconds for 16 KB on a
// busy disk, would drown it in its noise.
func BenchmarkRotatingFileLockOverhead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.log")
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 3})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st := f.st
	b.ReportAllocs()
	for b.Loop() {
		st.mu.Lock()
		if err := st.begin(f.modes); err != nil {
			st.mu.Unlock()
			b.Fatal(err)
		}
		st.lk.unlock()
		st.mu.Unlock()
	}
}

// benchOpenUnshared opens a RotatingFile on o.Path with a state of its own,
// outside the registry: its own live file descriptor, its own lock file
// descriptor (flock excludes it like another process's) and its own list of
// backups, as a second process has. MaxSize and Backups are taken as the
// effective limits (no zero-value translation). It is closed when tb ends.
func benchOpenUnshared(tb testing.TB, o RotatingFileOptions) *RotatingFile {
	tb.Helper()
	abs, err := filepath.Abs(o.Path)
	if err != nil {
		tb.Fatal(err)
	}
	st := newPathState(abs)
	st.mu.Lock()
	if err := st.begin(modesFor(false)); err != nil {
		st.mu.Unlock()
		tb.Fatal(err)
	}
	st.lk.unlock()
	st.mu.Unlock()
	tb.Cleanup(func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		_ = st.shutdown()
	})
	return &RotatingFile{st: st, maxSize: o.MaxSize, backups: o.Backups, maxAge: o.MaxAge, modes: modesFor(false)}
}

// benchPlantBackups creates n empty backups of path, named a millisecond
// apart in 2020 (older than any backup made now).
func benchPlantBackups(tb testing.TB, path string, n int) {
	tb.Helper()
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		name := base[:len(base)-len(ext)] + "-" + start.Add(time.Duration(i)*time.Millisecond).Format(backupTimeLayout) + ext
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkRotatingFileRotateCrowded is the cost of a rotation in a folder
// that already holds many backups (100, 20,000) while another writer (a
// state of its own, as another process has) rotates the same file too:
// each iteration is one rotation by each, and Backups keeps the count
// steady, so each rotation also prunes one. Before issue 19 each rotation
// after the other's read the whole folder and stat-ed every backup; now
// the folder is read at most once every entries/64 rotations, names only.
func BenchmarkRotatingFileRotateCrowded(b *testing.B) {
	for _, n := range []int{100, 20_000} {
		b.Run(fmt.Sprintf("backups=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.log")
			benchPlantBackups(b, path, n)
			o := RotatingFileOptions{Path: path, MaxSize: 100, Backups: n}
			w1 := benchOpenUnshared(b, o)
			w2 := benchOpenUnshared(b, o)
			record := append(bytes.Repeat([]byte("r"), 99), '\n') // fills a file: the next write rotates
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w1.Write(record); err != nil {
					b.Fatal(err)
				}
				if _, err := w2.Write(record); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			names, err := filepath.Glob(filepath.Join(filepath.Dir(path), "bench-*.log"))
			if err != nil {
				b.Fatal(err)
			}
			if got := len(names); got < n || got > n+n/relistRatio+4 {
				b.Fatalf("%d backups, want about %d", got, n)
			}
		})
	}
}
