// Package otelcol_test ships LogCrest's files through a real OpenTelemetry
// Collector (the file_log receiver configured by
// contrib/otelcol/logcrest-filelog.yaml) and checks that every record
// arrives as it was written: none lost across rotations, none sent twice
// (but after a collector stopped in the middle of its reading, which
// delivers at least once), severities, trace context, timestamps and
// bodies mapped.
//
// It lives in a module of its own so that LogCrest's go.mod never requires
// the Collector. Run it with
//
//	cd integration/otelcol && go test -count=1 -timeout 15m ./...
//
// The first run builds the collector (cmd/otelcol-logcrest): a few minutes
// and a binary of about 40-60 MB; later runs take it from the build cache.
package otelcol_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

const (
	// contribConfig is the configuration under test, used as shipped.
	contribConfig = "../../contrib/otelcol/logcrest-filelog.yaml"
	// arrivalDeadline bounds the wait for the last record to reach the
	// exporter's file, from the end of the writing.
	arrivalDeadline = 90 * time.Second
	// readyDeadline bounds the collector's start.
	readyDeadline = 30 * time.Second
	logName       = "svc"
)

// overlay completes the contrib fragment: an exporter writing OTLP JSON to
// a file, the pipeline's exporters, and no metrics endpoint (no port).
const overlay = `exporters:
  file/test:
    path: ${env:LOGCREST_TEST_OUT}
    format: json
    append: true # a restarted collector adds to it
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs/logcrest:
      exporters: [file/test]
`

// severities is what the contrib config must make of each zerolog level:
// OpenTelemetry severity numbers.
var severities = map[string]int{
	"trace": 1, "debug": 5, "info": 9, "warn": 13, "error": 17, "fatal": 21, "panic": 24,
}

func TestCollectorShipsEveryRecord(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the collector's paths and signals are set up for unix here")
	}
	if testing.Short() {
		t.Skip("builds and runs an OpenTelemetry Collector")
	}
	bin := buildCollector(t)
	for _, tc := range []struct {
		name     string
		compress bool
		restart  restart
	}{
		{"plain backups", false, noRestart},
		{"gzipped backups", true, noRestart},
		{"gzipped backups, collector restarted once caught up", true, restartCaughtUp},
		{"plain backups, collector restarted while reading", false, restartMidRead},
	} {
		t.Run(tc.name, func(t *testing.T) { shipAndCheck(t, bin, tc.compress, tc.restart) })
	}
}

// restart says whether and when the collector is stopped, halfway through
// the writing, to be started again once the rest is written: it resumes
// from its checkpoints (file_storage), and reads the backups made (and
// gzipped) while it was down.
type restart int

const (
	noRestart restart = iota
	// restartCaughtUp stops it once it has sent every record written so
	// far: it must send every record exactly once.
	restartCaughtUp
	// restartMidRead stops it at once, in the middle of its reading: it
	// must lose nothing, but may send again what it read since its last
	// checkpoint (the Collector's at-least-once delivery), which the test
	// counts and reports.
	restartMidRead
)

// buildCollector builds cmd/otelcol-logcrest into the test's temporary
// folder; the build cache makes every build after the first a link.
func buildCollector(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "otelcol-logcrest")
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/otelcol-logcrest")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("building the collector: %v\n%s", err, out)
	}
	t.Logf("collector built in %v", time.Since(start).Round(100*time.Millisecond))
	return bin
}

