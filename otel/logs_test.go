package logcrestotel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/logcrest/logcrest"
	logcrestotel "github.com/logcrest/logcrest/otel"
)

// memExporter is an in-memory sdklog.Exporter. With gate set, Export waits
// for it to be closed (ignoring its context: the worst exporter there is);
// with delay, each Export takes that long.
type memExporter struct {
	mu       sync.Mutex
	recs     []sdklog.Record
	gate     chan struct{}
	delay    time.Duration
	shutdown bool
}

func (e *memExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	if e.gate != nil {
		<-e.gate
	}
	if e.delay > 0 {
		time.Sleep(e.delay)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range recs {
		e.recs = append(e.recs, recs[i].Clone())
	}
	return nil
}

func (e *memExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	e.shutdown = true
	e.mu.Unlock()
	return nil
}
func (e *memExporter) ForceFlush(context.Context) error { return nil }

func (e *memExporter) records() []sdklog.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sdklog.Record(nil), e.recs...)
}

// wantSeverity is the mapping ExportLogs documents.
var wantSeverity = map[string]otellog.Severity{
	"trace": otellog.SeverityTrace, "debug": otellog.SeverityDebug, "info": otellog.SeverityInfo,
	"warn": otellog.SeverityWarn, "error": otellog.SeverityError, "fatal": otellog.SeverityFatal,
	"panic": otellog.SeverityFatal4,
}

// fileValue turns a value of a file's record, decoded with UseNumber, into
// the Go value its attribute must hold: an integer int64, any other number
// float64, objects and arrays recursively.
func fileValue(v any) any {
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
		out := map[string]any{}
		for k, x := range v {
			out[k] = fileValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = fileValue(x)
		}
		return out
	}
	return v
}

// attrValue is the Go value of an exported attribute, typed as exported.
func attrValue(v attribute.Value) any {
	switch v.Type() {
	case attribute.BOOL:
		return v.AsBool()
	case attribute.INT64:
		return v.AsInt64()
	case attribute.FLOAT64:
		return v.AsFloat64()
	case attribute.STRING:
		return v.AsString()
	case attribute.MAP:
		out := map[string]any{}
		for _, kv := range v.AsMap() {
			out[string(kv.Key)] = attrValue(kv.Value)
		}
		return out
	case attribute.SLICE:
		vs := v.AsSlice()
		out := make([]any, len(vs))
		for i, x := range vs {
			out[i] = attrValue(x)
		}
		return out
	case attribute.EMPTY:
		return nil
	}
	return fmt.Sprintf("unexpected type %v", v.Type())
}

// readFiles parses every line of the pipeline's three streams.
func readFiles(t *testing.T, dir, name string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, stream := range []string{"success", "error", "flows"} {
		data, err := os.ReadFile(filepath.Join(dir, stream, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			var r map[string]any
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("%s: %q: %v", stream, line, err)
			}
			out = append(out, fileValue(r).(map[string]any))
		}
	}
	return out
}

// asFileRecord rebuilds, from an exported record, the record the files
// hold, with the checks the mapping promises on the way.
func asFileRecord(t *testing.T, r sdklog.Record) map[string]any {
	t.Helper()
	out := map[string]any{}
	out["time"] = r.Timestamp().UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	if txt := r.SeverityText(); txt != "" {
		if want, ok := wantSeverity[txt]; !ok || r.Severity() != want {
			t.Errorf("severity %v for level %q, want %v", r.Severity(), txt, want)
		}
		out["level"] = txt
	}
	if r.Body().Type() != attribute.EMPTY {
		out["message"] = attrValue(r.Body())
	}
	if r.TraceID().IsValid() {
		out["trace_id"] = r.TraceID().String()
	}
	if r.SpanID().IsValid() {
		out["span_id"] = r.SpanID().String()
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if _, dup := out[string(kv.Key)]; dup {
			t.Errorf("attribute %q repeats a field the record maps elsewhere", kv.Key)
		}
		out[string(kv.Key)] = attrValue(kv.Value)
		return true
	})
	if ft, ok := out["flow_type"].(string); ok && r.EventName() != ft {
		t.Errorf("flow record %v: event name %q, want %q", out, r.EventName(), ft)
	}
	if svc, _ := r.Resource().Set().Value("service.name"); svc.AsString() != "checkout" {
		t.Errorf("resource service.name %q, want checkout", svc.AsString())
	}
	if v, _ := r.Resource().Set().Value("service.version"); v.AsString() != "1.2.3" {
		t.Errorf("resource service.version %q, want 1.2.3", v.AsString())
	}
	return out
}

