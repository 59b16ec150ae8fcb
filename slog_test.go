package logcrest_test

// The log/slog handler: testing/slogtest's conformance cases, the IDs of a
// step on a record logged with its context, levels (the mapping, SetLevel,
// opts.Level), attribute kinds, groups, ReplaceAttr, AddSource, the
// pipeline it writes to, and its allocations.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/testkit"
)

// slogPipeline returns a pipeline that writes JSON records to the console
// alone, into the buffer returned, and is closed when the test ends.
func slogPipeline(t *testing.T) (*logcrest.Pipeline, *testkit.Buffer) {
	t.Helper()
	console := &testkit.Buffer{}
	// Redaction off: these tests compare the encoding with slog's own
	// JSONHandler, value for value (their "secret" is ReplaceAttr's).
	p, err := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"),
		logcrest.WithConsole(console), logcrest.WithLevel("debug"), logcrest.WithName("slog"),
		logcrest.WithRedaction(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p, console
}

// slogRecords flushes p and returns every record its console got, and the
// lines themselves.
func slogRecords(t *testing.T, p *logcrest.Pipeline, console *testkit.Buffer) ([]stepRecord, []string) {
	t.Helper()
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSpace(console.String())
	if text == "" {
		return nil, nil
	}
	lines := strings.Split(text, "\n")
	out := make([]stepRecord, len(lines))
	for i, line := range lines {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber() // uint64 and int64 exactly
		if err := dec.Decode(&out[i]); err != nil {
			t.Fatalf("%q is not JSON: %v", line, err)
		}
	}
	return out, lines
}

// slogOne returns the one record p's console got.
func slogOne(t *testing.T, p *logcrest.Pipeline, console *testkit.Buffer) (stepRecord, string) {
	t.Helper()
	recs, lines := slogRecords(t, p, console)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1:\n%s", len(recs), strings.Join(lines, "\n"))
	}
	return recs[0], lines[0]
}

// TestSlogHandlerConformance runs testing/slogtest on the handler of a
// pipeline and on the default pipeline's. slogtest's keys are slog's: the
// result function renames LogCrest's "message" to "msg" ("time" and
// "level" are the same).
//
// The zero-time case is skipped: it expects no "time" field when
// Record.Time is zero, but LogCrest stamps every record with the time it
// reaches the pipeline, whatever the record says (the record's time is
// never written; see TestSlogHandlerTime).
func TestSlogHandlerConformance(t *testing.T) {
	for _, dflt := range []bool{false, true} {
		name := "Pipeline"
		if dflt {
			name = "Default"
		}
		t.Run(name, func(t *testing.T) {
			var (
				p       *logcrest.Pipeline
				console *testkit.Buffer
			)
			newHandler := func(t *testing.T) slog.Handler {
				if strings.HasSuffix(t.Name(), "/zero-time") {
					t.Skip("LogCrest writes the time a record reaches the pipeline, never Record.Time: a zero Record.Time still gets a time field")
				}
				p, console = slogPipeline(t)
				if dflt {
					logcrest.SetDefault(p)
					t.Cleanup(func() { logcrest.SetDefault(nil) })
					return logcrest.NewSlogHandler(nil)
				}
				return p.SlogHandler(nil)
			}
			result := func(t *testing.T) map[string]any {
				r, _ := slogOne(t, p, console)
				if m, ok := r["message"]; ok {
					r["msg"] = m
					delete(r, "message")
				}
				return r
			}
			slogtest.Run(t, newHandler, result)
		})
	}
}

// TestSlogHandlerTime: "time" is LogCrest's own, stamped when the record
// reaches the pipeline, zero Record.Time or not.
func TestSlogHandlerTime(t *testing.T) {
	p, console := slogPipeline(t)
	h := p.SlogHandler(nil)
	before := time.Now().UTC().Truncate(time.Microsecond)
	for _, at := range []time.Time{{}, time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)} {
		if err := h.Handle(context.Background(), slog.NewRecord(at, slog.LevelInfo, "m", 0)); err != nil {
			t.Fatal(err)
		}
	}
	recs, _ := slogRecords(t, p, console)
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	for _, r := range recs {
		s, _ := r["time"].(string)
		got, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || got.Before(before) {
			t.Errorf("time = %q, want LogCrest's time of the record (not before %v)", s, before)
		}
	}
}

