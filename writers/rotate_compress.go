package writers

// Compression of rotated backups (RotatingFileOptions.Compress): each backup
// is gzipped to "<backup>.gz", lumberjack's name, off the logging path.
//
// Who runs it: one goroutine per pathState, started by the first rotation
// (or open) that has work for it, exiting by itself once its queue is empty,
// and stopped by the last Close of the path: Close lets it finish the queue
// for at most compressCloseWait (CloseContext: as its context allows), then
// sets the abort flag, which the
// goroutine checks before every chunk it reads, and waits for it to exit. A
// backup left uncompressed that way (or by a crash) is compressed after the
// next open with Compress, which looks through the folder once.
//
// The steps for one backup, crash-safe, with st.mu and the file lock (the
// one Write takes, shared with other processes) held only for the short
// steps 1 and 3, never while gzip runs:
//
//  1. Claim, under the lock: open the backup; create "<backup>.gz.tmp"
//     (O_CREATE|O_EXCL|O_NOFOLLOW, mode 0600) and flock it. That flock is
//     held until the .gz.tmp is renamed or removed: a .gz.tmp whose flock
//     can be taken, under the lock, was left by a crash and is removed (and
//     the backup compressed afresh); one whose flock is held is another
//     process's work in progress, and the backup is left to it. Within the
//     process, the .gz.tmp path is reserved first (claimTmp), which also
//     covers systems without flock.
//  2. Unlocked: gzip the backup into the .gz.tmp, give it the backup's
//     mode (0600, or 0640 for group-readable logs) and modification time
//     (os.Chtimes: age pruning goes by it), fsync it.
//  3. Under the lock: if the backup is still there (not pruned meanwhile),
//     rename the .gz.tmp to .gz, fsync the folder, remove the backup, and
//     put the .gz in the backup's place in the list of backups; otherwise
//     drop the .gz.tmp.
//
// A crash between any two steps leaves either the backup alone (compressed
// later), the backup and a stale .gz.tmp (removed, then the backup
// compressed), or the backup and its complete .gz: the .gz is recognised as
// the backup's copy (same modification time, and gzip's record of the
// uncompressed size matches) and the backup removed. lumberjack, whose
// backups a migrating user has, writes "<backup>.gz" in place: its crash
// leaves the backup beside a .gz cut short, which inflates to a beginning
// of the backup and stops; that .gz is removed and the backup compressed
// afresh (settleTwin). Until then the pair counts as one backup, and pruning
// removes both (twinsOnce, removeBackup). A new backup never
// takes a name whose .gz or .gz.tmp exists (freeBackupName), so a .gz met
// beside a backup is never a stranger's.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logcrest/logcrest/internal/fsync"
	"github.com/logcrest/logcrest/internal/schema"
)

const (
	// gzExt ends a compressed backup's name.
	gzExt = schema.GzExt
	// tmpExt ends the name of a compressed backup being written.
	tmpExt = ".tmp"
	// compressChunk is how much of a backup the compressor reads at once;
	// between two chunks it checks whether Close gave up on it, so it
	// bounds how long giving up takes (well under a millisecond of
	// deflate; tens of milliseconds on a loaded machine under -race).
	compressChunk = 16 << 10
)

var (
	// compressCloseWait bounds how long the last Close of a path waits for
	// the compressor: after it, the backup being compressed is abandoned
	// (its .gz.tmp removed) and the ones still queued are left as they are,
	// to be compressed after the next open. It stays well under the
	// pipeline's default close timeout (5s).
	compressCloseWait = 2 * time.Second
	// compressHook, when set (by tests only), is called by the compressor
	// before each chunk of a backup it reads, with no lock held.
	compressHook func(backup string)
)

// tmpClaims holds the .gz.tmp paths a compressor of this process is
// working on. It excludes within the process what the .gz.tmp's flock
// excludes between processes, and also where there is no flock: two
// pathStates of one path exist for a moment when one is opened while the
// last Close of the other still waits for its compressor.
var tmpClaims struct {
	sync.Mutex
	paths map[string]bool
}

// claimTmp reserves the .gz.tmp path for the caller in this process; false
// when another compressor of this process holds it.
func claimTmp(path string) bool {
	tmpClaims.Lock()
	defer tmpClaims.Unlock()
	if tmpClaims.paths[path] {
		return false
	}
	if tmpClaims.paths == nil {
		tmpClaims.paths = make(map[string]bool)
	}
	tmpClaims.paths[path] = true
	return true
}

// releaseTmp gives back what claimTmp reserved.
func releaseTmp(path string) {
	tmpClaims.Lock()
	delete(tmpClaims.paths, path)
	tmpClaims.Unlock()
}

