//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package writers

// TestRotatingFileTwoProcessesCompress runs two child processes writing one
// path with Compress on, each closing and reopening its RotatingFile every
// few thousand records, so that its look for leftovers at open races the
// other process's compressor over the same backups. From the files on disk:
// every record exactly once, whole; every backup compressed exactly once
// (a valid .gz, no plain twin, no .gz.tmp left).

import (
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	// rotZChildEnv selects child mode: "<path> <proc>".
	rotZChildEnv   = "LOGCREST_ROTATE_Z_CHILD"
	rotZChildRecs  = 20_000
	rotZChildMaxSz = 32 << 10
	rotZReopen     = 2_000 // records between a child's reopens
)

func TestRotatingFileTwoProcessesCompress(t *testing.T) {
	if spec := os.Getenv(rotZChildEnv); spec != "" {
		rotZChild(t, spec)
		return
	}
	path := filepath.Join(t.TempDir(), "shared.log")
	runRotChildren(t, "TestRotatingFileTwoProcessesCompress", rotZChildEnv, path)

	z := zList(t, path)
	if len(z.plain) != 0 || len(z.tmp) != 0 || len(z.other) != 0 {
		t.Fatalf("left uncompressed %v, temporary %v, other %v", z.plain, z.tmp, z.other)
	}
	if len(z.gz) < 10 {
		t.Fatalf("only %d compressed backups", len(z.gz))
	}
	seen := newRotSeen(rotZChildRecs)
	for _, gz := range z.gz {
		seen.count(t, gz, gunzip(t, gz), rotZChildMaxSz)
	}
	seen.count(t, path, []byte(rotRead(t, path)), rotZChildMaxSz)
	seen.once(t)
	t.Logf("%d compressed backups, %d records each from %d processes, all exactly once", len(z.gz), rotZChildRecs, rotChildProcs)
}

// rotZChild is the child's side: wait for the parent's go, then write
// numbered records in batches of 1 to 32, reopening every rotZReopen.
func rotZChild(t *testing.T, spec string) {
	path, procText, _ := strings.Cut(spec, " ")
	proc, err := strconv.Atoi(procText)
	if err != nil {
		t.Fatalf("bad %s %q", rotZChildEnv, spec)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	o := RotatingFileOptions{Path: path, MaxSize: rotZChildMaxSz, Backups: 100_000, Compress: true}
	f, err := OpenRotatingFile(o)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(int64(proc)))
	var batch []byte
	for seq := 0; seq < rotZChildRecs; {
		batch = batch[:0]
		for n := 1 + rng.Intn(32); n > 0 && seq < rotZChildRecs; n-- {
			batch = rotChildLine(batch, proc, seq)
			seq++
			if seq%rotZReopen == 0 {
				break
			}
		}
		if n, err := f.Write(batch); err != nil || n != len(batch) {
			t.Fatalf("Write = %d, %v; want %d", n, err, len(batch))
		}
		if seq%rotZReopen == 0 && seq < rotZChildRecs {
			if err := f.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if f, err = OpenRotatingFile(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
