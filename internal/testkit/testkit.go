package testkit

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/logcrest/logcrest/internal/jsoncheck"
)

// Buffer is an io.Writer that several goroutines may write while a test
// reads what was written. Its zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Bytes returns a copy of everything written so far.
func (s *Buffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// Reset forgets everything written so far.
func (s *Buffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// Lines returns the lines written so far without their newlines; nil when
// nothing was written.
func (s *Buffer) Lines() []string {
	text := s.String()
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// ParseLines decodes every line of data as one JSON object and returns them
// in order. It fails the test, naming where, on a line that is not exactly
// one JSON object or that repeats a key in any object at any depth
// (jsoncheck.Unique). R is any map type with string keys, such as a
// package's own record type.
func ParseLines[R ~map[string]any](t testing.TB, where string, data []byte) []R {
	t.Helper()
	var out []R
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if err := jsoncheck.Unique(sc.Bytes()); err != nil {
			t.Fatalf("%s: line %q: %v", where, sc.Text(), err)
		}
		var r R
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: line %q is not a JSON object: %v", where, sc.Text(), err)
		}
		if r == nil {
			t.Fatalf("%s: line %q is not a JSON object", where, sc.Text())
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return out
}

// ReadFile reads the log file at path with [ParseLines]. A missing file is
// a test failure unless missingOK, when it reads as no records.
func ReadFile[R ~map[string]any](t testing.TB, path string, missingOK bool) []R {
	t.Helper()
	data, err := os.ReadFile(path)
	if missingOK && os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return ParseLines[R](t, path, data)
}

// StreamFiles returns, sorted by name, the live file and the uncompressed
// backups of one stream: dir/stream/name*.log.
func StreamFiles(t testing.TB, dir, stream, name string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, stream, name+"*.log"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// ReadStream reads every file of [StreamFiles] with [ParseLines], in name
// order, and also fails the test on a file whose last line is not complete.
func ReadStream[R ~map[string]any](t testing.TB, dir, stream, name string) []R {
	t.Helper()
	var out []R
	for _, f := range StreamFiles(t, dir, stream, name) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			t.Fatalf("%s does not end in a newline", f)
		}
		out = append(out, ParseLines[R](t, f, data)...)
	}
	return out
}

// WantFields reports an error for each field of want that r lacks or holds
// with another value (JSON numbers compare as float64).
func WantFields[R ~map[string]any](t testing.TB, r R, want map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got, ok := r[k]; !ok || got != want[k] {
			t.Errorf("%s = %#v (present %v), want %#v\nrecord: %v", k, got, ok, want[k], r)
		}
	}
}

// Gzipped returns data gzipped.
func Gzipped(data []byte) []byte {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(data) // a bytes.Buffer does not fail
	_ = zw.Close()
	return gz.Bytes()
}

// CompressLikeTheRotator replaces the backup at path by its .gz the way
// LogCrest's compressor does: the .gz complete, with the backup's
// modification time, then the backup removed.
func CompressLikeTheRotator(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".gz", Gzipped(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path+".gz", info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
