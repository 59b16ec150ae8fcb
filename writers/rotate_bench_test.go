package writers

import (
	"bytes"
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
