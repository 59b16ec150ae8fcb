package writers

// Rotation and backups of a RotatingFile: naming, renaming and pruning.
//
// Names are lumberjack's, "<prefix>-2006-01-02T15-04-05.000<ext>" in UTC, so
// tools that read them (cmd/logcrest, contrib/otelcol, lumberjack users'
// scripts) keep working. What the time in a name means is made stronger
// than lumberjack's: names only go up. A new backup is named after
// max(now, newest backup's name + 1 ms), chosen under the file lock from
// the newest name any process has given (kept in the lock file, see
// lock_flock.go), so the order of the names is the order in which the
// backups were made, whatever the wall clock did meanwhile. After a clock
// step back, new backups are named just after the newest existing one
// (in the future) until the clock catches up; pruning by name then removes
// the old backups first and never the one just made. The order needs no
// stat, and cannot be reversed by the clock (a modification time comes
// from the same clock as a name, so ordering by it protects nothing).
//
// Pruning goes by that order: the backups with the smallest names go first,
// beyond Backups of them, and those whose name time is more than MaxAge
// ago (lumberjack's MaxAge also goes by the name). A backup named in the
// future is kept until the clock has passed its name by MaxAge: never
// removed early, at most as late as the clock was stepped back.
//
// Cost: the folder is read (names only, no stat) at the first rotation
// after an open and when another process's rotations have made the list
// kept in memory stale, at most once every max(1, entries/relistRatio)
// rotations, where entries is the size of the folder last time. So a
// rotation costs a constant amount of work amortised, whatever the number
// of files in the folder. Until the list is read again, a stale list only
// ever keeps more backups than asked (those another process made since),
// never fewer: a backup is removed only when the list holds Backups
// newer ones.
//
// A backup compressed by rotate_compress.go ("<backup>.gz") is a backup
// like the others, in the same place of the order. Everything here runs
// with st.mu and the file lock held.

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logcrest/logcrest/internal/schema"
)

const (
	// backupTimeLayout is lumberjack's backup timestamp: UTC, millisecond
	// precision, fixed width (internal/schema owns it, and the names).
	backupTimeLayout = schema.BackupTimeLayout
	// backupSearch bounds how many milliseconds past the chosen one
	// freeBackupName tries.
	backupSearch = 1000
	// relistRatio amortises reading the folder: a stale list is read again
	// at most once every entries/relistRatio rotations, so each rotation
	// pays for about relistRatio folder entries (names only).
	relistRatio = 64
	// futureSlack is how far in the future a backup's name may be before
	// it counts as made under a clock that has since been stepped back.
	// Names run ahead of the clock by themselves only past a thousand
	// rotations a second.
	futureSlack = time.Minute
)

// keepAll is the effective Backups limit of RotatingFileOptions.Backups 0.
const keepAll = math.MaxInt

// backupFile is one backup on disk, plain or compressed, with the UTC Unix
// millisecond of its name.
type backupFile struct {
	path string
	ms   int64
}

// compareBackups orders backups oldest first: by the time in their name,
// ties (a backup and its .gz, for a moment) broken by path.
func compareBackups(a, b backupFile) int {
	if c := cmp.Compare(a.ms, b.ms); c != 0 {
		return c
	}
	return cmp.Compare(a.path, b.path)
}

