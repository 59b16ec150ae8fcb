package writers

// Tests of backup compression (RotatingFileOptions.Compress): black-box,
// writing through RotatingFile and reading the files back, with
// compressHook (test builds only set it) to make compression slow or block.
// None runs in parallel: the hook is package-wide.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// zRecord is the JSON record the compression tests write.
type zRecord struct {
	Seq int    `json:"seq"`
	Pad string `json:"pad"`
}

// zLine returns record seq as one JSON line of about 100 bytes.
func zLine(seq int) []byte {
	b, _ := json.Marshal(zRecord{Seq: seq, Pad: strings.Repeat("p", 70+seq%20)})
	return append(b, '\n')
}

// zFiles sorts the folder of path: compressed backups, uncompressed
// backups, leftover temporary files, and anything else but the live file and
// the lock file.
type zFiles struct {
	gz, plain, tmp, other []string
}

func zList(t *testing.T, path string) zFiles {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	prefix := base[:len(base)-len(ext)] + "-"
	var z zFiles
	for _, e := range entries {
		name, full := e.Name(), filepath.Join(filepath.Dir(path), e.Name())
		switch {
		case name == base || name == "."+base+".lock":
		case strings.HasSuffix(name, ".tmp"):
			z.tmp = append(z.tmp, full)
		case strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ext+".gz"):
			z.gz = append(z.gz, full)
		case strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ext):
			z.plain = append(z.plain, full)
		default:
			z.other = append(z.other, full)
		}
	}
	return z
}

// gunzip returns the content of the gzip file at path, failing the test
// unless it is one complete, valid gzip stream.
func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return data
}

// zSeqs parses every line of data as a zRecord and returns their seqs.
func zSeqs(t *testing.T, name string, data []byte) []int {
	t.Helper()
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end in a whole record", name)
	}
	var seqs []int
	for line := range bytes.Lines(data) {
		var r zRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: line %q does not parse: %v", name, line, err)
		}
		if want := zLine(r.Seq); !bytes.Equal(line, want) {
			t.Fatalf("%s: line %q, want %q", name, line, want)
		}
		seqs = append(seqs, r.Seq)
	}
	return seqs
}

// zCheckAll checks that the compressed backups, oldest first, then the live
// file hold exactly records 0..n-1 in order, that every backup is
// compressed and private, and that no temporary file is left.
func zCheckAll(t *testing.T, path string, n int) {
	t.Helper()
	z := zList(t, path)
	if len(z.plain) != 0 || len(z.tmp) != 0 || len(z.other) != 0 {
		t.Fatalf("left uncompressed %v, temporary %v, other %v", z.plain, z.tmp, z.other)
	}
	if len(z.gz) == 0 {
		t.Fatal("no compressed backup")
	}
	sort.Strings(z.gz) // names are rotation times: oldest first
	var seqs []int
	for _, gz := range z.gz {
		info, err := os.Lstat(gz)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != filePerm {
			t.Errorf("%s: mode %#o, want %#o", filepath.Base(gz), perm, filePerm)
		}
		got := zSeqs(t, gz, gunzip(t, gz))
		if len(got) == 0 {
			t.Errorf("%s is empty", filepath.Base(gz))
		}
		seqs = append(seqs, got...)
	}
	live := rotRead(t, path)
	if _, err := gzip.NewReader(strings.NewReader(live)); err == nil {
		t.Fatal("the live file is compressed")
	}
	seqs = append(seqs, zSeqs(t, path, []byte(live))...)
	if len(seqs) != n {
		t.Fatalf("found %d records, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if s != i {
			t.Fatalf("record %d is seq %d: lost, duplicated or out of order", i, s)
		}
	}
}

// zSetHook installs hook as compressHook for the test.
func zSetHook(t *testing.T, hook func(string)) {
	t.Helper()
	compressHook = hook
	t.Cleanup(func() { compressHook = nil })
}

