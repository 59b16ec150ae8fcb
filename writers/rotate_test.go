package writers

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// rotOpen opens a RotatingFile and closes it when the test ends.
func rotOpen(t *testing.T, o RotatingFileOptions) *RotatingFile {
	t.Helper()
	f, err := OpenRotatingFile(o)
	if err != nil {
		t.Fatalf("OpenRotatingFile(%+v): %v", o, err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// rotWrite writes p and fails the test unless all of it was accepted.
func rotWrite(t *testing.T, f *RotatingFile, p []byte) {
	t.Helper()
	n, err := f.Write(p)
	if err != nil || n != len(p) {
		t.Fatalf("Write(%d bytes) = %d, %v; want %d, nil", len(p), n, err, len(p))
	}
}

// rotBackups returns the backups of path, oldest first.
func rotBackups(t *testing.T, path string) []string {
	t.Helper()
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	pattern := filepath.Join(filepath.Dir(path), base[:len(base)-len(ext)]+"-*"+ext)
	names, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

// rotFiles returns the backups oldest first, then the live file.
func rotFiles(t *testing.T, path string) []string {
	return append(rotBackups(t, path), path)
}

func rotRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rotAll concatenates the backups oldest first and the live file.
func rotAll(t *testing.T, path string) string {
	var sb strings.Builder
	for _, name := range rotFiles(t, path) {
		sb.WriteString(rotRead(t, name))
	}
	return sb.String()
}

// rotRecords makes n records "rec-000042 xxx…\n" of pseudo-random lengths in
// [minLen, maxLen].
func rotRecords(n, minLen, maxLen int, seed int64) []string {
	rng := rand.New(rand.NewSource(seed))
	recs := make([]string, n)
	for i := range recs {
		head := fmt.Sprintf("rec-%06d ", i)
		l := minLen + rng.Intn(maxLen-minLen+1)
		recs[i] = head + strings.Repeat(string(rune('a'+i%26)), l-len(head)-1) + "\n"
	}
	return recs
}

// TestRotatingFileMaxSizeToTheByte writes records of varying length in batches
// of several sizes and checks that no file passes MaxSize, that no record is
// split or lost, and that a file is only rotated once the next record does
// not fit.
func TestRotatingFileMaxSizeToTheByte(t *testing.T) {
	const maxSize = 1000
	recs := rotRecords(400, 12, 300, 1)
	var all strings.Builder
	for _, r := range recs {
		all.WriteString(r)
	}
	for _, tc := range []struct {
		name  string
		batch int // records per Write
	}{
		{"one record per write", 1},
		{"three records per write", 3},
		{"batches larger than a file", 17},
		{"everything in one write", len(recs)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.log")
			f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: maxSize, Backups: 1000})
			for i := 0; i < len(recs); i += tc.batch {
				var b []byte
				for _, r := range recs[i:min(i+tc.batch, len(recs))] {
					b = append(b, r...)
				}
				rotWrite(t, f, b)
			}
			files := rotFiles(t, path)
			if len(files) < 2 {
				t.Fatalf("got %d files, want rotations", len(files))
			}
			contents := make([]string, len(files))
			for i, name := range files {
				c := rotRead(t, name)
				contents[i] = c
				if len(c) > maxSize {
					t.Errorf("%s: %d bytes > MaxSize %d", filepath.Base(name), len(c), maxSize)
				}
				if !strings.HasSuffix(c, "\n") {
					t.Errorf("%s does not end with a whole record", filepath.Base(name))
				}
				for _, line := range strings.Split(strings.TrimSuffix(c, "\n"), "\n") {
					if !strings.HasPrefix(line, "rec-") {
						t.Errorf("%s: split record %q", filepath.Base(name), line)
					}
				}
			}
			// Rotated only when needed: the next file's first record would
			// not have fitted.
			for i := 0; i+1 < len(contents); i++ {
				next := contents[i+1]
				first := next[:strings.IndexByte(next, '\n')+1]
				if len(contents[i])+len(first) <= maxSize {
					t.Errorf("%s rotated at %d bytes though the next record (%d bytes) fitted",
						filepath.Base(files[i]), len(contents[i]), len(first))
				}
			}
			if got := strings.Join(contents, ""); got != all.String() {
				t.Fatalf("files hold %d bytes, want exactly the %d bytes written", len(got), all.Len())
			}
		})
	}
}

// TestRotatingFileRotationsInOneMillisecondLoseNothing rotates on every
// record in a tight loop: many rotations land in one millisecond, and each
// must take a backup name of its own (a later millisecond's), never
// overwrite a backup, and keep the names in rotation order.
func TestRotatingFileRotationsInOneMillisecondLoseNothing(t *testing.T) {
	const n = 300
	path := filepath.Join(t.TempDir(), "busy.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 200, Backups: 1000})
	recs := rotRecords(n, 120, 180, 2) // two never fit in 200 bytes
	for _, r := range recs {
		rotWrite(t, f, []byte(r))
	}
	backups := rotBackups(t, path)
	if len(backups) != n-1 {
		t.Fatalf("got %d backups, want %d (one per rotation)", len(backups), n-1)
	}
	for i, name := range rotFiles(t, path) {
		if got := rotRead(t, name); got != recs[i] {
			t.Fatalf("file %d (%s) = %q, want %q", i, filepath.Base(name), got, recs[i])
		}
	}
}

// TestRotatingFileKeepsNewestBackups checks pruning: exactly Backups backups
// remain, the newest ones.
func TestRotatingFileKeepsNewestBackups(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backups int
		writes  int // each write rotates, except the first
	}{
		{"two of five", 2, 6},
		{"none", NoBackups, 6},
		{"zero keeps all, like lumberjack", 0, 6},
		{"one", 1, 3},
		{"fewer made than allowed", 10, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.log")
			f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10, Backups: tc.backups})
			var recs []string
			for i := 0; i < tc.writes; i++ {
				r := fmt.Sprintf("record-%d\n", i) // 9 bytes: one per file
				recs = append(recs, r)
				rotWrite(t, f, []byte(r))
			}
			backups := rotBackups(t, path)
			want := min(tc.backups, tc.writes-1)
			switch tc.backups {
			case NoBackups:
				want = 0
			case 0:
				want = tc.writes - 1
			}
			if len(backups) != want {
				t.Fatalf("got %d backups %v, want %d", len(backups), backups, want)
			}
			// The kept backups hold the records just before the live one.
			for i, name := range backups {
				if got, wantRec := rotRead(t, name), recs[tc.writes-1-want+i]; got != wantRec {
					t.Errorf("backup %d = %q, want %q", i, got, wantRec)
				}
			}
			if got := rotRead(t, path); got != recs[tc.writes-1] {
				t.Errorf("live file = %q, want %q", got, recs[tc.writes-1])
			}
		})
	}
}

