// This file implements RotatingFile, LogCrest's size-rotated log file. It
// owns its file handling: open, append, rotate, prune, compress, all in this
// package, with no helper library, and no background goroutine but the
// compressor's, which runs only while there are backups to compress and is
// stopped by Close.
//
// It used to sit on gopkg.in/natefinch/lumberjack.v2, with a layer of
// workarounds (exact byte counting, waiting for free backup names, chmod after
// every step). Reproduced failures that layer could not fix, because they sit
// inside lumberjack, made us drop it:
//
//   - Two processes writing one path lost records. lumberjack opens the file
//     after a rotation with O_TRUNC and without O_APPEND, and every process
//     keeps its own byte count, so one process truncated or overwrote what
//     the other had written, silently.
//   - A half-written last line left by a previous run (a crash, a full disk)
//     swallowed the new run's first record: it was appended to the fragment,
//     and neither parsed.
//   - Backups were named after the wall clock and pruned by the timestamp in
//     their name. After the clock stepped back, the newest backup had the
//     oldest name, so every rotation deleted the backup it had just made.
//     (Pruning by modification time, tried next, fails the same way: the
//     modification time comes from the same clock.)
//   - A symlink at the log path was followed: lumberjack opened, chmod'ed and
//     renamed whatever it pointed at.
//   - A pre-existing file, or the folder holding it, could belong to another
//     user, who could then read or swap the "private" logs; lumberjack even
//     chowns each new file to the owner of the one it replaces.
//   - lumberjack starts a "mill" goroutine per Logger that nothing stops, and
//     the registry that bounded them held every path ever opened: a process
//     that logged into 1,000 folders kept 3,000 goroutines for good.
//
// The design:
//
//   - One pathState per absolute path is shared by every RotatingFile open
//     on it in this process; it holds the live file's descriptor and is
//     dropped from the registry (its files closed, its lock file removed)
//     when the last of them closes.
//   - The live file is opened O_WRONLY|O_APPEND|O_CREATE, never O_TRUNC, and
//     never through a symlink (O_NOFOLLOW where the system has it, and an
//     Lstat before every open everywhere). Its mode is set to 0600 (0640
//     with GroupReadable) through the descriptor (fchmod), never by path,
//     and only on a file this process owns (it never chowns); folders
//     created on the way are 0700 (0750), whatever the umask. On unix a file
//     owned by another user, or a folder group or others may write to or
//     that belongs to another user than this process's or root, is refused,
//     like OpenSSH's StrictModes (rotate_unix.go). The lock file is 0600
//     either way: a descriptor open for reading is all flock(2) needs, so
//     a reader of the lock file could hold the writers' lock.
//   - Each Write batch runs under an exclusive lock shared with other
//     processes (flock(2) on ".<name>.lock" beside the live file, see
//     lock_flock.go), held only for that batch and the rotations and prunes
//     in it, not for the life of the process. Under it, one Lstat tells
//     whether the path still names the open file (otherwise it is reopened:
//     removed, replaced, or rotated by another process) and, since it is
//     then the same inode as the descriptor's, gives the file's current
//     size, which counts what other processes appended: no separate fstat.
//     Then the batch is written, rotating before a record would pass
//     MaxSize. Per batch that is flock, an fstat of the lock file (not
//     removed since it was opened?), the lstat of the live file, the write,
//     and the unlock; no path lookup but the live file's, no allocation but
//     its C string, and nothing per record.
//   - A file opened with a non-empty last line that does not end in '\n'
//     (left by a crash, a full disk, or a failed write of ours) gets a '\n'
//     first, under the lock, so the next record starts a line of its own.
//     So does a file that grew under another writer since this process last
//     wrote (the size the lstat gives is not the one this process left):
//     that writer may have been killed in the middle of its append. The
//     check costs one pread, and only when someone else wrote.
//   - A rotation renames the live file to a backup name that does not exist
//     yet (checked under the lock) and comes after every existing backup's
//     name, then opens a new live file. The newest name given is kept in
//     the lock file, for every process.
//   - Backups are pruned in name order, which is the order they were made
//     in whatever the clock did, newest kept: beyond Backups of them, and
//     those whose name time is older than MaxAge. The folder is read (names
//     only, no stat) after an open; after that the list of backups is kept
//     up to date in memory, and read again, once another process has
//     rotated, only once every entries/64 rotations, so a rotation does not
//     read a folder of thousands of files (rotate_backup.go).
//   - With Compress, each backup is gzipped to "<backup>.gz" off the logging
//     path, by one goroutine per path that runs while there is work and
//     that the last Close stops, waiting a bounded time; the .gz keeps the
//     backup's modification time, so it is pruned like the backup it
//     replaces. See rotate_compress.go for the crash-safe steps and how two
//     processes avoid compressing one backup twice.
//   - On systems without flock (Windows, Solaris, AIX, Plan 9, wasm) the
//     lock is in-process only: several RotatingFiles of one process share a
//     path safely, several processes do not. On systems without POSIX owners
//     (everything but unix) there is no ownership check. See lock_none.go and
//     rotate_other.go.

