package logcrest_test

// The lnav format in contrib/lnav, run by a real lnav over files LogCrest
// wrote: every record is a row of the logcrest_log table, with its level,
// its time, its flow_id as the operation ID and its flow fields typed; and
// the SQL queries contrib/lnav/README.md gives answer what they say.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

const (
	lnavFormat = "contrib/lnav/logcrest_log.json"
	lnavReadme = "contrib/lnav/README.md"

	// The queries of contrib/lnav/README.md, word for word.
	lnavFailedFlows = `;SELECT log_time, flow_id, method, path, http_status, failed_at, flow_error FROM logcrest_log WHERE flow_type = 'flow_end' AND flow_status = 'failed' ORDER BY log_time DESC`
	lnavSlowRoutes  = `;SELECT route, count(*) AS requests, round(avg(total_ms), 2) AS avg_ms, max(total_ms) AS max_ms, sum(flow_status = 'failed') AS failed FROM logcrest_log WHERE flow_type = 'flow_end' AND route IS NOT NULL GROUP BY route ORDER BY max_ms DESC LIMIT 10`
	lnavOneFlow     = `;SELECT seq, log_time, log_level, coalesce(flow_type, fn) AS what, log_body, ms, status FROM logcrest_log WHERE flow_id = $FLOW ORDER BY seq`
)

// lnavLevels is the lnav level of each LogCrest level.
var lnavLevels = map[string]string{
	"trace": "trace", "debug": "debug", "info": "info", "warn": "warning",
	"error": "error", "fatal": "fatal", "panic": "fatal",
}

// lnavRecord is one line of a file LogCrest wrote.
type lnavRecord struct {
	path string
	raw  string
	rec  map[string]any
}

