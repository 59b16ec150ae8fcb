// This file implements RotatingFile, LogCrest's size-rotated log file. It
// sits on gopkg.in/natefinch/lumberjack.v2 (v2.2.1), which does the renaming
// and reopening, and works around the places where lumberjack falls short:
//
//   - Size. lumberjack's MaxSize counts whole MiB, and anything below 1 MiB
//     silently means 100 MB. Here lumberjack is given a size it never reaches
//     so it never rotates by itself; RotatingFile counts bytes (starting from
//     the size of a file left by a previous run) and calls Rotate, so MaxSize
//     holds to the byte and a record (a line ending in '\n') is never split
//     across two files.
//   - Backup collisions. A backup is named after the rotation time with
//     millisecond precision, and lumberjack renames onto that name without
//     looking, so two rotations in one millisecond replace (lose) a whole
//     file. Before each rotation RotatingFile waits until the wall clock's
//     millisecond differs from the previous rotation's and no file with the
//     name about to be used (or the next millisecond's) exists.
//   - Goroutine leak. Every lumberjack.Logger starts a "mill" goroutine on
//     first use that nothing can stop. One Logger per absolute path lives in a
//     process-wide registry and is reused by every reopen and rebuild, so at
//     most one such goroutine exists per distinct path (see
//     LumberjackMillGoroutine). The mill itself is idle: MaxBackups, MaxAge and
//     Compress are off, and RotatingFile prunes backups synchronously right
//     after each rotation, so what is on disk is known when Write returns.
//   - Write after Close. lumberjack reopens (and recreates) the file on the
//     next Write. RotatingFile.Close is final: a later Write returns ErrClosed
//     and touches nothing on disk.
//   - Permissions. lumberjack creates folders 0755 and gives a new file and
//     its backups the mode of the file it replaces, so a pre-existing 0644 log
//     stays world-readable forever. Here folders RotatingFile creates are
//     0700, and the live file and every backup are chmod'ed to 0600, whatever
//     the process umask.
//   - A file removed or replaced under it. lumberjack keeps writing to the
//     descriptor it holds, so once the file (or its folder) is deleted,
//     renamed away or replaced, every record goes into a file nobody can
//     see, and is counted as written. Before each Write, RotatingFile checks
//     that the path still names the file it has open (one stat per batch)
//     and otherwise reopens it, recreating the folder 0700 if it is gone; if
//     that fails, the Write fails and the records are counted.
//   - Silent side-rotation. When lumberjack cannot open an existing file for
//     appending it renames it aside without any collision check and starts a
//     new one. RotatingFile checks that the file can be appended to first and
//     reports the error instead.

package writers

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// LumberjackMillGoroutine is the name goleak reports for the goroutine every
// lumberjack.Logger starts on first use and that lumberjack gives no way to
// stop. RotatingFile keeps one lumberjack.Logger per absolute path for the
// life of the process (reused by every reopen), so once a path has been
// opened exactly one such goroutine stays for it, by design. Leak tests pass
// goleak.IgnoreTopFunction(LumberjackMillGoroutine). The "%2e" is how the Go
// runtime spells the dot of "lumberjack.v2" in function names.
const LumberjackMillGoroutine = "gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"

const (
	// filePerm is the mode of the live file and of every backup.
	filePerm os.FileMode = 0o600
	// dirPerm is the mode of every folder RotatingFile creates.
	dirPerm os.FileMode = 0o700
	// backupTimeLayout is lumberjack's backup timestamp: UTC, millisecond
	// precision, fixed width, so sorting names sorts backups by time.
	backupTimeLayout = "2006-01-02T15-04-05.000"
	// lumberjackMaxMiB is the MaxSize handed to lumberjack: about 2 PiB, a
	// size it never reaches, so only RotatingFile decides when to rotate. It
	// fits an int on 32-bit platforms and does not overflow once lumberjack
	// multiplies it by 1 MiB.
	lumberjackMaxMiB = math.MaxInt32
	// backupSlotWait bounds the wait for a free backup name.
	backupSlotWait = time.Second
	// backupSlotPoll is the pause between two looks at the clock while
	// waiting for a free backup name.
	backupSlotPoll = 100 * time.Microsecond
	// backupSearch bounds how many milliseconds findBackup looks through.
	backupSearch = 64
)