// zWaitCompressed polls, for at most 10s, until no uncompressed backup and
// no temporary file is left beside path.
func zWaitCompressed(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		z := zList(t, path)
		if len(z.plain) == 0 && len(z.tmp) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not compressed within 10s: %v, temporary %v", z.plain, z.tmp)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRotatingFileCompressesEveryBackup rotates many times with Compress
// on, in batches of several sizes: every backup ends up as a private .gz
// holding exactly its records, the live file stays plain, nothing temporary
// is left, and Close returns only once compression is over, leaving no
// goroutine.
func TestRotatingFileCompressesEveryBackup(t *testing.T) {
	for _, batch := range []int{1, 7, 40} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			const n = 600
			path := filepath.Join(t.TempDir(), "app.log")
			f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 4096, Backups: 1000, Compress: true})
			if err != nil {
				t.Fatal(err)
			}
			var buf []byte
			for i := 0; i < n; {
				buf = buf[:0]
				for j := 0; j < batch && i < n; j++ {
					buf = append(buf, zLine(i)...)
					i++
				}
				rotWrite(t, f, buf)
				if i == n/2 { // compression runs without Close too
					zWaitCompressed(t, path)
				}
			}
			if err := f.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			// No waiting here: Close returned after compression ended.
			zCheckAll(t, path, n)
			if err := goleak.Find(ignore); err != nil {
				t.Fatalf("goroutine left after Close: %v", err)
			}
		})
	}
}

// TestRotatingFileWriteDoesNotWaitForCompression blocks compression (the
// hook stops the compressor inside its first backup) and checks that
// Writes, rotating ones included, still return at once; once released,
// everything is compressed and nothing lost.
func TestRotatingFileWriteDoesNotWaitForCompression(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	var once, releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	zSetHook(t, func(string) {
		once.Do(func() { close(started) })
		<-release
	})
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 1024, Backups: 1000, Compress: true})
	t.Cleanup(unblock) // runs before rotOpen's Close: never leave the compressor blocked
	seq := 0
	write := func() error { // one record per call; about 10 per file
		p := zLine(seq)
		if n, err := f.Write(p); err != nil || n != len(p) {
			return fmt.Errorf("Write = %d, %v; want %d, nil", n, err, len(p))
		}
		seq++
		return nil
	}
	backups := func() int {
		names, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "app-*.log"))
		return len(names)
	}
	for backups() == 0 {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("compression did not start within 10s of a rotation")
	}

	// The compressor is stuck inside a backup. Writes that rotate several
	// times more must not wait for it.
	done := make(chan error)
	go func() {
		for rotations := 0; rotations < 5; {
			before := backups()
			if err := write(); err != nil {
				done <- err
				return
			}
			if backups() > before {
				rotations++
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		unblock()
		<-done
		t.Fatal("Write waited for the blocked compression")
	}
	if z := zList(t, path); len(z.tmp) != 1 || len(z.plain) < 6 {
		t.Fatalf("while blocked: temporary %v (want the one being written), uncompressed %v", z.tmp, z.plain)
	}
	unblock()
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	zCheckAll(t, path, seq)
}

// TestRotatingFileCompressesLeftoversAtOpen plants what a crash leaves:
// a backup never compressed, one with a half-written .gz.tmp, a .gz.tmp
// whose backup is gone, and a backup beside its complete .gz (the crash hit
// between the rename and the removal). Opening with Compress (no Write)
// cleans all of it up: every backup compressed once, with its modification
// time, nothing temporary left.
func TestRotatingFileCompressesLeftoversAtOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	old := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	plant := func(name string, data []byte, mod time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
		return p
	}
	content := func(from, to int) []byte {
		var b []byte
		for i := from; i < to; i++ {
			b = append(b, zLine(i)...)
		}
		return b
	}
	gzipped := func(data []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(data)
		_ = zw.Close()
		return buf.Bytes()
	}
	never := plant("app-2024-01-01T00-00-00.000.log", content(0, 10), old)
	half := plant("app-2024-01-02T00-00-00.000.log", content(10, 20), old.Add(time.Hour))
	plant("app-2024-01-02T00-00-00.000.log.gz.tmp", gzipped(content(10, 20))[:25], time.Now())
	plant("app-2023-12-31T00-00-00.000.log.gz.tmp", []byte("garbage"), time.Now())
	twin := plant("app-2024-01-03T00-00-00.000.log", content(20, 30), old.Add(2*time.Hour))
	twinGz := plant("app-2024-01-03T00-00-00.000.log.gz", gzipped(content(20, 30)), old.Add(2*time.Hour))
	if err := os.WriteFile(path, content(30, 35), 0o600); err != nil {
		t.Fatal(err)
	}

	// Without Compress, nothing is touched.
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if z := zList(t, path); len(z.plain) != 3 || len(z.tmp) != 2 || len(z.gz) != 1 {
		t.Fatalf("opening without Compress changed the folder: %+v", z)
	}

	f, err = OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	zCheckAll(t, path, 35)
	for _, c := range []struct {
		backup string
		mod    time.Time
	}{{never, old}, {half, old.Add(time.Hour)}, {twin, old.Add(2 * time.Hour)}} {
		info, err := os.Stat(c.backup + ".gz")
		if err != nil {
			t.Fatal(err)
		}
		if !info.ModTime().Equal(c.mod) {
			t.Errorf("%s.gz: modified %v, want the backup's %v", filepath.Base(c.backup), info.ModTime(), c.mod)
		}
	}
	if got := gunzip(t, twinGz); !bytes.Equal(got, content(20, 30)) {
		t.Errorf("the complete .gz was rewritten wrong: %q", got)
	}
}

