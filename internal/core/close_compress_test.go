package core

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/testkit"
)

// TestCloseWithinItsTimeoutWhileCompressing (issue 19 item 18): with
// compression on and a close timeout of 1 s, under the writers' own 2 s wait
// for the compressor, Close comes while a 48 MiB backup is being gzipped
// (hex of random bytes: seconds of deflate). It must return nil, within its
// timeout (plus the error stream's 0.5 s at most), and leave the folder as a
// finished Close does: no .gz.tmp, no lock file, the backup whole (plain,
// its compression given up and left for the next start, or gzipped) and the
// records logged in the live file, in order.
func TestCloseWithinItsTimeoutWhileCompressing(t *testing.T) {
	const (
		timeout = time.Second
		maxSize = 48 << 20
		logged  = 10
	)
	dir := t.TempDir()
	folder := filepath.Join(dir, StreamSuccess)
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	// A previous run's live file, full: the first record rotates it. 64
	// different pads (256 KB) repeat far beyond deflate's 32 KB window, so
	// they cost gzip as much as all different ones would.
	rng := rand.New(rand.NewSource(19))
	pads := make([]string, 64)
	for i := range pads {
		raw := make([]byte, 2000)
		rng.Read(raw)
		pads[i] = hex.EncodeToString(raw)
	}
	var old bytes.Buffer
	for i := 0; old.Len() < maxSize; i++ {
		fmt.Fprintf(&old, `{"level":"info","old":%d,"pad":"%s"}`+"\n", i, pads[i%len(pads)])
	}
	if err := os.WriteFile(filepath.Join(folder, "svc.log"), old.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithMaxSize(maxSize),
		WithBackupCount(5), WithCompress(true), WithCloseTimeout(timeout), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range logged {
		p.Logger().Info().Int("i", i).Msg("rec")
	}
	// Everything on disk and synced (Sync's flush gives up after the
	// timeout on a slow disk: ask again), so Close has nothing left to
	// write or sync but the compression to stop: what is timed here is the
	// wait for the compressor, not the disk.
	for give := time.Now().Add(20 * time.Second); p.Sync() != nil; {
		if time.Now().After(give) {
			t.Fatal("the records did not reach the files within 20s")
		}
	}
	if files := testkit.StreamFiles(t, dir, StreamSuccess, "svc"); len(files) != 2 {
		t.Fatalf("files before Close: %v, want the backup (being compressed) and the live file", files)
	}

	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	var cerr error
	select {
	case cerr = <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close with a 1s close timeout hung for 10s while a backup was being compressed")
	}
	took := time.Since(start)
	if cerr != nil {
		t.Errorf("Close = %v, want nil: every record was written", cerr)
	}
	if limit := timeout + errsFloor; took > limit {
		t.Errorf("Close took %v, want at most %v (close timeout %v)", took, limit, timeout)
	}

	entries, err := os.ReadDir(folder)
	if err != nil {
		t.Fatal(err)
	}
	var backup []byte
	for _, e := range entries {
		name, full := e.Name(), filepath.Join(folder, e.Name())
		switch {
		case name == "svc.log":
		case strings.HasPrefix(name, "svc-") && strings.HasSuffix(name, ".log"):
			if backup, err = os.ReadFile(full); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(name, "svc-") && strings.HasSuffix(name, ".log.gz"):
			backup = gunzipFile(t, full)
		default:
			t.Errorf("left in %s when Close returned: %s", folder, name)
		}
	}
	if !bytes.Equal(backup, old.Bytes()) {
		t.Errorf("the backup holds %d bytes, want the %d of the rotated file exactly", len(backup), old.Len())
	}
	live, err := os.ReadFile(filepath.Join(folder, "svc.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(live), "\n"), "\n")
	if len(lines) != logged {
		t.Fatalf("%d lines in the live file, want the %d records logged", len(lines), logged)
	}
	for i, line := range lines {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		if got, ok := r["i"].(float64); !ok || int(got) != i || r["message"] != "rec" {
			t.Fatalf("record %d is %v: lost, duplicated or out of order", i, r)
		}
	}
	t.Logf("Close took %v", took)
}

// gunzipFile returns what the gzip file at path holds.
func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return data
}
