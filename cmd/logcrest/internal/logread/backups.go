package logread

// Backups rotated while a live file is followed, told apart from the
// file that was followed.

import (
	"bytes"
	"context"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Backup is a rotated backup of a live file, plain or gzipped.
type Backup struct {
	Path    string
	Gzipped bool
	info    fs.FileInfo
	tie     bool // modified in the same clock tick as the old file
}

// Source is the backup as a source of live's stream and name. Its Open
// reads the .gz of a backup compressed since it was listed.
func (b Backup) Source(live Source) Source {
	src := live
	src.Path, src.Gzipped, src.Active, src.Off, src.N = b.Path, b.Gzipped, false, 0, 0
	return src
}

// BackupsBetween lists the backups of the live file followed (live.Path,
// its logger live.Name) written after the old file and before the new one,
// oldest first: the files rotated in between that were never the live
// file at a poll. They are told apart by modification time, which a
// compressed backup keeps, not by inode: once a compressed backup's
// original is removed its inode may be reused. (The old and new files are
// open, so theirs cannot be.)
//
// File times come from a coarse clock (a few milliseconds on Linux), so
// files rotated in quick succession can share the old file's time. Among
// those, the old file's own backup is found by inode while it is plain,
// else by content (its size and its last line, oldLast); the ones named
// after it (a backup's name is its rotation time) came after it. When it
// is not found (pruned already), all of them did.
func BackupsBetween(live Source, old, next fs.FileInfo, oldLast []byte) []Backup {
	out, oldName := backupsAround(live, old, next)
	// The ties come first, in name order: drop the old file's backup and
	// the ones before it.
	ties := 0
	for ties < len(out) && out[ties].tie {
		ties++
	}
	if ties == 0 {
		return out
	}
	drop := 0
	if oldName != "" {
		oldBase := strings.TrimSuffix(oldName, ".gz")
		for drop < ties && strings.TrimSuffix(filepath.Base(out[drop].Path), ".gz") <= oldBase {
			drop++
		}
	} else {
		for k := range ties {
			if sameContent(out[k], old.Size(), oldLast) {
				drop = k + 1
				break
			}
		}
	}
	return out[drop:]
}

// backupsAround lists live's backups modified from old's time to next's,
// oldest first (a backup and its .gz twin once), without old's own
// backup, whose name it returns when it is found by inode.
func backupsAround(live Source, old, next fs.FileInfo) (out []Backup, oldName string) {
	dir := filepath.Dir(live.Path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, ""
	}
	plain := map[string]bool{}
	for _, ent := range entries {
		name, gz, active, ok := ParseFileName(ent.Name())
		if !ok || active || name != live.Name {
			continue
		}
		entName := ent.Name()
		info, err := ent.Info()
		if err != nil && !gz {
			// Compressed and removed since the folder was read: its .gz
			// (renamed in place before the removal) has its time.
			entName, gz = entName+".gz", true
			info, err = os.Lstat(filepath.Join(dir, entName))
		}
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if os.SameFile(info, old) {
			oldName = entName
			continue
		}
		if info.ModTime().Before(old.ModTime()) || info.ModTime().After(next.ModTime()) || os.SameFile(info, next) {
			continue
		}
		if !gz {
			plain[entName] = true
		}
		out = append(out, Backup{filepath.Join(dir, entName), gz, info, info.ModTime().Equal(old.ModTime())})
	}
	// A backup and its .gz twin (compressed meanwhile) are one file.
	seen := map[string]bool{}
	out = slices.DeleteFunc(out, func(b Backup) bool {
		if seen[b.Path] {
			return true
		}
		seen[b.Path] = true
		return b.Gzipped && plain[strings.TrimSuffix(filepath.Base(b.Path), ".gz")]
	})
	slices.SortFunc(out, func(a, b Backup) int {
		if c := a.info.ModTime().Compare(b.info.ModTime()); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, oldName
}

// sameContent reports whether backup b holds size bytes ending with the
// line last: whether it is a copy of the file they were read from.
func sameContent(b Backup, size int64, last []byte) bool {
	if !b.Gzipped {
		if b.info.Size() != size {
			return false
		}
	} else if n, ok := gzipSize(b.Path); !ok || n != uint32(size) {
		return false // gzip records the size modulo 2^32
	}
	src := Source{Path: b.Path, Gzipped: b.Gzipped}
	rc, err := src.Open(nil)
	if err != nil {
		return false
	}
	defer rc.Close()
	var got []byte
	var total int64
	total, _, err = ScanLines(context.Background(), rc, nil, func(line []byte, _ bool) {
		got = append(got[:0], TrimCR(line)...)
	})
	return err == nil && total == size && bytes.Equal(got, last)
}

// gzipSize returns the uncompressed size modulo 2^32 that a gzip file
// records in its last four bytes.
func gzipSize(path string) (uint32, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var tail [4]byte
	info, err := f.Stat()
	if err != nil || info.Size() < 18 {
		return 0, false
	}
	if _, err := f.ReadAt(tail[:], info.Size()-4); err != nil {
		return 0, false
	}
	return binary.LittleEndian.Uint32(tail[:]), true
}