// TestSlogHandlerInStep: a record logged with a step's context carries the
// step's IDs, through a pipeline's handler and the default one; without a
// context it carries none; a handler on another pipeline than the step's
// writes there with the step's IDs.
func TestSlogHandlerInStep(t *testing.T) {
	p, console := slogPipeline(t)
	q, qConsole := slogPipeline(t)
	logcrest.SetDefault(p)
	defer logcrest.SetDefault(nil)

	var traceID, spanID, flowID string
	err := logcrest.RunFlow(logcrest.NewContext(context.Background(), p), "checkout", func(ctx context.Context) error {
		ctx, span := logcrest.Step(ctx, "charge_card")
		defer span.End(nil)
		traceID, spanID, flowID = logcrest.TraceID(ctx), span.SpanID(), logcrest.FlowID(ctx)
		slog.New(p.SlogHandler(nil)).InfoContext(ctx, "pipeline handler", "gateway", "acme")
		slog.New(logcrest.NewSlogHandler(nil)).WarnContext(ctx, "default handler")
		slog.New(p.SlogHandler(nil)).Info("no context")
		slog.New(q.SlogHandler(nil)).InfoContext(ctx, "other pipeline")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, lines := slogRecords(t, p, console)
	byMsg := map[string]stepRecord{}
	for _, r := range recs {
		byMsg[r["message"].(string)] = r
	}
	qRecs, _ := slogRecords(t, q, qConsole)
	if len(qRecs) != 1 {
		t.Fatalf("the other pipeline got %d records, want 1", len(qRecs))
	}
	byMsg["other pipeline"] = qRecs[0]
	for _, c := range []struct{ msg, level string }{
		{"pipeline handler", "info"}, {"default handler", "warn"}, {"other pipeline", "info"},
	} {
		r, ok := byMsg[c.msg]
		if !ok {
			t.Fatalf("no %q record in:\n%s", c.msg, strings.Join(lines, "\n"))
		}
		want := map[string]any{"trace_id": traceID, "span_id": spanID, "flow_id": flowID, "fn": "charge_card", "level": c.level}
		for k, v := range want {
			if r[k] != v {
				t.Errorf("%q: %s = %v, want %v", c.msg, k, r[k], v)
			}
		}
		if _, ok := r["seq"].(json.Number); !ok {
			t.Errorf("%q: no seq in %v", c.msg, r)
		}
	}
	if r := byMsg["pipeline handler"]; r["gateway"] != "acme" {
		t.Errorf("gateway = %v, want acme", r["gateway"])
	}
	if r := byMsg["no context"]; r == nil || r["trace_id"] != nil || r["flow_id"] != nil {
		t.Errorf("a record logged without a context: %v, want one without IDs", r)
	}
}

// TestSlogHandlerLevels: slog's levels map to zerolog's at or below them;
// the pipeline's level applies at once, and opts.Level on top of it.
func TestSlogHandlerLevels(t *testing.T) {
	p, console := slogPipeline(t)
	p.SetLevel(zerolog.TraceLevel)
	l := slog.New(p.SlogHandler(nil))
	ctx := context.Background()
	cases := []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelDebug - 4, "trace"},
		{slog.LevelDebug - 1, "trace"},
		{slog.LevelDebug, "debug"},
		{slog.LevelDebug + 3, "debug"},
		{slog.LevelInfo, "info"},
		{slog.LevelInfo + 2, "info"},
		{slog.LevelWarn, "warn"},
		{slog.LevelWarn + 1, "warn"},
		{slog.LevelError, "error"},
		{slog.LevelError + 4, "error"}, // never fatal or panic
		{slog.Level(1 << 20), "error"},
	}
	for _, c := range cases {
		l.Log(ctx, c.level, c.level.String())
	}
	recs, _ := slogRecords(t, p, console)
	if len(recs) != len(cases) {
		t.Fatalf("got %d records, want %d", len(recs), len(cases))
	}
	for i, c := range cases {
		if recs[i]["level"] != c.want || recs[i]["message"] != c.level.String() {
			t.Errorf("slog level %v: level %v, want %s", c.level, recs[i]["level"], c.want)
		}
	}

	t.Run("SetLevel", func(t *testing.T) {
		p, console := slogPipeline(t)
		h := p.SlogHandler(nil)
		l := slog.New(h)
		p.SetLevel(zerolog.WarnLevel)
		if h.Enabled(ctx, slog.LevelInfo) || !h.Enabled(ctx, slog.LevelWarn) {
			t.Error("Enabled does not follow the pipeline's level (warn)")
		}
		l.Info("dropped")
		l.Warn("kept at warn")
		p.SetLevel(zerolog.DebugLevel) // at once, for the handler already made
		if !h.Enabled(ctx, slog.LevelDebug) || h.Enabled(ctx, slog.LevelDebug-1) {
			t.Error("Enabled does not follow the pipeline's level (debug)")
		}
		l.Debug("kept at debug")
		recs, lines := slogRecords(t, p, console)
		if len(recs) != 2 || recs[0]["message"] != "kept at warn" || recs[1]["message"] != "kept at debug" {
			t.Errorf("records:\n%s", strings.Join(lines, "\n"))
		}
	})

	t.Run("opts.Level", func(t *testing.T) {
		p, console := slogPipeline(t)
		var min slog.LevelVar
		min.Set(slog.LevelWarn)
		h := p.SlogHandler(&slog.HandlerOptions{Level: &min})
		l := slog.New(h).With("k", "v").WithGroup("g") // derived handlers keep it
		if h.Enabled(ctx, slog.LevelInfo) {
			t.Error("Enabled(info) with opts.Level warn")
		}
		l.Info("dropped")
		l.Warn("kept")
		min.Set(slog.LevelDebug)
		l.Debug("kept too")
		p.SetLevel(zerolog.InfoLevel) // both must allow a record
		l.Debug("dropped by the pipeline")
		recs, lines := slogRecords(t, p, console)
		if len(recs) != 2 || recs[0]["message"] != "kept" || recs[1]["message"] != "kept too" {
			t.Errorf("records:\n%s", strings.Join(lines, "\n"))
		}
	})
}