// shipAndCheck starts a collector on an empty folder, writes records there
// with LogCrest while it runs (rotating every few KiB), and compares what
// the exporter received with what the files hold.
func shipAndCheck(t *testing.T, bin string, compress bool, restart restart) {
	work := t.TempDir()
	dir := filepath.Join(work, "logs")
	out := filepath.Join(work, "otlp.json")
	col := startCollector(t, bin, work, dir, out)

	p, err := logcrest.New(
		logcrest.WithConfigFile(""), logcrest.WithDir(dir), logcrest.WithName(logName),
		logcrest.WithConsole(nil), logcrest.WithLevel("trace"),
		logcrest.WithMaxSize(8<<10), logcrest.WithBackupCount(100000), // keep every backup: loss is the shipper's alone
		logcrest.WithCompress(compress), logcrest.WithGroupReadable(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	w := newWriter(p)
	if restart != noRestart {
		w.rounds(0, rounds/2)
		if restart == restartCaughtUp {
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, out, int(p.Stats().Written), col)
		}
		col.stop()
		before := readExported(t, out).total
		if before == 0 {
			t.Fatal("the collector had received nothing before it was stopped")
		}
		t.Logf("%d records received before the restart", before)
		w.rounds(rounds/2, rounds)
	} else {
		w.rounds(0, rounds)
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	written := p.Stats().Written
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wrote := time.Since(start)
	logged := w.n
	if restart != noRestart {
		// Backups made while it was down are gzipped by now (Close waited
		// for the compression, at most 2 s).
		col = startCollector(t, bin, work, dir, out)
	}

	truth, files, gzipped := readFiles(t, dir)
	if uint64(len(truth)) != written {
		t.Fatalf("the files hold %d records, LogCrest counted %d written", len(truth), written)
	}
	if len(truth) < logged {
		t.Fatalf("the files hold %d records, fewer than the %d logged directly", len(truth), logged)
	}
	backups := files - 3

	waitFor(t, out, len(truth), col)
	took := time.Since(start)
	// Then a little longer: a record sent twice would come now.
	time.Sleep(2 * time.Second)
	got := readExported(t, out)

	t.Logf("%d records written (%d logged directly) in %v, %d rotations (%d backups left gzipped); "+
		"%d received (%d distinct) %v after the first write",
		len(truth), logged, wrote.Round(time.Millisecond), backups, gzipped, got.total, len(got.records),
		took.Round(time.Millisecond))
	dups := got.total - len(got.records)
	if restart == restartMidRead && dups >= 0 && len(got.records) == len(truth) {
		t.Logf("stopped while reading: nothing lost, %d records sent twice", dups)
	} else if got.total != len(truth) || len(got.records) != len(truth) {
		missing, twice := 0, 0
		for k, files := range got.from {
			if len(files) > 1 {
				if twice < 5 {
					t.Errorf("received %d times: %s, from %v", len(files), k, files)
				}
				twice++
			}
		}
		for k := range truth {
			if _, ok := got.records[k]; !ok {
				if missing < 5 {
					t.Errorf("never received: %s %+v", k, truth[k])
				}
				missing++
			}
		}
		t.Fatalf("received %d records (%d distinct, %d duplicates) within %v, want %d: %d missing",
			got.total, len(got.records), dups, arrivalDeadline, len(truth), missing)
	}
	if backups < 20 {
		t.Errorf("only %d backups: the test means to cross many rotations", backups)
	}
	if compress && gzipped == 0 {
		t.Error("no backup was gzipped")
	}
	checkRecords(t, truth, got)
}

// waitFor waits until the exporter's file holds want distinct records, or
// arrivalDeadline has passed, failing at once if the collector exits.
func waitFor(t *testing.T, out string, want int, col *collector) {
	t.Helper()
	deadline := time.Now().Add(arrivalDeadline)
	for len(readExported(t, out).records) < want && time.Now().Before(deadline) {
		if err := col.exited(); err != nil {
			t.Fatalf("the collector exited: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// rounds is how many rounds of records a test writes.
const rounds = 24

// writer logs a mix of everything LogCrest writes into a pipeline, in
// rounds with pauses between them so that rotations fall between the
// collector's polls as well as within them. n counts the records it logged
// directly (the flows add their own); each has it as its "n" field.
type writer struct {
	p       *logcrest.Pipeline
	ctx     context.Context
	handler http.Handler
	n       int
}

func newWriter(p *logcrest.Pipeline) *writer {
	w := &writer{p: p, ctx: logcrest.NewContext(context.Background(), p)}
	w.handler = logcresthttp.Handler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		logcrest.Log(r.Context()).Info().Int("n", n).Msg("handling request")
		_ = logcrest.Run(r.Context(), "load_order", func(context.Context) error { return nil })
		if n%3 == 0 {
			http.Error(rw, "failed", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(rw, "ok")
	}), adapters.WithPipeline(p))
	return w
}

func (w *writer) next() int { w.n++; return w.n }

// rounds writes rounds from to to-1.
func (w *writer) rounds(from, to int) {
	p, ctx := w.p, w.ctx
	pad := strings.Repeat("x", 60)
	errCharge := errors.New("gateway timeout")
	for round := from; round < to; round++ {
		for range 100 {
			p.Log(ctx).Info().Int("n", w.next()).Str("pad", pad).Msg("order placed")
		}
		for range 15 {
			p.Log(ctx).Debug().Int("n", w.next()).Msg("cache miss")
			p.Log(ctx).Trace().Int("n", w.next()).Msg("tick")
			p.Log(ctx).Warn().Int("n", w.next()).Msg("slow disk")
			p.Log(ctx).Error().Int("n", w.next()).Err(errCharge).Msg("charge failed")
		}
		for i := range 8 {
			_ = logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
				logcrest.Log(ctx).Info().Int("n", w.next()).Msg("validating")
				if err := logcrest.Run(ctx, "validate", func(context.Context) error { return nil }); err != nil {
					return err
				}
				return logcrest.Run(ctx, "charge", func(context.Context) error {
					if i == 0 {
						return errCharge // a failed step and flow: records in error/ and flows/
					}
					return nil
				})
			})
		}
		for i := range 4 {
			id := round*4 + i + 1
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/orders/%d?n=%d", id, w.next()), nil)
			flags := "01"
			if i%2 == 1 {
				flags = "00"
			}
			if i < 3 { // the fourth starts a trace of its own: no trace_flags
				req.Header.Set("traceparent", fmt.Sprintf("00-%032x-%016x-%s", id, id, flags))
			}
			w.handler.ServeHTTP(httptest.NewRecorder(), req)
		}
		if round == 5 || round == rounds-5 {
			// Levels that end a process when logged with Fatal() and
			// Panic(); WithLevel writes them without exiting or panicking.
			logcrest.Log(ctx).WithLevel(zerolog.PanicLevel).Int("n", w.next()).Msg("panic-level record")
			logcrest.Log(ctx).WithLevel(zerolog.FatalLevel).Int("n", w.next()).Msg("fatal-level record")
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// record is what the tests compare of one record.
type record struct {
	Time, Level, Message   string
	TraceID, SpanID, Flags string
	FlowID                 string
	Stream                 string // success, error or flows: the folder of the file it was in, or read from
	exportedTime, severity string // as received
}

// key identifies a record: its "n" field, or, for the records a flow
// writes itself, its flow ID and seq.
func key(n, flowID, seq string) string {
	if n != "" {
		return "n=" + n
	}
	return "flow=" + flowID + "/seq=" + seq
}

// readFiles reads every file LogCrest left in dir (live files, backups,
// gzipped backups) and returns its records by key, how many files there
// were and how many of them gzipped.
func readFiles(t *testing.T, dir string) (truth map[string]record, files, gzipped int) {
	t.Helper()
	truth = make(map[string]record)
	for _, stream := range []string{"success", "error", "flows"} {
		var names []string
		for _, pattern := range []string{logName + ".log", logName + "-*.log", logName + "-*.log.gz"} {
			m, err := filepath.Glob(filepath.Join(dir, stream, pattern))
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, m...)
		}
		for _, name := range names {
			files++
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(name, ".gz") {
				gzipped++
				zr, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if data, err = io.ReadAll(zr); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			for line := range strings.Lines(string(data)) {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("%s: %v: %q", name, err, line)
				}
				str := func(k string) string {
					switch v := m[k].(type) {
					case string:
						return v
					case float64:
						return strconv.FormatFloat(v, 'f', -1, 64)
					}
					return ""
				}
				k := key(str("n"), str("flow_id"), str("seq"))
				if k == "flow=/seq=" {
					t.Fatalf("%s: a record with neither n nor flow_id: %q", name, line)
				}
				if _, dup := truth[k]; dup {
					t.Fatalf("%s: %s is in the files twice", name, k)
				}
				truth[k] = record{
					Time: str("time"), Level: str("level"), Message: str("message"),
					TraceID: str("trace_id"), SpanID: str("span_id"), Flags: str("trace_flags"),
					FlowID: str("flow_id"), Stream: stream,
				}
			}
		}
	}
	return truth, files, gzipped
}

// received is what the exporter's file holds.
type received struct {
	total   int                 // log records, duplicates included
	records map[string]record   // by key
	from    map[string][]string // by key: the log.file.path of each copy received
}

// OTLP JSON, as the file exporter writes it: one request a line.
type (
	otlpRequest struct {
		ResourceLogs []struct {
			ScopeLogs []struct {
				LogRecords []otlpRecord `json:"logRecords"`
			} `json:"scopeLogs"`
		} `json:"resourceLogs"`
	}
	otlpRecord struct {
		TimeUnixNano   string          `json:"timeUnixNano"`
		SeverityNumber int             `json:"severityNumber"`
		SeverityText   string          `json:"severityText"`
		Body           otlpValue       `json:"body"`
		Attributes     []otlpAttribute `json:"attributes"`
		TraceID        string          `json:"traceId"`
		SpanID         string          `json:"spanId"`
		Flags          int             `json:"flags"`
	}
	otlpAttribute struct {
		Key   string    `json:"key"`
		Value otlpValue `json:"value"`
	}
	otlpValue struct {
		StringValue *string         `json:"stringValue"`
		IntValue    json.RawMessage `json:"intValue"` // "42": int64 is a string in OTLP JSON
	}
)

// text returns a string or integer attribute value as text.
func (v otlpValue) text() string {
	if v.StringValue != nil {
		return *v.StringValue
	}
	return strings.Trim(string(v.IntValue), `"`)
}

// readExported reads the exporter's file, whole lines only (it may be
// mid-write).
func readExported(t *testing.T, path string) received {
	t.Helper()
	got := received{records: make(map[string]record), from: make(map[string][]string)}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return got
	}
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var req otlpRequest
		if err := json.Unmarshal(line, &req); err != nil {
			break // the last line, being written
		}
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					attrs := make(map[string]string, len(lr.Attributes))
					for _, a := range lr.Attributes {
						attrs[a.Key] = a.Value.text()
					}
					k := key(attrs["n"], attrs["flow_id"], attrs["seq"])
					got.total++
					got.from[k] = append(got.from[k], filepath.Base(filepath.Dir(attrs["log.file.path"]))+"/"+filepath.Base(attrs["log.file.path"]))
					got.records[k] = record{
						Level: lr.SeverityText, TraceID: lr.TraceID, SpanID: lr.SpanID,
						Flags: flagsText(lr.Flags), FlowID: attrs["flow_id"], Message: lr.Body.text(),
						Stream:       filepath.Base(filepath.Dir(attrs["log.file.path"])),
						exportedTime: lr.TimeUnixNano, severity: strconv.Itoa(lr.SeverityNumber),
					}
				}
			}
		}
	}
	return got
}

