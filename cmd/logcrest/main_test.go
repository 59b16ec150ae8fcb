package main

import (
	"bytes"
	"context"
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
