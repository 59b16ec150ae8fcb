package logcrest_test

// No value crashes a log call: values whose encoding panics (MarshalJSON,
// MarshalZerologObject on a nil pointer, Error, LogValue, String) given to
// the slog handler, to Args and LogResult and to SetFlowField. Each record
// is read back from the files, with its other fields.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/testkit"
)

type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("boom json") }

// ptrObject marshals itself on a pointer receiver that does not guard
// against nil.
type ptrObject struct{ n int }

func (o *ptrObject) MarshalZerologObject(e *zerolog.Event) { e.Int("n", o.n) }

type panicError struct{}

func (panicError) Error() string { panic("boom error") }

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("boom valuer") }

type panicStringer struct{ A int }

func (panicStringer) String() string { panic("boom stringer") }

// nilPtrError is an error whose Error method does not guard against nil.
type nilPtrError struct{ msg string }

func (e *nilPtrError) Error() string { return e.msg }

// panicking are the values of the tests below, each with what is recorded
// for it where it is encoded by zerolog's Interface (the slog handler,
// LogResult) and by zerolog's Fields (Args). "LogValue panicked..." is a
// prefix: slog's Value.Resolve turns the panic into an error holding the
// stack.
type panickingCase struct {
	name           string
	v              any
	slogWant       any
	argsWant       any
	resultWant     any
	slogWantPrefix bool
}

var panicking = []panickingCase{
	{"MarshalJSON panics", panicJSON{}, "!PANIC: boom json", "!PANIC: boom json", "!PANIC: boom json", false},
	{"nil pointer LogObjectMarshaler", (*ptrObject)(nil), nil, nil, nil, false},
	{"Error panics", panicError{}, "!PANIC: boom error", "!PANIC: boom error", map[string]any{}, false},
	{"LogValue panics", panicValuer{}, "LogValue panicked", map[string]any{}, map[string]any{}, true},
	{"String panics (never called)", panicStringer{A: 1}, map[string]any{"A": 1.0}, map[string]any{"A": 1.0}, map[string]any{"A": 1.0}, false},
}

// valuesPipeline returns a pipeline writing files under a temp folder, no
// console, and a function that closes it and reads a stream's records.
func valuesPipeline(t *testing.T) (*logcrest.Pipeline, func(stream string) []stepRecord) {
	t.Helper()
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("values"), logcrest.WithConsole(nil), logcrest.WithLevel("debug"), logcrest.WithDetail("full"))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	read := func(stream string) []stepRecord {
		if !closed {
			closed = true
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return testkit.ReadStream[stepRecord](t, dir, stream, "values")
	}
	t.Cleanup(func() { read("success") })
	return p, read
}

// jsonHandlerValue is what slog's own JSONHandler writes for attribute v.
func jsonHandlerValue(t *testing.T, v any) any {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", slog.Any("v", v))
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("slog's JSONHandler wrote %q: %v", buf.String(), err)
	}
	return rec["v"]
}

// checkValue fails unless rec holds key with want (or, with prefix, a
// string starting with want).
func checkValue(t *testing.T, where string, rec map[string]any, key string, want any, prefix bool) {
	t.Helper()
	got, ok := rec[key]
	if !ok {
		t.Errorf("%s: no %q in %v", where, key, rec)
		return
	}
	if prefix {
		if s, _ := got.(string); !strings.HasPrefix(s, want.(string)) {
			t.Errorf("%s: %q = %#v, want a string starting with %q", where, key, got, want)
		}
		return
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("%s: %q = %s, want %s", where, key, gj, wj)
	}
}

// TestSlogValueThatPanicsIsRecorded logs each value through slog's Info,
// With and a group: every record is in the file, the value written as
// slog's JSONHandler writes it, the other attributes intact.
func TestSlogValueThatPanicsIsRecorded(t *testing.T) {
	p, read := valuesPipeline(t)
	l := slog.New(p.SlogHandler(nil))
	for _, c := range panicking {
		l.Info(c.name+"/info", slog.String("before", "kept"), slog.Any("v", c.v), slog.String("after", "kept"))
		l.With(slog.String("before", "kept"), slog.Any("v", c.v)).Info(c.name+"/with", slog.String("after", "kept"))
		l.Info(c.name+"/group", slog.String("before", "kept"), slog.Group("g", slog.Any("v", c.v), slog.String("after", "kept")))
	}
	recs := read("success")
	if len(recs) != 3*len(panicking) {
		t.Fatalf("%d records, want %d: %v", len(recs), 3*len(panicking), recs)
	}
	byMsg := map[string]stepRecord{}
	for _, r := range recs {
		byMsg[r["message"].(string)] = r
	}
	for _, c := range panicking {
		if !c.slogWantPrefix {
			if got, want := jsonHandlerValue(t, c.v), c.slogWant; !jsonEqual(got, want) {
				t.Errorf("%s: slog's JSONHandler writes %#v, the test expects %#v", c.name, got, want)
			}
		}
		for _, how := range []string{"info", "with", "group"} {
			r, ok := byMsg[c.name+"/"+how]
			if !ok {
				t.Errorf("%s/%s: no record", c.name, how)
				continue
			}
			fields := map[string]any(r)
			if how == "group" {
				fields, _ = r["g"].(map[string]any)
			}
			checkValue(t, c.name+"/"+how, fields, "v", c.slogWant, c.slogWantPrefix)
			checkValue(t, c.name+"/"+how, fields, "after", "kept", false)
			checkValue(t, c.name+"/"+how, r, "before", "kept", false)
		}
	}
}