// TestRotatingFileCompressLeavesAForeignGz: a backup beside a .gz that is
// not its compressed copy (another modification time) is left alone, both
// files intact, and Close reports it.
func TestRotatingFileCompressLeavesAForeignGz(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	backup := filepath.Join(dir, "app-2024-01-01T00-00-00.000.log")
	if err := os.WriteFile(backup, zLine(1), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(backup+".gz", []byte("not mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(backup+".gz", hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	err = f.Close()
	if err == nil || !strings.Contains(err.Error(), "not its compressed copy") {
		t.Fatalf("Close = %v, want the foreign .gz reported", err)
	}
	if got := rotRead(t, backup); got != string(zLine(1)) {
		t.Errorf("backup = %q", got)
	}
	if got := rotRead(t, backup+".gz"); got != "not mine" {
		t.Errorf(".gz = %q", got)
	}
	if z := zList(t, path); len(z.tmp) != 0 {
		t.Errorf("temporary files left: %v", z.tmp)
	}
}

// TestRotatingFileCloseBoundsCompression: with compression much slower
// than compressCloseWait, Close gives up on it after that wait: it returns
// in bounded time, the backup stays whole and uncompressed, no temporary
// file or goroutine is left, and the next open compresses it.
func TestRotatingFileCloseBoundsCompression(t *testing.T) {
	saved := compressCloseWait
	compressCloseWait = 200 * time.Millisecond
	t.Cleanup(func() { compressCloseWait = saved })
	ignore := goleak.IgnoreCurrent()

	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	var data []byte
	for i := 0; len(data) < 8*compressChunk; i++ { // 8 chunks: 8 × 300ms to compress
		data = append(data, zLine(i)...)
	}
	backup := filepath.Join(dir, "app-2024-01-01T00-00-00.000.log")
	if err := os.WriteFile(backup, data, 0o600); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var once sync.Once
	zSetHook(t, func(string) {
		once.Do(func() { close(started) })
		time.Sleep(300 * time.Millisecond)
	})
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("compression did not start")
	}
	begin := time.Now()
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	took := time.Since(begin)
	if took > 1200*time.Millisecond {
		t.Fatalf("Close took %v; compression needs 2.4s, Close should give up after %v", took, compressCloseWait)
	}
	t.Logf("Close gave up on compression after %v", took)
	if err := goleak.Find(ignore); err != nil {
		t.Fatalf("goroutine left after Close: %v", err)
	}
	z := zList(t, path)
	if len(z.tmp) != 0 || len(z.gz) != 0 || len(z.plain) != 1 {
		t.Fatalf("after an abandoned compression: %+v, want the plain backup alone", z)
	}
	if !bytes.Equal([]byte(rotRead(t, backup)), data) {
		t.Fatal("the backup changed")
	}

	compressHook, compressCloseWait = nil, saved
	f, err = OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if z := zList(t, path); len(z.plain) != 0 || len(z.gz) != 1 {
		t.Fatalf("after the next open: %+v", z)
	}
	if !bytes.Equal(gunzip(t, backup+".gz"), data) {
		t.Fatal("compressed backup differs")
	}
}

// TestRotatingFileCompressedBackupsArePruned: compressed and plain backups
// count alike toward Backups: with Backups 3 and every rotation compressed,
// exactly the three newest .gz remain.
func TestRotatingFileCompressedBackupsArePruned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 300, Backups: 3, Compress: true})
	const n = 100
	for i := range n {
		rotWrite(t, f, zLine(i))
		if i%10 == 0 {
			zWaitCompressed(t, path) // some pruned compressed, some plain
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	z := zList(t, path)
	if len(z.gz) != 3 || len(z.plain) != 0 || len(z.tmp) != 0 {
		t.Fatalf("backups: compressed %v, plain %v, temporary %v; want the 3 newest compressed", z.gz, z.plain, z.tmp)
	}
	sort.Strings(z.gz)
	var seqs []int
	for _, gz := range z.gz {
		seqs = append(seqs, zSeqs(t, gz, gunzip(t, gz))...)
	}
	seqs = append(seqs, zSeqs(t, path, []byte(rotRead(t, path)))...)
	for i, s := range seqs {
		if want := n - len(seqs) + i; s != want {
			t.Fatalf("kept records %v, want the newest, in order", seqs)
		}
	}
}

// TestRotatingFileCompressWithBackupsZero: a backup pruned at once
// (Backups NoBackups) is not compressed, and nothing is left behind.
func TestRotatingFileCompressWithBackupsZero(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 300, Backups: NoBackups, Compress: true})
	for i := range 30 {
		rotWrite(t, f, zLine(i))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if z := zList(t, path); len(z.gz)+len(z.plain)+len(z.tmp)+len(z.other) != 0 {
		t.Fatalf("left: %+v", z)
	}
	if err := goleak.Find(ignore); err != nil {
		t.Fatal(err)
	}
}

