//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package writers

// TestRotatingFileTwoProcesses (item 2) runs the test binary twice more, as
// two child processes writing the same log path at once, then checks from
// the files on disk that no record was lost, duplicated or torn and that no
// file passed MaxSize.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// rotChildEnv selects child mode: "<path> <proc>".
	rotChildEnv    = "LOGCREST_ROTATE_CHILD"
	rotChildProcs  = 2
	rotChildRecs   = 100_000
	rotChildMaxSz  = 1 << 20
	rotChildBackup = 1000
)

// rotChildPad fills each record to about 100 bytes.
var rotChildPad = strings.Repeat("x", 60)

// rotChildLine appends record seq of child proc, a JSON object on one line:
// {"proc":1,"seq":42,"msg":"xxx…"}.
func rotChildLine(dst []byte, proc, seq int) []byte {
	dst = append(dst, `{"proc":`...)
	dst = strconv.AppendInt(dst, int64(proc), 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, int64(seq), 10)
	dst = append(dst, `,"msg":"`...)
	dst = append(dst, rotChildPad...)
	return append(dst, "\"}\n"...)
}

// rotParseChildLine parses a line written by rotChildLine (with its '\n').
// The line must be, byte for byte, the record rotChildLine makes for its proc
// and seq (in range), so it is whole, valid JSON; a torn or glued line is
// not. (No json.Unmarshal: 200,000 of them take seconds under -race.)
func rotParseChildLine(line []byte) (proc, seq int, ok bool) {
	_, rest, _ := bytes.Cut(line, []byte(`{"proc":`))
	procText, rest, _ := bytes.Cut(rest, []byte(`,"seq":`))
	seqText, _, _ := bytes.Cut(rest, []byte(`,`))
	proc, perr := strconv.Atoi(string(procText))
	seq, serr := strconv.Atoi(string(seqText))
	if perr != nil || serr != nil || proc < 0 || proc >= rotChildProcs || seq < 0 || seq >= rotChildRecs {
		return 0, 0, false
	}
	var buf [128]byte
	return proc, seq, bytes.Equal(line, rotChildLine(buf[:0], proc, seq))
}

func TestRotatingFileTwoProcesses(t *testing.T) {
	if spec := os.Getenv(rotChildEnv); spec != "" {
		rotChild(t, spec)
		return
	}
	path := filepath.Join(t.TempDir(), "shared.log")
	runRotChildren(t, "TestRotatingFileTwoProcesses", rotChildEnv, path)
	rotCheckShared(t, path)
}

// runRotChildren runs rotChildProcs copies of the test binary as children
// of test, each told by env which file to write and its number, lets them
// go at once (their stdin closed) and waits for them, failing the test with
// a child's output if it failed.
func runRotChildren(t *testing.T, test, env, path string) {
	t.Helper()
	runRotChildrenWithin(t, 0, test, env, path)
}

// runRotChildrenWithin is runRotChildren with a deadline of its own when
// within is not 0: children still running then are killed and the test
// fails saying so.
func runRotChildrenWithin(t *testing.T, within time.Duration, test, env, path string) {
	t.Helper()
	ctx := context.Background()
	if within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, within)
		defer cancel()
	}
	children := make([]*exec.Cmd, rotChildProcs)
	outputs := make([]*bytes.Buffer, rotChildProcs)
	gates := make([]io.WriteCloser, rotChildProcs)
	for i := range children {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", env, path, i))
		outputs[i] = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outputs[i], outputs[i]
		gate, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children[i], gates[i] = cmd, gate
	}
	for _, g := range gates { // all started: let them go at once
		_ = g.Close()
	}
	for i, cmd := range children {
		if err := cmd.Wait(); err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				t.Fatalf("child %d still running %v after the start", i, within)
			}
			t.Fatalf("child %d: %v\n%s", i, err, outputs[i])
		}
	}
}