package writers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/logcrest/logcrest/internal/fsync"
)

const (
	// filePerm is the mode of the live file and of every backup, and
	// always that of the lock file and of a compressed backup being written.
	filePerm os.FileMode = 0o600
	// dirPerm is the mode of every folder RotatingFile creates.
	dirPerm os.FileMode = 0o700
	// groupFilePerm and groupDirPerm replace them with GroupReadable.
	groupFilePerm os.FileMode = 0o640
	groupDirPerm  os.FileMode = 0o750
)

// modes are the permissions a RotatingFile gives the live file (and so its
// backups, which are the live file renamed) and the folders it creates.
type modes struct {
	file, dir os.FileMode
}

// modesFor returns the modes of RotatingFileOptions.GroupReadable.
func modesFor(groupReadable bool) modes {
	if groupReadable {
		return modes{groupFilePerm, groupDirPerm}
	}
	return modes{filePerm, dirPerm}
}

// errSymlink is the cause given when a log or lock file path is a symlink.
var errSymlink = errors.New("is a symlink; refused (a log file is never followed through a link)")

// DefaultMaxSize is the MaxSize a RotatingFileOptions left at 0 gets:
// 100 MiB, lumberjack's default (its MaxSize 0 means 100 megabytes).
const DefaultMaxSize = 100 << 20

// NoRotation, as RotatingFileOptions.MaxSize, means the file is never
// rotated and grows without limit. It must be asked for: MaxSize 0 means
// DefaultMaxSize.
const NoRotation = -1

// NoBackups, as RotatingFileOptions.Backups, means no backup is kept: the
// file is rotated and its old content removed at once. It must be asked
// for: Backups 0 keeps every backup, as lumberjack's MaxBackups 0 does.
const NoBackups = -1

// RotatingFileOptions configures OpenRotatingFile. Its zero values mean
// what lumberjack's do, so that a field left unset never removes every
// backup nor lets a file grow forever: MaxSize 0 is DefaultMaxSize (100
// MiB), Backups 0 keeps every backup, MaxAge 0 removes none by age. "Never
// rotate" and "keep no backup" are NoRotation and NoBackups.
type RotatingFileOptions struct {
	Path string // file path; its folder is created 0700 (0750 with GroupReadable) if missing
	// MaxSize is the size in bytes (not megabytes, unlike lumberjack) a
	// file never exceeds (see Write): 0 means DefaultMaxSize, NoRotation
	// means no rotation; any other negative value is refused.
	MaxSize int64
	// Backups is how many rotated files are kept beside Path, the newest
	// (see RotatingFile): 0 keeps all of them, NoBackups none; any other
	// negative value is refused.
	Backups int
	// MaxAge removes, at each rotation, the backups whose name time (when
	// they were made, see RotatingFile) is longer ago than it, on top of
	// the Backups limit; 0 means no age limit. A backup named in the
	// future, after the clock was stepped back, is kept until the clock
	// has passed its name by MaxAge.
	MaxAge time.Duration
	// Compress gzips each backup to "<backup>.gz" (lumberjack's name, e.g.
	// app-2006-01-02T15-04-05.000.log.gz) in the background, then removes
	// the uncompressed one; backups a previous run left uncompressed, or
	// half compressed, are done after the open. Compressed backups count
	// toward Backups and MaxAge like the others.
	Compress bool
	// GroupReadable makes the live file and its backups 0640 instead of
	// 0600, and the folders created on the way to Path 0750 instead of
	// 0700, so that a log shipper running as another user of the
	// process's group can read them. A compressed backup takes the mode of
	// the backup it replaces. Folders that group or others may write to
	// are still refused, and the lock file stays 0600.
	GroupReadable bool
	// RotateEvery rotates the file by time as well as by size: at the
	// first Write after each boundary (every hour on the hour, or every
	// day at midnight, in RotateZone), the live file is moved aside if it
	// holds records of an earlier period. time.Hour and 24 * time.Hour are
	// the values taken; 0 (the default) rotates by size alone; anything
	// else is refused. The backup is named after the boundary that ended
	// its period (see rotate_time.go and the package documentation), and
	// is kept, pruned and compressed like any other. MaxSize still applies
	// within a period.
	RotateEvery time.Duration
	// RotateZone is the time zone of RotateEvery's boundaries: nil means
	// UTC, time.Local the machine's zone (a day then ends at local
	// midnight, whatever the daylight saving time). Backup names stay in
	// UTC either way.
	RotateZone *time.Location
	// Warn receives, without prefix or newline, the rare one-line warning
	// about something that loses no record but needs a look (so far: the
	// backups are named in the future, the clock was stepped back). nil
	// writes it to standard error as "logcrest: warning: <message>".
	Warn func(msg string)
}

