package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
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

// stats holds a bounded amount whatever it reads: past statsExact flows a
// route's percentiles come from a histogram, within 1 % of the exact ones
// (max exact), and past statsMaxGroups routes the rest are counted
// together, said once on stderr; no flow is lost from the counts.
func TestStatsBoundsKeepTheCounts(t *testing.T) {
	const n, extra = 5000, 1500
	var in strings.Builder
	ms := make([]float64, n)
	line := func(route string, v float64, failed bool) {
		status := "success"
		if failed {
			status = "failed"
		}
		fmt.Fprintf(&in, `{"time":"2026-03-14T09:00:00Z","level":"info","flow_id":"x-0badc0de","flow_type":"flow_end","flow_status":%q,"total_ms":%g,"steps":1,"method":"GET","route":%q,"message":"m"}`+"\n", status, v, route)
	}
	for i := range n {
		// Spread over six decades, in no order.
		ms[i] = 0.5 * math.Pow(1.003, float64((i*7919)%n))
		line("/a", ms[i], i%10 == 0)
	}
	for i := range extra {
		line(fmt.Sprintf("/g/%d", i), 1, false)
	}
	r := runCmd(t, in.String(), nil, "stats", "--json", "-")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := fmt.Sprintf("logcrest: warning: more than %d routes and labels: the flows of the others are counted under %q\n", statsMaxGroups, otherGroups)
	if r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	var doc struct {
		Groups []statsJSON `json:"groups"`
		All    statsJSON   `json:"all"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]statsJSON{}
	total := 0
	for _, g := range doc.Groups {
		byKey[g.Key] = g
		total += g.Count
	}
	if len(doc.Groups) != statsMaxGroups+1 || total != n+extra || doc.All.Count != n+extra || doc.All.Failed != n/10 {
		t.Errorf("%d groups (want %d), %d flows in them, all: %+v; want %d flows, %d failed", len(doc.Groups), statsMaxGroups+1, total, doc.All, n+extra, n/10)
	}
	if o := byKey[otherGroups]; o.Count != extra-(statsMaxGroups-1) {
		t.Errorf("%s: %+v, want %d flows", otherGroups, o, extra-(statsMaxGroups-1))
	}
	a, ok := byKey["GET /a"]
	if !ok || a.Count != n || a.Failed != n/10 {
		t.Fatalf("GET /a: %+v", a)
	}
	slices.Sort(ms)
	for _, c := range []struct{ p, got float64 }{{50, a.P50}, {95, a.P95}, {99, a.P99}} {
		exact := ms[int(math.Ceil(c.p/100*float64(len(ms))))-1] // nearest rank
		if math.Abs(c.got-exact) > 0.01*exact {
			t.Errorf("p%g %g, exact %g: more than 1 %% off", c.p, c.got, exact)
		}
	}
	if a.Max != ms[n-1] {
		t.Errorf("max %g, want %g", a.Max, ms[n-1])
	}
}

// A flow with more records than show holds is shown by its first records
// in seq order, its flow_start and flow_end kept (the summary and the
// timeline come from them), and stderr says how many were left out.
func TestShowBoundKeepsTheFirstRecordsAndTheFlowRecords(t *testing.T) {
	const steps = showMaxRecords + 1000
	var in strings.Builder
	rec := func(seq int, extra string) {
		fmt.Fprintf(&in, `{"time":"2026-03-14T09:00:00.%03dZ","level":"info","logger":"svc","trace_id":"t","span_id":"s%d","flow_id":"big-0badc0de","seq":%d%s}`+"\n", seq%1000, seq, seq, extra)
	}
	// Newest first, as a reader may meet them.
	rec(steps+2, `,"flow_type":"flow_end","flow_status":"success","total_ms":5,"steps":1,"timeline":[{"fn":"loop","at_ms":0,"ms":5,"status":"ok"}],"message":"flow finished"`)
	for seq := steps + 1; seq >= 2; seq-- {
		rec(seq, `,"fn":"loop","message":"tick"`)
	}
	rec(1, `,"flow_type":"flow_start","message":"flow started"`)
	r := runCmd(t, in.String(), nil, "show", "big-0badc0de", "-")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := fmt.Sprintf("logcrest: warning: %d more records of \"big-0badc0de\" not shown: show holds %d records", steps+2-showMaxRecords, showMaxRecords)
	if !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one line starting %q", r.stderr, want)
	}
	seqs := seqsOf(r.stdout)
	wantSeqs := make([]int, 0, showMaxRecords)
	for s := 1; s < showMaxRecords; s++ {
		wantSeqs = append(wantSeqs, s)
	}
	wantSeqs = append(wantSeqs, steps+2)
	if !slices.Equal(seqs, wantSeqs) {
		t.Errorf("printed %d records, seq %v … %v; want 1..%d then %d", len(seqs), seqs[:min(3, len(seqs))], seqs[max(len(seqs)-3, 0):], showMaxRecords-1, steps+2)
	}
	if strings.Contains(r.stdout, "no flow_end") || !strings.Contains(r.stdout, "loop") {
		t.Errorf("the summary and timeline are not flow_end's:\n%.600s", r.stdout)
	}
}
