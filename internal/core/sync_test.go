package core

import (
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/fsync"
	"github.com/logcrest/logcrest/internal/testkit"
)

// dirSyncs says whether folders are committed here (not on Windows, where
// the file system's journal orders the entries).
var dirSyncs = runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1"

// TestCloseSyncsTheFiles (issue 19 item 19): Close commits every file to
// stable storage: the three live files, the backup rotated since the last
// sync and (unix) the folder whose entries the rotation changed. The syncs
// are seen through the writers' fsync seam, after every record was already
// written (Flush), so a Close that stops syncing fails here.
func TestCloseSyncsTheFiles(t *testing.T) {
	dir := t.TempDir()
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithMaxSize(4<<10),
		WithBackupCount(10), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 { // about 6 KB: one rotation of success/
		p.Logger().Info().Int("i", i).Str("pad", "some payload to fill the file").Msg("rec")
	}
	p.Logger().Error().Msg("one error")
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	w := testkit.WatchSyncs(t, dir)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	got := w.Take()
	want := []string{
		filepath.Join(dir, StreamSuccess, "svc.log"),
		filepath.Join(dir, StreamError, "svc.log"),
		filepath.Join(dir, StreamFlows, "svc.log"),
	}
	files := testkit.StreamFiles(t, dir, StreamSuccess, "svc")
	if len(files) != 2 {
		t.Fatalf("success files %v, want one backup and the live file", files)
	}
	want = append(want, files[0])
	if dirSyncs {
		want = append(want, filepath.Join(dir, StreamSuccess))
	}
	for _, name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("Close committed %v; %s missing", got, name)
		}
	}
	if n := len(testkit.ReadStream[record](t, dir, StreamSuccess, "svc")); n != 60 {
		t.Errorf("%d records in success/, want 60", n)
	}
}

// TestLastWordsAreSynced (issue 19 item 19): a panic record, and a fatal
// one (zerolog's exit replaced for the test), are in their file and the
// files synced when the log call returns (zerolog panics or exits next).
// The syncs are seen through the writers' fsync seam.
func TestLastWordsAreSynced(t *testing.T) {
	dir := t.TempDir()
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Logger().Info().Msg("before")
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	errFile := filepath.Join(dir, StreamError, "svc.log")
	okFile := filepath.Join(dir, StreamSuccess, "svc.log")
	w := testkit.WatchSyncs(t, dir)

	func() {
		defer func() { _ = recover() }()
		p.Logger().Panic().Msg("last words: panic")
	}()
	if got := w.Take(); !slices.Contains(got, errFile) || !slices.Contains(got, okFile) {
		t.Errorf("after a panic record the files synced were %v, want %s and %s", got, errFile, okFile)
	}

	saved := zerolog.FatalExitFunc
	exited := false
	zerolog.FatalExitFunc = func() { exited = true }
	t.Cleanup(func() { zerolog.FatalExitFunc = saved })
	sawFatal := false
	stop := fsync.Observe(func(name string) {
		if name == errFile && !sawFatal {
			// The record is on disk by the time its file is synced.
			for _, r := range testkit.ReadStream[record](t, dir, StreamError, "svc") {
				if r["message"] == "last words: fatal" {
					sawFatal = true
				}
			}
		}
	})
	p.Logger().Fatal().Msg("last words: fatal")
	stop()
	during := w.Take()
	if !exited {
		t.Fatal("zerolog's FatalExitFunc was not called")
	}
	if !slices.Contains(during, errFile) || !sawFatal {
		t.Errorf("after a fatal record the files synced were %v (record in the file when synced: %v), want %s", during, sawFatal, errFile)
	}
	recs := testkit.ReadStream[record](t, dir, StreamError, "svc")
	if len(recs) != 2 || recs[0]["message"] != "last words: panic" || recs[1]["message"] != "last words: fatal" {
		t.Errorf("error/ holds %v, want the panic and the fatal record", recs)
	}
}
