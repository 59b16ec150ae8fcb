//go:build unix

package writers

// Tests of the unix-only promises of RotatingFile: modes whatever the umask,
// symlinks refused (O_NOFOLLOW), files and folders of other users refused.

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRotatingFilePermissions runs with umask 0, where nothing but
// RotatingFile's own modes protects the logs: created folders must be 0700,
// the live file, every backup and the lock file 0600, and a pre-existing
// 0644 file is tightened.
func TestRotatingFilePermissions(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	mode := func(t *testing.T, path string) fs.FileMode {
		t.Helper()
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info.Mode().Perm()
	}
	for _, tc := range []struct {
		name     string
		existing bool // a 0644 file with content is there before open
	}{
		{"new file in new folders", false},
		{"pre-existing 0644 file", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.Chmod(root, 0o755); err != nil {
				t.Fatal(err)
			}
			dir := root
			if !tc.existing {
				dir = filepath.Join(root, "a", "b")
			}
			path := filepath.Join(dir, "app.log")
			if tc.existing {
				if err := os.WriteFile(path, []byte("old-run\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if m := mode(t, path); m != 0o644 {
					t.Fatalf("setup: mode %o, want 644", m)
				}
			}
			f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 10})
			if m := mode(t, path); m != 0o600 {
				t.Errorf("after open: file mode %o, want 600", m)
			}
			for i := 0; i < 4; i++ {
				rotWrite(t, f, []byte(fmt.Sprintf("record-%02d-abc\n", i))) // 14 bytes: rotates each time
			}
			want := 3 // the first record starts the new file
			if tc.existing {
				want = 4 // the old run's file is rotated first
			}
			backups := rotBackups(t, path)
			if len(backups) != want {
				t.Fatalf("got %d backups, want %d", len(backups), want)
			}
			lock := filepath.Join(dir, ".app.log.lock")
			for _, name := range append(rotFiles(t, path), lock) {
				if m := mode(t, name); m != 0o600 {
					t.Errorf("%s: mode %o, want 600", filepath.Base(name), m)
				}
			}
			if tc.existing {
				if got := rotRead(t, backups[0]); got != "old-run\n" {
					t.Errorf("oldest backup = %q, want the previous run's file", got)
				}
				if m := mode(t, root); m != 0o755 {
					t.Errorf("pre-existing folder mode changed to %o", m)
				}
			} else {
				for _, d := range []string{filepath.Join(root, "a"), dir} {
					if m := mode(t, d); m != 0o700 {
						t.Errorf("created folder %s: mode %o, want 700", d, m)
					}
				}
				if m := mode(t, root); m != 0o755 {
					t.Errorf("pre-existing folder mode changed to %o", m)
				}
			}
		})
	}
}

// rotSnapshot is what the tests check is left untouched: content, mode, owner.
type rotSnapshot struct {
	content string
	mode    fs.FileMode
	uid     uint32
}

func rotSnap(t *testing.T, path string) rotSnapshot {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return rotSnapshot{rotRead(t, path), info.Mode(), info.Sys().(*syscall.Stat_t).Uid}
}

// rotWantRefused fails unless err is an error naming path and saying why
// (every word of why).
func rotWantRefused(t *testing.T, err error, path string, why ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s refused", path)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) {
		t.Errorf("error %q does not name %s", msg, path)
	}
	for _, w := range why {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
}

// TestRotatingFileRefusesSymlinkAtOpen: a symlink at the log path (or at the
// lock file's) makes OpenRotatingFile fail with an error naming the path and
// saying it is a symlink; the file it points to is not touched.
func TestRotatingFileRefusesSymlinkAtOpen(t *testing.T) {
	for _, tc := range []struct {
		name string
		link string // base name of the symlink beside the log file
	}{
		{"log file", "app.log"},
		{"lock file", ".app.log.lock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, elsewhere := t.TempDir(), t.TempDir()
			target := filepath.Join(elsewhere, "precious")
			if err := os.WriteFile(target, []byte("do not touch\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(target, 0o640); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, tc.link)
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			before := rotSnap(t, target)
			path := filepath.Join(dir, "app.log")
			f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 10, Backups: 1})
			if err == nil {
				_, _ = f.Write([]byte("secret-record\n"))
				_ = f.Close()
			}
			rotWantRefused(t, err, link, "symlink", "refused")
			if after := rotSnap(t, target); after != before {
				t.Fatalf("target changed: %+v, was %+v", after, before)
			}
			if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
				t.Fatalf("symlink itself changed: %v, %v", info, err)
			}
		})
	}
}

