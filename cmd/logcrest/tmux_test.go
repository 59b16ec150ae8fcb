package main

// The command as a person sees it: built, run in a real terminal (tmux,
// 120x40), and the screen captured with its escape codes.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// tmuxSession is a tmux server of the test's own, on a private socket.
type tmuxSession struct {
	t    *testing.T
	sock string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// runInPane runs shell command line in a new 120x40 window and returns the
// screen once it has finished: plain, and with escape codes (-e).
func (s *tmuxSession) runInPane(name, line string) (plain, escaped string) {
	s.t.Helper()
	s.tmux("new-window", "-d", "-n", name, "sh")
	s.tmux("send-keys", "-t", name, "-l", "clear; "+line+"; echo __DONE__")
	s.tmux("send-keys", "-t", name, "Enter")
	end := time.Now().Add(testDeadline(s.t))
	for {
		plain = s.tmux("capture-pane", "-p", "-t", name)
		if regexp.MustCompile(`(?m)^__DONE__`).MatchString(plain) {
			break
		}
		if time.Now().After(end) {
			s.t.Fatalf("%s did not finish; screen:\n%s", line, plain)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return plain, s.tmux("capture-pane", "-p", "-e", "-t", name)
}

func TestTerminalWaterfallAndColours(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: this test drives the command in a real terminal (apt-get install tmux)")
	}
	fx := fixtureFor(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "logcrest")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, sock: filepath.Join(tmp, "tmux.sock")}
	// The server gets a clean environment: a terminal type, no NO_COLOR.
	cmd := exec.Command("tmux", "-S", s.sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", "-s", "lc", "sh")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.sock, "kill-server").Run() })

	cd := "cd " + filepath.Dir(fx.norm.shop) + " && "
	show := bin + " show " + fx.normIDs["refund"] + " --dir shop"
	plain, escaped := s.runInPane("colour", cd+show)

	// The waterfall as it stands on the screen: the axis spans the
	// terminal's width (found by the command itself), both steps have a
	// bar, the failed one after the other's and marked.
	var ruler, loadRow, failRow string
	for _, l := range strings.Split(plain, "\n") {
		switch {
		case strings.Contains(l, "├") && strings.Contains(l, "┤"):
			ruler = l
		case strings.Contains(l, "load_order") && strings.Contains(l, "█"):
			loadRow = l
		case strings.Contains(l, "charge_back") && strings.Contains(l, "█"):
			failRow = l
		}
	}
	if ruler == "" || loadRow == "" || failRow == "" {
		t.Fatalf("no waterfall on the screen:\n%s", plain)
	}
	if n := utf8.RuneCountInString(strings.TrimRight(ruler, " ")); n < 100 || n > 120 {
		t.Errorf("the axis is %d columns wide on a 120-column terminal:\n%s", n, ruler)
	}
	if !strings.Contains(failRow, "✗") || !strings.Contains(failRow, "← failed here") {
		t.Errorf("the failed step is not marked:\n%s", failRow)
	}
	runeIndex := func(s, sub string, last bool) int {
		i := strings.Index(s, sub)
		if last {
			i = strings.LastIndex(s, sub)
		}
		return utf8.RuneCountInString(s[:i])
	}
	if runeIndex(failRow, "█", false) < runeIndex(loadRow, "█", true) {
		t.Errorf("charge_back starts before load_order ends:\n%s\n%s", loadRow, failRow)
	}

	// Colours: the failed step and its bar in bold red, the other step's
	// bar cyan, the flow's ERR records red; no colour where none is due.
	// The line of the coloured screen that reads substr on the plain one.
	lineOf := func(screen, substr string) string {
		colored := strings.Split(screen, "\n")
		for i, l := range strings.Split(plain, "\n") {
			if strings.Contains(l, substr) && i < len(colored) {
				return colored[i]
			}
		}
		t.Fatalf("no line with %q on the screen:\n%s", substr, plain)
		return ""
	}
	red := regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?31(?:;[0-9;]*)?m`)
	cyan := regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?36(?:;[0-9;]*)?m`)
	if l := lineOf(escaped, "charge_back 5.20ms"); !red.MatchString(l) || !strings.Contains(l, "✗") {
		t.Errorf("the failed step's row is not red: %q", l)
	}
	if l := lineOf(escaped, "load_order  3.10ms"); !cyan.MatchString(l) || red.MatchString(l) {
		t.Errorf("the ok step's bar is not cyan (or is red): %q", l)
	}
	if l := lineOf(escaped, "step failed"); !red.MatchString(l) {
		t.Errorf("the ERR record is not red: %q", l)
	}
	if l := lineOf(escaped, "FAILED"); !red.MatchString(l) {
		t.Errorf("the summary's FAILED is not red: %q", l)
	}

	// NO_COLOR: the same screen without a single colour.
	_, escaped = s.runInPane("nocolour", cd+"NO_COLOR=1 "+show)
	if m := regexp.MustCompile(`\x1b\[[0-9;]*[1-9][0-9;]*m`).FindString(escaped); m != "" {
		t.Errorf("NO_COLOR=1 and still %q on the screen:\n%s", m, escaped)
	}
	if !strings.Contains(escaped, "← failed here") {
		t.Errorf("NO_COLOR run has no waterfall:\n%s", escaped)
	}

	// Piped: no colour either.
	_, escaped = s.runInPane("piped", cd+show+" | cat")
	if strings.Contains(escaped, "\x1b[31") || strings.Contains(escaped, "\x1b[1;31") {
		t.Errorf("colour in a pipe:\n%s", escaped)
	}
}