type slogPoint struct{ X, Y int }

// slogSecret is a LogValuer: the handler writes what LogValue returns.
type slogSecret string

func (slogSecret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// slogJSONError is an error that marshals itself, which wins over Error.
type slogJSONError struct{ code int }

func (e slogJSONError) Error() string { return "code " + strconv.Itoa(e.code) }

func (e slogJSONError) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int{"code": e.code})
}

// TestSlogHandlerKinds: every kind of value is encoded by zerolog as such.
func TestSlogHandlerKinds(t *testing.T) {
	p, console := slogPipeline(t)
	at := time.Date(2026, 11, 25, 19, 8, 17, 0, time.UTC)
	slog.New(p.SlogHandler(nil)).LogAttrs(context.Background(), slog.LevelError, "kinds",
		slog.String("s", "a \"quoted\"\nline"),
		slog.Int64("i", -1<<62),
		slog.Uint64("u", 1<<63+1),
		slog.Float64("f", 2.5),
		slog.Bool("b", true),
		slog.Time("t", at),
		slog.Duration("d", 1500*time.Millisecond),
		slog.Any("error", errors.New("gateway timeout")),
		slog.Any("jerr", slogJSONError{7}),
		slog.Any("point", slogPoint{1, 2}),
		slog.Any("nil", nil),
		slog.Any("secret", slogSecret("hunter2")),
		slog.Any("src", &slog.Source{Function: "f", File: "x.go", Line: 3}),
	)
	_, line := slogOne(t, p, console)
	for _, want := range []string{
		`"level":"error"`,
		`"s":"a \"quoted\"\nline"`,
		`"i":-4611686018427387904`,
		`"u":9223372036854775809`,
		`"f":2.5`,
		`"b":true`,
		`"t":"` + at.Format(zerolog.TimeFieldFormat) + `"`,
		`"d":1500`, // zerolog.DurationFieldUnit: milliseconds
		`"error":"gateway timeout"`,
		`"jerr":{"code":7}`,
		`"point":{"X":1,"Y":2}`,
		`"nil":null`,
		`"secret":"[redacted]"`,
		`"src":{"function":"f","file":"x.go","line":3}`,
		`"message":"kinds"`,
	} {
		if !strings.Contains(line, want) {
			t.Errorf("no %s in %s", want, line)
		}
	}
	if strings.Contains(line, "hunter2") {
		t.Error("a LogValuer was not resolved")
	}
}