// TestRotatingFileWriteAfterClose checks that Close is final: no reopen, no
// file recreated.
func TestRotatingFileWriteAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 100, Backups: 1})
	if err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("before\n"))
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v, want nil", err)
	}
	if n, err := f.Write([]byte("after\n")); n != 0 || !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %d, %v; want 0, ErrClosed", n, err)
	}
	if err := f.Sync(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close = %v, want ErrClosed", err)
	}
	if got := rotRead(t, path); got != "before\n" {
		t.Fatalf("file = %q, want only what was written before Close", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("after\n")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("file recreated after Close (stat err %v)", err)
	}
}

// TestRotatingFileReopenSharesStateAndSize checks that every RotatingFile of
// one path shares one state (one byte count, one descriptor), that another
// spelling of the path is the same path, and that the byte count resumes
// from the size of the file already there.
func TestRotatingFileReopenSharesStateAndSize(t *testing.T) {
	t.Run("reopen after close", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		o := RotatingFileOptions{Path: path, MaxSize: 10, Backups: 5}
		f1, err := OpenRotatingFile(o)
		if err != nil {
			t.Fatal(err)
		}
		rotWrite(t, f1, []byte("aaaa\n"))
		if err := f1.Close(); err != nil {
			t.Fatal(err)
		}
		// A relative spelling of the same path must name the same file.
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(wd, path)
		if err != nil {
			t.Fatal(err)
		}
		f2 := rotOpen(t, RotatingFileOptions{Path: rel, MaxSize: 10, Backups: 5})
		if f2.Path() != path {
			t.Errorf("Path() = %q, want %q", f2.Path(), path)
		}
		rotWrite(t, f2, []byte("bbbb\n")) // 5+5 = 10: still fits
		if backups := rotBackups(t, path); len(backups) != 0 {
			t.Fatalf("rotated at %d bytes: %v", 5, backups)
		}
		rotWrite(t, f2, []byte("c\n")) // 11 > 10: rotates
		backups := rotBackups(t, path)
		if len(backups) != 1 {
			t.Fatalf("got %d backups, want 1", len(backups))
		}
		if got := rotRead(t, backups[0]); got != "aaaa\nbbbb\n" {
			t.Errorf("backup = %q, want %q", got, "aaaa\nbbbb\n")
		}
		if got := rotRead(t, path); got != "c\n" {
			t.Errorf("live = %q, want %q", got, "c\n")
		}
	})
	t.Run("file left by a previous run", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		if err := os.WriteFile(path, []byte("0123456\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10, Backups: 5})
		rotWrite(t, f, []byte("x\n")) // 8+2 = 10 fits
		rotWrite(t, f, []byte("y\n")) // rotates
		backups := rotBackups(t, path)
		if len(backups) != 1 || rotRead(t, backups[0]) != "0123456\nx\n" || rotRead(t, path) != "y\n" {
			t.Fatalf("backups %v, live %q: want one backup %q and live %q",
				backups, rotRead(t, path), "0123456\nx\n", "y\n")
		}
	})
	t.Run("two open at once share the count", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		o := RotatingFileOptions{Path: path, MaxSize: 10, Backups: 5}
		f1 := rotOpen(t, o)
		f2 := rotOpen(t, o)
		rotWrite(t, f1, []byte("1111\n"))
		rotWrite(t, f2, []byte("2222\n")) // 10 bytes in all: fits
		if b := rotBackups(t, path); len(b) != 0 {
			t.Fatalf("rotated though both records fit: %v", b)
		}
		if err := f1.Close(); err != nil {
			t.Fatal(err)
		}
		rotWrite(t, f2, []byte("3\n")) // f1 closing must not close f2's file; rotates
		if got := rotAll(t, path); got != "1111\n2222\n3\n" {
			t.Fatalf("files = %q", got)
		}
		if got := rotRead(t, path); got != "3\n" {
			t.Fatalf("live = %q, want %q", got, "3\n")
		}
	})
}