func TestLnavFormat(t *testing.T) {
	lnav, err := exec.LookPath("lnav")
	if err != nil {
		t.Skip("lnav not installed; .ci/run installs it: apt-get install lnav")
	}
	readme, err := os.ReadFile(lnavReadme)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{lnavFailedFlows, lnavSlowRoutes, lnavOneFlow} {
		if !strings.Contains(string(readme), q) {
			t.Errorf("%s lacks the query\n%s", lnavReadme, q)
		}
	}

	logs := filepath.Join(t.TempDir(), "logs")
	failedFlow := lnavWriteLogs(t, logs)
	records := lnavReadRecords(t, logs)

	// lnav keeps its configuration in ~/.lnav if that exists, else in
	// $XDG_CONFIG_HOME/lnav: both point into the test's folder, so the
	// user's own configuration is neither read nor changed. TZ is not UTC,
	// to show the format keeps LogCrest's UTC times as they are.
	home, config := t.TempDir(), t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + config, "TZ=Asia/Kolkata"}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "HOME" && k != "XDG_CONFIG_HOME" && k != "TZ" && k != "FLOW" {
			env = append(env, kv)
		}
	}
	out, stderr := lnavExec(t, lnav, env, "-i", lnavFormat)
	installed := filepath.Join(config, "lnav", "formats", "installed", "logcrest_log.json")
	if _, err := os.Stat(installed); err != nil {
		t.Fatalf("lnav -i did not install the format into %s: %v\nstdout: %s\nstderr: %s", installed, err, out, stderr)
	}
	query := func(sql string, env []string) []map[string]any {
		t.Helper()
		out, stderr := lnavExec(t, lnav, env, "-n", "-q", "-c", sql, "-c", ":write-json-to -", "-r", logs)
		if strings.Contains(stderr, "no query result") {
			return nil
		}
		dec := json.NewDecoder(strings.NewReader(out))
		dec.UseNumber()
		var rows []map[string]any
		if err := dec.Decode(&rows); err != nil {
			t.Fatalf("%s\nlnav wrote no JSON (%v)\nstdout: %s\nstderr: %s", sql, err, out, stderr)
		}
		return rows
	}

	// Every record is a row of logcrest_log: the format is recognised, in
	// every file, and no line was left to another format or to text.
	rows := query(`;SELECT log_path, log_time, log_level, log_opid, log_body, log_raw_text, logger, fn, status, flow_type, flow_status, route,
		seq, typeof(seq) AS seq_type, steps, typeof(steps) AS steps_type, http_status, typeof(http_status) AS http_status_type,
		bytes, typeof(bytes) AS bytes_type, ms, typeof(ms) AS ms_type, total_ms, typeof(total_ms) AS total_ms_type FROM logcrest_log`, env)
	if len(rows) != len(records) {
		t.Errorf("logcrest_log has %d rows, the files hold %d records", len(rows), len(records))
	}
	formats := query(`;SELECT log_format, count(*) AS n FROM all_logs GROUP BY log_format`, env)
	if len(formats) != 1 || formats[0]["log_format"] != "logcrest_log" || lnavInt(formats[0]["n"]) != int64(len(records)) {
		t.Errorf("all_logs by format = %v, want logcrest_log alone with %d rows", formats, len(records))
	}
	byRaw := map[string]lnavRecord{}
	for _, r := range records {
		byRaw[r.raw] = r
	}
	seen := map[string]bool{}
	for _, row := range rows {
		raw, _ := row["log_raw_text"].(string)
		r, ok := byRaw[raw]
		if !ok || seen[raw] {
			t.Errorf("row %v is not one record of the files, once", row)
			continue
		}
		seen[raw] = true
		lnavCheckRow(t, row, r)
	}

	// The count per level: LogCrest's levels as lnav names them.
	want := map[string]int64{}
	for _, r := range records {
		want[lnavLevels[r.rec["level"].(string)]]++
	}
	got := map[string]int64{}
	for _, row := range query(`;SELECT log_level, count(*) AS n FROM logcrest_log GROUP BY log_level`, env) {
		got[row["log_level"].(string)] = lnavInt(row["n"])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows per log_level = %v, want %v", got, want)
	}
	for _, l := range []string{"trace", "debug", "info", "warning", "error", "fatal"} {
		if want[l] == 0 {
			t.Errorf("no %s record was written: the level mapping is not all tested", l)
		}
	}

	// Flow records: their flow_id is the operation ID.
	flows := 0
	for _, row := range query(`;SELECT log_opid, flow_id, flow_type FROM logcrest_log WHERE flow_type IS NOT NULL`, env) {
		flows++
		if id, _ := row["flow_id"].(string); id == "" || row["log_opid"] != id {
			t.Errorf("flow record %v: log_opid is not its flow_id", row)
		}
	}
	if n := len(lnavLines(records, "flows")); flows != n || n < 6 {
		t.Errorf("%d flow records in logcrest_log, %d in the flows file (want 6 or more)", flows, n)
	}

	// The README's queries.
	failed := query(lnavFailedFlows, env)
	if len(failed) != 2 {
		t.Fatalf("failed flows: %v, want the failed checkout and GET /orders/0", failed)
	}
	if f := failed[0]; lnavInt(f["http_status"]) != 500 || f["failed_at"] != "load_order" || f["flow_error"] == nil {
		t.Errorf("latest failed flow = %v, want GET /orders/0 answered 500, failed at load_order", f)
	}
	if f := failed[1]; f["flow_id"] != failedFlow || f["failed_at"] != "charge_card" || !strings.HasSuffix(fmt.Sprint(f["flow_error"]), "gateway timeout") {
		t.Errorf("first failed flow = %v, want %s failed at charge_card", f, failedFlow)
	}
	routes := query(lnavSlowRoutes, env)
	if len(routes) != 1 || routes[0]["route"] != "/orders/{id}" || lnavInt(routes[0]["requests"]) != 3 || lnavInt(routes[0]["failed"]) != 1 {
		t.Errorf("slowest routes = %v, want /orders/{id}: 3 requests, 1 failed", routes)
	}
	var wantSeqs []int
	for _, r := range records {
		if r.rec["flow_id"] == failedFlow {
			wantSeqs = append(wantSeqs, int(r.rec["seq"].(float64)))
		}
	}
	slices.Sort(wantSeqs)
	steps := query(lnavOneFlow, append(env, "FLOW="+failedFlow))
	var seqs []int
	for _, s := range steps {
		seqs = append(seqs, int(lnavInt(s["seq"])))
	}
	if !slices.Equal(seqs, wantSeqs) || len(steps) < 6 || steps[0]["what"] != "flow_start" || steps[len(steps)-1]["what"] != "flow_end" {
		t.Errorf("the failed flow's records by seq: %v (%v), want %v from flow_start to flow_end", seqs, steps, wantSeqs)
	}
}

// lnavWriteLogs writes logs with the default pipeline: records at every
// level, a flow whose steps succeed, one that fails, and three requests
// through the net/http adapter (one a 500). It returns the failed flow's ID.
func lnavWriteLogs(t *testing.T, logs string) (failedFlow string) {
	t.Helper()
	if err := logcrest.Configure(logcrest.WithDir(logs), logcrest.WithName("svc"), logcrest.WithConsole(nil), logcrest.WithLevel("trace")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logcrest.Close() })
	ctx := context.Background()
	log := logcrest.Log(ctx)
	log.Trace().Msg("trace record")
	log.Debug().Int("attempt", 1).Msg("debug record")
	log.Info().Str("user", "ada").Int("items", 3).Float64("total", 99.99).Msg("order placed")
	log.Warn().Dur("latency", 1500*time.Millisecond).Msg("payment provider is slow")
	log.Error().Err(errors.New("gateway timeout")).Msg("charge failed")
	log.WithLevel(zerolog.FatalLevel).Msg("fatal record") // WithLevel neither exits nor panics
	log.WithLevel(zerolog.PanicLevel).Msg("panic record")

	err := logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
		logcrest.Log(ctx).Info().Str("order", "ORD-42").Msg("checking out")
		if err := logcrest.Run(ctx, "validate_payment", func(context.Context) error { return nil }); err != nil {
			return err
		}
		return logcrest.Run(ctx, "charge_card", func(ctx context.Context) error {
			logcrest.Log(ctx).Debug().Msg("card charged")
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
		failedFlow = logcrest.FlowID(ctx)
		if err := logcrest.Run(ctx, "validate_payment", func(context.Context) error { return nil }); err != nil {
			return err
		}
		return logcrest.Run(ctx, "charge_card", func(context.Context) error { return errors.New("gateway timeout") })
	})
	if err == nil {
		t.Fatal("the second checkout did not fail")
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		err := logcrest.Run(r.Context(), "load_order", func(context.Context) error {
			if r.PathValue("id") == "0" {
				return errors.New("no such order")
			}
			return nil
		})
		if err != nil {
			http.Error(w, "cannot load the order", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "order", r.PathValue("id"))
	})
	h := logcresthttp.Handler(mux)
	for _, id := range []string{"1", "2", "0"} {
		time.Sleep(2 * time.Millisecond) // the failed request is the latest, at lnav's millisecond precision
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/"+id, nil))
	}
	if err := logcrest.Close(); err != nil {
		t.Fatal(err)
	}
	return failedFlow
}