// TestSlogHandlerGroups: WithAttrs and WithGroup nest as slog's JSON
// handler nests them; empty attributes and groups are left out, a group
// with an empty key is inlined.
func TestSlogHandlerGroups(t *testing.T) {
	p, console := slogPipeline(t)
	h := p.SlogHandler(nil)
	if h.WithGroup("") != h {
		t.Error(`WithGroup("") is not the handler itself`)
	}
	if h.WithAttrs(nil) != h || h.WithAttrs([]slog.Attr{{}, slog.Group("empty")}) != h {
		t.Error("WithAttrs with nothing to add is not the handler itself")
	}
	base := slog.New(h).With("a", 1)
	g := base.WithGroup("g").With("b", 2, slog.Group("inner", "c", 3), slog.Group("empty"), slog.Group("", "i", true))
	gh := g.WithGroup("h")
	// Siblings do not share what they add.
	gh.With("x", 0)
	gh2 := gh.With("y", 1)

	for _, c := range []struct {
		log  func()
		want string
	}{
		{func() { gh.Info("m", "d", 4, slog.Group("", "e", 5), slog.Attr{}, slog.Group("none")) },
			`"a":1,"g":{"b":2,"inner":{"c":3},"i":true,"h":{"d":4,"e":5}},"message":"m"}`},
		{func() { gh.Info("m") }, // no attributes: no "h"
			`"a":1,"g":{"b":2,"inner":{"c":3},"i":true},"message":"m"}`},
		{func() { gh2.Info("m") },
			`"a":1,"g":{"b":2,"inner":{"c":3},"i":true,"h":{"y":1}},"message":"m"}`},
		{func() { base.WithGroup("g").WithGroup("h").Info("m") }, // nothing in either
			`"a":1,"message":"m"}`},
		{func() { base.WithGroup("g").Info("m", slog.Group("empty", slog.Attr{})) }, // only empty in it
			`"a":1,"message":"m"}`},
		{func() { slog.New(h).WithGroup("g").WithGroup("h").With("z", 9).Info("m") },
			`"g":{"h":{"z":9}},"message":"m"}`},
		{func() { base.Info("m", slog.Group("G", slog.Group("H", "k", "v"))) },
			`"a":1,"G":{"H":{"k":"v"}},"message":"m"}`},
	} {
		c.log()
		_, line := slogOne(t, p, console)
		if !strings.HasSuffix(line, ","+c.want) {
			t.Errorf("got  %s\nwant ...,%s", line, c.want)
		}
		console.Reset()
	}
}

