// Package logtest is the test harness of the adapters: it gives a test a
// LogCrest pipeline of its own writing under a temporary folder, closes it,
// and parses every line each file got, so that tests can assert exact
// fields.
//
// Start makes a pipeline of the test's own (logcrest.New): a test using it
// may run with t.Parallel, provided it hands Capture.Option to every
// middleware it builds (and Capture.Pipeline, through logcrest.NewContext,
// to steps it starts outside a request). StartDefault configures the process-wide default pipeline
// instead, for the tests of a middleware given no pipeline: those never run
// with t.Parallel. Guard, in TestMain, fails the run when a test that did
// not call StartDefault wrote to the default pipeline.
package logtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/internal/jsoncheck"
	"github.com/logcrest/logcrest/internal/schema"
	"github.com/logcrest/logcrest/internal/testkit"
)

// Name is the logger name, and file name, of a captured pipeline.
const Name = "test"

// Record is one parsed line of a log file.
type Record map[string]any

// Buffer is a console that tests can read once the pipeline is closed:
// internal/testkit's goroutine-safe buffer.
type Buffer = testkit.Buffer

// Capture is a pipeline configured for one test.
type Capture struct {
	Dir      string             // the log folder
	Console  *Buffer            // the console
	Pipeline *logcrest.Pipeline // the test's own pipeline; nil for StartDefault
}

// settings are those of every captured pipeline: files under c.Dir named
// Name, the console into c.Console, debug level, full detail: the
// adapters' tests check every record of a request (the buffered detail of
// the default has tests of its own, in internal/flow and the conformance
// table).
func (c *Capture) settings() []logcrest.Option {
	return []logcrest.Option{
		logcrest.WithDir(c.Dir), logcrest.WithName(Name),
		logcrest.WithConsole(c.Console), logcrest.WithLevel("debug"),
		logcrest.WithDetail("full"),
	}
}

// Start gives the test a pipeline of its own (see Capture.Option) writing
// under a fresh folder, with the console into a buffer, at debug level, and
// closes it when the test ends. Tests using it may run in parallel.
func Start(t testing.TB) *Capture {
	t.Helper()
	c := &Capture{Dir: t.TempDir(), Console: &Buffer{}}
	p, err := logcrest.New(c.settings()...)
	if err != nil {
		t.Fatal(err)
	}
	c.Pipeline = p
	t.Cleanup(func() { _ = p.Close() })
	return c
}

// StartDefault configures the default pipeline as Start configures a
// test's own, and closes it when the test ends: for the tests of a
// middleware given no pipeline. The default pipeline is the process's: a
// test using StartDefault must not run with t.Parallel.
func StartDefault(t testing.TB) *Capture {
	t.Helper()
	c := &Capture{Dir: t.TempDir(), Console: &Buffer{}}
	if err := logcrest.Configure(c.settings()...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = logcrest.Close()
		guard.arm()
	})
	return c
}

// Option is the adapter option that makes a middleware write to the
// test's pipeline; nil (no option: the default pipeline) for StartDefault.
func (c *Capture) Option() adapters.Option {
	if c.Pipeline == nil {
		return nil
	}
	return adapters.WithPipeline(c.Pipeline)
}

// close closes the test's pipeline.
func (c *Capture) close() error {
	if c.Pipeline == nil {
		return logcrest.Close()
	}
	return c.Pipeline.Close()
}

// Guard wraps the m of a TestMain (goleak.VerifyTestMain(logtest.Guard(m))):
// while the tests run, the default pipeline writes into memory only, and
// the run fails, naming the records, if anything but a StartDefault test
// wrote to it: a middleware built without Capture.Option, or a step
// started from a context without the test's pipeline, would otherwise
// leave the test's own files empty, and an assertion that something is
// absent from them would hold for nothing. Examples, which configure the
// default pipeline themselves, run after the tests and are not watched.
func Guard(m interface{ Run() int }) interface{ Run() int } { return guarded{m} }

type guarded struct{ m interface{ Run() int } }

