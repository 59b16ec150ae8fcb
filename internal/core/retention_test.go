package core

// Retention through the pipeline: WithCompress and WithMaxAge reach the
// rotating files (openFileSink), checked from the files on disk.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/testkit"
)

// gzRecords parses every line of the gzip file at path as a JSON record.
func gzRecords(t *testing.T, path string) []record {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []record
	for line := range bytes.Lines(data) {
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: line %q is not JSON: %v", path, line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestPipelineCompressesRotatedFiles: with WithCompress, every rotated file
// of a stream ends up as a private .gz once Close returns; the .gz files,
// oldest first, then the live file hold every record exactly once, in order.
func TestPipelineCompressesRotatedFiles(t *testing.T) {
	dir := t.TempDir()
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithMaxSize(8<<10),
		WithBackupCount(1000), WithCompress(true), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for i := range n {
		p.Logger().Info().Int("i", i).Str("pad", "some payload to fill the files").Msg("rec")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, StreamSuccess)
	gzs, err := filepath.Glob(filepath.Join(folder, "svc-*.log.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(gzs) < 5 {
		t.Fatalf("%d compressed files, want one per rotation", len(gzs))
	}
	sort.Strings(gzs)
	entries, err := os.ReadDir(folder)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if name != "svc.log" && !strings.HasSuffix(name, ".log.gz") {
			t.Errorf("left in %s: %s (want the live file and .gz files only)", folder, name)
		}
	}
	var recs []record
	for _, gz := range gzs {
		info, err := os.Stat(gz)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", gz, info.Mode().Perm())
		}
		recs = append(recs, gzRecords(t, gz)...)
	}
	recs = append(recs, testkit.ReadStream[record](t, dir, StreamSuccess, "svc")...) // the live file
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	for i, r := range recs {
		if got, ok := r["i"].(float64); !ok || int(got) != i || r["message"] != "rec" {
			t.Fatalf("record %d is %v: lost, duplicated or out of order", i, r)
		}
	}
}

// TestPipelineMaxAgeRemovesOldBackups: with WithMaxAge(7), backups made
// (named) 10 days ago are removed at the next rotation, plain or
// compressed; those of an hour ago are kept.
func TestPipelineMaxAgeRemovesOldBackups(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, StreamSuccess)
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	plant := func(suffix string, age time.Duration) string {
		name := "svc-" + time.Now().Add(-age).UTC().Format("2006-01-02T15-04-05.000") + suffix
		path := filepath.Join(folder, name)
		if err := os.WriteFile(path, []byte(`{"message":"old"}`+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		mod := time.Now().Add(-age)
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
		return path
	}
	old := []string{
		plant(".log", 10*24*time.Hour),
		plant(".log.gz", 10*24*time.Hour-time.Minute),
	}
	recent := []string{
		plant(".log", time.Hour),
		plant(".log.gz", time.Hour-time.Minute),
	}
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithMaxSize(4<<10),
		WithBackupCount(1000), WithMaxAge(7), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 { // rotates
		p.Logger().Info().Int("i", i).Str("pad", "some payload to fill the files").Msg("rec")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range old {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s (10 days old) kept: %v", filepath.Base(path), err)
		}
	}
	for _, path := range recent {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s (an hour old) removed: %v", filepath.Base(path), err)
		}
	}
	if files := testkit.StreamFiles(t, dir, StreamSuccess, "svc"); len(files) < 3 { // a recent plant, new backups, live
		t.Fatalf("no rotation happened: %v", files)
	}
}

// TestPipelineBackupCountZeroKeepsNone (issue 19 item 13): backup_count 0
// keeps no backup, as configured and documented, although the writers'
// RotatingFileOptions.Backups 0 now keeps all (lumberjack's meaning): core
// asks for writers.NoBackups. The newest records are all in the live file.
func TestPipelineBackupCountZeroKeepsNone(t *testing.T) {
	dir := t.TempDir()
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithMaxSize(4<<10),
		WithBackupCount(0), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 { // about 20 KB: rotates
		p.Logger().Info().Int("i", i).Str("pad", "some payload to fill the files").Msg("rec")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	files := testkit.StreamFiles(t, dir, StreamSuccess, "svc")
	if len(files) != 1 || filepath.Base(files[0]) != "svc.log" {
		t.Fatalf("files %v, want the live file alone", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || !bytes.Contains(data, []byte(`"i":199`)) {
		t.Fatalf("live file does not end with the last record: %q", data)
	}
}

// TestPipelineWarnsOfBackupsNamedInTheFuture (issue 19 item 1): a backup
// named an hour in the future (a clock stepped back) gets one
// "logcrest: warning:" line on the warning output, and the newest records
// are kept: the planted backup is pruned first.
func TestPipelineWarnsOfBackupsNamedInTheFuture(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, StreamSuccess)
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	future := filepath.Join(folder, "svc-"+time.Now().Add(time.Hour).UTC().Format("2006-01-02T15-04-05.000")+".log")
	if err := os.WriteFile(future, []byte(`{"message":"old"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var warnings bytes.Buffer
	defer SetWarnOutput(&warnings)()
	p, err := New(WithConfigFile(""), WithDir(dir), WithName("svc"), WithMaxSize(4<<10),
		WithBackupCount(2), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		p.Logger().Info().Int("i", i).Str("pad", "some payload to fill the files").Msg("rec")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(future); !os.IsNotExist(err) {
		t.Errorf("the backup named in the future was kept over newer ones: %v", err)
	}
	files := testkit.StreamFiles(t, dir, StreamSuccess, "svc")
	var all []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, data...)
	}
	if !bytes.Contains(all, []byte(`"i":199`)) || !bytes.Contains(all, []byte(`"i":150`)) {
		t.Fatalf("the newest records are not on disk (%d files)", len(files))
	}
	lines := strings.Split(strings.TrimSuffix(warnings.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "logcrest: warning: ") || !strings.Contains(lines[0], "in the future") {
		t.Fatalf("warnings %q, want one line about backups named in the future", warnings.String())
	}
}