// TestSlogHandlerMatchesJSONHandler: the fields a record gets, groups and
// ReplaceAttr included, are those slog's own JSON handler writes (values
// whose encoding zerolog and slog share; the built-in fields aside).
func TestSlogHandlerMatchesJSONHandler(t *testing.T) {
	rep := func(groups []string, a slog.Attr) slog.Attr {
		switch {
		case groups == nil && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey):
			return a // slog's built-ins, which LogCrest's handler does not pass
		case a.Key == "drop":
			return slog.Attr{}
		case len(groups) > 0 && a.Value.Kind() == slog.KindString:
			return slog.String(strings.Join(groups, ".")+"."+a.Key, strings.ToUpper(a.Value.String()))
		}
		return a
	}
	scenarios := []func(l *slog.Logger){
		func(l *slog.Logger) { l.Info("m", "a", 1, "b", "two", "c", true, "d", 2.5, "e", uint64(7)) },
		func(l *slog.Logger) { l.With("a", 1).WithGroup("g").With("b", "x").WithGroup("h").Info("m", "c", "y") },
		func(l *slog.Logger) { l.With("a", 1).WithGroup("g").With("b", "x").WithGroup("h").Info("m") },
		func(l *slog.Logger) { l.WithGroup("g").WithGroup("h").Info("m") },
		func(l *slog.Logger) { l.WithGroup("g").Info("m", "drop", 1) },
		func(l *slog.Logger) { l.WithGroup("g").With("drop", 1).Info("m", "k", "v") },
		func(l *slog.Logger) {
			l.Info("m", slog.Group("G", "a", "v", slog.Group("", "in", "line"), slog.Group("H", "drop", 0)), slog.Group("E"))
		},
		func(l *slog.Logger) {
			l.With(slog.Group("G", "a", "v", slog.Group("H", "b", "w", "drop", 0))).WithGroup("W").Info("m", slog.Group("", "x", "y"))
		},
		func(l *slog.Logger) { l.Info("m", "secret", slogSecret("s"), "point", slogPoint{1, 2}, "nil", nil) },
	}
	for _, withRep := range []bool{false, true} {
		opts := &slog.HandlerOptions{Level: slog.LevelDebug}
		if withRep {
			opts.ReplaceAttr = rep
		}
		for i, scenario := range scenarios {
			p, console := slogPipeline(t)
			scenario(slog.New(p.SlogHandler(opts)))
			got, line := slogOne(t, p, console)
			for _, k := range []string{"time", "level", "logger", "message"} {
				delete(got, k)
			}
			var buf strings.Builder
			scenario(slog.New(slog.NewJSONHandler(&buf, opts)))
			dec := json.NewDecoder(strings.NewReader(buf.String()))
			dec.UseNumber()
			var want map[string]any
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{slog.TimeKey, slog.LevelKey, slog.MessageKey} {
				delete(want, k)
			}
			if !reflect.DeepEqual(stepRecord(want), got) {
				t.Errorf("scenario %d (ReplaceAttr %v):\n got %s\nslog %s", i, withRep, line, buf.String())
			}
		}
	}
}

