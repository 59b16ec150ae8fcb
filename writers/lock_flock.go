//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package writers

// The lock RotatingFiles share across processes, where flock(2) exists: an
// exclusive flock on ".<name>.lock" beside the live file, taken for each
// Write batch (and the rotation and prune in it) and released at its end.
//
// The lock file may be removed under us (its folder deleted, or the last
// RotatingFile of another process closing), and a flock on a removed file
// excludes nobody. So after every flock the locked file is checked (one
// fstat of its descriptor: a removed file has no links) to still be the
// lock file; if not, the lock is dropped and taken again on the file now at
// the path. The same check makes it safe for the last user of a path to
// remove the lock file on Close, while holding the lock.

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// lockAttempts bounds how often lock retries when the lock file keeps being
// replaced between open and flock.
const lockAttempts = 8

// fileLock is a lock file and, while held, its exclusive flock.
type fileLock struct {
	dir  string // folder of the live file and of the lock file
	path string
	f    *os.File // open lock file, or nil
	fd   int      // f's descriptor
}

// newFileLock returns the lock of the file named base in dir; nothing is
// opened yet.
func newFileLock(dir, base string) fileLock {
	return fileLock{dir: dir, path: filepath.Join(dir, "."+base+".lock")}
}

// lock takes the exclusive lock, creating the folder (with mode dirPerm,
// 0700 or 0750) and the lock file (0600) if needed.
func (l *fileLock) lock(dirPerm os.FileMode) error {
	for range lockAttempts {
		if l.f == nil {
			if err := l.open(dirPerm); err != nil {
				return err
			}
		}
		if err := flock(l.fd, syscall.LOCK_EX); err != nil {
			l.drop()
			return &fs.PathError{Op: "flock", Path: l.path, Err: err}
		}
		if l.current() {
			return nil
		}
		l.drop() // closing the descriptor releases the lock
	}
	return &fs.PathError{Op: "flock", Path: l.path, Err: errors.New("lock file keeps being replaced")}
}

// unlock releases the lock taken by lock.
func (l *fileLock) unlock() {
	if l.f != nil && flock(l.fd, syscall.LOCK_UN) != nil {
		l.drop()
	}
}

// close removes the lock file, under the lock, and closes it: the last
// RotatingFile of the path in this process is closing. Another process that
// has the file open notices the removal when it next takes the lock.
func (l *fileLock) close() {
	if l.f == nil {
		return
	}
	if flock(l.fd, syscall.LOCK_EX) == nil && l.current() {
		_ = os.Remove(l.path)
	}
	l.drop()
}

// open opens (or creates) the lock file. It is 0600 whether the logs are
// group-readable or not: flock(2) needs nothing but an open descriptor, so
// anyone who can open the lock file can take, and hold, the writers' lock.
// It is opened for writing too: it holds the newest backup's name time
// and the live file's start (shared).
func (l *fileLock) open(dirPerm os.FileMode) error {
	if err := prepareDir(l.dir, dirPerm); err != nil {
		return err
	}
	f, _, err := openPrivate(l.path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return err
	}
	l.f, l.fd = f, int(f.Fd())
	return nil
}

// current reports whether the locked file is still the lock file at its
// path. Nobody renames a lock file: it is only ever removed (its folder
// deleted, or the last RotatingFile of a process closing), and a file that
// was removed has no links left, so one fstat of the open descriptor tells,
// without looking the path up. A lock file created at the path since then
// is what lock opens next.
func (l *fileLock) current() bool {
	var st syscall.Stat_t
	for {
		err := syscall.Fstat(l.fd, &st)
		if err == nil {
			return st.Nlink > 0
		}
		if err != syscall.EINTR {
			return false
		}
	}
}

// drop closes the lock file, which releases the lock if held.
func (l *fileLock) drop() {
	if l.f != nil {
		_ = l.f.Close()
		l.f, l.fd = nil, -1
	}
}

// flock applies how (LOCK_EX, LOCK_UN) to fd, retrying when interrupted.
func flock(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if err != syscall.EINTR {
			return err
		}
	}
}

// openFilesMovable says that a file may be renamed or removed while open
// here, so the compressor keeps its files open (and its claim held) until
// its work is in place.
const openFilesMovable = true

// tryLockFile takes an exclusive flock on f without waiting: false, nil when
// another descriptor holds one. The compressor locks the ".gz.tmp" file it
// writes for as long as it writes it, so a lock that can be taken means
// that nobody does: the file was left by a crash.
func tryLockFile(f *os.File) (bool, error) {
	err := flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		return false, nil
	}
	return false, &fs.PathError{Op: "flock", Path: f.Name(), Err: err}
}

// shared returns what the lock file records for every process: newest,
// the UTC Unix millisecond of the newest backup name given, and start, the
// UTC Unix millisecond the live file was started at (made by a rotation,
// or first written to; RotateEvery goes by it). They are two lines of
// decimal digits, newest first; either is 0 when not recorded (a new lock
// file, or one an older version made, which holds the first line alone).
// Called with the lock held.
func (l *fileLock) shared() (newest, start int64) {
	if l.f == nil {
		return 0, 0
	}
	var buf [48]byte
	n, _ := l.f.ReadAt(buf[:], 0)
	first, rest, ok := bytes.Cut(buf[:n], []byte{'\n'})
	if !ok {
		return 0, 0
	}
	newest = parseMs(first)
	if second, _, ok := bytes.Cut(rest, []byte{'\n'}); ok {
		start = parseMs(second)
	}
	return newest, start
}

// parseMs parses a non-negative decimal millisecond; 0 when it is not one.
func parseMs(digits []byte) int64 {
	ms, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil || ms < 0 {
		return 0
	}
	return ms
}

// setShared records newest and start (see shared) in the lock file, for
// every process. Called with the lock held.
func (l *fileLock) setShared(newest, start int64) error {
	if l.f == nil {
		return nil
	}
	var buf [48]byte
	line := append(strconv.AppendInt(buf[:0], newest, 10), '\n')
	line = append(strconv.AppendInt(line, start, 10), '\n')
	if _, err := l.f.WriteAt(line, 0); err != nil {
		return &fs.PathError{Op: "write", Path: l.path, Err: err}
	}
	return nil
}
