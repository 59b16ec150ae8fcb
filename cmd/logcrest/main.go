// Command logcrest reads the log folder LogCrest writes and shows what
// happened: one flow as a waterfall with every record it left, the flows of
// a time window, per-route latency, and the records as they are written.
//
//	go install github.com/logcrest/logcrest/cmd/logcrest@latest
//
//	logcrest show ID          a flow (flow ID or trace ID): summary, waterfall, records
//	logcrest flows            one line per finished flow, newest last
//	logcrest stats            per route (or flow label): count, failures, p50/p95/p99/max
//	logcrest tail [-f]        records rendered like the console, following rotation
//
// The folder is found as LogCrest finds it: --dir (repeatable: one folder a
// service), else LOGCREST_DIR, else base_log_dir in ./log_config.json (or
// --config), else "logs". Every name in the folder is read unless --name,
// LOGCREST_NAME or log_name picks one. Live files, rotated backups and
// gzipped backups are read alike. A "-" argument reads JSON lines on stdin;
// other arguments name more folders or single files.
//
// Whatever the files hold, nothing they hold reaches the terminal raw:
// record values, and file names, folder names and the error messages that
// embed them, are printed escaped (Go escapes: "\x1b", "\u202e", "\xff")
// when they hold a control character, a C1 control, a bidi or other
// format character, or invalid UTF-8, on stdout and stderr alike; --json
// output writes such characters as \uXXXX.
//
// Its memory stays bounded whatever the files hold (a gzipped backup that
// inflates to gigabytes, one endless line, a flow repeated a million
// times):
//   - a line longer than 1 MiB is skipped, and counted on stderr once per
//     file ("skipped 1 line longer than 1 MiB: FILE (1)");
//   - each file being read holds one 1 MiB chunk and hands its flows on in
//     batches of at most 4096 (or 1 MiB of lines): flows and flows -n N
//     hold a few batches (and the last N), never a whole file's;
//   - show holds at most 5000 records of what it shows (or 4 MiB of
//     lines): the first in seq order, flow_start and flow_end kept first,
//     and says on stderr how many more it left out;
//   - stats keeps a route's first 1024 durations exactly, then counts them
//     in a histogram of 2 % buckets (its percentiles are then within 1 %
//     of the exact ones; count, failures and max stay exact), and tells
//     at most 1000 routes and labels apart, counting the flows of any
//     other under "(other routes and labels)", said on stderr;
//   - tail holds the last -n records.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
	"github.com/logcrest/logcrest/writers"
)

// env is what a run of the command sees of the world, so that tests can run
// it in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) (string, bool)
	// isTerminal reports whether stdout is a terminal that takes colour
	// (NO_COLOR unset); width its width in columns, 0 when unknown.
	isTerminal func() bool
	width      func() int
	now        func() time.Time
	poll       time.Duration // how often tail -f looks at its files
	workers    int           // files read at once
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := env{
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.LookupEnv,
		isTerminal: func() bool { return writers.ColorFor(os.Stdout) },
		width:      func() int { return terminalWidth(os.Stdout) },
		now:        time.Now,
		poll:       200 * time.Millisecond,
		workers:    runtime.GOMAXPROCS(0),
	}
	code := run(ctx, os.Args[1:], e)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // nothing found, or the folder cannot be read
	exitUsage   = 2
	// exitInterrupted is the shell's code for a command ended by SIGINT.
	exitInterrupted = 130
)

const usage = `logcrest reads the log folder LogCrest writes.

usage:
  logcrest show ID [flags] [source...]   a flow (flow ID or trace ID): summary, waterfall, records
  logcrest flows [flags] [source...]     one line per finished flow, newest last
  logcrest stats [flags] [source...]     per route: count, failure rate, p50/p95/p99/max
  logcrest tail [-f] [flags] [source...] records rendered like the console

sources: --dir DIR (repeatable), else LOGCREST_DIR, else base_log_dir in
./log_config.json, else ./logs; "-" reads JSON lines on stdin; other
arguments are more folders or single files (.log or .log.gz).
A line longer than 1 MiB is skipped and counted on stderr.

"logcrest COMMAND -h" lists the flags of a command.
`