// TestSlogHandlerReplaceAttr: ReplaceAttr sees every non-group attribute
// with its group path, once for those given to WithAttrs, and the source;
// it can rename, change or drop them.
func TestSlogHandlerReplaceAttr(t *testing.T) {
	p, console := slogPipeline(t)
	var calls []string
	rep := func(groups []string, a slog.Attr) slog.Attr {
		calls = append(calls, strings.Join(append(append([]string(nil), groups...), a.Key), "."))
		switch {
		case a.Key == "password":
			return slog.Attr{}
		case a.Key == "n":
			return slog.Int("n", int(a.Value.Int64())*10)
		case a.Key == slog.SourceKey:
			src := a.Value.Any().(*slog.Source)
			return slog.String("at", filepath.Base(src.File))
		case a.Value.Kind() == slog.KindString:
			return slog.String(strings.ToUpper(a.Key), a.Value.String())
		}
		return a
	}
	l := slog.New(p.SlogHandler(&slog.HandlerOptions{AddSource: true, ReplaceAttr: rep}))
	l = l.With("s", "x", "password", "hunter2").WithGroup("g").With(slog.Group("in", "n", 1))
	if got := strings.Join(calls, " "); got != "s password g.in.n" {
		t.Errorf("ReplaceAttr calls in With: %s", got)
	}
	calls = nil
	l.Info("m", "n", 2, "secret", slogSecret("hunter2"), slog.Group("G", "password", "p"))
	l.Info("m", "password", "p") // everything of the record dropped
	if got := strings.Join(calls, " "); got != "source g.n g.secret g.G.password source g.password" {
		t.Errorf("ReplaceAttr calls in records: %s", got)
	}
	recs, lines := slogRecords(t, p, console)
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	for _, want := range []string{`"at":"slog_test.go","S":"x","g":{"in":{"n":10},"n":20,"SECRET":"[redacted]"}`,
		`"at":"slog_test.go","S":"x","g":{"in":{"n":10}}`} {
		if !strings.Contains(lines[0], want) && !strings.Contains(lines[1], want) {
			t.Errorf("no %s in\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if strings.Contains(strings.Join(lines, ""), "password") || strings.Contains(strings.Join(lines, ""), "hunter2") {
		t.Errorf("a dropped attribute was written:\n%s", strings.Join(lines, "\n"))
	}
}

// TestSlogHandlerSource: AddSource writes "source" as slog's JSON handler
// does; a record without a PC has none.
func TestSlogHandlerSource(t *testing.T) {
	p, console := slogPipeline(t)
	h := p.SlogHandler(&slog.HandlerOptions{AddSource: true})
	slog.New(h).Info("here")
	_ = h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "no pc", 0))
	recs, lines := slogRecords(t, p, console)
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	src, _ := recs[0]["source"].(map[string]any)
	fn, _ := src["function"].(string)
	file, _ := src["file"].(string)
	if !strings.HasSuffix(fn, ".TestSlogHandlerSource") || filepath.Base(file) != "slog_test.go" || src["line"] == nil {
		t.Errorf("source = %v", recs[0]["source"])
	}
	if _, ok := recs[1]["source"]; ok {
		t.Errorf("a record without a PC has a source: %s", lines[1])
	}
}

// TestSlogHandlerPipeline: a pipeline's handler writes to that pipeline and
// not to the default; NewSlogHandler writes to the default in force when
// the record is handled, not when the handler was made.
func TestSlogHandlerPipeline(t *testing.T) {
	p, pConsole := slogPipeline(t)
	d1, d1Console := slogPipeline(t)
	d2, d2Console := slogPipeline(t)
	logcrest.SetDefault(d1)
	defer logcrest.SetDefault(nil)
	onP := slog.New(p.SlogHandler(nil))
	onDefault := slog.New(logcrest.NewSlogHandler(nil)).With("k", "v")

	onP.Info("to p")
	onDefault.Info("to d1")
	logcrest.SetDefault(d2)
	onDefault.Info("to d2")
	d2.SetLevel(zerolog.ErrorLevel) // the default's level, as it is now
	onDefault.Info("dropped by d2")

	for _, c := range []struct {
		p       *logcrest.Pipeline
		console *testkit.Buffer
		msg     string
	}{{p, pConsole, "to p"}, {d1, d1Console, "to d1"}, {d2, d2Console, "to d2"}} {
		r, line := slogOne(t, c.p, c.console)
		if r["message"] != c.msg {
			t.Errorf("got %s, want %q", line, c.msg)
		}
	}
}

// TestSlogHandlerGlobalLevelDisabled: attributes given to WithAttrs while
// zerolog's global level is Disabled (when they cannot be encoded ahead)
// are still written once it is back.
func TestSlogHandlerGlobalLevelDisabled(t *testing.T) {
	p, console := slogPipeline(t)
	was := zerolog.GlobalLevel()
	zerolog.SetGlobalLevel(zerolog.Disabled)
	l := slog.New(p.SlogHandler(&slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "drop" {
			return slog.Attr{}
		}
		return a
	}})).With("a", 1, slog.Group("g", "b", 2), slog.Group("none", "drop", 0), slog.Group("empty"))
	if l.Handler().Enabled(context.Background(), slog.LevelError) {
		t.Error("Enabled with zerolog's global level Disabled")
	}
	zerolog.SetGlobalLevel(was)
	l.Info("m")
	_, line := slogOne(t, p, console)
	if !strings.Contains(line, `"a":1,"g":{"b":2},"message":"m"}`) {
		t.Errorf("got %s", line)
	}
}

