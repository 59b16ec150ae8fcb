package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
)

// seqsOf returns the seq of each record line show printed, in order.
func seqsOf(out string) []int {
	var seqs []int
	for _, m := range regexp.MustCompile(`(?m)^\S+ \S+ \S+ .*? seq=(\d+)`).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		seqs = append(seqs, n)
	}
	return seqs
}

// contiguous reports whether seqs is 1..len(seqs).
func contiguous(seqs []int) bool {
	for i, s := range seqs {
		if s != i+1 {
			return false
		}
	}
	return len(seqs) > 0
}

// barSpan returns the first and last column of the bar on the waterfall row
// whose label is label.
func barSpan(t *testing.T, out, label string) (int, int) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if !regexp.MustCompile(`^\s*\d*\s+\S?\s+` + regexp.QuoteMeta(label) + `\s`).MatchString(line) {
			continue
		}
		runes := []rune(line)
		first, last := -1, -1
		for i, r := range runes {
			if r == '█' {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first >= 0 {
			return first, last
		}
	}
	t.Fatalf("no waterfall row for %s in\n%s", label, out)
	return 0, 0
}

// The raw files, as LogCrest wrote them (real timings, random IDs): every
// record of each flow comes back in seq order, concurrent steps overlap on
// the waterfall, a nested step is indented under its parent.
func TestShowOnRawFiles(t *testing.T) {
	fx := fixtureFor(t)
	for _, label := range []string{"checkout", "refund", "nightly", "ord-1", "pay-1", "miss-1"} {
		t.Run(label, func(t *testing.T) {
			r := runCmd(t, "", nil, "show", fx.rawIDs[label], "--dir", fx.raw.shop, "--width", "120")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
			}
			if seqs := seqsOf(r.stdout); !contiguous(seqs) {
				t.Errorf("records not 1..N in seq order: %v\n%s", seqs, r.stdout)
			}
		})
	}
	r := runCmd(t, "", nil, "show", fx.rawIDs["checkout"], "--dir", fx.raw.shop, "--width", "120")
	s1, e1 := barSpan(t, r.stdout, "fetch_stock")
	s2, e2 := barSpan(t, r.stdout, "fetch_price")
	if s2 > e1 || s1 > e2 {
		t.Errorf("concurrent steps do not overlap: fetch_stock %d-%d, fetch_price %d-%d\n%s", s1, e1, s2, e2, r.stdout)
	}
	if !regexp.MustCompile(`\n\d+\s+ {4}lock_rows`).MatchString(r.stdout) || !regexp.MustCompile(`\n\d+\s+ {2}reserve`).MatchString(r.stdout) {
		t.Errorf("lock_rows is not indented under reserve:\n%s", r.stdout)
	}
}

// A trace ID finds the flows of every service it crossed, in one picture.
func TestShowTraceAcrossServices(t *testing.T) {
	fx := fixtureFor(t)
	r := runCmd(t, "", nil, "show", fx.rawTrace, "--dir", fx.raw.shop, "--dir", fx.raw.stock)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"[shop] GET /orders/42", "[stock] GET /stock/A-1", "records of " + fx.rawIDs["ord-1"], "stock: GET /stock/{sku}"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in\n%s", want, r.stdout)
		}
	}
	// Only one folder: the other service's flow is not there to show.
	r = runCmd(t, "", nil, "show", fx.rawTrace, "--dir", fx.raw.shop)
	if strings.Contains(r.stdout, "[stock]") || !strings.Contains(r.stdout, "GET /orders/42") {
		t.Errorf("one folder:\n%s", r.stdout)
	}
}

