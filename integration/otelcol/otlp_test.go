package otelcol_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	logcrestotel "github.com/logcrest/logcrest/otel"
)

// otlpConfig is a Collector with the OTLP receiver (HTTP, on loopback) and
// the file exporter: what logcrestotel.ExportLogs sends, as received.
const otlpConfig = `receivers:
  otlp:
    protocols:
      http:
        endpoint: ${env:LOGCREST_OTLP_ENDPOINT}
exporters:
  file/logs:
    path: ${env:LOGCREST_TEST_OUT}
    format: json
    append: true # a restarted collector adds to it
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [file/logs]
`

// TestCollectorReceivesOTLPLogs: an HTTP service (the net/http adapter) with
// flows, steps, failures and an outbound call (logcresthttp.Transport)
// writes its files and exports its records with ExportLogs through
// otlploghttp to a real Collector on loopback: the Collector's file holds
// every record exactly once, equal to the files' (time, severity, body,
// trace and span IDs, every attribute and its type). Then, the Collector
// stopped for a while: the log calls never wait, the records waiting stay
// under the cap, and once it is back, what it received is what Stats
// counts as written, every other record counted as dropped or failed.
func TestCollectorReceivesOTLPLogs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the collector's paths and signals are set up for unix here")
	}
	if testing.Short() {
		t.Skip("builds and runs an OpenTelemetry Collector")
	}
	bin := buildCollector(t)
	work := t.TempDir()
	dir := filepath.Join(work, "logs")
	out := filepath.Join(work, "received.json")
	endpoint := freeLoopback(t)
	col := startOTLPCollector(t, bin, work, endpoint, out)

	const closeTimeout = time.Second
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName(logName), logcrest.WithJSON(true),
		logcrest.WithConsoleFormat("off"), logcrest.WithLevel("trace"), logcrest.WithCloseTimeout(closeTimeout))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := otlploghttp.New(context.Background(), otlploghttp.WithEndpoint(endpoint), otlploghttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	const maxBytes = 128 << 10
	x, err := logcrestotel.ExportLogs(p, exp, logcrestotel.WithLogMaxBuffer(maxBytes),
		logcrestotel.WithResource(resource.NewSchemaless(attribute.String("service.name", "checkout"),
			attribute.String("service.version", "1.2.3"))))
	if err != nil {
		t.Fatal(err)
	}
	svc := newOTLPService(t, p)

	// 1. The Collector up: every record, exactly once, equal.
	svc.load(0, 30)
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	files := readAllFiles(t, dir)
	waitReceived(t, out, len(files), col)
	got := readReceived(t, out)
	compareRecords(t, files, got, true)
	t.Logf("phase 1: %d records written, %d received", len(files), len(got))

	// 2. The Collector frozen (SIGSTOP: it accepts connections and answers
	// nothing, the worst case for a sender): the log calls never wait, the
	// records waiting stay under the cap, the rest are dropped and counted.
	if err := col.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.load(30, 60)
		l := p.Log(context.Background())
		for i := range 5000 { // a burst: faster than a sender could ever go
			l.Info().Int("burst", i).Str("pad", strings.Repeat("y", 80)).Msg("burst")
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("log calls waited on a frozen Collector: the load did not end within 60 s")
	}
	sink := otlpStats(t, p)
	// A record is at least 100 bytes; the exporter holds one batch (at most
	// 64 KiB) besides what waits under the cap.
	if limit := uint64((maxBytes + 64<<10) / 100); sink.Buffered > limit {
		t.Errorf("%d records wait for the frozen Collector, the cap allows %d", sink.Buffered, limit)
	}
	if sink.Dropped == 0 {
		t.Errorf("nothing dropped with the Collector frozen: %+v", sink)
	}
	if err := col.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}

	// The Collector stopped (connections refused), then started again.
	col.stop()
	svc.load(60, 80)
	// 3. The Collector back: the rest arrives; what it received is what
	// Stats counts as written.
	col = startOTLPCollector(t, bin, work, endpoint, out)
	svc.load(80, 90)
	if err := p.Close(); err != nil {
		t.Logf("Close: %v", err)
	}
	if err := x.Shutdown(context.Background()); err != nil {
		t.Logf("Shutdown: %v", err)
	}
	sink = otlpStats(t, p)
	files = readAllFiles(t, dir)
	// The sink takes every stream, so it is offered every record the files
	// hold, the "logcrest dropped N records" warnings about it included.
	offered := len(files)
	waitReceived(t, out, int(sink.Written), col)
	time.Sleep(time.Second) // what a frozen Collector still had in its sockets
	got = readReceived(t, out)
	compareRecords(t, files, got, false)
	// Every record the sink counts written arrived, once; a dropped one
	// never left; a failed one (its Export timed out, or was refused) may
	// have reached the frozen Collector all the same.
	if sink.Written+sink.Dropped+sink.Failed != uint64(offered) || sink.Buffered != 0 ||
		uint64(len(got)) < sink.Written || uint64(len(got)) > sink.Written+sink.Failed {
		t.Errorf("the Collector received %d records; Stats: %+v; the files hold %d offered to the sink", len(got), sink, offered)
	}
	t.Logf("with the Collector down for a while: %d records offered, %d received, %d dropped, %d failed",
		offered, len(got), sink.Dropped, sink.Failed)
}

