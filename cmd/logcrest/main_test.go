package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the output of this run")

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childArgsEnv); ok {
		os.Exit(runChild(args))
	}
	flag.Parse()
	root, err := os.MkdirTemp("", "logcrest-cmd-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedFixture, err = writeFixture(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writing the fixture:", err)
	}
	code := m.Run()
	os.RemoveAll(root)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// result is what one in-process run of the command gave.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command in-process with args, no terminal, no
// LOGCREST_* variables and no config file, unless env adds some.
func runCmd(t *testing.T, stdin string, vars map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	e := testEnv(strings.NewReader(stdin), &out, &errOut, vars)
	code := run(ctx, args, e)
	return result{code, out.String(), errOut.String()}
}

func testEnv(stdin *strings.Reader, out, errOut *bytes.Buffer, vars map[string]string) env {
	return env{
		stdin:  stdin,
		stdout: out,
		stderr: errOut,
		getenv: func(k string) (string, bool) {
			v, ok := vars[k]
			return v, ok
		},
		isTerminal: func() bool { return false },
		width:      func() int { return 0 },
		now:        time.Now,
		poll:       20 * time.Millisecond,
		workers:    4,
	}
}

// childArgsEnv, set, makes the test binary run the command with these
// arguments (JSON) instead of the tests, in a process of its own: for a
// measure of the command's own memory.
const childArgsEnv = "LOGCREST_CMD_CHILD_ARGS"

func runChild(argsJSON string) int {
	var args []string
	if err := json.Unmarshal([]byte(argsJSON), &args); err != nil {
		fmt.Fprintln(os.Stderr, "child args:", err)
		return 2
	}
	e := env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv:     func(string) (string, bool) { return "", false },
		isTerminal: func() bool { return false }, width: func() int { return 0 },
		now: time.Now, poll: 20 * time.Millisecond, workers: 4,
	}
	code := run(context.Background(), args, e)
	if path := os.Getenv(childPeakEnv); path != "" {
		// The peak of this process's own memory. (Not the child's rusage
		// seen from the parent: on Linux that starts from the parent's
		// peak, carried across the exec.)
		status, err := os.ReadFile("/proc/self/status")
		if err == nil {
			for _, l := range strings.Split(string(status), "\n") {
				if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
					_ = os.WriteFile(path, []byte(strings.TrimSpace(v)), 0o600)
				}
			}
		}
	}
	return code
}

// childPeakEnv names the file the child writes its peak RSS in ("1234 kB").
const childPeakEnv = "LOGCREST_CMD_CHILD_PEAK"
