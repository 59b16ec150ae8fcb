package flow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// hostile is a string with everything a JSON encoder must escape or
// repair: quotes, a backslash, line breaks, a NUL, DEL, an invalid UTF-8
// byte, U+2028 and markup.
const hostile = "a \"quoted\" \\ line\nbreak\r\x00\x7f \xff \u2028 <b>é</b>"

// hostileFields adds fields of every FieldWriter kind, with hostile keys
// and values.
type hostileFields struct{}

func (hostileFields) AddFields(w *flow.FieldWriter) {
	w.Str("text", hostile).Str(hostile, "key").Int("n", -42).Bool("yes", true)
}

// TestFlowRecordsAreWhatZerologWrites checks LogCrest's own encoding of
// flow records against zerolog's: each line of the flows file, time
// aside, must be byte for byte the record a zerolog logger gives for the
// same fields in the same order.
func TestFlowRecordsAreWhatZerologWrites(t *testing.T) {
	c := start(t)
	ctx, s := flow.Begin(context.Background(), flow.FlowSpec{
		Label: "checkout", Name: hostile, TraceID: incomingTrace, ParentSpanID: incomingParent, StartFields: hostileFields{},
	}, flow.Args("user", hostile, "items", 3))
	_ = flow.Run(ctx, hostile, func(context.Context) error { return errors.New(hostile) })
	_, running := flow.Step(ctx, "still running")
	s.Finish(flow.Outcome{Err: errors.New("gave up: " + hostile), EndFields: hostileFields{}})
	running.End(nil)
	c.finish(t)

	data, err := os.ReadFile(filepath.Join(c.dir, core.StreamFlows, logName+".log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines in the flows file, want 2:\n%s", len(lines), data)
	}
	start, end := parseOrdered(t, lines[0]), parseOrdered(t, lines[1])

	var want bytes.Buffer
	zl := zerolog.New(&want).With().Str("logger", logName).Logger()
	zl.Info().
		Str("trace_id", incomingTrace).Str("span_id", start.str(t, "span_id")).Str("parent_span_id", incomingParent).
		Str("flow_id", start.str(t, "flow_id")).RawJSON("seq", start.raw(t, "seq")).Str("flow_type", "flow_start").
		Dict("args", zerolog.Dict().Str("user", hostile).Int("items", 3)).
		Str("text", hostile).Str(hostile, "key").Int("n", -42).Bool("yes", true).
		Msg("flow started")
	if got := withoutTime(t, lines[0]); got != strings.TrimSuffix(want.String(), "\n") {
		t.Errorf("flow_start\n got  %s\n want %s", got, want.String())
	}

	want.Reset()
	timeline := zerolog.Arr().
		Dict(zerolog.Dict().Str("fn", hostile).RawJSON("at_ms", end.raw(t, "timeline", 0, "at_ms")).
			RawJSON("ms", end.raw(t, "timeline", 0, "ms")).Str("status", "error")).
		Dict(zerolog.Dict().Str("fn", "still running").RawJSON("at_ms", end.raw(t, "timeline", 1, "at_ms")).
			RawJSON("ms", end.raw(t, "timeline", 1, "ms")).Str("status", "running"))
	zl.Error().
		Str("trace_id", incomingTrace).Str("span_id", start.str(t, "span_id")).Str("parent_span_id", incomingParent).
		Str("flow_id", start.str(t, "flow_id")).RawJSON("seq", end.raw(t, "seq")).Str("flow_type", "flow_end").
		Str("flow_status", "failed").RawJSON("total_ms", end.raw(t, "total_ms")).Int("steps", 2).
		Array("timeline", timeline).
		Str("failed_at", hostile).Str("step", "1/2").Str("flow_error", "error: "+hostile).
		Str("returned_error", "error: gave up: "+hostile).
		Str("text", hostile).Str(hostile, "key").Int("n", -42).Bool("yes", true).
		Msg("flow failed")
	if got := withoutTime(t, lines[1]); got != strings.TrimSuffix(want.String(), "\n") {
		t.Errorf("flow_end\n got  %s\n want %s", got, want.String())
	}
}

// withoutTime returns line without its leading "time" field, which it
// checks is there.
func withoutTime(t *testing.T, line string) string {
	t.Helper()
	const head = `{"time":"`
	i := strings.Index(line, `",`)
	if !strings.HasPrefix(line, head) || i < 0 || !rfc3339.MatchString(line[len(head):i]) {
		t.Fatalf("record does not start with its time: %s", line)
	}
	return "{" + line[i+2:]
}

// ordered is a decoded record keeping numbers as their text.
type ordered map[string]any