// otlpService is the HTTP service under test and the code that calls it.
type otlpService struct {
	p      *logcrest.Pipeline
	ctx    context.Context
	srv    *httptest.Server
	client *http.Client
}

func newOTLPService(t *testing.T, p *logcrest.Pipeline) *otlpService {
	s := &otlpService{p: p, ctx: logcrest.NewContext(context.Background(), p)}
	s.client = &http.Client{Transport: logcresthttp.Transport(nil), Timeout: 10 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, _ := strconv.Atoi(r.PathValue("id"))
		logcrest.Log(ctx).Info().Int("order", id).Float64("amount", float64(id)+0.5).
			RawJSON("items", []byte(`[{"sku":"a1","qty":2},{"sku":"b2","qty":1}]`)).Msg("order received")
		err := logcrest.Run(ctx, "load_order", func(ctx context.Context) error {
			logcrest.Log(ctx).Debug().Bool("cached", id%2 == 0).Msg("order loaded")
			return nil
		})
		if err == nil {
			err = logcrest.Run(ctx, "charge", func(ctx context.Context) error {
				if id%5 == 0 {
					return errors.New("card declined")
				}
				return nil
			})
		}
		if err != nil {
			logcrest.Log(ctx).Error().Err(err).Int("order", id).Msg("order failed")
			http.Error(w, "failed", http.StatusBadGateway)
			return
		}
		if id%7 == 0 { // an outbound call, to the stock service
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+"/stock", nil)
			if resp, err := s.client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("/stock", func(w http.ResponseWriter, r *http.Request) {
		logcrest.Log(r.Context()).Info().Int("left", 12).Msg("stock checked")
		_, _ = io.WriteString(w, "12")
	})
	s.srv = httptest.NewServer(logcresthttp.Handler(mux, adapters.WithPipeline(p)))
	t.Cleanup(func() {
		s.client.CloseIdleConnections()
		s.srv.Close()
	})
	return s
}

// load sends the requests from to to-1, with flows of the service's own and
// records at every level in between.
func (s *otlpService) load(from, to int) {
	pad := strings.Repeat("x", 40)
	for id := from; id < to; id++ {
		resp, err := s.client.Get(fmt.Sprintf("%s/orders/%d", s.srv.URL, id))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		l := s.p.Log(s.ctx)
		for i := range 20 {
			l.Info().Int("id", id).Int("i", i).Str("pad", pad).Msg("tick")
		}
		l.Trace().Int("id", id).Msg("trace")
		l.Warn().Int("id", id).Float64("ratio", 0.25).Msg("slow")
		if id%10 == 0 {
			l.WithLevel(zerolog.PanicLevel).Int("id", id).Msg("panic-level record")
			l.WithLevel(zerolog.FatalLevel).Int("id", id).Msg("fatal-level record")
		}
		_ = logcrest.RunFlow(s.ctx, "reconcile", func(ctx context.Context) error {
			return logcrest.Run(ctx, "compare", func(context.Context) error {
				if id%4 == 0 {
					return errors.New("mismatch")
				}
				return nil
			})
		})
	}
}

// freeLoopback returns a loopback address no one listens on.
func freeLoopback(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startOTLPCollector runs the collector with otlpConfig, receiving on
// endpoint and exporting to out, and waits until it is ready.
func startOTLPCollector(t *testing.T, bin, work, endpoint, out string) *collector {
	t.Helper()
	cfg := filepath.Join(work, "otlp.yaml")
	if err := os.WriteFile(cfg, []byte(otlpConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &collector{log: filepath.Join(work, "collector.log"), done: make(chan error, 1)}
	logf, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	c.cmd = exec.Command(bin, "--config", cfg)
	c.cmd.Env = append(os.Environ(), "LOGCREST_OTLP_ENDPOINT="+endpoint, "LOGCREST_TEST_OUT="+out)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	c.start(t)
	return c
}

type sinkStats struct{ Written, Dropped, Failed, Buffered uint64 }

func otlpStats(t *testing.T, p *logcrest.Pipeline) sinkStats {
	t.Helper()
	for _, s := range p.Stats().Sinks {
		if s.Name == "otlp" {
			return sinkStats{s.Written, s.Dropped, s.Failed, s.Buffered}
		}
	}
	t.Fatal("no otlp sink in Stats")
	return sinkStats{}
}

// readAllFiles parses every line of the three streams' live files (the
// test writes too little to rotate), numbers typed as the mapping types
// them.
func readAllFiles(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, stream := range []string{"success", "error", "flows"} {
		data, err := os.ReadFile(filepath.Join(dir, stream, logName+".log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			var r map[string]any
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("%s: %q: %v", stream, line, err)
			}
			out = append(out, typed(r).(map[string]any))
		}
	}
	return out
}

// typed gives a JSON number the type its attribute must have: int64
// without a fraction or exponent, float64 otherwise.
func typed(v any) any {
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i
			}
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = typed(x)
		}
	case []any:
		for i, x := range v {
			v[i] = typed(x)
		}
	}
	return v
}

// OTLP JSON, fully typed, as the file exporter writes it.
type (
	otlpLogsRequest struct {
		ResourceLogs []struct {
			Resource struct {
				Attributes []otlpKV `json:"attributes"`
			} `json:"resource"`
			ScopeLogs []struct {
				LogRecords []otlpLog `json:"logRecords"`
			} `json:"scopeLogs"`
		} `json:"resourceLogs"`
	}
	otlpLog struct {
		TimeUnixNano   string   `json:"timeUnixNano"`
		SeverityNumber int      `json:"severityNumber"`
		SeverityText   string   `json:"severityText"`
		EventName      string   `json:"eventName"`
		Body           otlpAny  `json:"body"`
		Attributes     []otlpKV `json:"attributes"`
		TraceID        string   `json:"traceId"`
		SpanID         string   `json:"spanId"`
	}
	otlpKV struct {
		Key   string  `json:"key"`
		Value otlpAny `json:"value"`
	}
	otlpAny struct {
		StringValue *string  `json:"stringValue"`
		BoolValue   *bool    `json:"boolValue"`
		IntValue    *string  `json:"intValue"`
		DoubleValue *float64 `json:"doubleValue"`
		ArrayValue  *struct {
			Values []otlpAny `json:"values"`
		} `json:"arrayValue"`
		KvlistValue *struct {
			Values []otlpKV `json:"values"`
		} `json:"kvlistValue"`
	}
)

// value returns v as the Go value of its OTLP type.
func (v otlpAny) value() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.IntValue != nil:
		i, err := strconv.ParseInt(*v.IntValue, 10, 64)
		if err != nil {
			return "bad int " + *v.IntValue
		}
		return i
	case v.DoubleValue != nil:
		return *v.DoubleValue
	case v.ArrayValue != nil:
		out := make([]any, 0, len(v.ArrayValue.Values))
		for _, x := range v.ArrayValue.Values {
			out = append(out, x.value())
		}
		return out
	case v.KvlistValue != nil:
		out := map[string]any{}
		for _, kv := range v.KvlistValue.Values {
			out[kv.Key] = kv.Value.value()
		}
		return out
	}
	return nil
}