// rotate moves the live file aside to a backup name after every existing
// one, opens a new live file, and prunes the backups down to keep and
// maxAge. With compress, the new backup is handed to the compressor
// (rotate_compress.go), which gzips it in the background: rotate does not
// wait for it. warn receives the one warning about backups named in the
// future. The backup is named after the UTC Unix millisecond at (the
// current time, or the end of the period a rotation by time closes) or, if
// that is not after the newest backup's name, the millisecond after it.
// The new live file's start (RotateEvery goes by it) is recorded as now.
func (st *pathState) rotate(keep int, maxAge time.Duration, compress bool, warn func(string), at int64) error {
	shared, _ := st.lk.shared()
	if shared == 0 {
		// A lock file nobody has recorded a backup in (new, or recreated
		// after every writer closed): the newest name is learnt from the
		// folder.
		st.listed = false
	}
	st.newest = max(st.newest, shared)
	if st.listed && st.stale && st.sinceList >= max(1, st.listedEntries/relistRatio) {
		st.listed = false
	}
	if !st.listed {
		if err := st.listBackups(); err != nil {
			st.noteHousekeeping(err)
		}
	}
	st.warnFuture(warn)
	name, ms, err := st.freeBackupName(at)
	if err != nil {
		return fmt.Errorf("logcrest: rotate log file %s: %w", st.path, err)
	}
	// Closed first: Windows cannot rename a file open without
	// FILE_SHARE_DELETE, which Go does not ask for.
	st.drop()
	if err := os.Rename(st.path, name); err != nil {
		return fmt.Errorf("logcrest: rotate log file: %w", err)
	}
	st.newest = ms
	if err := st.lk.setShared(ms, clock().UnixMilli()); err != nil {
		st.noteHousekeeping(err)
	}
	st.unsynced = append(st.unsynced, name)
	st.sinceList++
	if st.listed {
		st.insertBackup(backupFile{name, ms})
	}
	err = st.openLive()
	st.prune(keep, maxAge)
	if compress && (!st.listed || slices.ContainsFunc(st.backups, func(b backupFile) bool { return b.path == name })) {
		st.queueCompress(name) // unless pruned at once (keep 0)
	}
	return err
}

// insertBackup adds b to the list of backups, in its place (the end, but
// for a list read before another process's rotation).
func (st *pathState) insertBackup(b backupFile) {
	i, _ := slices.BinarySearchFunc(st.backups, b, compareBackups)
	st.backups = slices.Insert(st.backups, i, b)
}

// warnFuture writes, once for st, a warning when the newest backup known is
// named in the future: the clock was stepped back since it was made.
func (st *pathState) warnFuture(warn func(string)) {
	now := clock()
	if st.warnedFuture || st.newest <= now.Add(futureSlack).UnixMilli() {
		return
	}
	st.warnedFuture = true
	ahead := time.Duration(st.newest-now.UnixMilli()) * time.Millisecond
	warnf(warn, "log file %s: backups are named up to %v in the future (%s); the clock was stepped back? "+
		"New backups are named after them, so the newest records are kept and the old backups pruned first; "+
		"MaxAge counts from the time in a backup's name",
		strconv.Quote(st.path), ahead.Round(time.Second), time.UnixMilli(st.newest).UTC().Format(backupTimeLayout))
}

// freeBackupName returns the name for a backup made now, and its UTC Unix
// millisecond: the later of at (the current millisecond, or the end of the
// period a rotation by time closes) and the one after the
// newest backup known (here, from the folder, or from the lock file, so
// from any process), or the first later one whose name is free. A name is
// free when neither it nor its compressed form (".gz", or the ".gz.tmp"
// being written) exists: a new backup must never meet an old one's
// compressed copy, which the compressor would take for its own. Under the
// file lock, nobody else takes the name before the rename.
func (st *pathState) freeBackupName(at int64) (string, int64, error) {
	ms := max(at, st.newest+1)
	for i := int64(0); i < backupSearch; i++ {
		name := st.backupName(ms + i)
		free, err := nameFree(name)
		if err != nil {
			return "", 0, err
		}
		if free {
			return name, ms + i, nil
		}
	}
	return "", 0, fmt.Errorf("no free backup name within %d ms of %s", backupSearch, st.backupName(ms))
}