// rotChild is the child's side: wait for the parent's go (stdin closed),
// then write rotChildRecs numbered records in batches of 1 to 32.
func rotChild(t *testing.T, spec string) {
	path, procText, _ := strings.Cut(spec, " ")
	proc, err := strconv.Atoi(procText)
	if err != nil {
		t.Fatalf("bad %s %q", rotChildEnv, spec)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: rotChildMaxSz, Backups: rotChildBackup})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(int64(proc)))
	var batch []byte
	for seq := 0; seq < rotChildRecs; {
		batch = batch[:0]
		for n := 1 + rng.Intn(32); n > 0 && seq < rotChildRecs; n-- {
			batch = rotChildLine(batch, proc, seq)
			seq++
		}
		if n, err := f.Write(batch); err != nil || n != len(batch) {
			t.Fatalf("Write = %d, %v; want %d", n, err, len(batch))
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// rotCheckShared reads the live file and every backup of path: every line
// must parse, every (proc, seq) appear exactly once, every file stay within
// MaxSize and end in a whole line.
func rotCheckShared(t *testing.T, path string) {
	t.Helper()
	rotCheckSharedN(t, path, rotChildRecs, rotChildMaxSz)
}

// rotCheckSharedN is rotCheckShared for children that wrote recs records
// each into files of at most maxSize bytes.
func rotCheckSharedN(t *testing.T, path string, recs, maxSize int) {
	t.Helper()
	if line := rotChildLine(nil, 1, 42); !json.Valid(line) {
		t.Fatalf("rotChildLine makes invalid JSON: %q", line)
	}
	seen := newRotSeen(recs)
	files := rotFiles(t, path)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		seen.count(t, name, data, maxSize)
	}
	seen.once(t)
	t.Logf("%d files, %d records each from %d processes, all exactly once", len(files), recs, rotChildProcs)
}

// rotSeen counts the records of the children found in their files.
type rotSeen [][]int

// newRotSeen counts recs records from each of rotChildProcs children.
func newRotSeen(recs int) rotSeen {
	seen := make(rotSeen, rotChildProcs)
	for i := range seen {
		seen[i] = make([]int, recs)
	}
	return seen
}

// count counts the records of data, the content of the file name, which
// must stay within maxSize bytes, end in a whole line and hold only the
// children's records.
func (seen rotSeen) count(t *testing.T, name string, data []byte, maxSize int) {
	t.Helper()
	if len(data) > maxSize {
		t.Errorf("%s: %d bytes > MaxSize %d", filepath.Base(name), len(data), maxSize)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("%s ends inside a record", filepath.Base(name))
	}
	for line := range bytes.Lines(data) {
		proc, seq, ok := rotParseChildLine(line)
		if !ok || seq >= len(seen[proc]) {
			t.Fatalf("%s: torn or foreign line %q", filepath.Base(name), line)
		}
		seen[proc][seq]++
	}
}

// once fails unless every record was counted exactly once.
func (seen rotSeen) once(t *testing.T) {
	t.Helper()
	for proc, counts := range seen {
		for seq, n := range counts {
			if n != 1 {
				t.Fatalf("record proc %d seq %d found %d times, want once", proc, seq, n)
			}
		}
	}
}

const (
	// rotReopenChildEnv selects the child mode of
	// TestRotatingFileTwoProcessesReopening: "<path> <proc>".
	rotReopenChildEnv = "LOGCREST_ROTATE_REOPEN_CHILD"
	rotReopenRecs     = 30_000
	rotReopenMaxSz    = 32 << 10
	rotReopenEvery    = 40 // batches between a child's Close and reopen
)

// TestRotatingFileTwoProcessesReopening runs two child processes writing one
// path, each closing its RotatingFile every few dozen batches and opening it
// again: every Close removes the lock file while the other process holds it
// open, and every open may create a new one. Taking the lock on a removed lock
// file, which excludes nobody, shows up on disk as a file over MaxSize, or
// a record lost to two rotations at once; so: every record exactly once,
// no file over MaxSize.
func TestRotatingFileTwoProcessesReopening(t *testing.T) {
	if spec := os.Getenv(rotReopenChildEnv); spec != "" {
		rotReopenChild(t, spec)
		return
	}
	path := filepath.Join(t.TempDir(), "shared.log")
	runRotChildren(t, "TestRotatingFileTwoProcessesReopening", rotReopenChildEnv, path)
	rotCheckSharedN(t, path, rotReopenRecs, rotReopenMaxSz)
}

// rotReopenChild is the child's side: wait for the parent's go, then write
// rotReopenRecs numbered records in batches of 1 to 32, closing and
// reopening every rotReopenEvery batches.
func rotReopenChild(t *testing.T, spec string) {
	path, procText, _ := strings.Cut(spec, " ")
	proc, err := strconv.Atoi(procText)
	if err != nil {
		t.Fatalf("bad %s %q", rotReopenChildEnv, spec)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	o := RotatingFileOptions{Path: path, MaxSize: rotReopenMaxSz, Backups: 100_000}
	f, err := OpenRotatingFile(o)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(int64(proc)))
	var batch []byte
	for seq, batches := 0, 1; seq < rotReopenRecs; batches++ {
		batch = batch[:0]
		for n := 1 + rng.Intn(32); n > 0 && seq < rotReopenRecs; n-- {
			batch = rotChildLine(batch, proc, seq)
			seq++
		}
		if n, err := f.Write(batch); err != nil || n != len(batch) {
			t.Fatalf("Write = %d, %v; want %d", n, err, len(batch))
		}
		if batches%rotReopenEvery == 0 {
			if err := f.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if f, err = OpenRotatingFile(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