// readReceived reads the Collector's file, each log record rebuilt as the
// record the files hold, with the mapping checked on the way.
func readReceived(t *testing.T, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var req otlpLogsRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			break // the last line, being written
		}
		for _, rl := range req.ResourceLogs {
			res := map[string]any{}
			for _, kv := range rl.Resource.Attributes {
				res[kv.Key] = kv.Value.value()
			}
			if res["service.name"] != "checkout" || res["service.version"] != "1.2.3" {
				t.Errorf("resource %v, want service checkout 1.2.3", res)
			}
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					r := map[string]any{}
					ns, _ := strconv.ParseInt(lr.TimeUnixNano, 10, 64)
					r["time"] = time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
					if lr.SeverityText != "" {
						r["level"] = lr.SeverityText
						if want := severities[lr.SeverityText]; lr.SeverityNumber != want {
							t.Errorf("level %s: severity %d, want %d", lr.SeverityText, lr.SeverityNumber, want)
						}
					}
					if b := lr.Body.value(); b != nil {
						r["message"] = b
					}
					if lr.TraceID != "" {
						r["trace_id"] = lr.TraceID
					}
					if lr.SpanID != "" {
						r["span_id"] = lr.SpanID
					}
					for _, kv := range lr.Attributes {
						r[kv.Key] = kv.Value.value()
					}
					if ft, ok := r["flow_type"].(string); ok && lr.EventName != ft {
						t.Errorf("flow record %v: event name %q", r, lr.EventName)
					}
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// waitReceived waits until the Collector's file holds want records.
func waitReceived(t *testing.T, out string, want int, col *collector) {
	t.Helper()
	deadline := time.Now().Add(arrivalDeadline)
	for {
		got := len(readReceived(t, out))
		if got >= want {
			return
		}
		if err := col.exited(); err != nil {
			t.Fatalf("the collector exited: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Collector received %d of %d records within %v", got, want, arrivalDeadline)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// compareRecords checks that every received record is one of the files',
// equal field by field and type by type, received once; with all, that
// every record of the files was received.
func compareRecords(t *testing.T, files, got []map[string]any, all bool) {
	t.Helper()
	key := func(r map[string]any) string { b, _ := json.Marshal(r); return string(b) }
	want := map[string][]map[string]any{}
	for _, r := range files {
		want[key(r)] = append(want[key(r)], r)
	}
	var extra []string
	for _, r := range got {
		k := key(r)
		if len(want[k]) == 0 {
			extra = append(extra, k)
			continue
		}
		f := want[k][0]
		want[k] = want[k][1:]
		if fmt.Sprintf("%#v", typeTree(f)) != fmt.Sprintf("%#v", typeTree(r)) {
			t.Errorf("types differ:\nfile     %#v\nreceived %#v", typeTree(f), typeTree(r))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%d records received that the files do not hold (or received twice), e.g. %s", len(extra), extra[0])
	}
	if all {
		var missing []string
		for k, rs := range want {
			for range rs {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			t.Errorf("%d of %d records not received, e.g. %s", len(missing), len(files), missing[0])
		}
	}
}

// typeTree replaces every value by its Go type, maps and slices kept.
func typeTree(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = typeTree(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = typeTree(x)
		}
		return out
	}
	return fmt.Sprintf("%T", v)
}
