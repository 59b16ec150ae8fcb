package core

import (
	"encoding/hex"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCloseWithinItsTimeoutWhileCompressing (issue 19 item 18): with
// compression on and a close timeout of 300 ms, well under the writers' own
// 2 s wait for the compressor, Close comes while a 16 MiB backup is being
// gzipped (hex of random bytes: a second or more of deflate). It must return
// nil, within its timeout (plus the error stream's 0.5 s at most), and leave
// the folder as a finished Close does: no .gz.tmp, no lock file, and every
// record in the backup (plain, the compression given up and left for the next
// start, or gzipped) or the live file, exactly once and in order.
func TestCloseWithinItsTimeoutWhileCompressing(t *testing.T) {
	const (
		timeout = 300 * time.Millisecond
		maxSize = 16 << 20
		padLen  = 4000
		n       = maxSize/(padLen+100) + 200 // one rotation, then some
	)
	dir := t.TempDir()
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithMaxSize(maxSize),
		WithBackupCount(5), WithCompress(true), WithCloseTimeout(timeout), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	// 64 different pads, 256 KB, repeat far beyond deflate's 32 KB window:
	// to gzip they are as costly as all different.
	rng := rand.New(rand.NewSource(19))
	pads := make([]string, 64)
	for i := range pads {
		raw := make([]byte, padLen/2)
		rng.Read(raw)
		pads[i] = hex.EncodeToString(raw)
	}
	for i := range n {
		p.Logger().Info().Int("i", i).Str("pad", pads[i%len(pads)]).Msg("rec")
	}
	// Everything on disk and synced (Sync's flush gives up after the short
	// timeout on a slow disk: ask again), so Close has nothing left to
	// write or sync but the compression to stop: what is timed here is the
	// wait for the compressor, not the disk.
	for give := time.Now().Add(20 * time.Second); p.Sync() != nil; {
		if time.Now().After(give) {
			t.Fatal("the records did not reach the files within 20s")
		}
	}
	folder := filepath.Join(dir, StreamSuccess)
	plain := streamFiles(t, dir, StreamSuccess, "svc")
	if len(plain) != 2 {
		t.Fatalf("files before Close: %v, want one backup and the live file", plain)
	}

	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	var cerr error
	select {
	case cerr = <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close with a 300ms close timeout hung for 5s while a backup was being compressed")
	}
	took := time.Since(start)
	if cerr != nil {
		t.Errorf("Close = %v, want nil: every record was written", cerr)
	}
	if limit := timeout + errsFloor + 250*time.Millisecond; took > limit {
		t.Errorf("Close took %v, want at most %v (close timeout %v)", took, limit, timeout)
	}

	entries, err := os.ReadDir(folder)
	if err != nil {
		t.Fatal(err)
	}
	var gzs []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".gz"):
			gzs = append(gzs, filepath.Join(folder, name))
		case strings.HasSuffix(name, ".log"):
		default:
			t.Errorf("left in %s when Close returned: %s", folder, name)
		}
	}
	var recs []record
	for _, gz := range gzs {
		recs = append(recs, gzRecords(t, gz)...)
	}
	recs = append(recs, readRecords(t, dir, StreamSuccess, "svc")...)
	if len(recs) != n {
		t.Fatalf("%d records on disk, want %d", len(recs), n)
	}
	for i, r := range recs {
		if got, ok := r["i"].(float64); !ok || int(got) != i || r["message"] != "rec" {
			t.Fatalf("record %d is i=%v: lost, duplicated or out of order", i, r["i"])
		}
	}
	t.Logf("Close took %v; backup compressed: %v", took, len(gzs) == 1)
}
