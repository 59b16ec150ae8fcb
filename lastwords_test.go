package logcrest_test

// The last words of a dying process, and a console nobody reads: each case
// runs the test binary again as a child process that logs and then dies (or
// has its stdout cut), and the parent reads the files the child left.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
)

// childEnv selects what the child process does; childDir is its log folder.
const (
	childEnv = "LOGCREST_TEST_CHILD"
	childDir = "LOGCREST_TEST_CHILD_DIR"
)

// childRecords is how many info records each child logs before it dies.
const childRecords = 1000

// runChild runs this test binary as a child doing mode, with stdout
// connected to stdout (nil: discarded), and returns its exit code and
// stderr. It fails the test if the child runs for more than 30 s.
func runChild(t *testing.T, test, mode, dir string, stdout io.Writer) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDir+"="+dir)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("child %s did not finish in 30 s; stderr:\n%s", mode, stderr.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String()
	}
	t.Fatalf("child %s: %v", mode, err)
	return 0, ""
}

// childLogs configures the child's pipeline and logs childRecords info
// records and one error record, leaving them queued.
func childLogs() {
	_ = logcrest.Configure(logcrest.WithDir(os.Getenv(childDir)), logcrest.WithName("steps"), logcrest.WithConsole(nil))
	log := logcrest.Log(context.Background())
	for i := range childRecords {
		log.Info().Int("i", i).Msg("work")
	}
	log.Error().Str("order", "ORD-42").Msg("charge failed")
}

// checkLastWords checks the files a dying child left: success records,
// then the error record and the last record, whose message is last.
func checkLastWords(t *testing.T, dir, last string, success int) []stepRecord {
	t.Helper()
	if n := len(readStream(t, dir, "success")); n != success {
		t.Errorf("success file holds %d records, want %d", n, success)
	}
	errs := readStream(t, dir, "error")
	if len(errs) < 2 || errs[0]["message"] != "charge failed" || errs[len(errs)-1]["message"] != last {
		t.Fatalf("error file = %v, want the error record then %q", errs, last)
	}
	return errs
}

// TestFatalRecordReachesDisk: Log(ctx).Fatal() writes the fatal record and
// everything queued before it to the files before zerolog exits the process.
func TestFatalRecordReachesDisk(t *testing.T) {
	if os.Getenv(childEnv) == "fatal" {
		childLogs()
		logcrest.Log(context.Background()).Fatal().Msg("dying")
		return
	}
	dir := t.TempDir()
	code, stderr := runChild(t, "TestFatalRecordReachesDisk", "fatal", dir, nil)
	if code != 1 {
		t.Fatalf("child exit code %d, want 1 (zerolog's Fatal); stderr:\n%s", code, stderr)
	}
	errs := checkLastWords(t, dir, "dying", childRecords)
	if errs[len(errs)-1]["level"] != "fatal" {
		t.Errorf("last record %v is not at fatal level", errs[len(errs)-1])
	}
}

// TestPanicRecordReachesDisk: Log(ctx).Panic() in a goroutine, unrecovered,
// kills the process; its record and everything before it are on disk.
func TestPanicRecordReachesDisk(t *testing.T) {
	if os.Getenv(childEnv) == "panic" {
		childLogs()
		done := make(chan struct{})
		go func() {
			defer close(done)
			logcrest.Log(context.Background()).Panic().Msg("boom")
		}()
		<-done
		return
	}
	dir := t.TempDir()
	code, stderr := runChild(t, "TestPanicRecordReachesDisk", "panic", dir, nil)
	if code != 2 || !strings.Contains(stderr, "panic: boom") {
		t.Fatalf("child exit code %d, want 2 with the panic; stderr:\n%s", code, stderr)
	}
	checkLastWords(t, dir, "boom", childRecords)
}

// TestStepPanicReachesDisk: a panic leaving the outermost step of a
// goroutine kills the process; the step's failure record, with its stack, is
// on disk.
func TestStepPanicReachesDisk(t *testing.T) {
	if os.Getenv(childEnv) == "step" {
		childLogs()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = logcrest.Run(context.Background(), "nightly_job", func(context.Context) error {
				panic("job exploded")
			})
		}()
		<-done
		return
	}
	dir := t.TempDir()
	code, stderr := runChild(t, "TestStepPanicReachesDisk", "step", dir, nil)
	if code != 2 || !strings.Contains(stderr, "job exploded") {
		t.Fatalf("child exit code %d, want 2 with the panic; stderr:\n%s", code, stderr)
	}
	errs := checkLastWords(t, dir, "step failed", childRecords+1) // + "step started"
	last := errs[len(errs)-1]
	if last["fn"] != "nightly_job" || !strings.Contains(fmt.Sprint(last["stack"]), "lastwords_test.go") {
		t.Errorf("step failure record %v lacks fn or stack", last)
	}
}

// TestBrokenStdoutIsNotFatal: with the default console (stdout) piped into
// a reader that goes away (./svc | head -c 10), the process is not killed by
// SIGPIPE: the console's records are counted failed with one warning, the
// files get everything, and the process exits normally.
func TestBrokenStdoutIsNotFatal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGPIPE on Windows")
	}
	if os.Getenv(childEnv) == "sigpipe" {
		// The console is os.Stdout, the default; the parent has closed
		// the pipe's read end before the child logs anything.
		// A piped stdout gets warnings and above by default: ask for
		// every record, so each one meets the broken pipe.
		_ = logcrest.Configure(logcrest.WithDir(os.Getenv(childDir)), logcrest.WithName("steps"),
			logcrest.WithConsoleLevel("debug"))
		for i := range childRecords {
			logcrest.Log(context.Background()).Info().Int("i", i).Msg("work")
		}
		err := logcrest.Close()
		st := logcrest.Stats()
		fmt.Fprintf(os.Stderr, "child: close=%v failed=%d written=%d\n", err, st.Failed, st.Written)
		if st.Failed != childRecords {
			os.Exit(3)
		}
		os.Exit(0) // before the test framework writes PASS to the broken stdout
	}
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before the child writes
	defer w.Close()
	code, stderr := runChild(t, "TestBrokenStdoutIsNotFatal", "sigpipe", dir, w)
	if code != 0 {
		t.Fatalf("child exit code %d, want 0 (not killed by SIGPIPE, every console record counted failed); stderr:\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "logcrest: warning: writing to the console sink failed"); n != 1 {
		t.Errorf("stderr has %d console warnings, want 1:\n%s", n, stderr)
	}
	if !strings.Contains(stderr, "broken pipe") {
		t.Errorf("the warning does not name the broken pipe:\n%s", stderr)
	}
	if n := len(readStream(t, dir, "success")); n != childRecords {
		t.Errorf("success file holds %d records, want %d", n, childRecords)
	}
}