// errCompressAborted is why a compression stopped when Close gave up on it;
// it is not a failure to report: the backup is compressed after the next
// open.
var errCompressAborted = errors.New("compression abandoned at Close")

// compressor is the compression state of a pathState. All but abort are
// guarded by st.mu.
type compressor struct {
	queue   []string      // backups to compress, in the order given
	scan    bool          // the folder is to be looked through for leftovers
	scanned bool          // the look has been asked for on this pathState
	running bool          // a goroutine is working on the queue
	done    chan struct{} // closed when that goroutine exits
	abort   atomic.Bool   // set by stopCompressor when it stops waiting
}

// queueCompress asks for backup to be compressed, starting the compressor
// if it is not running. st.mu is held.
func (st *pathState) queueCompress(backup string) {
	if !slices.Contains(st.z.queue, backup) {
		st.z.queue = append(st.z.queue, backup)
	}
	st.startCompressor()
}

// queueScan asks, once per pathState, for the folder to be looked through
// for what a previous run left: backups not compressed yet and stale
// .gz.tmp files. st.mu is held.
func (st *pathState) queueScan() {
	if st.z.scanned {
		return
	}
	st.z.scanned, st.z.scan = true, true
	st.startCompressor()
}

// startCompressor starts the compressor's goroutine unless it runs. st.mu
// is held.
func (st *pathState) startCompressor() {
	if st.z.running {
		return
	}
	st.z.running = true
	st.z.done = make(chan struct{})
	go st.compressLoop(st.z.done)
}

// stopCompressor waits for the compressor to finish its queue, then makes
// it abandon its work and waits for it to exit (within one chunk). How long
// it waits: compressCloseWait when ctx is nil (Close); with CloseContext,
// until ctx is done or shortly before its deadline (compressGiveUpTime). It
// is called by the last Close of the path, without st.mu, when nothing can
// queue more work.
func (st *pathState) stopCompressor(w closeWait) {
	st.mu.Lock()
	running, done := st.z.running, st.z.done
	st.mu.Unlock()
	if !running {
		return
	}
	var ctxDone <-chan struct{}
	wait := compressCloseWait
	if ctx := w.ctx; ctx != nil {
		ctxDone = ctx.Done()
		wait = -1 // no timer: until ctx is done
		if d, ok := ctx.Deadline(); ok {
			wait = compressGiveUpTime(time.Until(d))
		}
	}
	var timeout <-chan time.Time
	if wait >= 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-done:
		return
	case <-timeout:
	case <-ctxDone:
	}
	st.z.abort.Store(true)
	<-done
}

// compressGiveUpTime is how long, of the time left until a CloseContext
// deadline, the compressor is waited for: the first half of it, or all but
// 250 ms when that is more, which is kept for the compressor to notice (one
// chunk) and remove its .gz.tmp, and for the file and lock to be closed, on
// a loaded machine too.
func compressGiveUpTime(left time.Duration) time.Duration {
	if left <= 0 {
		return 0
	}
	return left - min(left/2, 250*time.Millisecond)
}

// compressLoop is the compressor's goroutine: it works through the scan
// and the queue, and exits once both are done or it is told to abort.
func (st *pathState) compressLoop(done chan struct{}) {
	defer close(done)
	for {
		st.mu.Lock()
		if st.z.abort.Load() || (!st.z.scan && len(st.z.queue) == 0) {
			st.z.running = false
			st.mu.Unlock()
			return
		}
		if st.z.scan {
			st.z.scan = false
			st.mu.Unlock()
			st.scanLeftovers()
			continue
		}
		backup := st.z.queue[0]
		st.z.queue = slices.Delete(st.z.queue, 0, 1)
		st.mu.Unlock()
		if err := st.compressBackup(backup); err != nil && !errors.Is(err, errCompressAborted) {
			st.mu.Lock()
			st.noteHousekeeping(fmt.Errorf("compress backup %s: %w", filepath.Base(backup), err))
			st.mu.Unlock()
		}
	}
}

