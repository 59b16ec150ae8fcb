//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd)

package writers

// Where flock(2) does not exist (Windows, Solaris, AIX, Plan 9, wasm),
// RotatingFile falls back to an in-process lock only: the mutex of the path's
// shared state serializes every RotatingFile of this process on one path, but
// two processes writing the same path are not coordinated, and may interleave
// records or rotate over each other. No lock file is created.

import "os"

// fileLock is a no-op where there is no cross-process lock; it only keeps
// the newest backup's name time and the live file's start, for this
// process.
type fileLock struct{ newest, start int64 }

// newFileLock returns the no-op lock.
func newFileLock(dir, base string) fileLock { return fileLock{} }

// lock does nothing: the caller already holds the in-process lock.
func (l *fileLock) lock(dirPerm os.FileMode) error { return nil }

// unlock does nothing.
func (l *fileLock) unlock() {}

// close does nothing.
func (l *fileLock) close() {}

// shared returns the newest backup name time and the live file's start
// recorded by setShared, or 0s.
func (l *fileLock) shared() (newest, start int64) { return l.newest, l.start }

// setShared records the newest backup's name time and the live file's start.
func (l *fileLock) setShared(newest, start int64) error {
	l.newest, l.start = newest, start
	return nil
}

// openFilesMovable is false: Windows cannot rename or remove a file that Go
// holds open, so the compressor closes its files first.
const openFilesMovable = false

// tryLockFile always succeeds: several processes are not coordinated here,
// and within the process claimTmp keeps compressors off each other's
// ".gz.tmp", so one that exists and is not claimed was left by a crash.
func tryLockFile(f *os.File) (bool, error) { return true, nil }