// TestRotatingFileOversizeRecord checks that a record longer than MaxSize is
// never split and never shares a file.
func TestRotatingFileOversizeRecord(t *testing.T) {
	const long = "0123456789ABCDEFGHIJ\n" // 21 bytes > MaxSize 10
	for _, tc := range []struct {
		name   string
		writes []string
		want   []string // files, oldest first, live last
	}{
		{"between small records in one batch", []string{"ab\n" + long + "cd\n"}, []string{"ab\n", long, "cd\n"}},
		{"first in an empty file", []string{long, "cd\n"}, []string{long, "cd\n"}},
		{"last write", []string{"ab\n", long}, []string{"ab\n", long}},
		{"two in a row", []string{long + long}, []string{long, long}},
		{"trailing fragment without newline", []string{"ab\n0123456789ABCDEF"}, []string{"ab\n", "0123456789ABCDEF"}},
		{"small trailing fragment fits", []string{"ab\ncd"}, []string{"ab\ncd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.log")
			f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10, Backups: 100})
			for _, w := range tc.writes {
				rotWrite(t, f, []byte(w))
			}
			files := rotFiles(t, path)
			var got []string
			for _, name := range files {
				got = append(got, rotRead(t, name))
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Fatalf("files = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRotatingFileNoRotation checks MaxSize NoRotation: everything in one
// file.
func TestRotatingFileNoRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: NoRotation, Backups: 3})
	var want bytes.Buffer
	for _, r := range rotRecords(200, 20, 200, 3) {
		want.WriteString(r)
		rotWrite(t, f, []byte(r))
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if b := rotBackups(t, path); len(b) != 0 {
		t.Fatalf("rotated without MaxSize: %v", b)
	}
	if got := rotRead(t, path); got != want.String() {
		t.Fatal("live file differs from what was written")
	}
}

// TestRotatingFileResumesAfterAFailure makes a rotation fail (the folder is
// replaced by a plain file), then clears the fault: the failed Write reports
// the cause and a later Write reopens and carries on.
func TestRotatingFileResumesAfterAFailure(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "logs")
	path := filepath.Join(dir, "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10, Backups: 5})
	rotWrite(t, f, []byte("one-----\n"))

	if err := os.Rename(dir, filepath.Join(root, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := f.Write([]byte("two-----\n")) // needs a rotation
	if err == nil || n != 0 {
		t.Fatalf("Write with the folder blocked = %d, %v; want 0 and an error", n, err)
	}
	if !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("error %v does not wrap ENOTDIR", err)
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("three---\n"))
	rotWrite(t, f, []byte("four----\n"))
	if got := rotAll(t, path); got != "three---\nfour----\n" {
		t.Fatalf("after recovery files = %q", got)
	}
	if got := rotRead(t, filepath.Join(root, "moved", "app.log")); got != "one-----\n" {
		t.Fatalf("moved file = %q", got)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// TestRotatingFileOpenErrors checks that open problems surface at open.
func TestRotatingFileOpenErrors(t *testing.T) {
	root := t.TempDir()
	blocker := filepath.Join(root, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		o    RotatingFileOptions
	}{
		{"empty path", RotatingFileOptions{}},
		{"negative backups", RotatingFileOptions{Path: filepath.Join(root, "a.log"), Backups: -2}},
		{"negative max size", RotatingFileOptions{Path: filepath.Join(root, "a.log"), MaxSize: -2}},
		{"folder is a file", RotatingFileOptions{Path: filepath.Join(blocker, "a.log")}},
		{"path is a folder", RotatingFileOptions{Path: root}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := OpenRotatingFile(tc.o); err == nil {
				_ = f.Close()
				t.Fatalf("OpenRotatingFile(%+v) succeeded, want an error", tc.o)
			}
		})
	}
}

// TestRotatingFileConcurrentWriters writes from several goroutines at once.
func TestRotatingFileConcurrentWriters(t *testing.T) {
	const writers, perWriter, maxSize = 8, 100, 500
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: maxSize, Backups: 10000})
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				rec := fmt.Sprintf("w%d-%03d %s\n", w, i, strings.Repeat("z", i%40))
				if _, err := f.Write([]byte(rec)); err != nil {
					t.Errorf("Write: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := make(map[string]bool)
	for _, name := range rotFiles(t, path) {
		c := rotRead(t, name)
		if len(c) > maxSize {
			t.Errorf("%s: %d bytes > %d", filepath.Base(name), len(c), maxSize)
		}
		for _, line := range strings.Split(strings.TrimSuffix(c, "\n"), "\n") {
			seen[line] = true
		}
	}
	if len(seen) != writers*perWriter {
		t.Fatalf("found %d distinct records, want %d", len(seen), writers*perWriter)
	}
}

// TestRotatingFileEndsATornRecordOnReopen simulates a write that failed in
// the middle of a record (as ENOSPC can leave it): the reopen ends that line,
// so the next record is not glued to the fragment.
func TestRotatingFileEndsATornRecordOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 100, Backups: 1})
	rotWrite(t, f, []byte("abc\n"))

	// What a failed Write leaves behind: part of a record, and the live
	// file closed for the next Write to reopen.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString("de"); err != nil {
		t.Fatal(err)
	}
	_ = fh.Close()
	f.st.mu.Lock()
	f.st.drop()
	f.st.mu.Unlock()

	rotWrite(t, f, []byte("next\n"))
	const want = "abc\nde\nnext\n"
	if got := rotRead(t, path); got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
	// The '\n' added counts toward MaxSize: 12 bytes now, 88 left.
	rotWrite(t, f, []byte(strings.Repeat("x", 87)+"\n"))
	if b := rotBackups(t, path); len(b) != 0 {
		t.Fatalf("rotated though the record fitted exactly: %v", b)
	}
	rotWrite(t, f, []byte("z\n"))
	if b := rotBackups(t, path); len(b) != 1 || len(rotRead(t, b[0])) != 100 {
		t.Fatalf("backups %v, want one of exactly 100 bytes", b)
	}
}
