package writers

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
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
