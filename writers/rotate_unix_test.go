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
// 0644 file is tightened. With GroupReadable the folders are 0750 and the
// live file and backups 0640 (the pre-existing one tightened to 0640, not
// 0600); the lock file stays 0600.
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
	for _, m := range []struct {
		name          string
		groupReadable bool
		file, dir     fs.FileMode
	}{
		{"private", false, 0o600, 0o700},
		{"group-readable", true, 0o640, 0o750},
	} {
		for _, tc := range []struct {
			name     string
			existing bool // a 0644 file with content is there before open
		}{
			{"new file in new folders", false},
			{"pre-existing 0644 file", true},
		} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
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
					if got := mode(t, path); got != 0o644 {
						t.Fatalf("setup: mode %o, want 644", got)
					}
				}
				f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 10, GroupReadable: m.groupReadable})
				if got := mode(t, path); got != m.file {
					t.Errorf("after open: file mode %o, want %o", got, m.file)
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
				for _, name := range rotFiles(t, path) {
					if got := mode(t, name); got != m.file {
						t.Errorf("%s: mode %o, want %o", filepath.Base(name), got, m.file)
					}
				}
				lock := filepath.Join(dir, ".app.log.lock")
				if got := mode(t, lock); got != 0o600 {
					t.Errorf("lock file: mode %o, want 600 (whoever can open it can hold the lock)", got)
				}
				if tc.existing {
					if got := rotRead(t, backups[0]); got != "old-run\n" {
						t.Errorf("oldest backup = %q, want the previous run's file", got)
					}
				} else {
					for _, d := range []string{filepath.Join(root, "a"), dir} {
						if got := mode(t, d); got != m.dir {
							t.Errorf("created folder %s: mode %o, want %o", d, got, m.dir)
						}
					}
				}
				if got := mode(t, root); got != 0o755 {
					t.Errorf("pre-existing folder mode changed to %o", got)
				}
			})
		}
	}
}

// TestRotatingFileGroupReadableCompressed: with GroupReadable and Compress,
// under umask 0, every compressed backup is 0640 like the backup it
// replaced, and a backup an earlier private run left (0600) stays 0600 once
// compressed: making logs group-readable never widens old ones.
func TestRotatingFileGroupReadableCompressed(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	dir := filepath.Join(t.TempDir(), "logs")
	path := filepath.Join(dir, "app.log")
	private, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 64, Backups: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		rotWrite(t, private, zLine(i))
	}
	if err := private.Close(); err != nil {
		t.Fatal(err)
	}
	earlier := rotBackups(t, path)
	if len(earlier) == 0 {
		t.Fatal("the private run made no backup")
	}

	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 64, Backups: 100, Compress: true, GroupReadable: true})
	for i := 3; i < 40; i++ {
		rotWrite(t, f, zLine(i))
	}
	zWaitCompressed(t, path)
	z := zList(t, path)
	if len(z.gz) < 10 {
		t.Fatalf("only %d compressed backups", len(z.gz))
	}
	for _, gz := range z.gz {
		want := fs.FileMode(0o640)
		for _, e := range earlier {
			if gz == e+".gz" {
				want = 0o600
			}
		}
		info, err := os.Lstat(gz)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(gz), got, want)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("live file: %v, %v; want mode 640", info, err)
	}
}

// TestRotatingFileModesFollowTheWriter: RotatingFiles of one process open
// on one path share the live file, and each applies its own mode when it
// writes, as it does its MaxSize: opening a group-readable one on a path a
// private one has open makes the live file 0640 at once, without waiting
// for a rotation (a pipeline reconfigured to WithGroupReadable relies on
// it), and a write by the private one makes it 0600 again.
func TestRotatingFileModesFollowTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	mode := func() fs.FileMode {
		t.Helper()
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info.Mode().Perm()
	}
	private := rotOpen(t, RotatingFileOptions{Path: path})
	rotWrite(t, private, []byte("one\n"))
	if got := mode(); got != 0o600 {
		t.Fatalf("private: mode %o", got)
	}
	group := rotOpen(t, RotatingFileOptions{Path: path, GroupReadable: true})
	if got := mode(); got != 0o640 {
		t.Errorf("after opening a group-readable one: mode %o, want 640", got)
	}
	rotWrite(t, private, []byte("two\n"))
	if got := mode(); got != 0o600 {
		t.Errorf("after the private one wrote: mode %o, want 600", got)
	}
	rotWrite(t, group, []byte("three\n"))
	if got := mode(); got != 0o640 {
		t.Errorf("after the group-readable one wrote: mode %o, want 640", got)
	}
	if got := rotRead(t, path); got != "one\ntwo\nthree\n" {
		t.Errorf("file = %q", got)
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
		for _, group := range []bool{false, true} {
			name := tc.name
			if group {
				name += "/group-readable" // readable by the group is fine, writable is not
			}
			t.Run(name, func(t *testing.T) {
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
				f, err := OpenRotatingFile(RotatingFileOptions{Path: filepath.Join(dir, "app.log"), MaxSize: 10, GroupReadable: group})
				if err == nil {
					_ = f.Close()
				}
				rotWantRefused(t, err, dir, tc.why...)
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("created %d entries in a refused folder", len(entries))
				}
			})
		}
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
