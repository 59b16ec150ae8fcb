package logcrest_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/testkit"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// byMessage returns the one record with the message msg.
func byMessage(t *testing.T, recs []map[string]any, msg string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, r := range recs {
		if r["message"] == msg {
			if found != nil {
				t.Fatalf("two records with message %q", msg)
			}
			found = r
		}
	}
	if found == nil {
		t.Fatalf("no record with message %q", msg)
	}
	return found
}

// jsonOf re-encodes v, for comparing parsed JSON with a literal.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUserFieldsNamedLikeLogCrestsAreKeptAside logs, in a step of a flow,
// a record whose fields are named like every field LogCrest puts on it, and
// repeats some of the user's own keys at the top level and in a nested
// object: in the file and on the JSON console every line has unique keys,
// LogCrest's fields hold LogCrest's values (seq the flow's order), and each
// value of the user's that lost its key is under logcrest_dup.<key>, in
// order, the last of the user's own repeats keeping the key.
func TestUserFieldsNamedLikeLogCrestsAreKeptAside(t *testing.T) {
	dir := t.TempDir()
	console := &testkit.Buffer{}
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("keys"), logcrest.WithConsole(console),
		logcrest.WithConsoleFormat("json"), logcrest.WithLevel("debug"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, fl := logcrest.Flow(logcrest.NewContext(context.Background(), p), "checkout")
	sctx, st := logcrest.Step(ctx, "charge_card")
	logcrest.Log(sctx).Info().
		Int("seq", 0).Str("flow_id", "mine").Str("fn", "user_fn").Str("trace_id", "t").Str("span_id", "s").
		Str("level", "user_level").Str("time", "user_time").Str("logger", "user_logger").Str("message", "user_message").
		Int("a", 1).Int("a", 2).
		Dict("g", zerolog.Dict().Int("x", 1).Int("x", 2)).
		RawJSON("raw", []byte(`{"k":1,"k":{"y":1,"y":2}}`)).
		Msg("charged")
	logcrest.Log(sctx).Info().Timestamp().Msg("with zerolog's own time")
	st.End(nil)
	fl.End(nil)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	files := readFile(t, filepath.Join(dir, "success", "keys.log"))
	recs := testkit.ParseLines[map[string]any](t, "success file", []byte(files))
	testkit.ParseLines[map[string]any](t, "flows file", []byte(readFile(t, filepath.Join(dir, "flows", "keys.log"))))
	consoleRecs := testkit.ParseLines[map[string]any](t, "console", []byte(console.String()))

	for where, recs := range map[string][]map[string]any{"file": recs, "console": consoleRecs} {
		r := byMessage(t, recs, "charged")
		want := map[string]any{
			"level": "info", "logger": "keys", "flow_id": logcrest.FlowID(ctx), "fn": "charge_card",
			"trace_id": st.TraceID(), "span_id": st.SpanID(), "a": 2.0,
		}
		for k, v := range want {
			if r[k] != v {
				t.Errorf("%s: %s = %v, want LogCrest's %v", where, k, r[k], v)
			}
		}
		if seq, _ := r["seq"].(float64); seq < 1 {
			t.Errorf("%s: seq = %v, want LogCrest's (1 or more)", where, r["seq"])
		}
		if tm, _ := r["time"].(string); !strings.HasSuffix(tm, "Z") || !strings.HasPrefix(tm, "20") {
			t.Errorf("%s: time = %v, want LogCrest's stamp", where, r["time"])
		}
		wantDup := `{"a":[1],"flow_id":["mine"],"fn":["user_fn"],"level":["user_level"],"logger":["user_logger"],` +
			`"message":["user_message"],"seq":[0],"span_id":["s"],"time":["user_time"],"trace_id":["t"]}`
		if got := jsonOf(t, r["logcrest_dup"]); got != wantDup {
			t.Errorf("%s: logcrest_dup = %s\nwant %s", where, got, wantDup)
		}
		if got, want := jsonOf(t, r["g"]), `{"logcrest_dup":{"x":[1]},"x":2}`; got != want {
			t.Errorf("%s: g = %s, want %s", where, got, want)
		}
		if got, want := jsonOf(t, r["raw"]), `{"k":{"logcrest_dup":{"y":[1]},"y":2},"logcrest_dup":{"k":[1]}}`; got != want {
			t.Errorf("%s: raw = %s, want %s", where, got, want)
		}
		ts := byMessage(t, recs, "with zerolog's own time")
		if d, ok := ts["logcrest_dup"].(map[string]any); !ok || len(d["time"].([]any)) != 1 || ts["time"] == d["time"].([]any)[0] {
			t.Errorf("%s: zerolog's Timestamp: time %v, logcrest_dup %v; want LogCrest's time and zerolog's aside", where, ts["time"], ts["logcrest_dup"])
		}
	}

	// seq is still the flow's order: every record of the flow has its own.
	seen := map[float64]bool{}
	for _, r := range recs {
		if r["flow_id"] != logcrest.FlowID(ctx) {
			continue
		}
		seq := r["seq"].(float64)
		if seen[seq] {
			t.Errorf("seq %v on two records of the flow", seq)
		}
		seen[seq] = true
	}
}

// TestSlogAttributesGivenTwiceAreKeptAside logs through the slog handler
// with the same key given by With and by the call, in groups and in the
// record's own attributes, and named like LogCrest's fields: unlike slog's
// own JSONHandler, which writes every one of them, the line has unique
// keys, the record's own attribute (the latest) keeps the key and the
// earlier ones are under logcrest_dup.
func TestSlogAttributesGivenTwiceAreKeptAside(t *testing.T) {
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("keys"), logcrest.WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, fl := logcrest.Flow(logcrest.NewContext(context.Background(), p), "slogflow")
	l := slog.New(p.SlogHandler(nil)).With("a", 1, "seq", 9, "fn", "with_fn")
	l.InfoContext(ctx, "first", "a", 2, "message", "attr_message", slog.Group("g", "k", 1, "k", 2))
	l.WithGroup("grp").With("z", 1).InfoContext(ctx, "second", "z", 2, slog.Group("h", "y", 1), slog.Group("h", "y", 2))
	fl.End(nil)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	recs := testkit.ParseLines[map[string]any](t, "success file", []byte(readFile(t, filepath.Join(dir, "success", "keys.log"))))

	first := byMessage(t, recs, "first")
	if first["a"] != 2.0 || first["fn"] != "slogflow" || first["flow_id"] != logcrest.FlowID(ctx) {
		t.Errorf("first: a = %v, fn = %v, flow_id = %v; want 2, LogCrest's fn and flow_id", first["a"], first["fn"], first["flow_id"])
	}
	if seq, _ := first["seq"].(float64); seq < 1 {
		t.Errorf("first: seq = %v, want LogCrest's", first["seq"])
	}
	if got, want := jsonOf(t, first["logcrest_dup"]), `{"a":[1],"fn":["with_fn"],"message":["attr_message"],"seq":[9]}`; got != want {
		t.Errorf("first: logcrest_dup = %s, want %s", got, want)
	}
	if got, want := jsonOf(t, first["g"]), `{"k":2,"logcrest_dup":{"k":[1]}}`; got != want {
		t.Errorf("first: g = %s, want %s", got, want)
	}
	second := byMessage(t, recs, "second")
	want := `{"h":{"y":2},"logcrest_dup":{"h":[{"y":1}],"z":[1]},"z":2}`
	if got := jsonOf(t, second["grp"]); got != want {
		t.Errorf("second: grp = %s, want %s", got, want)
	}
}

// TestStepArgsAndFlowFieldsHaveUniqueKeys covers the records LogCrest
// encodes itself: Args naming a key twice, a result whose JSON repeats a
// key, and flow fields, which may not take a key LogCrest writes (nor
// logcrest_dup).
func TestStepArgsAndFlowFieldsHaveUniqueKeys(t *testing.T) {
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("keys"), logcrest.WithConsole(nil), logcrest.WithDetail("full"))
	if err != nil {
		t.Fatal(err)
	}
	err = logcrest.RunFlow(logcrest.NewContext(context.Background(), p), "fields", func(ctx context.Context) error {
		for _, key := range []string{"seq", "flow_id", "fn", "trace_id", "level", "time", "message", "logcrest_dup"} {
			if err := logcrest.SetFlowField(ctx, key, 1); err == nil {
				t.Errorf("SetFlowField(%q) was accepted", key)
			}
		}
		if err := logcrest.SetFlowField(ctx, "user", "ada"); err != nil {
			t.Error(err)
		}
		_, err := logcrest.Call(ctx, "lookup", func(context.Context) (json.RawMessage, error) {
			return json.RawMessage(`{"k":1,"k":2}`), nil
		}, logcrest.Args("id", 1, "id", 2), logcrest.LogResult())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	recs := testkit.ParseLines[map[string]any](t, "success file", []byte(readFile(t, filepath.Join(dir, "success", "keys.log"))))
	flows := testkit.ParseLines[map[string]any](t, "flows file", []byte(readFile(t, filepath.Join(dir, "flows", "keys.log"))))
	var entry, exit map[string]any
	for _, r := range recs {
		if r["fn"] == "lookup" && r["args"] != nil {
			entry = r
		}
		if r["fn"] == "lookup" && r["result"] != nil {
			exit = r
		}
	}
	if entry == nil || exit == nil {
		t.Fatalf("no entry with args or exit with result among %v", recs)
	}
	if got, want := jsonOf(t, entry["args"]), `{"id":2,"logcrest_dup":{"id":[1]}}`; got != want {
		t.Errorf("args = %s, want %s", got, want)
	}
	if got, want := jsonOf(t, exit["result"]), `{"k":2,"logcrest_dup":{"k":[1]}}`; got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
	var end map[string]any
	for _, r := range flows {
		if r["flow_type"] == "flow_end" {
			end = r
		}
	}
	if end == nil || end["user"] != "ada" || !reflect.DeepEqual(end["logcrest_dup"], nil) {
		t.Errorf("flow_end = %v, want user ada and nothing set aside", end)
	}
}

// TestTextLinesHaveEachKeyOnce: with text files and a text console, a
// record repeating keys is written with each key once too, the values set
// aside under logcrest_dup.
func TestTextLinesHaveEachKeyOnce(t *testing.T) {
	dir := t.TempDir()
	console := &testkit.Buffer{}
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("keys"), logcrest.WithJSON(false),
		logcrest.WithConsole(console), logcrest.WithConsoleFormat("text"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, st := logcrest.Step(logcrest.NewContext(context.Background(), p), "texty")
	logcrest.Log(ctx).Info().Str("fn", "user_fn").Int("a", 1).Int("a", 2).Msg("text record")
	st.End(nil)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{
		"text file": readFile(t, filepath.Join(dir, "success", "keys.log")), "text console": console.String(),
	} {
		var line string
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, "text record") {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("%s: no line of the record in %q", where, text)
		}
		for _, f := range []string{" a=2", " fn=texty", ` logcrest_dup={"fn":["user_fn"],"a":[1]}`} {
			if strings.Count(line, f) != 1 {
				t.Errorf("%s: %q not once in %q", where, f, line)
			}
		}
		if strings.Count(line, " a=") != 1 || strings.Count(line, " fn=") != 1 {
			t.Errorf("%s: a key twice in %q", where, line)
		}
	}
}