// flagsText writes OTLP's flags as the two hex digits of trace_flags.
func flagsText(f int) string { return fmt.Sprintf("%02x", f&0xff) }

// checkRecords compares every received record with the one in the files.
func checkRecords(t *testing.T, truth map[string]record, got received) {
	t.Helper()
	bad := 0
	fail := func(k string, format string, args ...any) {
		bad++
		if bad <= 10 {
			t.Errorf("%s: "+format, append([]any{k}, args...)...)
		}
	}
	levels := make(map[string]int)
	traced, flagged := 0, 0
	for k, want := range truth {
		r := got.records[k]
		levels[want.Level]++
		ts, err := time.Parse(time.RFC3339Nano, want.Time)
		if err != nil {
			t.Fatalf("%s: time %q: %v", k, want.Time, err)
		}
		if r.exportedTime != strconv.FormatInt(ts.UnixNano(), 10) {
			fail(k, "timeUnixNano %s, want %d (time %s)", r.exportedTime, ts.UnixNano(), want.Time)
		}
		if sev, ok := severities[want.Level]; !ok || r.severity != strconv.Itoa(sev) || r.Level != want.Level {
			fail(k, "severity %s %q, want %d %q", r.severity, r.Level, sev, want.Level)
		}
		if r.Message != want.Message {
			fail(k, "body %q, want the message %q", r.Message, want.Message)
		}
		if r.TraceID != want.TraceID || r.SpanID != want.SpanID {
			fail(k, "traceId %q spanId %q, want %q %q", r.TraceID, r.SpanID, want.TraceID, want.SpanID)
		}
		if want.TraceID != "" {
			traced++
		}
		wantFlags := want.Flags
		if wantFlags == "" {
			wantFlags = "00"
		} else {
			flagged++
		}
		if r.Flags != wantFlags {
			fail(k, "flags %s, want %s", r.Flags, wantFlags)
		}
		if r.FlowID != want.FlowID {
			fail(k, "flow_id attribute %q, want %q", r.FlowID, want.FlowID)
		}
		if r.Stream != want.Stream {
			fail(k, "read from a file in %s/ (log.file.path), but it is in %s/", r.Stream, want.Stream)
		}
	}
	if bad > 10 {
		t.Errorf("... %d mismatches in all", bad)
	}
	for level := range severities {
		if levels[level] == 0 {
			t.Errorf("no %s record was written: the test must cover every level", level)
		}
	}
	if traced == 0 || flagged == 0 {
		t.Errorf("%d records with a trace, %d with trace_flags: the test must cover both", traced, flagged)
	}
	t.Logf("levels %v; %d records with a trace_id, %d with trace_flags", levels, traced, flagged)
}