func (g guarded) Run() int {
	guard.on = true
	guard.arm()
	code := g.m.Run()
	_ = logcrest.Close()
	if stray := guard.stray.String(); stray != "" {
		fmt.Fprintf(os.Stderr, "logtest: tests wrote to the default pipeline without StartDefault:\n%s", stray)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// guardState watches the default pipeline while Guard's tests run.
type guardState struct {
	on    bool   // Guard is in force
	stray Buffer // what reached the default pipeline
}

var guard guardState

// arm points the default pipeline at g.stray, in JSON, at every level and
// with no files, when Guard is in force: when the tests start, and again
// when a StartDefault test is done with it.
func (g *guardState) arm() {
	if !g.on {
		return
	}
	_ = logcrest.Configure(logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"),
		logcrest.WithConsole(&g.stray), logcrest.WithLevel("trace"), logcrest.WithName(Name))
}

// Output is everything a captured pipeline wrote.
type Output struct {
	Flows, Success, Errors []Record // the records of each file, in order
	Raw                    string   // the three files and the console, as written
}

// Finish closes the pipeline and reads what it wrote, every line parsed as
// JSON.
func (c *Capture) Finish(t testing.TB) *Output {
	t.Helper()
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	o := &Output{}
	var raw strings.Builder
	for _, f := range []struct {
		stream string
		into   *[]Record
	}{{schema.StreamFlows, &o.Flows}, {schema.StreamSuccess, &o.Success}, {schema.StreamError, &o.Errors}} {
		b, err := os.ReadFile(filepath.Join(c.Dir, f.stream, Name+".log"))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw.Write(b)
		*f.into = testkit.ParseLines[Record](t, f.stream, b)
	}
	raw.WriteString(c.Console.String())
	o.Raw = raw.String()
	return o
}

// StreamOf returns the file a record goes to, as its fields tell:
// "flows" for a flow record (one with a flow_type), "error" for a record at
// error level or above, "success" for the rest.
func StreamOf(r map[string]any) string {
	if _, ok := r[schema.KeyFlowType]; ok {
		return schema.StreamFlows
	}
	switch r[schema.KeyLevel] {
	case "error", "fatal", "panic":
		return schema.StreamError
	}
	return schema.StreamSuccess
}

// Logs returns the success and error records together.
func (o *Output) Logs() []Record { return append(append([]Record(nil), o.Success...), o.Errors...) }

// Where returns the records of rs whose fields equal every one of want.
func Where(rs []Record, want map[string]any) []Record {
	var out []Record
	for _, r := range rs {
		ok := true
		for k, v := range want {
			if r[k] != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// One returns the single record of rs matching want, or fails the test.
func One(t testing.TB, rs []Record, want map[string]any) Record {
	t.Helper()
	got := Where(rs, want)
	if len(got) != 1 {
		t.Fatalf("%d records match %v, want 1", len(got), want)
	}
	return got[0]
}

// WantFields checks that r has every field of want, with that value
// (testkit.WantFields).
func WantFields(t testing.TB, r Record, want map[string]any) {
	t.Helper()
	testkit.WantFields(t, r, want)
}

// WantAbsent checks that r has none of keys.
func WantAbsent(t testing.TB, r Record, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := r[k]; ok {
			t.Errorf("%s = %#v present, want absent in %v", k, v, r)
		}
	}
}

// Timeline returns the fn and status of each timeline entry of a flow_end.
func Timeline(t testing.TB, fe Record) (fns, statuses []string) {
	t.Helper()
	tl, ok := fe[schema.KeyTimeline].([]any)
	if !ok {
		t.Fatalf("timeline %#v is not a list", fe[schema.KeyTimeline])
	}
	for _, e := range tl {
		m := e.(map[string]any)
		fns = append(fns, m[schema.KeyFn].(string))
		statuses = append(statuses, m[schema.KeyStatus].(string))
	}
	return fns, statuses
}

// FlowPair returns the flow_start and flow_end of the flow with ID id.
func FlowPair(t testing.TB, o *Output, id string) (fs, fe Record) {
	t.Helper()
	fs = One(t, o.Flows, map[string]any{schema.KeyFlowID: id, schema.KeyFlowType: schema.FlowStart})
	fe = One(t, o.Flows, map[string]any{schema.KeyFlowID: id, schema.KeyFlowType: schema.FlowEnd})
	return fs, fe
}

// DiscardLog is a server ErrorLog that prints nothing.
func DiscardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// ReadStream parses the records of one stream ("flows", "success" or
// "error") of a closed pipeline that wrote under dir, for examples.
func ReadStream(dir, stream string) ([]Record, error) {
	b, err := os.ReadFile(filepath.Join(dir, stream, Name+".log"))
	if err != nil {
		return nil, err
	}
	var out []Record
	for line := range bytes.Lines(b) {
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, err
		}
		if err := jsoncheck.Unique(line); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// FlowEnd returns the last flow_end record of a closed pipeline that wrote
// under dir, for examples; nil when there is none.
func FlowEnd(dir string) Record {
	flows, _ := ReadStream(dir, schema.StreamFlows)
	for i := len(flows) - 1; i >= 0; i-- {
		if flows[i][schema.KeyFlowType] == schema.FlowEnd {
			return flows[i]
		}
	}
	return nil
}

// Summary prints the fields of a flow_end that an example shows, in a
// fixed order: route, http_status, flow_status and the timeline's fns.
func Summary(fe Record) string {
	if fe == nil {
		return "no flow_end"
	}
	var fns []string
	if tl, ok := fe[schema.KeyTimeline].([]any); ok {
		for _, e := range tl {
			if m, ok := e.(map[string]any); ok {
				fns = append(fns, fmt.Sprint(m[schema.KeyFn]))
			}
		}
	}
	return fmt.Sprintf("route=%v http_status=%v flow_status=%v timeline=%v",
		fe[schema.KeyRoute], fe[schema.KeyHTTPStatus], fe[schema.KeyFlowStatus], fns)
}