// nameFree reports whether neither name nor its compressed forms exist.
func nameFree(name string) (bool, error) {
	for _, p := range [...]string{name, name + gzExt, name + gzExt + tmpExt} {
		_, err := os.Lstat(p)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	return true, nil
}

// backupName returns the backup path for UTC Unix millisecond ms:
// "<prefix>-2006-01-02T15-04-05.000<ext>" beside the live file.
func (st *pathState) backupName(ms int64) string {
	return filepath.Join(st.dir, schema.BackupName(st.prefix, st.ext, ms))
}

// backupMs returns the UTC Unix millisecond in name (a base name) if it is
// a backup of st's file, plain or compressed.
func (st *pathState) backupMs(name string) (int64, bool) {
	if ms, ok := st.plainBackupMs(name); ok {
		return ms, true
	}
	plain, gz := strings.CutSuffix(name, gzExt)
	if !gz {
		return 0, false
	}
	return st.plainBackupMs(plain)
}

// isPlainBackup reports whether name (a base name) is an uncompressed backup
// of st's file: "<prefix>-2006-01-02T15-04-05.000<ext>".
func (st *pathState) isPlainBackup(name string) bool {
	_, ok := st.plainBackupMs(name)
	return ok
}

// plainBackupMs returns the UTC Unix millisecond in name (a base name) if
// it is an uncompressed backup of st's file.
func (st *pathState) plainBackupMs(name string) (int64, bool) {
	prefix, stamp, ok := schema.SplitBackupName(name, st.ext)
	if !ok || prefix != st.prefix {
		return 0, false
	}
	return schema.BackupMs(stamp)
}

// prune removes the oldest backups beyond keep (all of them when keep is 0)
// and, when maxAge is positive, every backup whose name time is more than
// maxAge ago; plain and compressed backups alike. The list is oldest first,
// so both limits remove from its head. A backup the list holds under its
// plain name may have been compressed by another process meanwhile: its
// ".gz" is removed instead. Failures are kept for Sync or Close to report;
// the next rotation reads the folder and tries again.
func (st *pathState) prune(keep int, maxAge time.Duration) {
	if !st.listed {
		return // the folder could not be read; reported
	}
	cutoff := int64(math.MinInt64)
	if maxAge > 0 {
		cutoff = clock().Add(-maxAge).UnixMilli()
	}
	for len(st.backups) > 0 {
		old := st.backups[0]
		if len(st.backups) <= keep && old.ms >= cutoff {
			break
		}
		if err := removeBackup(old.path); err != nil {
			st.noteHousekeeping(err)
			st.listed = false
			return
		}
		st.backups = slices.Delete(st.backups, 0, 1)
		st.unsynced = slices.DeleteFunc(st.unsynced, func(b string) bool { return b == old.path })
	}
}

// removeBackup removes a backup being pruned and, for a plain one, a ".gz"
// beside it: its compressed copy, made meanwhile by another process, or a
// half-written one that counted once with it (see twinsOnce). A backup gone
// altogether is no error: another process pruned it.
func removeBackup(path string) error {
	if err := ignoreNotExist(os.Remove(path)); err != nil {
		return err
	}
	if strings.HasSuffix(path, gzExt) {
		return nil
	}
	return ignoreNotExist(os.Remove(path + gzExt))
}

// listBackups reads the names in the folder (no stat) and sets st.backups to
// the backups in it, plain and compressed, oldest first by the time in
// their names, and st.newest to at least the newest of them. It also
// forgets unsynced backups that are gone (pruned by another process, say),
// so that list cannot grow without bound.
func (st *pathState) listBackups() error {
	d, err := os.Open(st.dir)
	if err != nil {
		return err
	}
	entries, err := d.ReadDir(-1)
	_ = d.Close()
	if err != nil {
		return err
	}
	found := st.backups[:0]
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if ms, ok := st.backupMs(e.Name()); ok {
			found = append(found, backupFile{filepath.Join(st.dir, e.Name()), ms})
			st.newest = max(st.newest, ms)
		}
	}
	found = twinsOnce(found)
	slices.SortFunc(found, compareBackups)
	st.backups = found
	st.listed, st.stale = true, false
	st.listedEntries, st.sinceList = len(entries), 0
	listings.Add(1)
	present := make(map[string]bool, len(found))
	for _, b := range found {
		present[b.path] = true
	}
	st.unsynced = slices.DeleteFunc(st.unsynced, func(b string) bool { return !present[b] })
	return nil
}