// collectorUID is the user the collector runs as when the test runs as
// root: "nobody", as a packaged collector runs as a user of its own.
const collectorUID = 65534

// runAsAnotherUser makes cmd run as collectorUID, in the files' group, when
// the test runs as root (elsewhere the collector runs as the test's user,
// and the test says so): LogCrest's files are then readable by it only
// because of WithGroupReadable (0640 files, 0750 folders). The test's own
// folders are opened to the group, and the collector's checkpoint folder
// and output file are given to its user.
func runAsAnotherUser(t *testing.T, cmd *exec.Cmd, bin, work, out string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Logf("not root: the collector runs as this user (uid %d)", os.Geteuid())
		return
	}
	for _, start := range []string{work, filepath.Dir(bin)} {
		for d := start; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()) && d != filepath.Clean(os.TempDir()); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o750); err != nil {
				t.Fatal(err)
			}
		}
	}
	storage := filepath.Join(work, "storage")
	if err := os.MkdirAll(storage, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, p := range []string{storage, out} {
		if err := os.Chown(p, collectorUID, 0); err != nil {
			t.Fatal(err)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: collectorUID, Gid: 0, Groups: []uint32{}}}
	t.Logf("the collector runs as uid %d, gid 0: it reads the files through their group", collectorUID)
}