// TestSlogHandlerConcurrent: one handler, and handlers derived from it,
// used from many goroutines at once (run it with -race).
func TestSlogHandlerConcurrent(t *testing.T) {
	p, console := slogPipeline(t)
	shared := slog.New(p.SlogHandler(nil)).With("service", "checkout").WithGroup("req")
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := shared.With("worker", w)
			for i := range each {
				l.WithGroup("g").Info("m", "i", i)
			}
		}()
	}
	wg.Wait()
	recs, lines := slogRecords(t, p, console)
	if len(recs) != workers*each {
		t.Fatalf("got %d records, want %d", len(recs), workers*each)
	}
	for i, r := range recs {
		req, _ := r["req"].(map[string]any)
		if r["service"] != "checkout" || req["worker"] == nil || req["g"] == nil {
			t.Fatalf("record %s", lines[i])
		}
	}
}

// TestSlogHandlerAllocs: handling a record of ten attributes, in a step or
// not, allocates nothing (the race detector's sync.Pool drops items at
// random, so it is not measured under it).
func TestSlogHandlerAllocs(t *testing.T) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				t.Skip("allocations are not measured under the race detector")
			}
		}
	}
	p, err := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"), logcrest.WithConsole(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "order charged", 0)
	r.AddAttrs(
		slog.String("user", "ada"), slog.String("order", "ORD-42"), slog.String("currency", "EUR"),
		slog.Int("attempt", 1), slog.Int("items", 3), slog.Float64("amount", 129.95),
		slog.Float64("tax_rate", 0.21), slog.Bool("paid", true), slog.Time("at", time.Now()),
		slog.Any("error", errors.New("gateway timeout")),
	)
	h := p.SlogHandler(nil).WithAttrs([]slog.Attr{slog.String("service", "checkout")}).WithGroup("g")
	ctx, f := logcrest.Flow(logcrest.NewContext(context.Background(), p), "bench")
	ctx, s := logcrest.Step(ctx, "charge_card")
	defer func() { s.End(nil); f.End(nil) }()
	for name, ctx := range map[string]context.Context{"outside a step": context.Background(), "in a step": ctx} {
		if n := testing.AllocsPerRun(200, func() { _ = h.Handle(ctx, r) }); n != 0 {
			t.Errorf("%s: Handle costs %v allocations", name, n)
		}
	}
}

// TestSlogHandlerFollowsTheContextsPipeline: NewSlogHandler writes a record
// logged with a context to the pipeline logcrest.Log(ctx) would use: the
// one the context carries, or its step's; without one, the default.
func TestSlogHandlerFollowsTheContextsPipeline(t *testing.T) {
	q, qConsole := slogPipeline(t)
	d, dConsole := slogPipeline(t)
	logcrest.SetDefault(d)
	defer logcrest.SetDefault(nil)
	log := slog.New(logcrest.NewSlogHandler(nil))

	ctx := logcrest.NewContext(context.Background(), q)
	log.InfoContext(ctx, "to q by its context")
	_ = logcrest.Run(ctx, "job", func(ctx context.Context) error {
		log.InfoContext(ctx, "to q in its step")
		return nil
	})
	log.Info("to the default")

	qRecs, _ := slogRecords(t, q, qConsole)
	var got []string
	for _, r := range qRecs {
		got = append(got, fmt.Sprint(r["message"]))
	}
	if want := "[to q by its context step started to q in its step step finished]"; fmt.Sprint(got) != want {
		t.Errorf("q got %v, want %s", got, want)
	}
	if r, line := slogOne(t, d, dConsole); r["message"] != "to the default" {
		t.Errorf("the default got %s", line)
	}
}
