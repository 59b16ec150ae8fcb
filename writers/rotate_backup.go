package writers

// Rotation and backups of a RotatingFile: naming (lumberjack's scheme, so
// tools and old backups keep working), renaming, and pruning by modification
// time, by count (Backups) and by age (MaxAge). A backup compressed by
// rotate_compress.go ("<backup>.gz") is a backup like the others: it keeps
// the original's modification time, so it keeps its place in the order.
// Everything here runs with st.mu and the file lock held.

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	// backupTimeLayout is lumberjack's backup timestamp: UTC, millisecond
	// precision, fixed width.
	backupTimeLayout = "2006-01-02T15-04-05.000"
	// backupSearch bounds how many milliseconds past the current one
	// freeBackupName tries.
	backupSearch = 1000
)

// backupFile is one backup on disk, plain or compressed, with its
// modification time.
type backupFile struct {
	path string
	mod  time.Time
}

// compareBackups orders backups oldest first: by modification time, ties
// broken by name.
func compareBackups(a, b backupFile) int {
	if c := a.mod.Compare(b.mod); c != 0 {
		return c
	}
	return cmp.Compare(a.path, b.path)
}

// rotate moves the live file aside to a backup name nobody uses, opens a new
// live file, and prunes the backups down to keep and maxAge. With compress,
// the new backup is handed to the compressor (rotate_compress.go), which
// gzips it in the background: rotate does not wait for it.
func (st *pathState) rotate(keep int, maxAge time.Duration, compress bool) error {
	name, err := st.freeBackupName()
	if err != nil {
		return fmt.Errorf("logcrest: rotate log file %s: %w", st.path, err)
	}
	// Closed first: Windows cannot rename a file open without
	// FILE_SHARE_DELETE, which Go does not ask for.
	st.drop()
	if err := os.Rename(st.path, name); err != nil {
		return fmt.Errorf("logcrest: rotate log file: %w", err)
	}
	st.unsynced = append(st.unsynced, name)
	if st.listed {
		// The time of the last write into it, which MaxAge goes by; one
		// Lstat a rotation.
		mod := time.Now()
		if info, err := os.Lstat(name); err == nil {
			mod = info.ModTime()
		}
		st.insertBackup(backupFile{name, mod})
	}
	err = st.openLive()
	st.prune(keep, maxAge)
	if compress && (!st.listed || slices.ContainsFunc(st.backups, func(b backupFile) bool { return b.path == name })) {
		st.queueCompress(name) // unless pruned at once (keep 0)
	}
	return err
}

// insertBackup adds b to the list of backups, in its place by age.
func (st *pathState) insertBackup(b backupFile) {
	i, _ := slices.BinarySearchFunc(st.backups, b, compareBackups)
	st.backups = slices.Insert(st.backups, i, b)
}

// freeBackupName returns the name for a backup made now: the current UTC
// millisecond, or the first later one whose name is free (a rotation in the
// same millisecond as the previous one, here or in another process, takes
// the next), and never a millisecond this process has used already. A name
// is free when neither it nor its compressed form (".gz", or the ".gz.tmp"
// being written) exists: a new backup must never meet an old one's
// compressed copy, which the compressor would take for its own. Under the
// file lock, nobody else takes the name before the rename.
func (st *pathState) freeBackupName() (string, error) {
	ms := max(time.Now().UnixMilli(), st.lastMs+1)
	for i := int64(0); i < backupSearch; i++ {
		name := st.backupName(ms + i)
		free, err := nameFree(name)
		if err != nil {
			return "", err
		}
		if free {
			st.lastMs = ms + i
			return name, nil
		}
	}
	return "", fmt.Errorf("no free backup name within %d ms of %s", backupSearch, st.backupName(ms))
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
	ts := time.UnixMilli(ms).UTC().Format(backupTimeLayout)
	return filepath.Join(st.dir, st.prefix+"-"+ts+st.ext)
}

// isBackup reports whether name (a base name) is a backup of st's file,
// plain or compressed ("<backup>.gz").
func (st *pathState) isBackup(name string) bool {
	if st.isPlainBackup(name) {
		return true
	}
	plain, gz := strings.CutSuffix(name, gzExt)
	return gz && st.isPlainBackup(plain)
}

// isPlainBackup reports whether name (a base name) is an uncompressed backup
// of st's file: "<prefix>-2006-01-02T15-04-05.000<ext>".
func (st *pathState) isPlainBackup(name string) bool {
	head := st.prefix + "-"
	if len(name) != len(head)+len(backupTimeLayout)+len(st.ext) ||
		!strings.HasPrefix(name, head) || !strings.HasSuffix(name, st.ext) {
		return false
	}
	_, err := time.Parse(backupTimeLayout, name[len(head):len(name)-len(st.ext)])
	return err == nil
}

// prune removes the oldest backups beyond keep (all of them when keep is 0)
// and, when maxAge is positive, every backup last modified more than maxAge
// ago; plain and compressed backups alike. The folder is read only when the
// list of backups is not known (the first rotation after a reopen);
// otherwise the list kept in memory says which to remove. As the list is
// oldest first, both limits remove from its head. Failures are kept for Sync
// or Close to report; the next rotation reads the folder and tries again.
func (st *pathState) prune(keep int, maxAge time.Duration) {
	if !st.listed {
		if err := st.listBackups(); err != nil {
			st.noteHousekeeping(err)
			return
		}
	}
	var cutoff time.Time
	if maxAge > 0 {
		cutoff = time.Now().Add(-maxAge)
	}
	for len(st.backups) > 0 {
		old := st.backups[0]
		if len(st.backups) <= keep && (maxAge <= 0 || !old.mod.Before(cutoff)) {
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

// listBackups reads the folder and sets st.backups to the backups in it,
// plain and compressed, oldest first: by modification time, ties broken by
// name. Names are not trusted for order: a clock stepped back gives the
// newest backup the oldest name. It also forgets unsynced backups that are
// gone (pruned by another process, say), so that list cannot grow without
// bound.
func (st *pathState) listBackups() error {
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return err
	}
	var found []backupFile
	for _, e := range entries {
		if !e.Type().IsRegular() || !st.isBackup(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		found = append(found, backupFile{filepath.Join(st.dir, e.Name()), info.ModTime()})
	}
	found = twinsOnce(found)
	slices.SortFunc(found, compareBackups)
	st.backups = append(st.backups[:0], found...)
	present := make(map[string]bool, len(found))
	for _, b := range found {
		present[b.path] = true
	}
	st.listed = true
	st.unsynced = slices.DeleteFunc(st.unsynced, func(b string) bool { return !present[b] })
	return nil
}