func parseOrdered(t *testing.T, line string) ordered {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	var r ordered
	if err := d.Decode(&r); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return r
}

func (r ordered) str(t *testing.T, key string) string {
	t.Helper()
	s, ok := r[key].(string)
	if !ok {
		t.Fatalf("%s = %#v, want a string", key, r[key])
	}
	return s
}

// raw returns the number at key (or at timeline[i].key) as its JSON text.
func (r ordered) raw(t *testing.T, key string, path ...any) []byte {
	t.Helper()
	v := r[key]
	if len(path) == 2 {
		tl, _ := v.([]any)
		i := path[0].(int)
		if i >= len(tl) {
			t.Fatalf("timeline %v has no entry %d", v, i)
		}
		v = tl[i].(map[string]any)[path[1].(string)]
	}
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%s%v = %#v, want a number", key, path, v)
	}
	return []byte(n.String())
}

// TestFlowRecordsIgnoreTheLevel checks that flow records, the access log,
// are written whatever the configured level and zerolog's global level, and
// that flow_records "failed" keeps the failed flow_ends alone.
func TestFlowRecordsIgnoreTheLevel(t *testing.T) {
	run := func() {
		_, s := flow.Flow(context.Background(), "quiet")
		s.End(nil)
		prev := zerolog.GlobalLevel()
		zerolog.SetGlobalLevel(zerolog.FatalLevel)
		_, s = flow.Flow(context.Background(), "muted", flow.AtLevel(zerolog.WarnLevel))
		s.Finish(flow.Outcome{Failed: true})
		zerolog.SetGlobalLevel(prev)
	}
	c := start(t, core.WithLevel("error"))
	run()
	o := c.finish(t)
	var got []string
	for _, r := range o.flows {
		got = append(got, strings.SplitN(r["flow_id"].(string), "-", 2)[0]+" "+r["flow_type"].(string)+" "+r["level"].(string))
	}
	want := "[quiet flow_start info quiet flow_end info muted flow_start warn muted flow_end error]"
	if fmt.Sprint(got) != want {
		t.Errorf("flows file: %v, want %s", got, want)
	}

	c = start(t, core.WithFlowRecords("failed"))
	run()
	o = c.finish(t)
	if len(o.flows) != 1 || o.flows[0]["flow_type"] != "flow_end" || !strings.HasPrefix(o.flows[0]["flow_id"].(string), "muted-") {
		t.Errorf("flows file: %v, want the failed flow_end of muted only", o.flows)
	}
}