// sameRecords fails unless files and exported hold the same records, each
// as often, field by field and type by type.
func sameRecords(t *testing.T, files, exported []map[string]any) {
	t.Helper()
	key := func(r map[string]any) string { b, _ := json.Marshal(r); return string(b) }
	sort.Slice(files, func(i, j int) bool { return key(files[i]) < key(files[j]) })
	sort.Slice(exported, func(i, j int) bool { return key(exported[i]) < key(exported[j]) })
	if len(files) != len(exported) {
		t.Fatalf("the files hold %d records, the exporter got %d", len(files), len(exported))
	}
	for i := range files {
		if !reflect.DeepEqual(files[i], exported[i]) {
			t.Errorf("record %d differs:\nfile     %#v\nexported %#v", i, files[i], exported[i])
		}
	}
}

func serviceResource() *resource.Resource {
	return resource.NewSchemaless(attribute.String("service.name", "checkout"), attribute.String("service.version", "1.2.3"))
}

// TestExportLogsMatchesFiles: every record of every stream reaches the
// exporter exactly once, equal to the files' record field by field: time,
// body, severity (panic → FATAL4), trace and span IDs, and every other
// field as an attribute of its JSON type (42 an Int64, 3.5 a Float64, an
// object a map, an array a slice); flow records carry their flow_type as
// event name; the resource is the one given.
func TestExportLogsMatchesFiles(t *testing.T) {
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("svc"), logcrest.WithJSON(true),
		logcrest.WithConsoleFormat("off"), logcrest.WithLevel("trace"), logcrest.WithCloseTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	exp := &memExporter{}
	x, err := logcrestotel.ExportLogs(p, exp, logcrestotel.WithResource(serviceResource()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := logcrest.NewContext(context.Background(), p)
	l := p.Log(ctx)
	l.Trace().Msg("t")
	l.Debug().Msg("d")
	l.Info().Int("n", 42).Float64("f", 3.5).Bool("ok", true).Str("s", "x").
		RawJSON("obj", []byte(`{"a":1,"b":[1,"two",2.5,{"c":null}]}`)).Ints("arr", []int{1, 2}).
		Uint64("big", 1<<63).Msg("typed")
	l.Warn().Msg("w")
	l.Error().Err(errors.New("boom")).Msg("e")
	l.WithLevel(zerolog.FatalLevel).Msg("f")
	l.WithLevel(zerolog.PanicLevel).Msg("p")
	l.Log().Msg("no level")
	for i := 0; i < 3; i++ {
		_ = logcrest.RunFlow(ctx, "job", func(ctx context.Context) error {
			_ = logcrest.Run(ctx, "fetch", func(ctx context.Context) error {
				logcrest.Log(ctx).Info().Int("i", i).Msg("inside")
				return nil
			})
			return logcrest.Run(ctx, "save", func(context.Context) error {
				if i == 1 {
					return errors.New("disk full")
				}
				return nil
			})
		})
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	files := readFiles(t, dir, "svc")
	var exported []map[string]any
	for _, r := range exp.records() {
		exported = append(exported, asFileRecord(t, r))
	}
	sameRecords(t, files, exported)

	// The types the mapping promises, on the "typed" record.
	var typed *sdklog.Record
	recs := exp.records()
	for i := range recs {
		if recs[i].Body().AsString() == "typed" {
			typed = &recs[i]
		}
	}
	if typed == nil {
		t.Fatal("no record \"typed\" exported")
	}
	want := map[string]attribute.Type{"n": attribute.INT64, "f": attribute.FLOAT64, "ok": attribute.BOOL,
		"s": attribute.STRING, "obj": attribute.MAP, "arr": attribute.SLICE, "big": attribute.FLOAT64}
	typed.WalkAttributes(func(kv attribute.KeyValue) bool {
		if w, ok := want[string(kv.Key)]; ok {
			if kv.Value.Type() != w {
				t.Errorf("attribute %s: type %v, want %v", kv.Key, kv.Value.Type(), w)
			}
			delete(want, string(kv.Key))
		}
		return true
	})
	if len(want) > 0 {
		t.Errorf("attributes missing: %v", want)
	}
	var flows, withIDs int
	for _, r := range exported {
		if r["flow_type"] != nil {
			flows++
		}
		if r["trace_id"] != nil && r["span_id"] != nil {
			withIDs++
		}
	}
	if flows < 3 || withIDs < 6 {
		t.Errorf("%d flow records (want 3 or more), %d with trace and span IDs", flows, withIDs)
	}
	var sink *struct{ written, dropped, failed uint64 }
	for _, s := range p.Stats().Sinks {
		if s.Name == "otlp" {
			sink = &struct{ written, dropped, failed uint64 }{s.Written, s.Dropped, s.Failed}
		}
	}
	if sink == nil || sink.written != uint64(len(files)) || sink.dropped != 0 || sink.failed != 0 {
		t.Errorf("Stats of the otlp sink %+v, want %d written", sink, len(files))
	}
	if err := x.Shutdown(context.Background()); err != nil || !exp.shutdown {
		t.Errorf("Shutdown: %v, exporter shut down: %v", err, exp.shutdown)
	}
}

// TestExportLogsNoFiles: with the files and the console off, the records
// reach the exporter and nothing is written in the log folder.
func TestExportLogsNoFiles(t *testing.T) {
	dir := t.TempDir()
	p, _ := logcrest.New(logcrest.WithDir(dir), logcrest.WithFiles(false), logcrest.WithConsoleFormat("off"))
	exp := &memExporter{}
	x, err := logcrestotel.ExportLogs(p, exp)
	if err != nil {
		t.Fatal(err)
	}
	ctx := logcrest.NewContext(context.Background(), p)
	_ = logcrest.RunFlow(ctx, "job", func(ctx context.Context) error {
		logcrest.Log(ctx).Info().Msg("hello")
		return errors.New("failed")
	})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, r := range exp.records() {
		msgs = append(msgs, r.Body().AsString())
	}
	if len(msgs) < 3 || !strings.Contains(strings.Join(msgs, "|"), "hello") {
		t.Errorf("exported %q, want the flow's records and hello", msgs)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Errorf("the log folder holds %v (%v), want nothing", entries, err)
	}
}

// TestExportLogsStuckExporter: an exporter that never returns costs a log
// call nothing (the calls end within the test's deadline), the records
// waiting for it stay under the cap, and once it returns, what it got plus
// what Stats counts as dropped is every record logged; the files lose
// nothing.
func TestExportLogsStuckExporter(t *testing.T) {
	dir := t.TempDir()
	p, _ := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("svc"), logcrest.WithConsoleFormat("off"),
		logcrest.WithCloseTimeout(5*time.Second))
	exp := &memExporter{gate: make(chan struct{})}
	const maxBytes = 256 << 10
	x, err := logcrestotel.ExportLogs(p, exp, logcrestotel.WithLogMaxBuffer(maxBytes), logcrestotel.WithLogStreams("success"))
	if err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() { close(exp.gate) })
	t.Cleanup(release)
	const n = 20000
	pad := strings.Repeat("x", 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l := p.Log(context.Background())
		for i := 0; i < n; i++ {
			l.Info().Int("i", i).Str("pad", pad).Msg("load")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("log calls waited on a stuck exporter: 20000 calls not done in 10 s")
	}
	var otlp *struct{ buffered, dropped uint64 }
	for _, s := range p.Stats().Sinks {
		if s.Name == "otlp" {
			otlp = &struct{ buffered, dropped uint64 }{s.Buffered, s.Dropped}
		}
	}
	if otlp == nil {
		t.Fatal("no otlp sink in Stats")
	}
	// A record is at least 150 bytes; the exporter holds one batch (at
	// most 64 KiB of them) besides what waits under the cap.
	if limit := uint64((maxBytes + 64<<10) / 150); otlp.buffered > limit || otlp.dropped == 0 {
		t.Errorf("%d records waiting for the stuck exporter (cap allows %d), %d dropped", otlp.buffered, limit, otlp.dropped)
	}
	release()
	closeReleased(t, p)
	st := p.Stats()
	var written, dropped, failed uint64
	for _, s := range st.Sinks {
		if s.Name == "otlp" {
			written, dropped, failed = s.Written, s.Dropped, s.Failed
		}
	}
	got := uint64(len(exp.records()))
	if got != written || got+dropped != n || failed != 0 {
		t.Errorf("exporter got %d, Stats: written %d dropped %d failed %d; want got+dropped = %d", got, written, dropped, failed, n)
	}
	var inFile int
	data, _ := os.ReadFile(filepath.Join(dir, "success", "svc.log"))
	for _, line := range bytes.Split(data, []byte("\n")) {
		if bytes.Contains(line, []byte(`"message":"load"`)) {
			inFile++
		}
	}
	if inFile != n {
		t.Errorf("the success file holds %d of %d records", inFile, n)
	}
	_ = x.Shutdown(context.Background())
}

// TestExportLogsCloseSlowExporter: Close hands a slow exporter everything
// queued within the close timeout; an exporter that never returns holds
// Close up for about the close timeout, not more.
func TestExportLogsCloseSlowExporter(t *testing.T) {
	p, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("off"), logcrest.WithCloseTimeout(2*time.Second))
	exp := &memExporter{delay: 100 * time.Millisecond}
	x, err := logcrestotel.ExportLogs(p, exp)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		p.Log(context.Background()).Info().Int("i", i).Msg("slow")
	}
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := len(exp.records()); got != 500 {
		t.Errorf("Close handed over %d of 500 records (in %v)", got, time.Since(start))
	}
	_ = x.Shutdown(context.Background())

	stuck := &memExporter{gate: make(chan struct{})}
	defer close(stuck.gate)
	p2, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("off"), logcrest.WithCloseTimeout(300*time.Millisecond))
	if _, err := logcrestotel.ExportLogs(p2, stuck); err != nil {
		t.Fatal(err)
	}
	p2.Log(context.Background()).Info().Msg("never exported")
	closed := make(chan error, 1)
	go func() { closed <- p2.Close() }()
	select {
	case err := <-closed:
		if err == nil || !strings.Contains(err.Error(), "otlp") {
			t.Errorf("Close with a stuck exporter: %v, want an error naming the otlp sink", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited more than 5 s on an exporter stuck, with a close timeout of 300 ms")
	}
	// The record the stuck exporter holds is counted as not written: failed,
	// or buffered while Export has not returned.
	if st := p2.Stats(); st.Written != 0 || st.Failed+st.Buffered != 1 {
		t.Errorf("Stats %+v, want the 1 record the stuck exporter held as failed or buffered", st)
	}
}

// TestExportLogsCarriesDropNotices: with the files and the console off,
// records leave by OTLP alone, so the "logcrest dropped N records" warning
// a full queue leads to must reach the exporter too: once the stuck
// exporter is released, it gets the notices, whose counts add up to the
// sink's Dropped in Stats, and every other record it got was logged.
func TestExportLogsCarriesDropNotices(t *testing.T) {
	p, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("off"),
		logcrest.WithCloseTimeout(5*time.Second), logcrest.WithConfigFile(""))
	exp := &memExporter{gate: make(chan struct{})}
	if _, err := logcrestotel.ExportLogs(p, exp, logcrestotel.WithLogMaxBuffer(128<<10)); err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() { close(exp.gate) })
	t.Cleanup(release)
	const n = 20000
	pad := strings.Repeat("x", 100)
	l := p.Log(context.Background())
	for i := 0; i < n; i++ {
		l.Info().Int("i", i).Str("pad", pad).Msg("load")
	}
	release()
	closeReleased(t, p)
	var dropped uint64
	for _, s := range p.Stats().Sinks {
		if s.Name == "otlp" {
			dropped = s.Dropped
		}
	}
	if dropped == 0 {
		t.Fatal("nothing dropped: the test did not fill the queue")
	}
	var told, loads uint64
	for _, r := range exp.records() {
		switch body := r.Body().AsString(); {
		case body == "load":
			loads++
		case strings.HasPrefix(body, "logcrest dropped "):
			var sink string
			var count int64
			r.WalkAttributes(func(kv attribute.KeyValue) bool {
				switch kv.Key {
				case "sink":
					sink = kv.Value.AsString()
				case "dropped":
					count = kv.Value.AsInt64()
				}
				return true
			})
			if sink != "otlp" || count <= 0 || r.Severity() != otellog.SeverityWarn {
				t.Errorf("drop notice: sink %q, dropped %d, severity %v", sink, count, r.Severity())
			}
			told += uint64(count)
		default:
			t.Errorf("unexpected record %q", body)
		}
	}
	if told != dropped || loads+dropped != n {
		t.Errorf("the exporter was told of %d drops, Stats says %d; it got %d of %d records", told, dropped, loads, n)
	}
}

// closeReleased closes p, whose exporter was stuck and is now released, and
// fails t if Close returns an error or has not returned within 20 s.
func closeReleased(t *testing.T, p *logcrest.Pipeline) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close hung after the exporter was released")
	}
}