// RotatingFile is an append-only log file that is moved aside (rotated) before
// it would grow past MaxSize bytes. Backups are named like lumberjack's,
// "<name>-<UTC time>.<ext>" beside the live file (app.log rotates to
// app-2006-01-02T15-04-05.000.log), and the newest Backups of them are
// kept. Newest by name: a new backup's name is always after every existing
// one's (the current time, or 1 ms after the newest name if that is later,
// as after the clock was stepped back), so the order of the names is the
// order the backups were made in, whatever the clock did; see the package
// documentation.
//
// It is safe for concurrent use. Several RotatingFiles may be open on the
// same path at once, in one process (they share one descriptor, one lock and
// one compressor, and each applies its own MaxSize, Backups, MaxAge,
// Compress and GroupReadable when it writes: the live file takes the mode
// of the last one that opened it or wrote) or, where flock(2) exists, in
// several processes (they take turns under a lock file beside the live
// file).
type RotatingFile struct {
	st       *pathState
	maxSize  int64 // bytes; 0 for no rotation
	backups  int   // backups kept; keepAll for every one
	maxAge   time.Duration
	compress bool
	every    time.Duration  // RotateEvery: 0, time.Hour or 24h
	zone     *time.Location // RotateZone, never nil
	modes    modes
	warn     func(string)
	closed   bool // guarded by st.mu
}

// pathState is what every RotatingFile open on one absolute path in this
// process shares. It lives in the registry while at least one is open.
type pathState struct {
	path   string // absolute
	dir    string
	prefix string // file name without its extension
	ext    string // extension, with its dot, or ""
	refs   int    // open RotatingFiles on path; guarded by registry.mu

	mu   sync.Mutex // guards what follows, and RotatingFile.closed
	lk   fileLock   // the lock shared with other processes
	f    *os.File   // the live file, or nil until (re)opened
	id   fs.FileInfo
	size int64 // bytes in the live file, as of the last look under the lock
	// modes are those of the RotatingFile that last wrote (or opened):
	// each applies its own, like MaxSize. liveMode is the mode this
	// process gave the live file.
	modes    modes
	liveMode os.FileMode
	// newest is the UTC Unix millisecond in the name of the newest backup
	// known (made here, read in the folder or in the lock file): the next
	// backup is named after it (rotate_backup.go).
	newest       int64
	warnedFuture bool // the warning about backups named in the future was given
	// backups lists the backups on disk, oldest first, when listed is set:
	// the folder is read at the first rotation after an open, then the
	// list is kept up to date. stale says another process has rotated
	// since it was read (backups may be missing from it); listedEntries is
	// how many entries the folder had then, sinceList the rotations made
	// here since: rotate_backup.go reads a stale list again only once
	// every listedEntries/relistRatio rotations.
	listed        bool
	stale         bool
	listedEntries int
	sinceList     int
	backups       []backupFile
	unsynced      []string // backups made since the last Sync
	// dirDirty says the folder has entries not yet synced: the live file
	// (re)opened, perhaps created, or a backup renamed since the last Sync.
	dirDirty bool
	// housekeepingErr is the first backup pruning, compression or close
	// failure not yet reported; Sync or Close returns it. Such a failure
	// loses no record, so Write does not report it (its caller would count
	// the records lost).
	housekeepingErr error

	z compressor // the background compression of backups (rotate_compress.go)
}

