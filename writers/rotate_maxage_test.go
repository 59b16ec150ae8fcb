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

// ageBackup is a backup planted with a given age: the time in its name is
// age ago; suffix is ".log" or ".log.gz".
type ageBackup struct {
	suffix string
	age    time.Duration
}

// ageName returns the base name of b, a backup of app.log.
func ageName(b ageBackup) string {
	return "app-" + time.Now().Add(-b.age).UTC().Format(backupTimeLayout) + b.suffix
}

// agePlant writes each backup into dir, named for its age, with a
// modification time 30 days ago whatever its age: age goes by the name, as
// lumberjack's does (a modification time comes from the same clock as a
// name, and says nothing more). It returns their base names.
func agePlant(t *testing.T, dir string, backups []ageBackup) []string {
	t.Helper()
	var names []string
	mod := time.Now().Add(-30 * 24 * time.Hour)
	for _, b := range backups {
		name := ageName(b)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(name+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
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

// TestRotatingFileMaxAge plants backups named 10 days and a few hours ago,
// plain and compressed, all last modified 30 days ago, and rotates once
// with MaxAge 7 days: the ones named 10 days ago go, the recent ones and the
// new backup stay, and Backups still caps the count (newest kept, by name).
func TestRotatingFileMaxAge(t *testing.T) {
	const day = 24 * time.Hour
	planted := []ageBackup{
		{".log", 10*day + time.Hour},
		{".log.gz", 10 * day},
		{".log", 3 * time.Hour},
		{".log.gz", 2 * time.Hour},
		{".log", time.Hour}, // the newest
	}
	for _, tc := range []struct {
		name    string
		backups int
		maxAge  time.Duration
		want    []int // the planted backups left beside the new one
	}{
		{"old ones removed", 10, 7 * day, []int{2, 3, 4}},
		{"Backups still honoured", 2, 7 * day, []int{4}},
		{"Backups below the age limit", 3, 7 * day, []int{3, 4}},
		{"no age limit", 10, 0, []int{0, 1, 2, 3, 4}},
		{"limit above every age", 10, 11 * day, []int{0, 1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			all := agePlant(t, dir, planted)
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
			var want []string
			for _, i := range tc.want {
				want = append(want, all[i])
			}
			slices.Sort(want)
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
// backups kept in memory carries their name times), a younger one is kept.
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

// TestRotatingFileMaxAgeWithCompression: a compressed backup keeps the name
// time of the backup it replaces, so it ages from when its records were
// written, not from when it was compressed.
func TestRotatingFileMaxAgeWithCompression(t *testing.T) {
	const day = 24 * time.Hour
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	names := agePlant(t, dir, []ageBackup{{".log", 10 * day}, {".log", time.Hour}})
	// Compressed at open; the 10-day-old one keeps its age.
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 20, Backups: 10, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := ageLeft(t, path); strings.Join(got, " ") != names[0]+".gz "+names[1]+".gz" {
		t.Fatalf("after compression: %v", got)
	}
	f = rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 20, Backups: 10, MaxAge: 7 * day, Compress: true})
	rotWrite(t, f, []byte("first-record-0001\n"))
	rotWrite(t, f, []byte("second-record-002\n"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := ageLeft(t, path)
	if len(got) != 2 || got[0] != names[1]+".gz" || !strings.HasSuffix(got[1], ".log.gz") {
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
