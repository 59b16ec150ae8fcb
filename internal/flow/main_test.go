package flow_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/testkit"
)

// The pipeline is global: the tests of this package run one after the
// other, never with t.Parallel.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// record is one parsed line of a log file.
type record map[string]any

// capture is a pipeline configured for one test.
type capture struct {
	dir     string
	console *testkit.Buffer
}

const logName = "test"

// start configures the pipeline to write under a fresh folder, with the
// console into a buffer, at debug level, in full detail mode: these tests
// check every record of a flow as it is logged; the buffered mode, the
// default, has its tests in detail_test.go (opts given later win).
func start(t *testing.T, opts ...core.Option) *capture {
	t.Helper()
	c := &capture{dir: t.TempDir(), console: &testkit.Buffer{}}
	all := append([]core.Option{
		core.WithDir(c.dir), core.WithName(logName), core.WithConsole(c.console), core.WithLevel("debug"), core.WithJSON(true),
		core.WithDetail(core.DetailFull),
	}, opts...)
	if err := core.Configure(all...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = core.Close() })
	return c
}

// output is everything a test's pipeline wrote.
type output struct {
	flows, success, errs []record
	files                string // the three files, raw
	console              string
}

// finish closes the pipeline and reads every file, failing on any line that
// is not one JSON object.
func (c *capture) finish(t *testing.T) output {
	t.Helper()
	if err := core.Close(); err != nil {
		t.Fatal(err)
	}
	var o output
	var raw strings.Builder
	read := func(stream string) []record {
		path := filepath.Join(c.dir, stream, logName+".log")
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		raw.Write(data)
		return testkit.ParseLines[record](t, stream, data)
	}
	o.flows = read(core.StreamFlows)
	o.success = read(core.StreamSuccess)
	o.errs = read(core.StreamError)
	o.files = raw.String()
	o.console = c.console.String()
	// Flow records live in the flows file only, and only flow records do.
	for _, r := range o.flows {
		if r["flow_type"] != "flow_start" && r["flow_type"] != "flow_end" {
			t.Errorf("flows file holds a record that is not a flow record: %v", r)
		}
	}
	for _, r := range append(slices.Clone(o.success), o.errs...) {
		if _, ok := r["flow_type"]; ok {
			t.Errorf("flow record outside the flows file: %v", r)
		}
	}
	return o
}

var (
	hex32   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	hex16   = regexp.MustCompile(`^[0-9a-f]{16}$`)
	rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,9}Z$`)
)

// wantKeys fails unless r has exactly the keys given.
func wantKeys(t *testing.T, r record, keys ...string) {
	t.Helper()
	got := make([]string, 0, len(r))
	for k := range r {
		got = append(got, k)
	}
	sort.Strings(got)
	want := slices.Clone(keys)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("record keys\n got  %v\n want %v\nrecord: %v", got, want, r)
	}
}

// wantCommon checks the fields every record has: time, level, logger, and
// the shape of the IDs.
func wantCommon(t *testing.T, r record, level string) {
	t.Helper()
	testkit.WantFields(t, r, map[string]any{"level": level, "logger": logName})
	if s, _ := r["time"].(string); !rfc3339.MatchString(s) {
		t.Errorf("time %q is not RFC 3339 UTC with a fraction", r["time"])
	}
	if s, _ := r["trace_id"].(string); !hex32.MatchString(s) {
		t.Errorf("trace_id %q is not 32 lowercase hex", r["trace_id"])
	}
	if s, _ := r["span_id"].(string); !hex16.MatchString(s) {
		t.Errorf("span_id %q is not 16 lowercase hex", r["span_id"])
	}
	if p, ok := r["parent_span_id"]; ok {
		if s, _ := p.(string); !hex16.MatchString(s) {
			t.Errorf("parent_span_id %q is not 16 lowercase hex", p)
		}
	}
}

// wantMS fails unless r[key] is a number of milliseconds >= 0.
func wantMS(t *testing.T, r record, key string) float64 {
	t.Helper()
	ms, ok := r[key].(float64)
	if !ok || ms < 0 {
		t.Errorf("%s = %#v, want a number >= 0", key, r[key])
	}
	return ms
}

// timelineOf returns the fn and status of each entry of a flow_end
// timeline, checking each entry has exactly fn, at_ms, ms and status (and
// parent for a step inside another step), and that it lies within the
// flow's total_ms.
func timelineOf(t *testing.T, r record) (fns, statuses []string) {
	t.Helper()
	tl, ok := r["timeline"].([]any)
	if !ok {
		t.Fatalf("timeline = %#v, want an array", r["timeline"])
	}
	for _, x := range tl {
		e, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("timeline entry %#v is not an object", x)
		}
		if _, nested := e["parent"]; nested {
			wantKeys(t, e, "fn", "at_ms", "ms", "status", "parent")
		} else {
			wantKeys(t, e, "fn", "at_ms", "ms", "status")
		}
		wantMS(t, e, "ms")
		wantMS(t, e, "at_ms")
		if total, ok := r["total_ms"].(float64); ok && e["at_ms"].(float64)+e["ms"].(float64) > total+0.002 {
			t.Errorf("timeline entry %v ends after the flow's total_ms %v", e, total)
		}
		fns = append(fns, e["fn"].(string))
		statuses = append(statuses, e["status"].(string))
	}
	return fns, statuses
}

// only returns the records matching every field given.
func only(rs []record, fields map[string]any) []record {
	var out []record
outer:
	for _, r := range rs {
		for k, v := range fields {
			if r[k] != v {
				continue outer
			}
		}
		out = append(out, r)
	}
	return out
}

// one returns the single record matching fields, failing otherwise.
func one(t *testing.T, rs []record, fields map[string]any) record {
	t.Helper()
	got := only(rs, fields)
	if len(got) != 1 {
		t.Fatalf("%d records match %v, want 1:\n%v", len(got), fields, rs)
	}
	return got[0]
}
