package core

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// consoleMessages runs one pipeline with opts whose console is the file
// console (a real *os.File, as a redirected stdout is), logs a record at
// each level from debug to error and a routine and a failed flow_end, and
// returns the messages the console got, in order. terminal is what the
// terminal check answers for that file.
func consoleMessages(t *testing.T, terminal bool, opts ...Option) []string {
	t.Helper()
	old := isTerminal
	isTerminal = func(*os.File) bool { return terminal }
	defer func() { isTerminal = old }()

	dir := t.TempDir()
	console, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer console.Close()
	opts = append([]Option{WithDir(filepath.Join(dir, "logs")), WithName("svc"), WithConfigFile(""),
		WithConsole(console), WithConsoleFormat("json")}, opts...)
	p, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	l := p.Logger()
	l.Debug().Msg(consoleMsgs[0])
	l.Info().Msg(consoleMsgs[1])
	l.Warn().Msg(consoleMsgs[2])
	l.Error().Msg(consoleMsgs[3])
	for _, f := range []struct {
		level  zerolog.Level
		failed bool
		msg    string
	}{{zerolog.InfoLevel, false, consoleMsgs[4]}, {zerolog.ErrorLevel, true, consoleMsgs[5]}} {
		rec, ok := p.AppendFlowHead(nil, f.level, true, f.failed)
		if !ok {
			t.Fatalf("flow head at %v not begun", f.level)
		}
		p.WriteFlow(fmt.Appendf(rec, `,"message":%q}`+"\n", f.msg), time.Now())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(console.Name())
	if err != nil {
		t.Fatal(err)
	}
	// The messages are unique words, so each line, JSON or text, names
	// one of them.
	var msgs []string
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var found []string
		for _, m := range consoleMsgs {
			if strings.Contains(line, m) {
				found = append(found, m)
			}
		}
		if len(found) != 1 {
			t.Fatalf("console line names %q, want one of %q: %s", found, consoleMsgs, line)
		}
		msgs = append(msgs, found[0])
	}
	return msgs
}

// consoleMsgs are the messages consoleMessages logs, in order.
var consoleMsgs = []string{"m-debug", "m-info", "m-warn", "m-error", "m-flow-ok", "m-flow-failed"}

// TestConsoleLevelAutoFollowsWhereTheConsoleWrites: with console_level
// "auto" (the default) a text console that is a file but not a terminal
// (stdout redirected, journald) gets warnings and above only while the
// files are on; a terminal, a JSON console and container mode (files off)
// get every record; an explicit console level wins over all of it.
func TestConsoleLevelAutoFollowsWhereTheConsoleWrites(t *testing.T) {
	all := consoleMsgs
	warnUp := []string{"m-warn", "m-error", "m-flow-failed"}
	cases := []struct {
		name     string
		terminal bool
		opts     []Option
		want     []string
	}{
		{"redirected/text", false, []Option{WithConsoleFormat("text")}, warnUp},
		{"terminal/text", true, []Option{WithConsoleFormat("text")}, all},
		{"redirected/json", false, nil, all},
		{"redirected/text/files-off", false, []Option{WithConsoleFormat("text"), WithFiles(false)}, all},
		{"redirected/text/level-debug", false, []Option{WithConsoleFormat("text"), WithConsoleLevel("debug")}, all},
		{"terminal/text/level-info", true, []Option{WithConsoleFormat("text"), WithConsoleLevel("info")}, all[1:]},
		{"terminal/json/level-error", true, []Option{WithConsoleLevel("error")}, []string{"m-error", "m-flow-failed"}},
		{"files-off/level-warn", false, []Option{WithFiles(false), WithConsoleLevel("warn")}, warnUp},
		// The pipeline's level applies first; the routine flow_end,
		// written whatever the level, is at info.
		{"redirected/text/pipeline-error", false, []Option{WithConsoleFormat("text"), WithLevel("error")}, []string{"m-error", "m-flow-failed"}},
		{"terminal/text/pipeline-error", true, []Option{WithConsoleFormat("text"), WithLevel("error")}, []string{"m-error", "m-flow-ok", "m-flow-failed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := consoleMessages(t, c.terminal, c.opts...); !slices.Equal(got, c.want) {
				t.Errorf("console got %q, want %q", got, c.want)
			}
		})
	}
}