// TestRotatingFileSymlinkSwappedInMidRun: the live file is replaced by a
// symlink while open. The next Write fails (so its records are counted as
// failed) and the target is untouched; once the symlink is gone, writing
// resumes in a new file.
func TestRotatingFileSymlinkSwappedInMidRun(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	target := filepath.Join(elsewhere, "precious")
	if err := os.WriteFile(target, []byte("do not touch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o644); err != nil {
		t.Fatal(err)
	}
	before := rotSnap(t, target)
	path := filepath.Join(dir, "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 1})
	rotWrite(t, f, []byte("one\n"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		n, err := f.Write([]byte("two\n"))
		if n != 0 {
			t.Fatalf("Write through a symlink = %d bytes, want 0", n)
		}
		rotWantRefused(t, err, path, "symlink")
	}
	if after := rotSnap(t, target); after != before {
		t.Fatalf("target changed: %+v, was %+v", after, before)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	rotWrite(t, f, []byte("three\n"))
	if got := rotRead(t, path); got != "three\n" {
		t.Fatalf("new file holds %q, want %q", got, "three\n")
	}
	if info, err := os.Lstat(path); err != nil || info.Mode() != filePerm {
		t.Fatalf("new file: %v, %v; want a regular 0600 file", info, err)
	}
	if after := rotSnap(t, target); after != before {
		t.Fatalf("target changed: %+v, was %+v", after, before)
	}
}

// TestRotatingFileRefusesFileOfAnotherUser: a log file owned by another user
// is refused, never chowned, chmod'ed or written. Needs root to plant it.
func TestRotatingFileRefusesFileOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a file to another user")
	}
	const stranger = 12345
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	if err := os.WriteFile(path, []byte("theirs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, stranger, stranger); err != nil {
		t.Fatal(err)
	}
	before := rotSnap(t, path)
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 10, Backups: 1})
	if err == nil {
		_ = f.Close()
	}
	rotWantRefused(t, err, path, fmt.Sprintf("uid %d", stranger), "refused")
	if after := rotSnap(t, path); after != before {
		t.Fatalf("file changed: %+v, was %+v", after, before)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the refused file", len(entries))
	}
}

// TestRotatingFileRefusesUnsafeFolder: a folder others may write to, or that
// belongs to another user (not root), is refused before anything is created
// in it.
func TestRotatingFileRefusesUnsafeFolder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mode  fs.FileMode
		owner int // -1: leave as is
		why   []string
	}{
		{"world-writable", 0o777, -1, []string{"writable by group or others", "refused"}},
		{"group-writable", 0o770, -1, []string{"writable by group or others", "refused"}},
		{"sticky like /tmp", 0o777 | fs.ModeSticky, -1, []string{"writable by group or others"}},
		{"another user's", 0o755, 12345, []string{"uid 12345", "refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.owner >= 0 && os.Geteuid() != 0 {
				t.Skip("needs root to chown a folder to another user")
			}
			dir := filepath.Join(t.TempDir(), "logs")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.mode); err != nil {
				t.Fatal(err)
			}
			if tc.owner >= 0 {
				if err := os.Chown(dir, tc.owner, tc.owner); err != nil {
					t.Fatal(err)
				}
			}
			f, err := OpenRotatingFile(RotatingFileOptions{Path: filepath.Join(dir, "app.log"), MaxSize: 10})
			if err == nil {
				_ = f.Close()
			}
			rotWantRefused(t, err, dir, tc.why...)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("created %d entries in a refused folder", len(entries))
			}
		})
	}
	t.Run("root's 0755 folder is fine", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "logs")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		f := rotOpen(t, RotatingFileOptions{Path: filepath.Join(dir, "app.log")})
		rotWrite(t, f, []byte("ok\n"))
	})
}

// TestRotatingFileRefusesNonRegular: a FIFO at the path is refused at open
// rather than blocking it.
func TestRotatingFileRefusesNonRegular(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no mkfifo:", err)
	}
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path})
	if err == nil {
		_ = f.Close()
	}
	rotWantRefused(t, err, path, "not a regular file")
}
