package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostileNames are logger names, hence file names, that a terminal would
// act on if printed raw: a set-title and a clear-screen sequence, invalid
// UTF-8, a carriage return and a line feed, C1 controls (CSI, NEL), a
// bidi override.
var hostileNames = []string{
	"svc\x1b]0;PWNED\a\x1b[2J",
	"inv\xff\xfeutf8",
	"cr\rlf\nname",
	"c1\u009b2J\u0085x",
	"bidi\u202egol.exe",
}

// checkPrintable fails the test when out holds anything a terminal acts
// on: invalid UTF-8, a control character other than the line feed ending
// a line, a C1 control, a bidi or other format character. Each line of
// stderr must be one of the command's own messages.
func checkPrintable(t *testing.T, what, out string, stderr bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8 in\n%q", what, out)
	}
	for i, r := range out {
		if r != '\n' && r != ' ' && !unicode.IsPrint(r) {
			t.Errorf("%s: raw %U at byte %d of\n%q", what, r, i, out)
			return
		}
	}
	if stderr {
		for _, l := range strings.SplitAfter(out, "\n") {
			if l != "" && !strings.HasPrefix(l, "logcrest") {
				t.Errorf("%s: a line of stderr that is not the command's (a line feed from a name?): %q in\n%s", what, l, out)
			}
		}
	}
}

// Every file name, folder name and path the command prints, and every
// error that embeds one, is escaped like a record's values, on stdout and
// stderr, in every command; the name stays recognisable (its Go-escaped
// form is printed).
func TestFileNamesAreEscaped(t *testing.T) {
	root := filepath.Join(t.TempDir(), "logs\x1b[31m\u202e")
	flowsDir := filepath.Join(root, "flows")
	if err := os.MkdirAll(flowsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// error/ is a file: the folder cannot be listed.
	if err := os.WriteFile(filepath.Join(root, "error"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var live, gz []string
	for i, name := range hostileNames {
		id := fmt.Sprintf("hostile%d-0badc0de", i)
		data := fmt.Sprintf(`{"time":"2026-03-14T09:00:0%d.000Z","level":"info","logger":"svc","trace_id":"t%d","span_id":"s%d","flow_id":%q,"seq":2,"flow_type":"flow_end","flow_status":"success","total_ms":1,"steps":0,"message":"flow finished"}`+"\n", i, i, i, id) +
			`not json ` + id + ` "flow_end"` + "\n"
		p := filepath.Join(flowsDir, name+".log")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		live = append(live, p)
		// A backup that is not gzip: it cannot be read.
		b := filepath.Join(flowsDir, name+"-2026-03-14T08-00-00.000.log.gz")
		if err := os.WriteFile(b, []byte("not gzip\x1b[2J"), 0o600); err != nil {
			t.Fatal(err)
		}
		gz = append(gz, b)
	}
	escaped := func(s string) string { q := strconv.Quote(s); return q[1 : len(q)-1] }

	type run struct {
		args []string
		// names: the outputs name every hostile file (in their escaped form)
		names bool
	}
	runs := []run{
		{[]string{"tail", "--dir", root}, false}, // names three of the five files skipped
		{[]string{"flows", "--dir", root}, true},
		{[]string{"flows", "--json", "--dir", root}, true},
		{[]string{"stats", "--dir", root}, true},
		{[]string{"stats", "--json", "--dir", root}, true},
		{[]string{"show", "hostile0-0badc0de", "--dir", root}, true},
		{[]string{"show", "nope-12345678", "--dir", root}, false},
		{[]string{"flows", "--dir", root, "--name", hostileNames[4], "--status", "404"}, false},
		{[]string{"flows", live[0], gz[1], live[2], live[3]}, false},
		{[]string{"flows", filepath.Join(root, "missing\x1b[2J.log")}, false},
		{[]string{"flows", "--dir", filepath.Join(root, "missing\x1b[2J")}, false},
		{[]string{"stats", "--dir", flowsDir}, false}, // not a log folder
		{[]string{"tail", "--dir", flowsDir}, false},
	}
	for _, rn := range runs {
		r := runCmd(t, "", nil, rn.args...)
		what := fmt.Sprintf("%q", rn.args)
		checkPrintable(t, what+" stdout", r.stdout, false)
		checkPrintable(t, what+" stderr", r.stderr, true)
		if r.stderr == "" {
			t.Errorf("%s: nothing on stderr (want the skipped and unreadable files named); stdout:\n%s", what, r.stdout)
		}
		if !strings.Contains(r.stdout+r.stderr, escaped(root)) {
			t.Errorf("%s: the folder is not named, escaped (%s), in\n%s%s", what, escaped(root), r.stdout, r.stderr)
		}
		if rn.names {
			for _, n := range hostileNames {
				if !strings.Contains(r.stderr, escaped(n)) {
					t.Errorf("%s: %s not named in\n%s", what, escaped(n), r.stderr)
				}
			}
		}
	}
	// What the messages say, whole.
	r := runCmd(t, "", nil, "tail", "--dir", root)
	for _, want := range []string{
		"logcrest: cannot list " + strconv.Quote(filepath.Join(root, "error")) + ": not a directory\n",
		"logcrest: skipped 5 lines that are not JSON records (torn, or not LogCrest's): " + strconv.Quote(live[4]) + " (1), ",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("tail: no %q in\n%s", want, r.stderr)
		}
	}
	if n := strings.Count(r.stdout, "\n"); n != len(hostileNames) {
		t.Errorf("tail printed %d records, want %d:\n%s", n, len(hostileNames), r.stdout)
	}
	r = runCmd(t, "", nil, "flows", "--dir", root)
	if want := "logcrest: cannot read " + strconv.Quote(gz[0]) + ": "; !strings.Contains(r.stderr, want) {
		t.Errorf("flows: no %q in\n%s", want, r.stderr)
	}
}
