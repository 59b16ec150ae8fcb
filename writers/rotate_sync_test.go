package writers

import (
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/logcrest/logcrest/internal/testkit"
)

// TestRotatingFileSyncCommitsFileBackupsAndFolder (issue 19 item 19): Sync
// fsyncs the live file, every backup rotated since the last Sync, and (unix)
// the folder whose entries changed; a Sync with nothing new commits the live
// file alone. Observed through the fsync seam, so a Sync that stops syncing
// fails here.
func TestRotatingFileSyncCommitsFileBackupsAndFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	w := testkit.WatchSyncs(t, dir)
	f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10, Backups: 5})
	rotWrite(t, f, []byte("record-01\n"))
	rotWrite(t, f, []byte("record-02\n")) // rotates first
	if got := w.Take(); len(got) != 0 {
		t.Fatalf("synced before Sync: %v", got)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	backups := rotBackups(t, path)
	if len(backups) != 1 {
		t.Fatalf("backups %v, want one", backups)
	}
	want := []string{path, backups[0]}
	if runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" {
		want = append(want, dir)
	}
	got := w.Take()
	for _, name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("Sync after a rotation committed %v; %s missing", got, name)
		}
	}
	rotWrite(t, f, []byte("record-03\n")) // rotates again
	rotWrite(t, f, []byte("r4\n"))
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := w.Take(); !slices.Contains(got, path) || slices.Contains(got, backups[0]) {
		t.Errorf("second Sync committed %v: want the live file, and not the backup already synced", got)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := w.Take(); !slices.Equal(got, []string{path}) {
		t.Errorf("a Sync with nothing new committed %v, want the live file alone", got)
	}
}