// scanLeftovers looks through the folder for what a previous run (or a
// process that died) left: uncompressed backups are queued, and a .gz.tmp
// whose backup is gone is removed if nobody is writing it. A .gz.tmp whose
// backup is there is dealt with when that backup is claimed.
func (st *pathState) scanLeftovers() {
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		st.mu.Lock()
		st.noteHousekeeping(fmt.Errorf("look for backups to compress: %w", err))
		st.mu.Unlock()
		return
	}
	present := make(map[string]bool)
	var plain, stale []string
	for _, e := range entries {
		name := e.Name()
		if st.isPlainBackup(name) {
			present[name] = true
			if e.Type().IsRegular() {
				plain = append(plain, filepath.Join(st.dir, name))
			}
			continue
		}
		if b, ok := strings.CutSuffix(name, gzExt+tmpExt); ok && st.isPlainBackup(b) {
			stale = append(stale, name)
		}
	}
	for _, name := range stale {
		if present[strings.TrimSuffix(name, gzExt+tmpExt)] {
			continue
		}
		tmp := filepath.Join(st.dir, name)
		if !claimTmp(tmp) {
			continue // this process is writing it
		}
		err := st.underLock(func() error {
			_, err := removeLeftover(tmp)
			return err
		})
		releaseTmp(tmp)
		if err != nil {
			st.mu.Lock()
			st.noteHousekeeping(fmt.Errorf("remove stale %s: %w", name, err))
			st.mu.Unlock()
		}
	}
	st.mu.Lock()
	for _, b := range plain {
		if !slices.Contains(st.z.queue, b) {
			st.z.queue = append(st.z.queue, b)
		}
	}
	st.mu.Unlock()
}

// underLock runs fn with st.mu and the file lock held.
func (st *pathState) underLock(fn func() error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	dir := st.modes.dir
	if dir == 0 { // nothing opened yet: cannot be, Open comes first
		dir = dirPerm
	}
	if err := st.lk.lock(dir); err != nil {
		return err
	}
	defer st.lk.unlock()
	return fn()
}

// compressJob is one backup being compressed: from its claim to the .gz in
// place (or dropped), it holds the backup open (so its inode cannot be
// reused and mistaken for it) and the .gz.tmp open and flocked.
type compressJob struct {
	backup  string // the uncompressed backup
	gz      string // backup + ".gz"
	tmpPath string // gz + ".tmp"
	src     *os.File
	srcInfo fs.FileInfo
	tmp     *os.File // nil until created
}

// closeFiles closes what the job holds open (the .gz.tmp's flock goes with
// it); it may be called more than once.
func (j *compressJob) closeFiles() {
	if j.src != nil {
		_ = j.src.Close()
		j.src = nil
	}
	if j.tmp != nil {
		_ = j.tmp.Close()
		j.tmp = nil
	}
}

// compressBackup compresses one backup: claim, gzip, put in place (see the
// file comment). A backup that is gone, already compressed, or being
// compressed by another process is no work and no failure.
func (st *pathState) compressBackup(backup string) error {
	var j *compressJob
	err := st.underLock(func() (err error) {
		j, err = st.claim(backup)
		return err
	})
	if err != nil || j == nil {
		return err
	}
	defer releaseTmp(j.tmpPath) // once the .gz.tmp is renamed or removed
	if err := j.write(&st.z.abort); err != nil {
		j.abandon()
		return err
	}
	err = st.underLock(func() error { return st.finishCompress(j) })
	j.closeFiles()
	return err
}