// RotatingFileOptions configures OpenRotatingFile.
type RotatingFileOptions struct {
	Path    string // file path; its folder is created 0700 if missing
	MaxSize int64  // bytes; a file never exceeds it (see Write); <= 0 means no rotation
	Backups int    // rotated files kept beside Path; 0 keeps none
}

// RotatingFile is an append-only log file that is moved aside (rotated) before
// it would grow past MaxSize bytes. Backups are named like lumberjack's,
// "<name>-<UTC time>.<ext>" beside the live file (app.log rotates to
// app-2006-01-02T15-04-05.000.log), and the newest Backups of them are kept.
//
// It is safe for concurrent use. Several RotatingFiles may be open on the
// same path at once (during a rebuild, say): they share one byte count, one
// lumberjack.Logger and one lock, and each applies its own MaxSize and
// Backups when it writes.
type RotatingFile struct {
	st      *pathState
	maxSize int64
	backups int
	closed  bool // guarded by st.mu
}

// pathState is what every RotatingFile open on one absolute path shares. It
// stays in the registry for the life of the process, so the lumberjack.Logger
// (and its mill goroutine) is created once per path.
type pathState struct {
	path   string // absolute
	dir    string
	prefix string // file name without its extension
	ext    string // extension, with its dot, or ""
	lj     *lumberjack.Logger

	mu     sync.Mutex
	refs   int         // open RotatingFiles on path
	ready  bool        // lj holds an open, healthy file and size is exact
	id     os.FileInfo // identity of the file lj holds, when ready
	torn   bool        // the last failed write stopped inside a record
	size   int64       // bytes in the live file
	lastMs int64       // UTC Unix millisecond of the last rotation
	// backups is how many backups are on disk as far as this process
	// knows, or -1 when unknown (before the first prune after an open);
	// prune reads the folder only when it may hold more than it keeps.
	backups  int
	unsynced []string
	// housekeepingErr is the first backup pruning or chmod failure not yet
	// reported; Sync or Close returns it. Such a failure loses no record, so
	// Write does not report it (its caller would count the records lost).
	housekeepingErr error
}

// registry holds the one pathState (and lumberjack.Logger) of every path
// opened in this process.
var registry struct {
	mu    sync.Mutex
	paths map[string]*pathState
}

// stateFor returns the registry's pathState for abs, creating it on first use.
func stateFor(abs string) *pathState {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if st := registry.paths[abs]; st != nil {
		return st
	}
	if registry.paths == nil {
		registry.paths = make(map[string]*pathState)
	}
	base := filepath.Base(abs)
	ext := filepath.Ext(base)
	st := &pathState{
		path:    abs,
		dir:     filepath.Dir(abs),
		prefix:  base[:len(base)-len(ext)],
		ext:     ext,
		backups: -1,
		lj: &lumberjack.Logger{
			Filename:   abs,
			MaxSize:    lumberjackMaxMiB,
			MaxBackups: 0,
			MaxAge:     0,
			Compress:   false,
			LocalTime:  false,
		},
	}
	registry.paths[abs] = st
	return st
}

// OpenRotatingFile creates the folder of o.Path (0700, if missing) and opens
// the file for appending, creating it if needed, so a path that cannot be
// used fails here rather than at the first Write. The file is made 0600. When
// the file already exists, its size counts toward o.MaxSize. Every call for a
// path reuses the same underlying lumberjack.Logger.
func OpenRotatingFile(o RotatingFileOptions) (*RotatingFile, error) {
	if o.Path == "" {
		return nil, errors.New("logcrest: open log file: empty path")
	}
	if o.Backups < 0 {
		return nil, fmt.Errorf("logcrest: open log file %s: negative Backups %d", o.Path, o.Backups)
	}
	abs, err := filepath.Abs(o.Path)
	if err != nil {
		return nil, fmt.Errorf("logcrest: open log file %s: %w", o.Path, err)
	}
	st := stateFor(abs)
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.ready {
		if err := st.open(); err != nil {
			return nil, err
		}
	}
	st.refs++
	return &RotatingFile{st: st, maxSize: o.MaxSize, backups: o.Backups}, nil
}

// Path returns the absolute path of the live file.
func (f *RotatingFile) Path() string { return f.st.path }