func jsonEqual(a, b any) bool {
	aj, _ := json.Marshal(a)
	bj, _ := json.Marshal(b)
	return bytes.Equal(aj, bj)
}

// TestStepArgsAndResultThatPanicAreRecorded gives each value to Args (of a
// step and of a flow) and returns it from a Call with LogResult: the steps
// run, their records are in the files with the value's placeholder and the
// other args; a nil pointer held in an error, alone or in an []error, is
// null (zerolog's Fields alone writes a key or element with no value).
func TestStepArgsAndResultThatPanicAreRecorded(t *testing.T) {
	p, read := valuesPipeline(t)
	ctx := logcrest.NewContext(context.Background(), p)
	cases := append(panicking[:len(panicking):len(panicking)],
		panickingCase{name: "nil pointer error", v: error((*nilPtrError)(nil))},
		panickingCase{name: "nil pointer in []error", v: []error{errors.New("a"), (*nilPtrError)(nil)},
			argsWant: []any{"a", nil}, resultWant: []any{map[string]any{}, nil}})
	for _, c := range cases {
		ran := false
		err := logcrest.RunFlow(ctx, "values", func(ctx context.Context) error {
			_, err := logcrest.Call(ctx, c.name, func(context.Context) (any, error) {
				ran = true
				return c.v, nil
			}, logcrest.Args("before", "kept", "v", c.v, "after", "kept"), logcrest.LogResult())
			return err
		}, logcrest.Args("v", c.v, "after", "kept"))
		if err != nil || !ran {
			t.Fatalf("%s: the step ran %v, returned %v", c.name, ran, err)
		}
	}
	success, flows := read("success"), read("flows")
	for _, c := range cases {
		entry := find(find(success, "fn", c.name), "message", "step started")
		exit := find(find(success, "fn", c.name), "message", "step finished")
		if len(entry) != 1 || len(exit) != 1 {
			t.Errorf("%s: %d entry and %d exit records, want 1 each", c.name, len(entry), len(exit))
			continue
		}
		args, _ := entry[0]["args"].(map[string]any)
		checkValue(t, c.name+": step args", args, "v", c.argsWant, false)
		checkValue(t, c.name+": step args", args, "before", "kept", false)
		checkValue(t, c.name+": step args", args, "after", "kept", false)
		if c.name != "nil pointer error" { // a nil result is not recorded
			checkValue(t, c.name+": result", exit[0], "result", c.resultWant, false)
		}
	}
	starts := find(flows, "flow_type", "flow_start")
	if len(starts) != len(cases) {
		t.Fatalf("%d flow_start records, want %d", len(starts), len(cases))
	}
	for i, c := range cases {
		args, _ := starts[i]["args"].(map[string]any)
		checkValue(t, c.name+": flow args", args, "v", c.argsWant, false)
		checkValue(t, c.name+": flow args", args, "after", "kept", false)
	}
}

// TestFlowFieldRefusesValuesThatCouldPanic: SetFlowField takes strings,
// bools and numbers only, so none of these values reaches an encoder: each
// is refused with ErrFieldValueType, and flow_end carries the other fields.
func TestFlowFieldRefusesValuesThatCouldPanic(t *testing.T) {
	p, read := valuesPipeline(t)
	ctx := logcrest.NewContext(context.Background(), p)
	err := logcrest.RunFlow(ctx, "fields", func(ctx context.Context) error {
		if err := logcrest.SetFlowField(ctx, "before", "kept"); err != nil {
			t.Error(err)
		}
		for _, c := range panicking {
			if err := logcrest.SetFlowField(ctx, "v", c.v); !errors.Is(err, logcrest.ErrFieldValueType) {
				t.Errorf("%s: SetFlowField returned %v, want ErrFieldValueType", c.name, err)
			}
		}
		return logcrest.SetFlowField(ctx, "after", "kept")
	})
	if err != nil {
		t.Fatal(err)
	}
	ends := find(read("flows"), "flow_type", "flow_end")
	if len(ends) != 1 {
		t.Fatalf("%d flow_end records, want 1", len(ends))
	}
	if _, ok := ends[0]["v"]; ok || ends[0]["before"] != "kept" || ends[0]["after"] != "kept" {
		t.Errorf("flow_end: %v", ends[0])
	}
}

// TestStepErrorWhoseErrorPanicsIsRecorded: a step and a flow that return an
// error whose Error method panics (a value, and a nil pointer) end failed,
// with their records in the files saying so; the caller gets the error back.
func TestStepErrorWhoseErrorPanicsIsRecorded(t *testing.T) {
	p, read := valuesPipeline(t)
	ctx := logcrest.NewContext(context.Background(), p)
	for _, bad := range []error{panicError{}, (*nilPtrError)(nil)} {
		err := logcrest.RunFlow(ctx, "bad_error", func(ctx context.Context) error {
			return logcrest.Run(ctx, "fails", func(context.Context) error { return bad })
		})
		if err != bad {
			t.Fatalf("RunFlow returned %#v, want %#v", err, bad)
		}
	}
	failed := find(read("error"), "message", "step failed")
	if len(failed) != 2 {
		t.Fatalf("%d step failed records, want 2", len(failed))
	}
	for i, want := range []string{"panicError: Error method panicked: boom error", "nilPtrError: Error method panicked: runtime error"} {
		if s, _ := failed[i]["error"].(string); !strings.Contains(s, want) {
			t.Errorf("step failed error = %q, want it to say %q", s, want)
		}
	}
	ends := find(read("flows"), "flow_status", "failed")
	if len(ends) != 2 {
		t.Fatalf("%d failed flow_end records, want 2", len(ends))
	}
}