// claim opens backup and creates and flocks its .gz.tmp, which it reserves
// in this process (claimTmp); nil, nil when there is nothing to do. It runs
// under the file lock, as does everything that decides a .gz.tmp is stale,
// so a .gz.tmp cannot be taken for stale between its creation and its
// flock.
func (st *pathState) claim(backup string) (*compressJob, error) {
	tmpPath := backup + gzExt + tmpExt
	if !claimTmp(tmpPath) {
		return nil, nil // another compressor of this process has it
	}
	claimed := false
	defer func() {
		if !claimed {
			releaseTmp(tmpPath)
		}
	}()
	src, err := os.OpenFile(backup, os.O_RDONLY|noFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // pruned, or compressed by another process
	}
	if err != nil {
		return nil, err
	}
	j := &compressJob{backup: backup, gz: backup + gzExt, tmpPath: tmpPath, src: src}
	defer func() {
		if !claimed {
			j.closeFiles()
		}
	}()
	if j.srcInfo, err = src.Stat(); err != nil {
		return nil, err
	}
	if err := checkType(backup, j.srcInfo); err != nil {
		return nil, err
	}
	if gi, err := os.Lstat(j.gz); err == nil {
		if redo, err := st.settleTwin(j, gi); !redo {
			return nil, err
		}
		// The half-written .gz is gone: compress the backup afresh.
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	tmp, err := createExclusive(j.tmpPath)
	if errors.Is(err, fs.ErrExist) {
		busy, rerr := removeLeftover(j.tmpPath)
		if rerr != nil || busy {
			return nil, rerr // busy: another process is compressing it
		}
		tmp, err = createExclusive(j.tmpPath)
	}
	if err != nil {
		return nil, err
	}
	j.tmp = tmp
	free, err := tryLockFile(tmp)
	if err != nil || !free { // cannot be: nobody else knows the file yet
		j.abandon()
		if err == nil {
			err = fmt.Errorf("%s: locked as soon as created", j.tmpPath)
		}
		return nil, err
	}
	claimed = true
	return j, nil
}

// settleTwin deals with a backup whose .gz exists already, under the lock.
// If the .gz is the backup's complete compressed copy, a compression was cut
// short between putting the .gz in place and removing the backup: the
// backup is removed now. Ours is known by the modification time the
// compressor gives it and the uncompressed size gzip records at its end;
// another's (lumberjack writes "<backup>.gz" in place, with no temporary
// name) by inflating it and comparing it with the backup. A .gz that
// inflates to a beginning of the backup and then stops (cut short by a
// crash mid-compression) or fails its checksum is a leftover: it is removed,
// and settleTwin reports redo, so the backup is compressed afresh. Anything
// else (not gzip, or another content) is left alone, and reported.
func (st *pathState) settleTwin(j *compressJob, gz fs.FileInfo) (redo bool, err error) {
	kind := twinForeign
	if gz.Mode().IsRegular() {
		if size, err := gzipSize(j.gz); err == nil && size == uint32(j.srcInfo.Size()) &&
			gz.ModTime().Equal(j.srcInfo.ModTime()) {
			kind = twinComplete
		} else if kind, err = compareTwin(j.gz, j.src, j.srcInfo.Size()); err != nil {
			return false, err
		}
	}
	switch kind {
	case twinComplete:
		if !openFilesMovable {
			j.closeFiles()
		}
		if err := os.Remove(j.backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
		st.listed = false // the next rotation reads the folder again
		st.unsynced = slices.DeleteFunc(st.unsynced, func(b string) bool { return b == j.backup })
		return false, nil
	case twinPartial:
		if err := os.Remove(j.gz); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
		st.listed = false
		return true, nil
	}
	return false, fmt.Errorf("%s exists and is not its compressed copy; left uncompressed", filepath.Base(j.gz))
}

// twinKind is what a .gz found beside its plain backup holds.
type twinKind int

const (
	twinForeign  twinKind = iota // not gzip, or not the backup's content
	twinComplete                 // a complete, valid gzip of the backup
	twinPartial                  // a beginning of it, cut short or damaged
)

// compareTwin inflates the .gz at gzPath and compares it with the backup
// src of size bytes (read with ReadAt: src's offset is left alone).
func compareTwin(gzPath string, src *os.File, size int64) (twinKind, error) {
	f, err := os.OpenFile(gzPath, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return twinForeign, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if !bytes.HasPrefix([]byte{0x1f, 0x8b}, magic) {
		return twinForeign, nil
	}
	if len(magic) < 2 {
		return twinPartial, nil // cut short before its header was out
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return twinPartial, nil
		}
		return twinForeign, nil
	}
	zr.Multistream(false)
	orig := io.NewSectionReader(src, 0, size)
	got := make([]byte, 32<<10)
	want := make([]byte, len(got))
	var pos int64
	for {
		n, rerr := zr.Read(got)
		if n > 0 {
			if m, _ := io.ReadFull(orig, want[:n]); m != n || !bytes.Equal(got[:n], want[:n]) {
				return twinForeign, nil // another content, or longer
			}
			pos += int64(n)
		}
		switch {
		case rerr == nil:
			continue
		case errors.Is(rerr, io.EOF): // complete, checksum and size verified
			if pos == size {
				return twinComplete, nil
			}
			return twinForeign, nil // a whole gzip of something shorter
		default: // cut short, corrupt, or a bad checksum: a leftover
			return twinPartial, nil
		}
	}
}

// twinsOnce drops from found (backups listed from the folder) each ".gz"
// whose plain backup is listed too: the pair is one backup, whose data the
// plain one holds whole (the .gz is its compressed copy not yet settled, or
// a half-written leftover to redo), and it counts once toward Backups, at
// the plain one's age. removeBackup removes both.
func twinsOnce(found []backupFile) []backupFile {
	plain := make(map[string]bool, len(found))
	for _, b := range found {
		if !strings.HasSuffix(b.path, gzExt) {
			plain[b.path] = true
		}
	}
	return slices.DeleteFunc(found, func(b backupFile) bool {
		p, gz := strings.CutSuffix(b.path, gzExt)
		return gz && plain[p]
	})
}

// write gzips the backup into the .gz.tmp, gives it the backup's
// modification time and commits it to stable storage. It runs with no lock
// held, and stops with errCompressAborted once abort is set.
func (j *compressJob) write(abort *atomic.Bool) error {
	zw := gzip.NewWriter(j.tmp)
	buf := make([]byte, compressChunk)
	for {
		if hook := compressHook; hook != nil {
			hook(j.backup)
		}
		if abort.Load() {
			return errCompressAborted
		}
		n, err := j.src.Read(buf)
		if n > 0 {
			if _, werr := zw.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	// The .gz takes the backup's mode (0600, or 0640 for group-readable
	// logs), given only now: while it is written, nobody else may open
	// it, or flock it and make it look busy.
	if perm := j.srcInfo.Mode().Perm() & groupFilePerm; perm != filePerm {
		if err := j.tmp.Chmod(perm); err != nil {
			return err
		}
	}
	// The .gz.tmp is ours (created O_EXCL, flocked) and no longer written
	// to: its times can be set by name. The flush below commits them too.
	if err := os.Chtimes(j.tmpPath, time.Time{}, j.srcInfo.ModTime()); err != nil {
		return err
	}
	return fsync.File(j.tmp)
}

// abandon removes the .gz.tmp and closes the job's files. Where open files
// can be removed, the .gz.tmp goes while still flocked, so nobody takes it
// for stale meanwhile; elsewhere there is no other compressor to mind.
func (j *compressJob) abandon() {
	if openFilesMovable {
		_ = os.Remove(j.tmpPath)
		j.closeFiles()
		return
	}
	j.closeFiles()
	_ = os.Remove(j.tmpPath)
}

// finishCompress puts the written .gz in place of the backup, under the
// lock: rename, folder flush (the .gz is on disk under its name before the
// backup goes), removal of the backup, and the list of backups updated. A
// backup pruned meanwhile has its .gz.tmp dropped instead.
func (st *pathState) finishCompress(j *compressJob) error {
	if !openFilesMovable {
		j.closeFiles()
	}
	info, err := os.Lstat(j.backup)
	if err != nil || !os.SameFile(info, j.srcInfo) {
		_ = os.Remove(j.tmpPath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.Rename(j.tmpPath, j.gz); err != nil {
		_ = os.Remove(j.tmpPath)
		return err
	}
	if err := syncDir(st.dir); err != nil {
		st.listed = false // both are there; the next scan removes the backup
		return err
	}
	if err := os.Remove(j.backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
		st.listed = false
		return err
	}
	st.renameBackup(j.backup, j.gz)
	return nil
}

// renameBackup records that the backup from is now the compressed backup to
// (same modification time, same place in the list); to is on stable
// storage already.
func (st *pathState) renameBackup(from, to string) {
	st.unsynced = slices.DeleteFunc(st.unsynced, func(b string) bool { return b == from })
	if !st.listed {
		return
	}
	for i := range st.backups {
		if st.backups[i].path == from {
			st.backups[i].path = to
			return
		}
	}
	st.listed = false // not in the list: read the folder at the next rotation
}

// removeLeftover removes the .gz.tmp at path if nobody is writing it (its
// flock can be taken): a crash left it. It reports busy when another
// process's compressor holds it. Called under the file lock.
func removeLeftover(path string) (busy bool, err error) {
	li, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if li.Mode()&fs.ModeSymlink != 0 { // nobody's work: the compressor never makes one
		return false, ignoreNotExist(os.Remove(path))
	}
	if !li.Mode().IsRegular() {
		return false, &fs.PathError{Op: "remove", Path: path, Err: errors.New("not a regular file")}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	free, err := tryLockFile(f)
	if err != nil || !free {
		_ = f.Close()
		return !free && err == nil, err
	}
	if openFilesMovable {
		err = ignoreNotExist(os.Remove(path))
		_ = f.Close()
		return false, err
	}
	_ = f.Close()
	return false, ignoreNotExist(os.Remove(path))
}

// ignoreNotExist drops an error saying the file is gone already.
func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// createExclusive creates path for writing, failing if anything is there
// (a symlink included), with mode 0600 whatever the umask.
func createExclusive(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, filePerm)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && info.Mode().Perm() != filePerm {
		err = f.Chmod(filePerm)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, err
	}
	return f, nil
}

// gzipSize returns the uncompressed size, modulo 2^32, that the gzip file at
// path records in its last four bytes.
func gzipSize(path string) (uint32, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	const minGzip = 10 + 2 + 8 // header, an empty deflate block, trailer
	if info.Size() < minGzip {
		return 0, fmt.Errorf("%s: too short for gzip", path)
	}
	var tail [4]byte
	if _, err := f.ReadAt(tail[:], info.Size()-4); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(tail[:]), nil
}