// Write appends p, a batch of whole records each ending in '\n' (a trailing
// fragment without '\n' counts as one record). As much of p as fits under
// MaxSize goes into the live file in one write, cut only after a '\n'; then
// the file is rotated and writing continues in the new one. A record is never
// split across files: a single record longer than MaxSize is written alone
// into a file of its own, which is then the one case where a file exceeds
// MaxSize.
//
// Write returns len(p) on success. On failure it returns how many bytes of p
// were written and the cause, wrapped with %w; the next Write reopens the
// file, so writing resumes once the fault clears. After Close it returns
// ErrClosed and does nothing.
func (f *RotatingFile) Write(p []byte) (int, error) {
	st := f.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if f.closed {
		return 0, ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if st.ready && !st.stillThere() {
		st.ready = false // removed or replaced: reopen (and recreate) below
	}
	if !st.ready {
		if err := st.open(); err != nil {
			return 0, err
		}
	}
	done := 0
	for done < len(p) {
		rest := p[done:]
		n := f.fits(rest)
		if n == 0 {
			if st.size > 0 {
				if err := st.rotate(f.backups); err != nil {
					return done, err
				}
				continue
			}
			// Not even the first record fits in an empty file: it goes alone.
			n = len(rest)
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				n = i + 1
			}
		}
		w, err := st.lj.Write(rest[:n])
		st.size += int64(w)
		done += w
		if err != nil {
			st.ready = false
			st.torn = w > 0 && rest[w-1] != '\n'
			return done, fmt.Errorf("logcrest: write log file %s: %w", st.path, err)
		}
	}
	return done, nil
}

// fits returns how many leading bytes of rest (whole records, or all of rest)
// fit in the live file without passing MaxSize; 0 when not even one does.
func (f *RotatingFile) fits(rest []byte) int {
	if f.maxSize <= 0 {
		return len(rest)
	}
	room := f.maxSize - f.st.size
	if room <= 0 {
		return 0
	}
	if int64(len(rest)) <= room {
		return len(rest)
	}
	return bytes.LastIndexByte(rest[:room], '\n') + 1
}

// Sync commits the live file, and the backups rotated since the last Sync, to
// stable storage; a live file deleted or replaced since the last Write is
// left alone. lumberjack does not expose its *os.File, so each file is
// synced through a descriptor of its own (which flushes the file, not just
// that descriptor, on Linux). Sync also returns, once, a backup pruning or
// chmod failure that Write could not report. After Close it returns ErrClosed.
func (f *RotatingFile) Sync() error {
	st := f.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	var first error
	kept := st.unsynced[:0]
	for _, b := range st.unsynced {
		if err := syncPath(b); err != nil && !errors.Is(err, fs.ErrNotExist) {
			kept = append(kept, b)
			if first == nil {
				first = fmt.Errorf("logcrest: sync log file: %w", err)
			}
		}
	}
	st.unsynced = kept
	// The live file, if the path still names the file written to: one that
	// was deleted or replaced under us has nothing left to commit.
	if st.ready && st.stillThere() {
		if err := syncPath(st.path); err != nil && first == nil {
			first = fmt.Errorf("logcrest: sync log file: %w", err)
		}
	}
	if first == nil {
		first = st.takeHousekeepingErr()
	}
	return first
}

// Close closes the file (once the last RotatingFile open on its path closes)
// and returns a pending backup pruning or chmod failure, if any. It is
// idempotent: later calls return nil. After Close, Write and Sync return
// ErrClosed; nothing is reopened or recreated.
func (f *RotatingFile) Close() error {
	st := f.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	st.refs--
	var err error
	if st.refs == 0 {
		st.ready = false
		if cerr := st.lj.Close(); cerr != nil {
			err = fmt.Errorf("logcrest: close log file %s: %w", st.path, cerr)
		}
	}
	if err == nil {
		err = st.takeHousekeepingErr()
	}
	return err
}

// logger returns the lumberjack.Logger behind f, the registry's for f's path.
func (f *RotatingFile) logger() *lumberjack.Logger { return f.st.lj }

