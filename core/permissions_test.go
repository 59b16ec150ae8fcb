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
	checkModes(t, filepath.Join(base, "a"), 6, 3*6)

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

// checkModes walks root and fails unless it holds wantDirs folders, all 0700,
// and wantFiles files, all 0600.
func checkModes(t *testing.T, root string, wantDirs, wantFiles int) {
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
		want := os.FileMode(0o600)
		if d.IsDir() {
			dirs++
			want = 0o700
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