// registry holds the pathState of every path open in this process.
var registry struct {
	mu    sync.Mutex
	paths map[string]*pathState
}

// acquireState returns the registry's pathState for abs, creating it if
// needed, and counts one more user of it.
func acquireState(abs string) *pathState {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	st := registry.paths[abs]
	if st == nil {
		if registry.paths == nil {
			registry.paths = make(map[string]*pathState)
		}
		st = newPathState(abs)
		registry.paths[abs] = st
	}
	st.refs++
	return st
}

// releaseState counts one user of st less and drops st from the registry
// when that was the last; it reports whether it was.
func releaseState(st *pathState) bool {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	st.refs--
	if st.refs > 0 {
		return false
	}
	if registry.paths[st.path] == st {
		delete(registry.paths, st.path)
	}
	return true
}

// newPathState returns the state of the absolute path abs, nothing open yet.
func newPathState(abs string) *pathState {
	dir, base := filepath.Split(abs)
	dir = filepath.Clean(dir)
	ext := filepath.Ext(base)
	return &pathState{
		path:   abs,
		dir:    dir,
		prefix: base[:len(base)-len(ext)],
		ext:    ext,
		lk:     newFileLock(dir, base),
	}
}

// OpenRotatingFile creates the folder of o.Path (0700, or 0750 with
// o.GroupReadable, if missing) and opens the file for appending, creating
// it if needed, so a path that cannot be used fails here rather than at the
// first Write. It refuses a path that is a symlink, and (on unix) a file
// owned by another user or a folder that another user owns or that group or
// others may write to. The file is made 0600 (0640 with o.GroupReadable),
// tightened or widened to it if it existed with another mode. When it
// already exists, its size counts toward o.MaxSize, and if its last line was
// left unfinished, a '\n' ends it so the first new record starts a line.
func OpenRotatingFile(o RotatingFileOptions) (*RotatingFile, error) {
	if o.Path == "" {
		return nil, errors.New("logcrest: open log file: empty path")
	}
	if o.Backups < NoBackups {
		return nil, fmt.Errorf("logcrest: open log file %s: negative Backups %d (NoBackups, -1, keeps none; 0 keeps all)", o.Path, o.Backups)
	}
	if o.MaxSize < NoRotation {
		return nil, fmt.Errorf("logcrest: open log file %s: negative MaxSize %d (NoRotation, -1, never rotates; 0 means %d bytes)", o.Path, o.MaxSize, DefaultMaxSize)
	}
	if o.MaxAge < 0 {
		return nil, fmt.Errorf("logcrest: open log file %s: negative MaxAge %v", o.Path, o.MaxAge)
	}
	if o.RotateEvery != 0 && o.RotateEvery != time.Hour && o.RotateEvery != 24*time.Hour {
		return nil, fmt.Errorf("logcrest: open log file %s: RotateEvery %v (time.Hour, 24 * time.Hour, or 0 for rotation by size alone)", o.Path, o.RotateEvery)
	}
	abs, err := filepath.Abs(o.Path)
	if err != nil {
		return nil, fmt.Errorf("logcrest: open log file %s: %w", o.Path, err)
	}
	m := modesFor(o.GroupReadable)
	st := acquireState(abs)
	st.mu.Lock()
	err = st.begin(m)
	if err == nil {
		st.lk.unlock()
		if o.Compress {
			st.queueScan() // what a previous run left uncompressed
		}
	}
	st.mu.Unlock()
	if err != nil {
		_ = st.release(closeWait{})
		return nil, err
	}
	f := &RotatingFile{st: st, maxSize: o.MaxSize, backups: o.Backups, maxAge: o.MaxAge, compress: o.Compress,
		every: o.RotateEvery, zone: o.RotateZone, modes: m, warn: o.Warn}
	if f.zone == nil {
		f.zone = time.UTC
	}
	switch o.MaxSize {
	case 0:
		f.maxSize = DefaultMaxSize
	case NoRotation:
		f.maxSize = 0
	}
	switch o.Backups {
	case 0:
		f.backups = keepAll
	case NoBackups:
		f.backups = 0
	}
	return f, nil
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
// The whole batch is written under the lock shared with other processes, so
// their records and these never interleave inside a line. If the path no
// longer names the open file (removed, replaced, rotated by another process),
// the file now there is opened, or a new one created.
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
	if err := st.begin(f.modes); err != nil {
		return 0, err
	}
	defer st.lk.unlock()
	return f.write(p)
}

