//go:build !unix

package writers

// Non-unix parts of RotatingFile (Windows, Plan 9, wasm). There is no
// O_NOFOLLOW: a symlink at the log path is refused by the Lstat that comes
// before every open, which leaves a narrow window for a swap between the two.
// There are no POSIX owners or modes to check, so files and folders are not
// checked for ownership; the folder's ACLs are the administrator's business.

import (
	"io/fs"
	"os"
)

// noFollow is 0: the open flag does not exist here.
const noFollow = 0

// checkOwner does nothing: there is no POSIX owner to compare.
func checkOwner(path string, info fs.FileInfo) error { return nil }

// checkDir does nothing: there are no POSIX owner and mode to check.
func checkDir(dir string, info fs.FileInfo) error { return nil }

// syncDir does nothing: a folder cannot be flushed here (on Windows,
// FlushFileBuffers refuses a folder handle); the file system's own journal
// orders the rename and the removal after it.
func syncDir(dir string) error { return nil }

// lstatSame reports whether path, not followed, names the file id
// describes, and if so that file's size: one Lstat.
func lstatSame(path string, id fs.FileInfo) (size int64, same bool) {
	info, err := os.Lstat(path)
	if err != nil || !os.SameFile(info, id) {
		return 0, false
	}
	return info.Size(), true
}