// TestStepRecordsAreWhatZerologWrites is TestFlowRecordsAreWhatZerologWrites
// for a step's entry and exit records: a step of a flow with Args,
// LogResult, a panic with its stack and end fields.
func TestStepRecordsAreWhatZerologWrites(t *testing.T) {
	c := start(t)
	ctx, f := flow.Flow(context.Background(), "checkout")
	_, s := flow.Step(ctx, hostile, flow.Args("card", hostile, "n", 2), flow.LogResult())
	s.SetResult(map[string]any{"ok": hostile})
	stack := []byte("goroutine 1 [running]:\n\tmain.go:12 " + hostile)
	s.Finish(flow.Outcome{Panic: errors.New(hostile), Stack: stack, EndFields: hostileFields{}})
	f.End(nil)
	c.finish(t)

	read := func(stream string) string {
		data, err := os.ReadFile(filepath.Join(c.dir, stream, logName+".log"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(lines) != 1 {
			t.Fatalf("%s: %d lines, want 1:\n%s", stream, len(lines), data)
		}
		return lines[0]
	}
	entry, exit := read(core.StreamSuccess), read(core.StreamError)
	ids := parseOrdered(t, entry)
	exitRec := parseOrdered(t, exit)

	var want bytes.Buffer
	zl := zerolog.New(&want).With().Str("logger", logName).Logger()
	identity := func(e *zerolog.Event, seq []byte) *zerolog.Event {
		return e.Str("trace_id", ids.str(t, "trace_id")).Str("span_id", ids.str(t, "span_id")).
			Str("flow_id", ids.str(t, "flow_id")).RawJSON("seq", seq).Str("fn", hostile).
			Str("parent_span_id", ids.str(t, "parent_span_id"))
	}
	identity(zl.Info(), ids.raw(t, "seq")).Dict("args", zerolog.Dict().Str("card", hostile).Int("n", 2)).Msg("step started")
	if got := withoutTime(t, entry); got != strings.TrimSuffix(want.String(), "\n") {
		t.Errorf("entry\n got  %s\n want %s", got, want.String())
	}
	want.Reset()
	identity(zl.Error(), exitRec.raw(t, "seq")).RawJSON("ms", exitRec.raw(t, "ms")).Str("status", "error").
		Str("error", hostile).Str("error_type", "*errors.errorString").Bytes("stack", stack).
		Interface("result", map[string]any{"ok": hostile}).
		Str("text", hostile).Str(hostile, "key").Int("n", -42).Bool("yes", true).
		Msg("step failed")
	if got := withoutTime(t, exit); got != strings.TrimSuffix(want.String(), "\n") {
		t.Errorf("exit\n got  %s\n want %s", got, want.String())
	}
}

// rawJSON is a value whose own JSON holds a CR and an LF, as a
// zerolog.LogObjectMarshaler may write it with Event.RawJSON.
type rawJSON struct{}

func (rawJSON) MarshalZerologObject(e *zerolog.Event) {
	e.RawJSON("raw", []byte("{\"a\":\r1,\n\"forged\":true}"))
}

// TestRawArgsAndResultStayOnOneLine: the JSON of an argument or a result,
// which zerolog writes as it is given, cannot end a step's record early:
// its CR and LF become spaces, and each record is one line of valid JSON.
func TestRawArgsAndResultStayOnOneLine(t *testing.T) {
	c := start(t)
	ctx, f := flow.Flow(context.Background(), "raw")
	_, s := flow.Step(ctx, "step", flow.Args("obj", rawJSON{}), flow.LogResult())
	s.SetResult(rawJSON{})
	s.End(nil)
	f.End(nil)
	c.finish(t)
	data, err := os.ReadFile(filepath.Join(c.dir, core.StreamSuccess, logName+".log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("success file: %d lines, want the entry and the exit record:\n%s", len(lines), data)
	}
	for i, want := range []string{`"args":{"obj":{"raw":{"a": 1, "forged":true}}}`, `"result":{"raw":{"a": 1, "forged":true}}`} {
		if strings.ContainsRune(lines[i], '\r') {
			t.Errorf("line %d holds a CR: %q", i+1, lines[i])
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Errorf("line %d is not JSON: %v\n%s", i+1, err, lines[i])
		}
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %s\nwant it to hold %s", i+1, lines[i], want)
		}
	}
}

// TestSpanLoggerRecordsAreWhatZerologWrites: a record of a span's logger
// (flow.Logger(ctx)), of a child of it made with With, and of a step outside
// any flow is exactly what zerolog writes with the span's fields in place,
// each once: logger, trace_id, span_id, flow_id and seq (inside a flow), fn,
// then the child's context fields, then the call's own.
func TestSpanLoggerRecordsAreWhatZerologWrites(t *testing.T) {
	c := start(t)
	ctx, f := flow.Flow(context.Background(), "checkout")
	sctx, s := flow.Step(ctx, hostile)
	flow.Logger(sctx).Info().Str("k", hostile).Msg("one")
	child := flow.Logger(sctx).With().Str("component", "db").Logger()
	child.Warn().Int("n", 2).Msg("two")
	s.End(nil)
	f.End(nil)
	octx, solo := flow.Step(context.Background(), "solo")
	flow.Logger(octx).Error().Msg("three")
	solo.End(nil)
	c.finish(t)

	lines := func(stream string) []string {
		data, err := os.ReadFile(filepath.Join(c.dir, stream, logName+".log"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	success, errs := lines(core.StreamSuccess), lines(core.StreamError)
	if len(success) != 6 || len(errs) != 1 {
		t.Fatalf("%d success and %d error records, want 6 (two steps' entry and exit, two log records) and 1", len(success), len(errs))
	}
	entry, soloEntry := parseOrdered(t, success[0]), parseOrdered(t, success[4])

	var want bytes.Buffer
	zl := zerolog.New(&want).With().Str("logger", logName).Logger()
	ids := func(e *zerolog.Event, seq string) *zerolog.Event {
		return e.Str("trace_id", entry.str(t, "trace_id")).Str("span_id", entry.str(t, "span_id")).
			Str("flow_id", entry.str(t, "flow_id")).RawJSON("seq", []byte(seq)).Str("fn", hostile)
	}
	check := func(name, got string) {
		t.Helper()
		if got := withoutTime(t, got); got != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("%s\n got  %s\n want %s", name, got, want.String())
		}
		want.Reset()
	}
	ids(zl.Info(), "3").Str("k", hostile).Msg("one")
	check("log record", success[1])
	ids(zl.Warn(), "4").Str("component", "db").Int("n", 2).Msg("two")
	check("child logger's record", success[2])
	zl.Error().Str("trace_id", soloEntry.str(t, "trace_id")).Str("span_id", soloEntry.str(t, "span_id")).
		Str("fn", "solo").Msg("three")
	check("record of a step outside a flow", errs[0])
}