// collector is a running collector process.
type collector struct {
	cmd      *exec.Cmd
	log      string
	done     chan error
	stopOnce sync.Once
}

// startCollector runs the collector with the contrib config and the test's
// overlay, reading dir and exporting to out, and waits until it is ready.
// It is stopped (SIGTERM, then killed) when the test ends.
func startCollector(t *testing.T, bin, work, dir, out string) *collector {
	t.Helper()
	over := filepath.Join(work, "overlay.yaml")
	if err := os.WriteFile(over, []byte(overlay), 0o640); err != nil { // the collector may run as another user, in the group
		t.Fatal(err)
	}
	c := &collector{log: filepath.Join(work, "collector.log"), done: make(chan error, 1)}
	logf, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	c.cmd = exec.Command(bin, "--config", contribConfig, "--config", over)
	c.cmd.Env = append(os.Environ(),
		"LOGCREST_DIR="+dir,
		"LOGCREST_NAME="+logName,
		"LOGCREST_OTELCOL_STORAGE="+filepath.Join(work, "storage"),
		"LOGCREST_TEST_OUT="+out,
	)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	runAsAnotherUser(t, c.cmd, bin, work, out)
	c.start(t)
	return c
}

// start starts c.cmd, stops it when the test ends (with its log when the
// test failed), and waits until the collector says it is ready.
func (c *collector) start(t *testing.T) {
	t.Helper()
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("collector log:\n%s", c.logTail())
		}
	})
	deadline := time.Now().Add(readyDeadline)
	for {
		data, _ := os.ReadFile(c.log)
		if bytes.Contains(data, []byte("Everything is ready")) {
			return
		}
		if err := c.exited(); err != nil {
			t.Fatalf("the collector exited at start: %v\n%s", err, c.logTail())
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector was not ready within %v", readyDeadline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop stops the collector as a service manager would, with SIGTERM (it
// saves its checkpoints and flushes its exporter), and kills it if it has
// not exited within 10 s.
func (c *collector) stop() {
	c.stopOnce.Do(func() {
		_ = c.cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-c.done:
			c.done <- err
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			c.done <- <-c.done
		}
	})
}

// exited returns why the collector exited, or nil while it runs.
func (c *collector) exited() error {
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
		if err == nil {
			err = errors.New("exit status 0")
		}
		return err
	default:
		return nil
	}
}

// logTail returns the last lines of the collector's log.
func (c *collector) logTail() string {
	data, _ := os.ReadFile(c.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}
