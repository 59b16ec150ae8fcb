//go:build unix

package writers

// Unix parts of RotatingFile: symlinks are refused by the kernel at open
// (O_NOFOLLOW), and files and folders are checked for ownership, the way
// OpenSSH's StrictModes checks a user's key files. RotatingFile never chowns:
// a file it writes is created by, so owned by, the process's user.

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/logcrest/logcrest/internal/fsync"
)

// noFollow makes an open fail on a symlink instead of following it.
const noFollow = syscall.O_NOFOLLOW

// checkOwner refuses a file owned by another user than the process's
// effective user: another user could read it, or swap it.
func checkOwner(path string, info fs.FileInfo) error {
	uid, ok := ownerOf(info)
	if !ok || uid == os.Geteuid() {
		return nil
	}
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf(
		"owned by uid %d, not by this process's user (uid %d); refused", uid, os.Geteuid())}
}

// checkDir refuses a folder that group or others may write to (they could
// remove, rename or replace the logs), or that belongs to another user than
// the process's or root. A folder RotatingFile creates is 0700 (0750 with
// GroupReadable), so passes.
func checkDir(dir string, info fs.FileInfo) error {
	if perm := info.Mode().Perm(); perm&0o022 != 0 {
		return &fs.PathError{Op: "check folder", Path: dir, Err: fmt.Errorf(
			"writable by group or others (mode %#o); refused: make it 0700 or 0755", perm)}
	}
	uid, ok := ownerOf(info)
	if ok && uid != 0 && uid != os.Geteuid() {
		return &fs.PathError{Op: "check folder", Path: dir, Err: fmt.Errorf(
			"owned by uid %d, not by this process's user (uid %d) or root; refused", uid, os.Geteuid())}
	}
	return nil
}

// ownerOf returns the uid owning the file info describes.
func ownerOf(info fs.FileInfo) (int, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// lstatSame reports whether path, not followed, names the file id
// describes (same device and inode), and if so that file's size. It is the
// per-batch check of the live file (and the lock file's, now and then), so
// it makes the one lstat into a Stat_t on the stack: no FileInfo is
// allocated, only the path's C string.
func lstatSame(path string, id fs.FileInfo) (size int64, same bool) {
	want, ok := id.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	var st syscall.Stat_t
	for {
		err := syscall.Lstat(path, &st)
		if err == nil {
			break
		}
		if err != syscall.EINTR {
			return 0, false
		}
	}
	if st.Dev != want.Dev || st.Ino != want.Ino {
		return 0, false
	}
	return st.Size, true
}

// syncDir commits the entries of the folder dir (a rename, a removal) to
// stable storage.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = fsync.File(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