// TestRotatingFileCloseContextHonoursItsDeadline (issue 19 item 18): with a
// compression that needs 2 s (40 chunks, 50 ms each), CloseContext with a
// 300 ms deadline returns by that deadline (not after the 2 s Close allows)
// with nil, and leaves the backup plain and whole, no .gz.tmp and no lock
// file.
func TestRotatingFileCloseContextHonoursItsDeadline(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	var data []byte
	for i := 0; len(data) < 40*compressChunk; i++ {
		data = append(data, zLine(i)...)
	}
	backup := filepath.Join(dir, "app-2024-01-01T00-00-00.000.log")
	if err := os.WriteFile(backup, data, 0o600); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var once sync.Once
	zSetHook(t, func(string) {
		once.Do(func() { close(started) })
		time.Sleep(50 * time.Millisecond)
	})
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("compression did not start within 10s")
	}
	const budget = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	deadline, _ := ctx.Deadline()
	closed := make(chan error, 1)
	go func() { closed <- f.CloseContext(ctx) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("CloseContext = %v, want nil (giving up on compression is no failure)", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("CloseContext with a 300ms deadline hung for 5s")
	}
	// The compressor is given up on half the time left before the deadline
	// (150 ms here), and notices within one 50 ms chunk.
	if late := time.Since(deadline); late > 100*time.Millisecond {
		t.Fatalf("CloseContext returned %v after its deadline", late)
	}
	z := zList(t, path)
	if len(z.tmp) != 0 || len(z.gz) != 0 || len(z.plain) != 1 {
		t.Fatalf("after CloseContext gave up on compression: %+v, want the plain backup alone", z)
	}
	if !bytes.Equal([]byte(rotRead(t, backup)), data) {
		t.Fatal("the backup changed")
	}
	if _, err := os.Lstat(filepath.Join(dir, ".app.log.lock")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("lock file after CloseContext: %v, want it removed", err)
	}
}