// write does Write's work with st.mu and the file lock held and the live
// file open.
func (f *RotatingFile) write(p []byte) (int, error) {
	st := f.st
	if f.every > 0 {
		if err := f.rotateByTime(); err != nil {
			return 0, err
		}
	}
	done := 0
	for done < len(p) {
		rest := p[done:]
		n := f.fits(rest)
		if n == 0 {
			if st.size > 0 {
				if err := st.rotate(f.backups, f.maxAge, f.compress, f.warn, clock().UnixMilli()); err != nil {
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
		w, err := st.f.Write(rest[:n])
		st.size += int64(w)
		done += w
		if err != nil {
			st.drop() // reopened, and a torn line ended, by the next Write
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

// Rotate moves the live file aside to a new backup now, whatever its size,
// and prunes the backups, as a rotation at MaxSize would; the next Write
// starts a new file. lumberjack users call its Rotate on SIGHUP (after
// logrotate or an operator moved things); this one does the same, under the
// lock shared with other processes. An empty live file is left as it is:
// there is nothing to move aside, and an empty backup would push a real one
// out. After Close it returns ErrClosed.
func (f *RotatingFile) Rotate() error {
	st := f.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	if err := st.begin(f.modes); err != nil {
		return err
	}
	defer st.lk.unlock()
	if st.size == 0 {
		return nil
	}
	return st.rotate(f.backups, f.maxAge, f.compress, f.warn, clock().UnixMilli())
}

// Sync commits the live file, and the backups rotated since the last Sync, to
// stable storage, and the folder's entries when the live file was created or
// a backup renamed since then (unix; elsewhere the file system's journal
// orders them). It also returns, once, a backup pruning or close failure
// that Write could not report. After Close it returns ErrClosed.
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
	if st.f != nil {
		if err := fsync.File(st.f); err != nil && first == nil {
			first = fmt.Errorf("logcrest: sync log file %s: %w", st.path, err)
		}
	}
	if st.dirDirty {
		// The names: the live file created, backups renamed to theirs.
		// A folder removed meanwhile has nothing left to commit: its
		// files are written again, and it recreated, at the next Write.
		if err := syncDir(st.dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if first == nil {
				first = fmt.Errorf("logcrest: sync log folder %s: %w", st.dir, err)
			}
		} else {
			st.dirDirty = false
		}
	}
	if first == nil {
		first = st.takeHousekeepingErr()
	}
	return first
}

// Close closes f. The last RotatingFile open on a path stops the compressor
// (it waits for the backups queued for compression, at most 2 seconds, then
// leaves the rest to be compressed after the next open with Compress),
// closes the file and removes its lock file, and leaves no goroutine
// behind. Close returns a pending backup pruning, compression or close
// failure, if any. It is idempotent: later calls return nil. After Close,
// Write and Sync return ErrClosed; nothing is reopened or recreated.
//
// Close does not sync: call Sync first for what was written to survive a
// machine stopping. CloseContext bounds the wait for the compressor by a
// context instead of 2 seconds.
func (f *RotatingFile) Close() error {
	return f.close(closeWait{})
}

// CloseContext is Close with the wait for the compressor bounded by ctx
// rather than by 2 seconds: the backups queued for compression are waited
// for until ctx is done or, if ctx has a deadline, until shortly before it
// (half the time left, at most 250 ms, is kept for giving up), so
// that CloseContext returns by the deadline. A compression given up that
// way leaves its backup plain and complete and removes its "<backup>.gz.tmp";
// that backup, and the ones still queued, are compressed after the next open
// with Compress. Giving up is not a failure: CloseContext returns nil for
// it. Without a deadline, a ctx that is never done waits for every queued
// backup.
func (f *RotatingFile) CloseContext(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	return f.close(closeWait{ctx})
}

// closeWait is how long the last Close of a path waits for the compressor:
// until ctx is done, or shortly before its deadline (CloseContext); the zero
// value, Close's, waits compressCloseWait.
type closeWait struct{ ctx context.Context }

// close is Close and CloseContext.
func (f *RotatingFile) close(w closeWait) error {
	st := f.st
	st.mu.Lock()
	if f.closed {
		st.mu.Unlock()
		return nil
	}
	f.closed = true
	pending := st.takeHousekeepingErr()
	st.mu.Unlock()
	if err := st.release(w); err != nil {
		return err
	}
	return pending
}

// release counts one user of st less; the last one stops the compressor
// (waiting for it as w allows, see closeWait),
// closes the live file and the lock, and st leaves the registry. It returns
// the close failure or, failing that, a compression failure met while
// stopping.
func (st *pathState) release(w closeWait) error {
	if !releaseState(st) {
		return nil
	}
	st.stopCompressor(w) // first: the compressor takes the file lock
	st.mu.Lock()
	defer st.mu.Unlock()
	err := st.shutdown()
	if err == nil {
		err = st.takeHousekeepingErr()
	}
	return err
}

// shutdown closes the live file and the lock once no RotatingFile uses st.
func (st *pathState) shutdown() error {
	var err error
	if st.f != nil {
		if cerr := st.f.Close(); cerr != nil {
			err = fmt.Errorf("logcrest: close log file %s: %w", st.path, cerr)
		}
		st.f, st.id = nil, nil
	}
	st.lk.close()
	return err
}

// begin takes the file lock and makes sure the live file is open, is the
// one the path names and has the mode m asks for (a RotatingFile opened on
// the path with other modes may have opened it); on failure the lock is
// released again.
func (st *pathState) begin(m modes) error {
	st.modes = m
	if err := st.lk.lock(m.dir); err != nil {
		return fmt.Errorf("logcrest: open log file %s: %w", st.path, err)
	}
	err := st.ensureLive()
	if err == nil && st.liveMode != m.file {
		if err = st.f.Chmod(m.file); err == nil {
			st.liveMode = m.file
		} else {
			st.drop()
			err = fmt.Errorf("logcrest: open log file %s: %w", st.path, err)
		}
	}
	if err != nil {
		st.lk.unlock()
		return err
	}
	return nil
}

// ensureLive checks, with one Lstat, that the path still names the open
// file, and takes its size from it (another process may have appended);
// otherwise it opens the file now at the path, or creates one. When the
// size is not what this process left, another writer touched the file, and
// its last line is ended if that writer left it unfinished (it may have
// been killed in the middle of a record).
func (st *pathState) ensureLive() error {
	if st.f != nil {
		if size, same := lstatSame(st.path, st.id); same {
			if size == st.size {
				return nil // nobody else wrote since this process did
			}
			// Another process appended (or truncated): it may have died
			// in the middle of a record, and the next one must not be
			// glued to its half line. One pread, only in this case.
			st.size = size
			if err := st.endTornLine(); err != nil {
				st.drop()
				return fmt.Errorf("logcrest: write log file %s: %w", st.path, err)
			}
			return nil
		}
		st.drop()
	}
	// Whoever changed the file may have made or removed backups too.
	st.stale = true
	return st.openLive()
}

// openLive opens (or creates) the live file: the folder is created or
// checked, then the file opened for appending and checked, and a line left
// unfinished by a writer that failed or died is ended.
func (st *pathState) openLive() error {
	if err := prepareDir(st.dir, st.modes.dir); err != nil {
		return fmt.Errorf("logcrest: open log file %s: %w", st.path, err)
	}
	// Open for reading too: endTornLine reads the last byte through the
	// same descriptor (one pread), whoever wrote it.
	const flag = os.O_RDWR | os.O_APPEND | os.O_CREATE
	fh, info, err := openPrivate(st.path, flag, st.modes.file)
	if errors.Is(err, fs.ErrPermission) {
		// A file of ours its owner may not read (mode 0200, say): opened
		// for writing alone, openPrivate gives it its mode, then it is
		// opened again for both.
		if fw, _, werr := openPrivate(st.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, st.modes.file); werr == nil {
			_ = fw.Close()
			fh, info, err = openPrivate(st.path, flag, st.modes.file)
		}
	}
	if err != nil {
		return fmt.Errorf("logcrest: open log file: %w", err)
	}
	st.f, st.id, st.size, st.liveMode = fh, info, info.Size(), st.modes.file
	st.dirDirty = true
	if err := st.endTornLine(); err != nil {
		st.drop()
		return fmt.Errorf("logcrest: open log file %s: %w", st.path, err)
	}
	return nil
}

// endTornLine writes a '\n' if the live file is not empty and its last byte
// is not one: that line was left unfinished (by a crash, a full disk, or
// another process killed in the middle of its append), and the next record
// must not be glued to it. It runs under the file lock, with st.size the
// file's size as just seen, and reads the byte through the live file's own
// descriptor.
func (st *pathState) endTornLine() error {
	if st.size == 0 {
		return nil
	}
	var last [1]byte
	if _, err := st.f.ReadAt(last[:], st.size-1); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // cut shorter meanwhile, by a writer not taking the lock
		}
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	n, err := st.f.Write([]byte{'\n'})
	st.size += int64(n)
	return err
}

// drop closes the live file, if open, so the next Write reopens it.
func (st *pathState) drop() {
	if st.f == nil {
		return
	}
	if err := st.f.Close(); err != nil {
		st.noteHousekeeping(err)
	}
	st.f, st.id = nil, nil
}

// noteHousekeeping remembers the first pruning or close failure.
func (st *pathState) noteHousekeeping(err error) {
	if st.housekeepingErr == nil {
		st.housekeepingErr = fmt.Errorf("logcrest: log file %s: %w", st.path, err)
	}
}

// takeHousekeepingErr returns the pending housekeeping failure and forgets it.
func (st *pathState) takeHousekeepingErr() error {
	err := st.housekeepingErr
	st.housekeepingErr = nil
	return err
}

// openPrivate opens path with flag, never through a symlink, and makes sure
// it is a regular file this process owns, with mode perm (0600 or 0640, set
// through the descriptor). It returns the file and what fstat said about
// it. Errors are *fs.PathError naming path.
func openPrivate(path string, flag int, perm os.FileMode) (*os.File, fs.FileInfo, error) {
	// Refuse a symlink or special file before opening: opening a FIFO for
	// writing would block, and where O_NOFOLLOW is missing (Windows) this
	// is the only symlink check.
	if li, err := os.Lstat(path); err == nil {
		if err := checkType(path, li); err != nil {
			return nil, nil, err
		}
	}
	fh, err := os.OpenFile(path, flag|noFollow, perm)
	if err != nil {
		if li, lerr := os.Lstat(path); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
			return nil, nil, &fs.PathError{Op: "open", Path: path, Err: errSymlink}
		}
		return nil, nil, err
	}
	info, err := fh.Stat()
	if err == nil {
		err = checkType(path, info)
	}
	if err == nil {
		err = checkOwner(path, info)
	}
	if err == nil && info.Mode().Perm() != perm {
		err = fh.Chmod(perm)
	}
	if err != nil {
		_ = fh.Close()
		return nil, nil, err
	}
	return fh, info, nil
}

// checkType refuses anything at path but a regular file.
func checkType(path string, info fs.FileInfo) error {
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return &fs.PathError{Op: "open", Path: path, Err: errSymlink}
	case !info.Mode().IsRegular():
		return &fs.PathError{Op: "open", Path: path, Err: errors.New("not a regular file")}
	}
	return nil
}

// prepareDir makes sure dir is a folder fit to hold private logs: created
// with mode perm (0700 or 0750) if missing, and, on unix, neither writable
// by group or others nor owned by another user than this process's or root.
// The folder itself may be reached through a symlink (/var/log often is);
// only the log file never is.
func prepareDir(dir string, perm os.FileMode) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := makeDir(dir, perm); err != nil {
			return err
		}
		info, err = os.Stat(dir)
	}
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return &fs.PathError{Op: "open", Path: dir, Err: syscall.ENOTDIR}
	}
	return checkDir(dir, info)
}

// makeDir creates dir and its missing parents, and gives exactly the folders
// it created mode perm (MkdirAll's mode is filtered by the umask; folders
// that already existed keep theirs).
func makeDir(dir string, perm os.FileMode) error {
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
	if err := os.MkdirAll(dir, perm); err != nil {
		return err
	}
	for _, d := range missing {
		if err := os.Chmod(d, perm); err != nil {
			return err
		}
	}
	return nil
}

// syncPath flushes the file at path to stable storage, without following a
// symlink or creating anything.
func syncPath(path string) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|noFollow, 0)
	if err != nil {
		return err
	}
	err = fsync.File(fh)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}
