package writers

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// halfGzData returns a backup's content (numbered records) and its complete
// gzip.
func halfGzData(t *testing.T, records int) (plain, gz []byte) {
	t.Helper()
	for i := range records {
		plain = append(plain, zLine(i)...)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return plain, buf.Bytes()
}

// TestRotatingFileRedoesAHalfWrittenGz (issue 19 item 14): lumberjack
// writes "<backup>.gz" in place, so a crash in the middle of its compression
// leaves the whole backup beside a .gz cut short (here at 0, 1, 10 bytes,
// half, and all but its last 4). Opening with Compress finishes the job:
// Close returns nil, and the backup is left only as a complete .gz holding
// exactly its records, with no plain copy or temporary file. A complete .gz
// left by a crash just before lumberjack removed the backup is taken as is.
func TestRotatingFileRedoesAHalfWrittenGz(t *testing.T) {
	plain, full := halfGzData(t, 2000)
	for _, cut := range []int{0, 1, 10, len(full) / 2, len(full) - 4, len(full)} {
		t.Run(fmt.Sprintf("gz_%d_of_%d_bytes", cut, len(full)), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			backup := filepath.Join(dir, "app-2024-01-01T00-00-00.000.log")
			if err := os.WriteFile(backup, plain, 0o600); err != nil {
				t.Fatal(err)
			}
			hourAgo := time.Now().Add(-time.Hour)
			if err := os.Chtimes(backup, hourAgo, hourAgo); err != nil {
				t.Fatal(err)
			}
			// lumberjack's .gz: written after the backup, its own time.
			if err := os.WriteFile(backup+".gz", full[:cut], 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10, Compress: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatalf("Close = %v, want nil: the half .gz is a leftover to redo", err)
			}
			z := zList(t, path)
			if len(z.plain) != 0 || len(z.gz) != 1 || len(z.tmp) != 0 {
				t.Fatalf("after the open: %+v, want the backup as one .gz and nothing else", z)
			}
			fh, err := os.Open(backup + ".gz")
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			zr, err := gzip.NewReader(fh)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("the .gz does not inflate whole: %v", err)
			}
			if !bytes.Equal(got, plain) {
				t.Fatalf("the .gz holds %d bytes, want the backup's %d exactly", len(got), len(plain))
			}
		})
	}
}

// TestRotatingFileHalfWrittenGzCountsOnce (issue 19 item 14): a backup and
// the half-written .gz beside it are one backup toward Backups. With
// Backups 2, the rotation that makes a third removes the oldest backup, not
// the plain half of the pair (which would leave its records only in a .gz
// that cannot be read to its end).
func TestRotatingFileHalfWrittenGzCountsOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	oldest := filepath.Join(dir, "app-2024-01-01T00-00-00.000.log")
	paired := filepath.Join(dir, "app-2024-01-02T00-00-00.000.log")
	plain, full := halfGzData(t, 200)
	now := time.Now()
	for _, b := range []struct {
		path string
		data []byte
		age  time.Duration
	}{
		{oldest, []byte("oldest\n"), 3 * time.Hour},
		{paired, plain, 2 * time.Hour},
		{paired + ".gz", full[:len(full)/2], 2*time.Hour - time.Minute}, // written after it
	} {
		if err := os.WriteFile(b.path, b.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(b.path, now.Add(-b.age), now.Add(-b.age)); err != nil {
			t.Fatal(err)
		}
	}
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 2})
	rotWrite(t, f, []byte("live-1\n"))
	rotWrite(t, f, []byte("live-2 rotates first\n")) // 7+21 > 20: one rotation
	if _, err := os.Stat(oldest); !os.IsNotExist(err) {
		t.Errorf("the oldest backup is still there (%v): the pair counted twice?", err)
	}
	if got, err := os.ReadFile(paired); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("the plain backup of the pair: %d bytes, %v; want its %d bytes kept", len(got), err, len(plain))
	}
	backups := rotBackups(t, path)
	if len(backups) != 2 || backups[0] != paired || rotRead(t, backups[1]) != "live-1\n" {
		t.Fatalf("plain backups %v, want the pair's and the new one", backups)
	}
}

// TestRotatingFileLeavesAGzOfOtherContent: a .gz beside a backup that is
// gzip but not of the backup's records (not a beginning of them either) is
// nobody's leftover: both are left as they are, and Close reports it.
func TestRotatingFileLeavesAGzOfOtherContent(t *testing.T) {
	_, other := halfGzData(t, 50)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	backup := filepath.Join(dir, "app-2024-01-01T00-00-00.000.log")
	if err := os.WriteFile(backup, []byte("different records\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(backup+".gz", other[:len(other)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err == nil || !bytes.Contains([]byte(err.Error()), []byte("not its compressed copy")) {
		t.Fatalf("Close = %v, want the stranger's .gz reported", err)
	}
	if got := rotRead(t, backup); got != "different records\n" {
		t.Errorf("backup = %q", got)
	}
	if got := rotRead(t, backup+".gz"); got != string(other[:len(other)/2]) {
		t.Errorf("the .gz was changed (%d bytes)", len(got))
	}
}
