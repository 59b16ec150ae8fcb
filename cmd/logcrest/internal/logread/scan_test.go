package logread

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/logcrest/logcrest/internal/testkit"
)

// The reading side on its own: the scanner, and sources that change
// between the listing and the read (a backup compressed meanwhile).

// A plain backup compressed and removed between the listing and the read
// (what LogCrest's compressor does while a command runs) is read from its
// .gz: whole, and a part of it at the same offsets; every line once.
func TestSourceCompressedSinceListed(t *testing.T) {
	dir := t.TempDir()
	backup := filepath.Join(dir, "app-2026-03-14T09-26-53.000.log")
	var want []string
	var body strings.Builder
	for i := range 40 {
		l := fmt.Sprintf(`{"level":"info","message":"line %d"}`, i)
		want = append(want, l)
		body.WriteString(l + "\n")
	}
	if err := os.WriteFile(backup, []byte(body.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	whole := Source{Path: backup, Name: "app", Stream: "success"}
	cut := int64(strings.Index(body.String(), want[25]))
	parts := []Source{whole, whole}
	parts[0].Off, parts[0].N = 0, cut
	parts[1].Off, parts[1].N = cut, int64(body.Len())-cut

	testkit.CompressLikeTheRotator(t, backup)
	read := func(srcs ...Source) []string {
		rep := NewReport()
		var got []string
		for _, s := range srcs {
			ScanSource(context.Background(), s, nil, nil, rep, func(line []byte, _ bool) { got = append(got, string(line)) })
		}
		var stderr bytes.Buffer
		rep.Write(&stderr)
		if stderr.Len() > 0 {
			t.Errorf("report: %s", stderr.String())
		}
		return got
	}
	if got := read(whole); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("whole: %d lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	if got := read(parts...); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("in two parts: %d lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	// Gone in both forms: reported, not silent.
	os.Remove(backup + ".gz")
	rep := NewReport()
	ScanSource(context.Background(), whole, nil, nil, rep, func([]byte, bool) {})
	var stderr bytes.Buffer
	rep.Write(&stderr)
	if !strings.Contains(stderr.String(), "no such file") {
		t.Errorf("a backup gone in both forms: report %q", stderr.String())
	}
}

// A backup listed while it is being compressed, with its finished .gz
// beside it, is one file: listed once, read once even when the plain one
// goes before it is read.
func TestBackupBesideItsGzIsListedOnce(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "success")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(sub, "app-2026-03-14T09-26-53.000.log")
	body := `{"level":"info","message":"one"}` + "\n" + `{"level":"info","message":"two"}` + "\n"
	for path, data := range map[string][]byte{
		backup: []byte(body), backup + ".gz": testkit.Gzipped([]byte(body)),
		filepath.Join(sub, "app.log"): []byte(`{"level":"info","message":"three"}` + "\n"),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, _, err := ListFolder(Folder{Path: dir, From: "--dir"}, "", Streams, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Path))
	}
	if want := "app-2026-03-14T09-26-53.000.log app.log"; strings.Join(names, " ") != want {
		t.Fatalf("listed %q, want %q", strings.Join(names, " "), want)
	}
	os.Remove(backup) // the compressor finishes
	var got []string
	rep := NewReport()
	for _, f := range files {
		ScanSource(context.Background(), f, nil, nil, rep, func(line []byte, _ bool) { got = append(got, string(line)) })
	}
	if len(got) != 3 || !strings.Contains(got[0], "one") || !strings.Contains(got[2], "three") {
		t.Errorf("read %d lines: %q", len(got), got)
	}
}

// The scanner: lines across chunk boundaries, a line longer than the
// buffer, a last line without '\n', CRLF.
func TestScanLines(t *testing.T) {
	long := strings.Repeat("x", MaxLineSize-100) + "NEEDLE" // across the end of the first chunk
	input := "a NEEDLE\r\nb\n" + long + "\n" + strings.Repeat("y", chunkSize-3) + "\nc NEEDLE"
	var got []string
	var ends []bool
	_, longs, err := ScanLines(context.Background(), strings.NewReader(input), []byte("NEEDLE"), func(line []byte, unterminated bool) {
		got = append(got, string(line))
		ends = append(ends, unterminated)
	})
	if err != nil || longs != 0 || len(got) != 3 || got[0] != "a NEEDLE" || got[1] != long || got[2] != "c NEEDLE" || !ends[2] || ends[0] {
		t.Fatalf("err %v, long %d, %d lines, ends %v", err, longs, len(got), ends)
	}
	var n int
	_, _, _ = ScanLines(context.Background(), strings.NewReader(input), nil, func([]byte, bool) { n++ })
	if n != 5 {
		t.Errorf("every line: %d, want 5", n)
	}
	if runtime.GOARCH != "386" {
		huge := strings.Repeat("z", MaxLineSize+10) + "\nafter NEEDLE\n"
		got = nil
		_, longs, _ = ScanLines(context.Background(), strings.NewReader(huge), []byte("NEEDLE"), func(line []byte, _ bool) { got = append(got, string(line)) })
		if longs != 1 || len(got) != 1 || got[0] != "after NEEDLE" {
			t.Errorf("over-long line: long %d, got %d lines", longs, len(got))
		}
	}
}