// open (re)opens the live file through lumberjack, with st.mu held, and
// resets the byte count from the file's size.
func (st *pathState) open() error {
	st.ready = false
	_ = st.lj.Close() // drop what lumberjack may still hold; reopened below
	if err := makeDir(st.dir); err != nil {
		return fmt.Errorf("logcrest: open log file %s: create folder: %w", st.path, err)
	}
	var size int64
	info, err := os.Stat(st.path)
	switch {
	case err == nil:
		if !info.Mode().IsRegular() {
			return fmt.Errorf("logcrest: open log file %s: not a regular file", st.path)
		}
		// Tighten before lumberjack opens it: it hands this mode on to the
		// next file and to every backup.
		if err := os.Chmod(st.path, filePerm); err != nil {
			return fmt.Errorf("logcrest: open log file: %w", err)
		}
		// lumberjack renames a file it cannot append to aside, unchecked,
		// and starts another; make sure it can, so that never happens.
		fh, err := os.OpenFile(st.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return fmt.Errorf("logcrest: open log file: %w", err)
		}
		_ = fh.Close()
		size = info.Size()
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("logcrest: open log file: %w", err)
	}
	// An empty write makes lumberjack open (or create) the file now.
	if _, err := st.lj.Write(nil); err != nil {
		return fmt.Errorf("logcrest: open log file %s: %w", st.path, err)
	}
	if err := os.Chmod(st.path, filePerm); err != nil {
		_ = st.lj.Close()
		return fmt.Errorf("logcrest: open log file: %w", err)
	}
	if err := st.remember(); err != nil {
		_ = st.lj.Close()
		return fmt.Errorf("logcrest: open log file: %w", err)
	}
	st.size = size
	if st.torn && size > 0 {
		// A failed write stopped inside a record: end that line so the next
		// record starts on its own.
		if last, err := lastByte(st.path, size); err == nil && last != '\n' {
			n, err := st.lj.Write([]byte{'\n'})
			st.size += int64(n)
			if err != nil {
				return fmt.Errorf("logcrest: write log file %s: %w", st.path, err)
			}
		}
	}
	st.torn = false
	st.backups = -1 // others may have added or removed backups meanwhile
	st.ready = true
	return nil
}

// rotate moves the live file aside through lumberjack, with st.mu held, then
// fixes permissions and prunes backups down to keep.
func (st *pathState) rotate(keep int) error {
	// lumberjack would recreate a vanished folder 0755; do it first, 0700.
	if err := makeDir(st.dir); err != nil {
		st.ready = false
		return fmt.Errorf("logcrest: rotate log file: %w", err)
	}
	start, err := st.waitBackupSlot()
	if err != nil {
		return err
	}
	if err := st.lj.Rotate(); err != nil {
		st.ready = false
		return fmt.Errorf("logcrest: rotate log file %s: %w", st.path, err)
	}
	end := time.Now()
	st.lastMs = end.UnixMilli()
	st.size = 0
	// The new file was given the old one's mode, minus the umask; make sure.
	if err := os.Chmod(st.path, filePerm); err != nil {
		st.ready = false
		return fmt.Errorf("logcrest: rotate log file: %w", err)
	}
	if err := st.remember(); err != nil {
		st.ready = false
		return fmt.Errorf("logcrest: rotate log file: %w", err)
	}
	if b := st.findBackup(start, end); b != "" {
		if err := os.Chmod(b, filePerm); err != nil {
			st.noteHousekeeping(err)
		}
		st.unsynced = append(st.unsynced, b)
		if st.backups >= 0 {
			st.backups++
		}
	}
	st.prune(keep)
	return nil
}

// remember records the identity of the file now at st.path, the one lj has
// just opened.
func (st *pathState) remember() error {
	info, err := os.Stat(st.path)
	if err != nil {
		return err
	}
	st.id = info
	return nil
}

// stillThere reports whether st.path still names the file lj has open: not
// deleted, renamed away, or replaced (itself or a folder above it).
func (st *pathState) stillThere() bool {
	info, err := os.Stat(st.path)
	return err == nil && st.id != nil && os.SameFile(info, st.id)
}

// waitBackupSlot waits (briefly: a millisecond at most, normally) until the
// wall clock's UTC millisecond differs from the last rotation's and neither
// the backup name for this millisecond nor the next one's is taken, so the
// name lumberjack picks an instant later cannot overwrite a backup. It
// returns the time it found a free slot.
func (st *pathState) waitBackupSlot() (time.Time, error) {
	deadline := time.Now().Add(backupSlotWait)
	for {
		now := time.Now()
		ms := now.UnixMilli()
		if ms != st.lastMs && st.backupFree(ms) && st.backupFree(ms+1) {
			return now, nil
		}
		if now.After(deadline) {
			return time.Time{}, fmt.Errorf("logcrest: rotate log file %s: no free backup name after %v", st.path, backupSlotWait)
		}
		time.Sleep(backupSlotPoll)
	}
}