// run runs the command line args (without the program name) and returns the
// exit code.
func run(ctx context.Context, args []string, e env) int {
	if e.workers < 1 {
		e.workers = 1
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.poll <= 0 {
		e.poll = 200 * time.Millisecond
	}
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "show":
		err = cmdShow(ctx, rest, e)
	case "flows":
		err = cmdFlows(ctx, rest, e)
	case "stats":
		err = cmdStats(ctx, rest, e)
	case "tail":
		err = cmdTail(ctx, rest, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "logcrest: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintf(e.stderr, "logcrest %s: %s\n", cmd, logread.CleanErr(err))
		}
		return exitUsage
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return exitInterrupted // Ctrl-C: nothing to say
	}
	// The parts that come from the filesystem are escaped where the error
	// is made; cleanErr is the last guard (it leaves an escaped message as
	// it is).
	fmt.Fprintf(e.stderr, "logcrest %s: %s\n", cmd, logread.CleanErr(err))
	return exitFailure
}

// usageError is a bad command line; an empty one was reported already
// (by the flag package).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// common holds the flags every command takes.
type common struct {
	dirs   multiFlag
	name   string
	config string
	color  string
	width  int
	now    string
	nowT   time.Time
}

func (c *common) register(fs *flag.FlagSet) {
	fs.Var(&c.dirs, "dir", "log folder; repeat for several services (default: LOGCREST_DIR, base_log_dir, logs)")
	fs.StringVar(&c.name, "name", "", "read only this logger's files (default: LOGCREST_NAME, log_name, else every name)")
	fs.StringVar(&c.config, "config", "", "config file read for base_log_dir and log_name (default ./log_config.json)")
	fs.StringVar(&c.color, "color", "auto", "colour: auto (a terminal, NO_COLOR unset), always or never")
	fs.IntVar(&c.width, "width", 0, "output width in columns (default: the terminal's, else COLUMNS, else 100)")
	fs.StringVar(&c.now, "now", "", "the time --since counts back from, RFC 3339 (default: the clock)")
}

// colorOn decides the colour for stdout.
func (c *common) colorOn(e env) (bool, error) {
	switch c.color {
	case "auto", "":
		return e.isTerminal != nil && e.isTerminal(), nil
	case "always":
		return true, nil
	case "never":
		return false, nil
	}
	return false, usagef("--color %q: want auto, always or never", c.color)
}

// columns is the output width.
func (c *common) columns(e env) int {
	if c.width > 0 {
		return max(c.width, 40)
	}
	if e.width != nil {
		if w := e.width(); w > 0 {
			return max(w, 40)
		}
	}
	if s, ok := e.getenv("COLUMNS"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			return max(n, 40)
		}
	}
	return 100
}

// sources finds what a command reads (see logread.Find) from the common
// flags and the arguments, and prints the warnings of the folders read.
func (c *common) sources(e env, args []string, streams []string, activeOnly bool) (*logread.Set, error) {
	set, err := logread.Find(logread.Query{
		Config: c.config, Name: c.name, Dirs: c.dirs, Args: args,
		Streams: streams, ActiveOnly: activeOnly,
		Getenv: e.getenv, Warn: e.stderr,
	})
	if errors.Is(err, logread.ErrBadName) {
		return nil, usagef("%s", err)
	}
	if err != nil {
		return nil, err
	}
	for _, w := range set.Warnings {
		fmt.Fprintln(e.stderr, "logcrest:", w)
	}
	return set, nil
}

// partSize is the size of the parts a big plain file is read in (see
// logread.SplitSources). A variable for the tests.
var partSize = logread.PartSize

// parseNow sets nowT from --now or the clock.
func (c *common) parseNow(e env) error {
	if c.now == "" {
		c.nowT = e.now()
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, c.now)
	if err != nil {
		return usagef("--now %q: want an RFC 3339 time", c.now)
	}
	c.nowT = t
	return nil
}

// multiFlag is a string flag that may be repeated.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error {
	if s == "" {
		return errors.New("empty folder")
	}
	*m = append(*m, s)
	return nil
}

// newFlagSet returns a flag set for cmd whose errors go to stderr.
func newFlagSet(cmd, synopsis string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: logcrest %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses args with fs, allowing flags after positional arguments
// (logcrest show ID --dir logs), and returns the positional ones. Everything
// after "--" is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{} // the flag package has printed it
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