func TestShowUnknownIDSaysWhereItLooked(t *testing.T) {
	fx := fixtureFor(t)
	r := runCmd(t, "", nil, "show", "nope-12345678", "--dir", fx.raw.shop, "--dir", fx.raw.stock)
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	want := regexp.MustCompile(`^logcrest show: no record has flow ID or trace ID "nope-12345678"; looked in folders \S+/raw/shop \(--dir\), \S+/raw/stock \(--dir\); \d+ files \(\d+ live, 0 backups, 0 gzipped; [0-9.]+ KiB\)\n$`)
	if !want.MatchString(r.stderr) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	for _, c := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"flows", "--dir", dir}, nil, "log folder " + dir + " not found (--dir; "},
		{[]string{"stats"}, map[string]string{"LOGCREST_DIR": dir}, "log folder " + dir + " not found (LOGCREST_DIR; "},
		{[]string{"show", "x"}, map[string]string{}, "log folder logs not found (the default; set --dir, LOGCREST_DIR or base_log_dir in log_config.json)"},
		{[]string{"tail", "-f", "--dir", dir}, nil, "not found"},
	} {
		r := runCmd(t, "", c.vars, c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
	// A folder that is not a log folder.
	r := runCmd(t, "", nil, "flows", "--dir", t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, "is not a LogCrest log folder: it holds no success/, error/ or flows/") {
		t.Errorf("empty folder: exit %d, %q", r.code, r.stderr)
	}
}

// The configuration precedence is LogCrest's: --dir, then LOGCREST_DIR,
// then base_log_dir (and log_name) in the config file.
func TestConfigPrecedence(t *testing.T) {
	fx := fixtureFor(t)
	cfg := filepath.Join(t.TempDir(), "log_config.json")
	if err := os.WriteFile(cfg, []byte(`{"base_log_dir": "`+fx.norm.stock+`", "log_name": "stock", "log_level": "info"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	count := func(r result) int { return strings.Count(r.stdout, "\n") }
	// The file alone: stock's one flow.
	if r := runCmd(t, "", nil, "flows", "--config", cfg); r.code != 0 || count(r) != 1 || !strings.Contains(r.stdout, "GET /stock/A-1") {
		t.Errorf("config file: %+v", r)
	}
	// LOGCREST_DIR beats the file's folder; the file's log_name still
	// applies, and shop's folder holds no stock files.
	r := runCmd(t, "", map[string]string{"LOGCREST_DIR": fx.norm.shop}, "flows", "--config", cfg)
	if r.code != 0 || count(r) != 0 || !strings.Contains(r.stderr, "no flow matched; looked in folder "+fx.norm.shop+" (LOGCREST_DIR), 0 files") || !strings.Contains(r.stderr, "name stock") {
		t.Errorf("LOGCREST_DIR with log_name: %+v", r)
	}
	// LOGCREST_NAME beats log_name.
	r = runCmd(t, "", map[string]string{"LOGCREST_DIR": fx.norm.shop, "LOGCREST_NAME": "shop"}, "flows", "--config", cfg)
	if r.code != 0 || count(r) != 6 {
		t.Errorf("LOGCREST_NAME: %+v", r)
	}
	// --dir and --name beat everything.
	r = runCmd(t, "", map[string]string{"LOGCREST_DIR": fx.norm.stock, "LOGCREST_NAME": "stock"}, "flows", "--config", cfg, "--dir", fx.norm.shop, "--name", "shop")
	if r.code != 0 || count(r) != 6 {
		t.Errorf("--dir --name: %+v", r)
	}
	// A malformed config file is reported, as LogCrest reports it.
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`{"base_log_dir":`), 0o600)
	r = runCmd(t, "", nil, "flows", "--config", bad, "--dir", fx.norm.shop)
	if r.code != 0 || !strings.Contains(r.stderr, "logcrest: warning:") && !strings.Contains(r.stderr, "ignoring the file") {
		t.Errorf("bad config: %+v", r)
	}
}

// Torn lines, text and binary junk are counted on stderr and skipped;
// an unreadable file is named; the rest is read.
func TestBadInputIsCountedNotFatal(t *testing.T) {
	fx := fixtureFor(t)
	dir := t.TempDir()
	copyDir(t, fx.norm.shop, dir)
	flows := filepath.Join(dir, "flows", "shop.log")
	data, _ := os.ReadFile(flows)
	var checkoutEnd, payEnd string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		switch {
		case strings.Contains(l, `"flow_end"`) && strings.Contains(l, fx.normIDs["checkout"]):
			checkoutEnd = l
		case strings.Contains(l, `"flow_end"`) && strings.Contains(l, fx.normIDs["pay-1"]):
			payEnd = l
		}
	}
	// A torn line (a crash mid-write), then junk, inside a backup, and one
	// good flow_end.
	junk := checkoutEnd[:len(checkoutEnd)/2] + "\n" + "not json at all \"flow_end\"\n" + payEnd
	backup := filepath.Join(dir, "flows", "shop-2026-03-14T09-00-00.000.log")
	if err := os.WriteFile(backup, []byte(junk), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "", nil, "flows", "--dir", dir)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 6+1 { // the six flows, plus one flow_end copied into the backup
		t.Errorf("exit %d, stdout:\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "logcrest: skipped 2 lines that are not JSON records (torn, or not LogCrest's): "+backup+" (2)") {
		t.Errorf("stderr: %q", r.stderr)
	}
	// show decodes only the lines holding the ID: the torn half of the
	// first flow_start holds it.
	r = runCmd(t, "", nil, "show", fx.normIDs["checkout"], "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "skipped 1 line") {
		t.Errorf("show: exit %d, stderr %q", r.code, r.stderr)
	}

	if os.Geteuid() != 0 {
		if err := os.Chmod(backup, 0); err != nil {
			t.Fatal(err)
		}
		r = runCmd(t, "", nil, "flows", "--dir", dir)
		if r.code != 0 || strings.Count(r.stdout, "\n") != 6 || !strings.Contains(r.stderr, "logcrest: cannot read "+backup+": permission denied") {
			t.Errorf("unreadable: exit %d, stdout %s, stderr %q", r.code, r.stdout, r.stderr)
		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// JSON lines on stdin ("-"), as a container runtime collects them.
func TestStdin(t *testing.T) {
	fx := fixtureFor(t)
	var all bytes.Buffer
	for _, s := range logread.Streams {
		data, _ := os.ReadFile(filepath.Join(fx.norm.shop, s, "shop.log"))
		all.Write(data)
	}
	all.WriteString("a line kubectl added\n")
	r := runCmd(t, all.String(), nil, "show", fx.normIDs["refund"], "-", "--width", "110")
	want, _ := os.ReadFile(filepath.Join("testdata", "show_refund.golden"))
	if r.code != 0 || r.stdout != string(want) {
		t.Errorf("show from stdin: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
	r = runCmd(t, all.String(), nil, "flows", "-")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 6 {
		t.Errorf("flows from stdin: %+v", r)
	}
	r = runCmd(t, all.String(), nil, "tail", "-", "--level", "error")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 6 || !strings.Contains(r.stderr, "skipped 1 line") {
		t.Errorf("tail from stdin: %+v", r)
	}
}

// Backups, plain and gzipped, are read like the live file: a flow split
// across a rotation comes back whole.
func TestBackupsAndCompressedBackups(t *testing.T) {
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("rot"), logcrest.WithConsole(nil), logcrest.WithConfigFile(""), logcrest.WithDetail("full"),
		logcrest.WithMaxSize(8<<10), logcrest.WithBackupCount(1000), logcrest.WithCompress(true))
	if err != nil {
		t.Fatal(err)
	}
	ctx := logcrest.NewContext(context.Background(), p)
	var ids []string
	const n = 300
	for i := range n {
		_ = logcrest.RunFlow(ctx, "job", func(ctx context.Context) error {
			ids = append(ids, logcrest.FlowID(ctx))
			for k := range 3 {
				_ = logcrest.Run(ctx, "part"+strconv.Itoa(k), func(ctx context.Context) error {
					logcrest.Log(ctx).Info().Int("i", i).Msg("working")
					return nil
				})
			}
			if i%7 == 0 {
				return errors.New("every seventh fails")
			}
			return nil
		})
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	gz, _ := filepath.Glob(filepath.Join(dir, "*", "rot-*.log.gz"))
	plain, _ := filepath.Glob(filepath.Join(dir, "*", "rot-*.log"))
	if len(gz) == 0 {
		t.Fatalf("no compressed backup (plain backups: %d)", len(plain))
	}
	// Decompress one to be sure it is what the command reads through.
	f, _ := os.Open(gz[0])
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	zr.Close()
	f.Close()

	t.Run("whole files", func(t *testing.T) { checkRotated(t, dir, ids) })
	// The same, each file read in parts of a few hundred bytes, on every
	// core: no record lost or doubled at the cuts.
	defer func(old int64) { partSize = old }(partSize)
	partSize = 300
	t.Run("parts", func(t *testing.T) { checkRotated(t, dir, ids) })
}

func checkRotated(t *testing.T, dir string, ids []string) {
	n := len(ids)
	for _, i := range []int{0, 1, n / 3, n / 2, n - 1} {
		r := runCmd(t, "", nil, "show", ids[i], "--dir", dir)
		want := 1 + 3*3 + 1 // flow_start, three steps of three records, flow_end
		if i%7 == 0 {
			want++ // "flow failed" in error/
		}
		if seqs := seqsOf(r.stdout); r.code != 0 || len(seqs) != want || !contiguous(seqs) {
			t.Errorf("flow %d: exit %d, seqs %v, stderr %q", i, r.code, seqs, r.stderr)
		}
	}
	r := runCmd(t, "", nil, "flows", "--dir", dir, "--json")
	var prev time.Time
	count, failed := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var fj flowJSON
		if err := json.Unmarshal([]byte(line), &fj); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		ts, _ := time.Parse(time.RFC3339Nano, fj.Time)
		if ts.Before(prev) {
			t.Errorf("not newest last: %s after %s", ts, prev)
		}
		prev = ts
		count++
		if fj.FlowStatus == "failed" {
			failed++
		}
	}
	if count != n || failed != (n+6)/7 {
		t.Errorf("flows: %d flows, %d failed; want %d, %d; stderr %q", count, failed, n, (n+6)/7, r.stderr)
	}
	r = runCmd(t, "", nil, "stats", "--dir", dir, "--json")
	var st struct{ All statsJSON }
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.All.Count != n || st.All.Failed != (n+6)/7 {
		t.Errorf("stats: %v %+v", err, st.All)
	}
	// -n keeps the last flows only.
	r = runCmd(t, "", nil, "flows", "--dir", dir, "-n", "2")
	if strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, ids[n-1]) {
		t.Errorf("-n 2:\n%s", r.stdout)
	}
}

// A flow whose flow_end is not there (still running, or flow_records =
// failed): the waterfall is rebuilt from the step records.
func TestShowWithoutFlowEnd(t *testing.T) {
	fx := fixtureFor(t)
	var lines []string
	for _, s := range []string{"success", "error"} {
		data, _ := os.ReadFile(filepath.Join(fx.norm.shop, s, "shop.log"))
		lines = append(lines, string(data))
	}
	r := runCmd(t, strings.Join(lines, ""), nil, "show", fx.normIDs["checkout"], "-", "--width", "110")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	checkGolden(t, "show_rebuilt", r.stdout)
}

func TestFilters(t *testing.T) {
	fx := fixtureFor(t)
	shop := fx.norm.shop
	for _, c := range []struct {
		args []string
		want []string // flow labels, in order
	}{
		{[]string{"--route", "/orders/*"}, []string{"ord-1"}},
		{[]string{"--route", "POST /pay"}, []string{"pay-1"}},
		{[]string{"--label", "re*"}, []string{"refund"}},
		{[]string{"--status", "404"}, []string{"miss-1"}},
		{[]string{"--status", "failed"}, []string{"refund", "nightly", "pay-1"}},
		{[]string{"--status", "2xx"}, []string{"ord-1"}},
		{[]string{"--min-ms", "20"}, []string{"checkout", "ord-1"}},
		{[]string{"--failed", "--min-ms", "5"}, []string{"refund", "pay-1"}},
		{[]string{"--since", "2026-03-14T09:26:53.4Z"}, []string{"pay-1", "miss-1"}},
		{[]string{"--since", "550ms", "--now", "2026-03-14T09:26:54Z"}, []string{"miss-1"}},
		{[]string{"--since", "1d", "--now", "2026-03-16T00:00:00Z"}, nil},
	} {
		r := runCmd(t, "", nil, append([]string{"flows", "--json", "--dir", shop}, c.args...)...)
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var fj flowJSON
			if json.Unmarshal([]byte(line), &fj) == nil {
				got = append(got, fj.Label)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || r.code != 0 {
			t.Errorf("%v: got %v, want %v (exit %d, %s)", c.args, got, c.want, r.code, r.stderr)
		}
	}
	for _, args := range [][]string{
		{"flows", "--status", "teapot"}, {"flows", "--since", "yesterday"}, {"stats", "--now", "noon"},
		{"show"}, {"tail", "--level", "loud"}, {"flows", "--color", "purple"}, {"frobnicate"}, {"flows", "--nope"},
	} {
		if r := runCmd(t, "", nil, append(args, "--dir", shop)...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, r.code, r.stderr)
		}
	}
}

// Values from records are printed escaped: a path with an escape sequence
// or a newline cannot reach the terminal raw.
func TestHostileValuesAreEscaped(t *testing.T) {
	line := `{"time":"2026-03-14T09:26:53Z","level":"error","logger":"x","trace_id":"t1","span_id":"s1","flow_id":"evil-0badf00d","seq":2,"flow_type":"flow_end","flow_status":"failed","total_ms":1,"steps":1,"timeline":[{"fn":"\u001b[2J\u202e","at_ms":0,"ms":1,"status":"error"}],"failed_at":"\u001b[31mboom","step":"1/1","flow_error":"line\nbreak","method":"GET","path":"/\u001b]0;pwned\u0007","http_status":500,"message":"flow failed"}` + "\n"
	for _, args := range [][]string{{"show", "evil-0badf00d", "-"}, {"flows", "-"}, {"stats", "-"}} {
		r := runCmd(t, line, nil, args...)
		if r.code != 0 || strings.ContainsAny(r.stdout, "\x1b\x07\u202e") || strings.Contains(r.stdout, "line\nbreak") {
			t.Errorf("%v: exit %d, raw control characters in\n%q", args, r.code, r.stdout)
		}
	}
}

// show lists a flow's records in seq order, which is the order they were
// logged in, even when their times say otherwise (a clock stepped back
// mid-flow, or two records in the same tick) and they lie in different
// files: the time order here is 5, 3/4 (equal), 2, 1.
func TestShowOrdersBySeqNotTime(t *testing.T) {
	dir := t.TempDir()
	rec := func(seq int, tm, extra string) string {
		return fmt.Sprintf(`{"time":"2026-03-14T09:00:%s","level":"info","logger":"svc","trace_id":"t-seq","span_id":"sp%d","flow_id":"order-0badc0de","seq":%d%s}`+"\n", tm, seq, seq, extra)
	}
	files := map[string]string{
		"success": rec(1, "03.000Z", `,"flow_type":"flow_start","message":"flow started"`) +
			rec(2, "02.000Z", `,"fn":"charge","message":"step started"`) +
			rec(5, "00.500Z", `,"message":"after the end"`),
		"error": rec(3, "01.000Z", `,"fn":"charge","ms":1,"level":"error","message":"step failed"`),
		"flows": rec(4, "01.000Z", `,"flow_type":"flow_end","flow_status":"failed","total_ms":4,"steps":1,"timeline":[{"fn":"charge","at_ms":1,"ms":1,"status":"error"}],"failed_at":"charge","step":"1/1","message":"flow failed"`),
	}
	for stream, data := range files {
		if err := os.MkdirAll(filepath.Join(dir, stream), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, stream, "svc.log"), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"order-0badc0de", "t-seq"} {
		r := runCmd(t, "", nil, "show", id, "--dir", dir)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("show %s: exit %d, stderr %q", id, r.code, r.stderr)
		}
		_, records, ok := strings.Cut(r.stdout, "records of order-0badc0de (5, in seq order)")
		if !ok {
			t.Fatalf("show %s: no records section in\n%s", id, r.stdout)
		}
		if seqs := seqsOf(records); !slices.Equal(seqs, []int{1, 2, 3, 4, 5}) {
			t.Errorf("show %s: records in seq order %v, want [1 2 3 4 5]\n%s", id, seqs, r.stdout)
		}
	}
}

// A flow whose caller went away ends "cancelled" (see the flow package):
// flows and show say so, it is no failure (--failed leaves it out, stats
// does not count it failed), and --status cancelled picks it.
func TestCancelledFlowIsNeitherOKNorFailed(t *testing.T) {
	lines := `{"time":"2026-03-14T09:00:01Z","level":"info","logger":"svc","trace_id":"t-c1","span_id":"s1","flow_id":"gone-0000c001","seq":2,"flow_type":"flow_end","flow_status":"cancelled","client_gone":true,"total_ms":300,"steps":1,"timeline":[{"fn":"slow","at_ms":0,"ms":300,"status":"cancelled"}],"method":"GET","path":"/slow","route":"/slow","http_status":503,"message":"flow cancelled"}
{"time":"2026-03-14T09:00:02Z","level":"info","logger":"svc","trace_id":"t-c2","span_id":"s2","flow_id":"fine-0000c002","seq":2,"flow_type":"flow_end","flow_status":"success","total_ms":1,"steps":0,"method":"GET","path":"/slow","route":"/slow","http_status":200,"message":"flow finished"}
`
	r := runCmd(t, lines, nil, "flows", "--color", "never", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "cancel  503  GET /slow") {
		t.Errorf("flows: exit %d, want the cancelled flow marked cancel:\n%s", r.code, r.stdout)
	}
	if r := runCmd(t, lines, nil, "flows", "--failed", "-"); strings.Contains(r.stdout, "gone-0000c001") {
		t.Errorf("flows --failed lists a cancelled flow:\n%s", r.stdout)
	}
	r = runCmd(t, lines, nil, "flows", "--status", "cancelled", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "gone-0000c001") || strings.Contains(r.stdout, "fine-0000c002") {
		t.Errorf("flows --status cancelled: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, lines, nil, "show", "gone-0000c001", "--color", "never", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "→ 503  cancelled") {
		t.Errorf("show: exit %d, want the flow marked cancelled:\n%s", r.code, r.stdout)
	}
	r = runCmd(t, lines, nil, "stats", "--json", "-")
	type group struct {
		Key    string `json:"key"`
		Count  int    `json:"count"`
		Failed int    `json:"failed"`
	}
	var st struct {
		Groups []group `json:"groups"`
		All    group   `json:"all"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("stats --json: %v\n%s", err, r.stdout)
	}
	if len(st.Groups) != 1 {
		t.Errorf("stats: %d groups, want 1 (GET /slow)", len(st.Groups))
	}
	for _, s := range append(st.Groups, st.All) {
		if s.Failed != 0 || s.Count != 2 {
			t.Errorf("stats: %+v, want 2 flows and none failed", s)
		}
	}
}

// A flow_end with "sample_rate":N stands for N flows: stats weights its
// count, the failure rate and the percentiles by it, in the exact range
// and past statsExact (the histogram), and says so. Unweighted, the p50
// of the first case would be 20ms and the p95 of the second 100ms.
func TestStatsWeightsSampledFlows(t *testing.T) {
	line := func(i int, ms float64, status string, rate int) string {
		extra := ""
		if rate > 0 {
			extra = fmt.Sprintf(`,"sample_rate":%d`, rate)
		}
		return fmt.Sprintf(`{"time":"2026-03-14T09:00:01Z","level":"info","logger":"svc","flow_id":"w-%08x","seq":2,"flow_type":"flow_end","flow_status":"%s","total_ms":%g,"steps":0,"method":"GET","path":"/w","route":"/w","http_status":200%s,"message":"flow finished"}`+"\n", i, status, ms, extra)
	}
	small := line(1, 10, "success", 4) + line(2, 20, "failed", 0) + line(3, 30, "success", 0)
	var big strings.Builder
	for i := range 1000 {
		big.WriteString(line(i, 10, "success", 3))
	}
	for i := range 100 {
		big.WriteString(line(1000+i, 100, "failed", 0))
	}
	for _, c := range []struct {
		in                    string
		count, failed, kept   int
		rate, p50, p95, slack float64
	}{
		{small, 6, 1, 3, 0.1667, 10, 30, 0},
		{big.String(), 3100, 100, 1100, 0.0323, 10, 10, 0.01},
	} {
		r := runCmd(t, c.in, nil, "stats", "--json", "-")
		var doc struct{ All statsJSON }
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 {
			t.Fatalf("stats --json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
		}
		a := doc.All
		if a.Count != c.count || a.Failed != c.failed || a.FailRate != c.rate || !a.Sampled || a.FlowEnds != c.kept {
			t.Errorf("all: %+v; want %d flows from %d flow_ends, %d failed, rate %g, sampled", a, c.count, c.kept, c.failed, c.rate)
		}
		if math.Abs(a.P50-c.p50) > c.slack*c.p50 || math.Abs(a.P95-c.p95) > c.slack*c.p95 {
			t.Errorf("p50 %g p95 %g, want %g and %g (weighted)", a.P50, a.P95, c.p50, c.p95)
		}
	}
	r := runCmd(t, small, nil, "stats", "-")
	if !strings.HasPrefix(r.stdout, "≈6 flows,") || !strings.Contains(r.stdout, "≈ sampled:") {
		t.Errorf("stats does not say its counts are weighted:\n%s", r.stdout)
	}
	r = runCmd(t, small, nil, "flows", "-")
	if strings.Count(r.stdout, "sampled 1 in 4") != 1 {
		t.Errorf("flows does not show the one sample rate:\n%s", r.stdout)
	}
}

// Two flows can draw one flow ID (the same label and the same 32 random
// bits): show tells them apart by their trace and draws each on its own,
// rather than one flow with two starts and two ends.
func TestShowSharedFlowIDTwoFlows(t *testing.T) {
	rec := func(trace string, seq int, tm, extra string) string {
		return fmt.Sprintf(`{"time":"2026-03-14T09:00:%s","level":"info","logger":"svc","trace_id":"%s","span_id":"sp%d","flow_id":"order-0badc0de","seq":%d%s}`+"\n", tm, trace, seq, seq, extra)
	}
	var lines string
	for i, trace := range []string{"4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c"} {
		s := fmt.Sprintf("0%d", i)
		lines += rec(trace, 1, s+".000Z", `,"flow_type":"flow_start","message":"flow started"`) +
			rec(trace, 2, s+".100Z", `,"fn":"charge","message":"step started"`) +
			rec(trace, 3, s+".200Z", `,"flow_type":"flow_end","flow_status":"success","total_ms":200,"steps":1,"timeline":[{"fn":"charge","at_ms":100,"ms":50,"status":"ok"}],"message":"flow finished"`)
	}
	r := runCmd(t, lines, nil, "show", "order-0badc0de", "-", "--color", "never")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "records of order-0badc0de (3, in seq order)"); n != 2 {
		t.Errorf("%d flows of 3 records drawn, want 2:\n%s", n, r.stdout)
	}
}