// lnavReadRecords reads every line of every file under logs.
func lnavReadRecords(t *testing.T, logs string) []lnavRecord {
	t.Helper()
	var out []lnavRecord
	for _, stream := range []string{"success", "error", "flows"} {
		path := filepath.Join(logs, stream, "svc.log")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: %q is not JSON: %v", path, line, err)
			}
			out = append(out, lnavRecord{path: path, raw: line, rec: rec})
		}
	}
	return out
}

// lnavLines returns the records of one stream.
func lnavLines(records []lnavRecord, stream string) []lnavRecord {
	var out []lnavRecord
	for _, r := range records {
		if filepath.Base(filepath.Dir(r.path)) == stream {
			out = append(out, r)
		}
	}
	return out
}

// lnavCheckRow checks one row of logcrest_log against the record it is.
func lnavCheckRow(t *testing.T, row map[string]any, r lnavRecord) {
	t.Helper()
	rec := r.rec
	if row["log_path"] != r.path {
		t.Errorf("%s: log_path %v", r.raw, row["log_path"])
	}
	if want := lnavLevels[rec["level"].(string)]; row["log_level"] != want {
		t.Errorf("%s: log_level %v, want %s", r.raw, row["log_level"], want)
	}
	ts, err := time.Parse(time.RFC3339Nano, rec["time"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if want := ts.Truncate(time.Millisecond).Format("2006-01-02 15:04:05.000"); row["log_time"] != want {
		t.Errorf("%s: log_time %v, want %s", r.raw, row["log_time"], want)
	}
	if row["log_body"] != rec["message"] {
		t.Errorf("%s: log_body %v", r.raw, row["log_body"])
	}
	if row["log_opid"] != rec["flow_id"] { // both nil outside a flow
		t.Errorf("%s: log_opid %v", r.raw, row["log_opid"])
	}
	for _, k := range []string{"logger", "fn", "status", "flow_type", "flow_status", "route"} {
		if row[k] != rec[k] {
			t.Errorf("%s: %s = %v", r.raw, k, row[k])
		}
	}
	// Integer and float columns are typed so in SQL (typeof), with the
	// record's value. lnav types a float field by its value: a duration of
	// a whole number of milliseconds ("ms":0, a step under half a
	// microsecond) is an integer there, as it is in the JSON.
	for _, k := range []string{"seq", "steps", "http_status", "bytes", "ms", "total_ms"} {
		v, in := rec[k]
		kind := "integer"
		if f, ok := v.(float64); ok && (k == "ms" || k == "total_ms") && f != math.Trunc(f) {
			kind = "real"
		}
		switch {
		case !in && row[k] != nil:
			t.Errorf("%s: %s = %v, not in the record", r.raw, k, row[k])
		case !in:
		case row[k+"_type"] != kind:
			t.Errorf("%s: %s is of SQL type %v, want %s", r.raw, k, row[k+"_type"], kind)
		case lnavNum(row[k]) != v.(float64):
			t.Errorf("%s: %s = %v, want %v", r.raw, k, row[k], v)
		}
	}
}

// lnavNum reads a number column, which :write-json-to gives as a number or
// a string; NaN if it is neither.
func lnavNum(v any) float64 {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = v
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// lnavInt reads an integer column; -1 if it is none.
func lnavInt(v any) int64 {
	f := lnavNum(v)
	if f != math.Trunc(f) {
		return -1
	}
	return int64(f)
}

// lnavExec runs lnav with env, bounded by a minute, and returns its stdout
// and stderr.
func lnavExec(t *testing.T, lnav string, env []string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, lnav, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("lnav %q: %v\nstdout: %s\nstderr: %s", args, err, o.String(), e.String())
	}
	return o.String(), e.String()
}
