//go:build unix

package core

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPermissionsWithUmaskZero clears the process umask, so nothing but the
// library's own modes protects the logs, and checks every folder it created
// (0700) and every file it wrote, rotated backups included (0600). A log file
// left world-readable by an earlier run is tightened too, and so are its
// backups.
func TestPermissionsWithUmaskZero(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "logs") // a and b are created too
	if err := Configure(WithDir(dir), WithName("svc"), WithMaxSize(2048), WithBackupCount(5), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		Logger().Info().Int("i", i).Str("pad", strings.Repeat("x", 40)).Msg("perm")
		Logger().Error().Int("i", i).Str("pad", strings.Repeat("y", 40)).Msg("perm")
		flowLogger().Info().Int("i", i).Str("flow_type", "flow_end").Msg("perm")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	checkModes(t, filepath.Join(base, "a"), 6, 3*6, 0o600, 0o700)

	// Second round: a pre-existing world-readable file in a user-made folder.
	userDir := filepath.Join(base, "user")
	if err := os.MkdirAll(filepath.Join(userDir, StreamSuccess), 0o755); err != nil {
		t.Fatal(err)
	}
	preset := filepath.Join(userDir, StreamSuccess, "svc.log")
	if err := os.WriteFile(preset, []byte(`{"message":"from an earlier run"}`+"\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := Configure(WithDir(userDir), WithName("svc"), WithMaxSize(2048), WithBackupCount(5), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		Logger().Info().Int("i", i).Str("pad", strings.Repeat("x", 40)).Msg("perm")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	files := 0
	err := filepath.WalkDir(userDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 1+5+2 { // success: live + 5 backups; error and flows: live only
		t.Errorf("found %d files under %s, want 8", files, userDir)
	}
	// The user's own folder keeps the mode the user gave it.
	if fi, err := os.Stat(filepath.Join(userDir, StreamSuccess)); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("user folder changed: %v, %v", fi, err)
	}
}

// checkModes walks root and fails unless it holds wantDirs folders, all
// dirMode, and wantFiles files, all fileMode.
func checkModes(t *testing.T, root string, wantDirs, wantFiles int, fileMode, dirMode fs.FileMode) {
	t.Helper()
	dirs, files := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fileMode
		if d.IsDir() {
			dirs++
			want = dirMode
		} else {
			files++
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if dirs != wantDirs || files != wantFiles {
		t.Errorf("under %s: %d folders and %d files, want %d and %d (rotation must have happened)", root, dirs, files, wantDirs, wantFiles)
	}
}

// TestPermissionsGroupReadableWithUmaskZero: with WithGroupReadable(true)
// and umask 0, every folder LogCrest created is 0750 and every file, rotated
// backups and gzipped ones included, 0640, so a shipper in the process's
// group can read them and nobody else can; a world-readable file left by an
// earlier run is tightened to 0640. Turning it on with Configure on a
// running pipeline opens the live files 0640 at once (no rotation needed),
// and turning it off makes them 0600 again.
func TestPermissionsGroupReadableWithUmaskZero(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	base := t.TempDir()
	dir := filepath.Join(base, "a", "logs") // a is created too
	if err := Configure(WithDir(dir), WithName("svc"), WithMaxSize(2048), WithBackupCount(5), WithConsole(nil),
		WithGroupReadable(true)); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		Logger().Info().Int("i", i).Str("pad", strings.Repeat("x", 40)).Msg("perm")
		Logger().Error().Int("i", i).Str("pad", strings.Repeat("y", 40)).Msg("perm")
		flowLogger().Info().Int("i", i).Str("flow_type", "flow_end").Msg("perm")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	checkModes(t, filepath.Join(base, "a"), 5, 3*6, 0o640, 0o750)

	// Compressed backups too.
	zdir := filepath.Join(base, "z")
	if err := Configure(WithDir(zdir), WithName("svc"), WithMaxSize(2048), WithBackupCount(5), WithConsole(nil),
		WithGroupReadable(true), WithCompress(true)); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		Logger().Info().Int("i", i).Str("pad", strings.Repeat("x", 40)).Msg("perm")
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	gz, _ := filepath.Glob(filepath.Join(zdir, StreamSuccess, "svc-*.log.gz"))
	if len(gz) == 0 {
		t.Error("no compressed backup")
	}
	checkModes(t, zdir, 4, 3+5, 0o640, 0o750)

	// A world-readable file from an earlier run is tightened to 0640.
	userDir := filepath.Join(base, "user")
	if err := os.MkdirAll(filepath.Join(userDir, StreamSuccess), 0o755); err != nil {
		t.Fatal(err)
	}
	preset := filepath.Join(userDir, StreamSuccess, "svc.log")
	if err := os.WriteFile(preset, []byte(`{"message":"from an earlier run"}`+"\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := Configure(WithDir(userDir), WithName("svc"), WithConsole(nil), WithGroupReadable(true)); err != nil {
		t.Fatal(err)
	}
	Logger().Info().Msg("after the earlier run")
	if err := Flush(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(preset); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("pre-existing 0666 file: %v, %v; want mode 0640", fi, err)
	}

	// Configure switches a running pipeline's live files, both ways.
	for _, tc := range []struct {
		on   bool
		want fs.FileMode
	}{{false, 0o600}, {true, 0o640}} {
		if err := Configure(WithDir(userDir), WithName("svc"), WithConsole(nil), WithGroupReadable(tc.on)); err != nil {
			t.Fatal(err)
		}
		Logger().Info().Bool("group_readable", tc.on).Msg("switched")
		if err := Flush(); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(preset); err != nil || fi.Mode().Perm() != tc.want {
			t.Errorf("after Configure(WithGroupReadable(%v)): %v, %v; want mode %#o", tc.on, fi, err, tc.want)
		}
	}
	if err := Close(); err != nil {
		t.Fatal(err)
	}
}
