package writers

// Rotation and backups of a RotatingFile: naming (lumberjack's scheme, so
// tools and old backups keep working), renaming, and pruning by modification
// time. Everything here runs with st.mu and the file lock held.

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

// rotate moves the live file aside to a backup name nobody uses, opens a new
// live file, and prunes the backups down to keep.
func (st *pathState) rotate(keep int) error {
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
		st.backups = append(st.backups, name)
	}
	err = st.openLive()
	st.prune(keep)
	return err
}

// freeBackupName returns the name for a backup made now: the current UTC
// millisecond, or the first later one whose name is free (a rotation in the
// same millisecond as the previous one, here or in another process, takes
// the next), and never a millisecond this process has used already. Under
// the file lock, nobody else takes the name before the rename.
func (st *pathState) freeBackupName() (string, error) {
	ms := max(time.Now().UnixMilli(), st.lastMs+1)
	for i := int64(0); i < backupSearch; i++ {
		name := st.backupName(ms + i)
		_, err := os.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			st.lastMs = ms + i
			return name, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no free backup name within %d ms of %s", backupSearch, st.backupName(ms))
}

// backupName returns the backup path for UTC Unix millisecond ms:
// "<prefix>-2006-01-02T15-04-05.000<ext>" beside the live file.
func (st *pathState) backupName(ms int64) string {
	ts := time.UnixMilli(ms).UTC().Format(backupTimeLayout)
	return filepath.Join(st.dir, st.prefix+"-"+ts+st.ext)
}

// isBackup reports whether name (a base name) is a backup of st's file.
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
// The folder is read only when the list of backups is not known (the first
// rotation after a reopen); otherwise the list kept in memory says which
// to remove. Failures are kept for Sync or Close to report; the next
// rotation reads the folder and tries again.
func (st *pathState) prune(keep int) {
	if !st.listed {
		if err := st.listBackups(); err != nil {
			st.noteHousekeeping(err)
			return
		}
	}
	for len(st.backups) > keep {
		old := st.backups[0]
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			st.noteHousekeeping(err)
			st.listed = false
			return
		}
		st.backups = slices.Delete(st.backups, 0, 1)
		st.unsynced = slices.DeleteFunc(st.unsynced, func(b string) bool { return b == old })
	}
}

// listBackups reads the folder and sets st.backups to the backups in it,
// oldest first: by modification time, ties broken by name. Names are not
// trusted for order: a clock stepped back gives the newest backup the oldest
// name. It also forgets unsynced backups that are gone (pruned by another
// process, say), so that list cannot grow without bound.
func (st *pathState) listBackups() error {
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return err
	}
	type backup struct {
		path string
		mod  time.Time
	}
	var found []backup
	for _, e := range entries {
		if !e.Type().IsRegular() || !st.isBackup(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		found = append(found, backup{filepath.Join(st.dir, e.Name()), info.ModTime()})
	}
	slices.SortFunc(found, func(a, b backup) int {
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return cmp.Compare(a.path, b.path)
	})
	st.backups = st.backups[:0]
	present := make(map[string]bool, len(found))
	for _, b := range found {
		st.backups = append(st.backups, b.path)
		present[b.path] = true
	}
	st.listed = true
	st.unsynced = slices.DeleteFunc(st.unsynced, func(b string) bool { return !present[b] })
	return nil
}
