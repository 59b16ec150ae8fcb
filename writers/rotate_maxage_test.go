package writers

// Tests of RotatingFileOptions.MaxAge: backups older than it are removed at
// rotation, on top of the Backups limit, plain and compressed alike.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// ageBackup is a backup planted with a given age.
type ageBackup struct {
	name string
	age  time.Duration
}

// agePlant writes each backup into dir with its modification time set to
// its age ago.
func agePlant(t *testing.T, dir string, backups []ageBackup) {
	t.Helper()
	for _, b := range backups {
		p := filepath.Join(dir, b.name)
		if err := os.WriteFile(p, []byte(b.name+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		mod := time.Now().Add(-b.age)
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
}

// ageLeft returns the base names of the backups (plain or .gz) beside path,
// sorted.
func ageLeft(t *testing.T, path string) []string {
	t.Helper()
	z := zList(t, path)
	if len(z.tmp) != 0 || len(z.other) != 0 {
		t.Fatalf("unexpected files: %v %v", z.tmp, z.other)
	}
	var names []string
	for _, p := range append(z.plain, z.gz...) {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	return names
}

// TestRotatingFileMaxAge plants backups last modified 10 days and a few
// hours ago, plain and compressed, and rotates once with MaxAge 7 days: the
// 10-day-old ones go, the recent ones and the new backup stay, and Backups
// still caps the count (newest kept, by modification time).
func TestRotatingFileMaxAge(t *testing.T) {
	const day = 24 * time.Hour
	planted := []ageBackup{
		{"app-2024-01-01T00-00-00.000.log", 10 * day},
		{"app-2024-01-02T00-00-00.000.log.gz", 10 * day},
		{"app-2099-01-01T00-00-00.000.log", 10 * day}, // a name that lies: age goes by mtime
		{"app-2024-01-03T00-00-00.000.log", 3 * time.Hour},
		{"app-2024-01-04T00-00-00.000.log.gz", 2 * time.Hour},
		{"app-2000-01-04T00-00-00.000.log", time.Hour}, // the newest
	}
	var all []string
	for _, b := range planted {
		all = append(all, b.name)
	}
	for _, tc := range []struct {
		name    string
		backups int
		maxAge  time.Duration
		want    []string // the planted backups left beside the new one
	}{
		{"old ones removed", 10, 7 * day, []string{
			"app-2000-01-04T00-00-00.000.log", "app-2024-01-03T00-00-00.000.log", "app-2024-01-04T00-00-00.000.log.gz"}},
		{"Backups still honoured", 2, 7 * day, []string{"app-2000-01-04T00-00-00.000.log"}},
		{"Backups below the age limit", 3, 7 * day, []string{
			"app-2000-01-04T00-00-00.000.log", "app-2024-01-04T00-00-00.000.log.gz"}},
		{"no age limit", 10, 0, all},
		{"limit above every age", 10, 11 * day, all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			agePlant(t, dir, planted)
			f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: tc.backups, MaxAge: tc.maxAge})
			rotWrite(t, f, []byte("first-record-0001\n")) // 18 bytes: the next one rotates
			if got := ageLeft(t, path); len(got) != len(planted) {
				t.Fatalf("before any rotation: %v; nothing may be removed before one", got)
			}
			rotWrite(t, f, []byte("second-record-002\n"))
			var made, kept []string
			for _, name := range ageLeft(t, path) {
				if slices.Contains(all, name) {
					kept = append(kept, name)
				} else {
					made = append(made, name)
				}
			}
			if len(made) != 1 || rotRead(t, filepath.Join(dir, made[0])) != "first-record-0001\n" {
				t.Fatalf("new backups %v: want one, holding the first record", made)
			}
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(kept, want) {
				t.Fatalf("planted backups kept: %v\nwant %v", kept, want)
			}
			if got := rotRead(t, path); got != "second-record-002\n" {
				t.Fatalf("live file %q", got)
			}
		})
	}
}

// TestRotatingFileMaxAgeAppliesToBackupsItMade: backups made by this
// RotatingFile age too, from their last write: with MaxAge 500ms, a backup
// left alone for longer is removed at the next rotation (the list of
// backups kept in memory carries their modification times), a younger one
// is kept.
func TestRotatingFileMaxAgeAppliesToBackupsItMade(t *testing.T) {
	const maxAge = 500 * time.Millisecond
	path := filepath.Join(t.TempDir(), "app.log")
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 100, MaxAge: maxAge})
	for _, r := range []string{"record-01\n", "record-02\n", "record-03\n"} { // 10 bytes: two a file
		rotWrite(t, f, []byte(r))
	}
	first := rotBackups(t, path)
	if len(first) != 1 || rotRead(t, first[0]) != "record-01\nrecord-02\n" {
		t.Fatalf("backups %v, want one holding records 1 and 2", first)
	}
	time.Sleep(maxAge + 100*time.Millisecond)
	rotWrite(t, f, []byte("record-04\n")) // beside record-03: written now
	rotWrite(t, f, []byte("record-05\n")) // rotates; the first backup is too old
	got := rotBackups(t, path)
	if len(got) != 1 || rotRead(t, got[0]) != "record-03\nrecord-04\n" {
		t.Fatalf("backups %v, want only the one just made (records 3 and 4)", got)
	}
	rotWrite(t, f, []byte("record-06\n"))
	rotWrite(t, f, []byte("record-07\n")) // rotates; both backups young
	if got := rotBackups(t, path); len(got) != 2 {
		t.Fatalf("backups %v, want both recent ones", got)
	}
}

// TestRotatingFileMaxAgeWithCompression: a compressed backup keeps the
// modification time of the backup it replaces, so it ages from when its
// records were written, not from when it was compressed.
func TestRotatingFileMaxAgeWithCompression(t *testing.T) {
	const day = 24 * time.Hour
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	agePlant(t, dir, []ageBackup{
		{"app-2024-01-01T00-00-00.000.log", 10 * day},
		{"app-2024-01-02T00-00-00.000.log", time.Hour},
	})
	// Compressed at open; the 10-day-old one keeps its age.
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := ageLeft(t, path); strings.Join(got, " ") != "app-2024-01-01T00-00-00.000.log.gz app-2024-01-02T00-00-00.000.log.gz" {
		t.Fatalf("after compression: %v", got)
	}
	f = rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 10, MaxAge: 7 * day, Compress: true})
	rotWrite(t, f, []byte("first-record-0001\n"))
	rotWrite(t, f, []byte("second-record-002\n"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := ageLeft(t, path)
	if len(got) != 2 || got[0] != "app-2024-01-02T00-00-00.000.log.gz" || !strings.HasSuffix(got[1], ".log.gz") {
		t.Fatalf("backups %v, want the 1-hour-old one and the new one, compressed", got)
	}
}

// TestRotatingFileRefusesNegativeMaxAge checks the option.
func TestRotatingFileRefusesNegativeMaxAge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 10, MaxAge: -time.Second})
	if err == nil {
		_ = f.Close()
		t.Fatal("negative MaxAge accepted")
	}
	if !strings.Contains(err.Error(), "negative MaxAge") {
		t.Fatalf("error %q does not name MaxAge", err)
	}
}