// backupName returns the backup path lumberjack uses for a rotation at
// UTC Unix millisecond ms.
func (st *pathState) backupName(ms int64) string {
	ts := time.UnixMilli(ms).UTC().Format(backupTimeLayout)
	return filepath.Join(st.dir, st.prefix+"-"+ts+st.ext)
}

// backupFree reports whether no file has the backup name for millisecond ms.
func (st *pathState) backupFree(ms int64) bool {
	_, err := os.Lstat(st.backupName(ms))
	return errors.Is(err, fs.ErrNotExist)
}

// findBackup returns the backup a rotation between start and end created, or
// "" if there is none (the live file had vanished, so nothing was renamed).
// waitBackupSlot made sure the first two names were free before the rotation.
func (st *pathState) findBackup(start, end time.Time) string {
	from, to := start.UnixMilli(), end.UnixMilli()
	for ms := from; ms <= to && ms < from+backupSearch; ms++ {
		name := st.backupName(ms)
		if _, err := os.Lstat(name); err == nil {
			return name
		}
	}
	return ""
}

// isBackup reports whether name (a base name) is a backup of st's file:
// "<prefix>-<timestamp><ext>".
func (st *pathState) isBackup(name string) bool {
	head := st.prefix + "-"
	if len(name) != len(head)+len(backupTimeLayout)+len(st.ext) ||
		!strings.HasPrefix(name, head) || !strings.HasSuffix(name, st.ext) {
		return false
	}
	_, err := time.Parse(backupTimeLayout, name[len(head):len(name)-len(st.ext)])
	return err == nil
}

// prune removes the oldest backups beyond keep (all of them when keep is 0).
// Failures are kept for Sync or Close to report; the next rotation retries.
// The folder is read only when the known count of backups passes keep (or
// is unknown), so a large keep does not make every rotation read a folder of
// thousands of files.
func (st *pathState) prune(keep int) {
	if st.backups >= 0 && st.backups <= keep {
		return
	}
	st.backups = -1
	entries, err := os.ReadDir(st.dir) // sorted by name, so by backup time
	if err != nil {
		st.noteHousekeeping(err)
		return
	}
	var backups []string
	for _, e := range entries {
		if e.Type().IsRegular() && st.isBackup(e.Name()) {
			backups = append(backups, filepath.Join(st.dir, e.Name()))
		}
	}
	if len(backups) <= keep {
		st.backups = len(backups)
		return
	}
	removed := make(map[string]bool)
	failed := false
	for _, b := range backups[:len(backups)-keep] {
		if err := os.Remove(b); err != nil && !errors.Is(err, fs.ErrNotExist) {
			st.noteHousekeeping(err)
			failed = true
			continue
		}
		removed[b] = true
	}
	if !failed {
		st.backups = keep
	}
	kept := st.unsynced[:0]
	for _, b := range st.unsynced {
		if !removed[b] {
			kept = append(kept, b)
		}
	}
	st.unsynced = kept
}

// noteHousekeeping remembers the first pruning or chmod failure.
func (st *pathState) noteHousekeeping(err error) {
	if st.housekeepingErr == nil {
		st.housekeepingErr = fmt.Errorf("logcrest: backups of %s: %w", st.path, err)
	}
}

// takeHousekeepingErr returns the pending housekeeping failure and forgets it.
func (st *pathState) takeHousekeepingErr() error {
	err := st.housekeepingErr
	st.housekeepingErr = nil
	return err
}

// makeDir creates dir and its missing parents, and makes exactly the folders
// it created 0700 (MkdirAll's mode is filtered by the umask; folders that
// already existed keep theirs).
func makeDir(dir string) error {
	var missing []string
	for d := dir; ; {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return err
	}
	for _, d := range missing {
		if err := os.Chmod(d, dirPerm); err != nil {
			return err
		}
	}
	return nil
}

// syncPath flushes the file at path to stable storage without creating it.
func syncPath(path string) error {
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = fh.Sync()
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// lastByte returns the byte at offset size-1 of the file at path.
func lastByte(path string, size int64) (byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	var b [1]byte
	if _, err := fh.ReadAt(b[:], size-1); err != nil {
		return 0, err
	}
	return b[0], nil
}