// TestConsoleLevelAutoGivesAWriterEverything: a console writer the program
// gives that is not a file (a buffer, a socket) is never judged a
// redirected stdout: auto gives it every record.
func TestConsoleLevelAutoGivesAWriterEverything(t *testing.T) {
	old := isTerminal
	isTerminal = func(*os.File) bool { t.Error("terminal check asked about a non-file console"); return false }
	defer func() { isTerminal = old }()
	s, errs := Resolve([]Option{WithConfigFile(""), WithConsole(&bytes.Buffer{})}, nil, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	if got := ConsoleMin(s); got != zerolog.TraceLevel {
		t.Errorf("ConsoleMin = %v, want trace (every record)", got)
	}
	s.Console = os.Stdout
	isTerminal = func(*os.File) bool { return false }
	if got := ConsoleMin(s); got != zerolog.WarnLevel {
		t.Errorf("ConsoleMin for a redirected stdout = %v, want warn", got)
	}
}

// TestConsoleLevelSettingLayersAndBadValues: console_level through the
// option, LOGCREST_CONSOLE_LEVEL and the json key, highest layer winning,
// and a bad value in each warned about once, naming it, with the value used.
func TestConsoleLevelSettingLayersAndBadValues(t *testing.T) {
	good := []struct {
		file, env string
		opts      []Option
		want      string
	}{
		{"", "", nil, "auto"},
		{`{"console_level":"Warn"}`, "", nil, "warn"},
		{`{"console_level":3}`, "", nil, "3"},
		{`{"console_level":"info"}`, " ERROR ", nil, "error"},
		{`{"console_level":"info"}`, "error", []Option{WithConsoleLevel(" Auto ")}, "auto"},
		{"", "", []Option{WithConsoleLevel("dbg")}, "dbg"},
	}
	for i, c := range good {
		s, warn := resolveConsoleLevel(t, c.file, c.env, c.opts)
		if s.ConsoleLevel != c.want || warn != "" {
			t.Errorf("case %d: console level %q, warnings %q; want %q, none", i, s.ConsoleLevel, warn, c.want)
		}
	}
	bad := []struct {
		file, env string
		opts      []Option
		want      string
		warning   string
	}{
		{`{"console_level":"loud"}`, "", nil, "auto",
			`: console_level: "loud" is not auto or a level name, using "auto"` + "\n"},
		{`{"console_level":true}`, "", nil, "auto",
			`: console_level: true is not a string, using "auto"` + "\n"},
		{"", "sometimes", nil, "auto",
			`logcrest: warning: LOGCREST_CONSOLE_LEVEL: "sometimes" is not auto or a level name, using "auto"` + "\n"},
		{"", "warn", []Option{WithConsoleLevel("7")}, "auto",
			`logcrest: warning: WithConsoleLevel: "7" is not auto or a level name, using "auto"` + "\n"},
		{"", "nope", []Option{WithConsoleLevel("info")}, "info",
			`logcrest: warning: LOGCREST_CONSOLE_LEVEL: "nope" is not auto or a level name, using "info" from WithConsoleLevel` + "\n"},
	}
	for i, c := range bad {
		s, warn := resolveConsoleLevel(t, c.file, c.env, c.opts)
		if s.ConsoleLevel != c.want || !strings.HasSuffix(warn, c.warning) || strings.Count(warn, "\n") != 1 {
			t.Errorf("case %d: console level %q, warnings %q; want %q and one warning ending %q", i, s.ConsoleLevel, warn, c.want, c.warning)
		}
	}
}

func resolveConsoleLevel(t *testing.T, file, envVal string, opts []Option) (Settings, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "none.json")
	if file != "" {
		path = configFile(t, file)
	}
	e := env{}
	if envVal != "" {
		e["LOGCREST_CONSOLE_LEVEL"] = envVal
	}
	var warn bytes.Buffer
	s, _ := Resolve(append([]Option{WithConfigFile(path)}, opts...), e.get, &warn)
	return s, warn.String()
}
