package logcrest_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/testkit"
)

// The pipeline is global: these tests run one after the other, never with
// t.Parallel.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type stepRecord map[string]any

// stepLogs configures the pipeline into a temp folder with the console into
// a buffer; read closes it and returns the records of one stream.
func stepLogs(t *testing.T) (dir string, console *testkit.Buffer) {
	t.Helper()
	dir, console = t.TempDir(), &testkit.Buffer{}
	if err := logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName("steps"), logcrest.WithConsole(console), logcrest.WithLevel("debug"), logcrest.WithJSON(true), logcrest.WithDetail("full")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logcrest.Close() })
	return dir, console
}

func readStream(t *testing.T, dir, stream string) []stepRecord {
	t.Helper()
	return testkit.ReadFile[stepRecord](t, filepath.Join(dir, stream, "steps.log"), true)
}

func find(rs []stepRecord, key string, val any) []stepRecord {
	var out []stepRecord
	for _, r := range rs {
		if r[key] == val {
			out = append(out, r)
		}
	}
	return out
}

func TestLogInsideAStepCarriesItsIDs(t *testing.T) {
	dir, _ := stepLogs(t)
	var flowID, traceID string
	err := logcrest.RunFlow(context.Background(), "checkout", func(ctx context.Context) error {
		flowID, traceID = logcrest.FlowID(ctx), logcrest.TraceID(ctx)
		logcrest.Log(ctx).Info().Msg("in the flow")
		return logcrest.Run(ctx, "charge_card", func(ctx context.Context) error {
			// A context layered on the step's keeps its logger.
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if n := testing.AllocsPerRun(100, func() { _ = logcrest.Log(ctx) }); n != 0 {
				t.Errorf("Log(ctx) inside a step costs %v allocations", n)
			}
			logcrest.Log(ctx).Info().Str("card", "visa").Msg("in the step")
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var none context.Context // a nil context is documented to work
	if logcrest.Log(context.Background()) != logcrest.Log(none) {
		t.Error("outside a step Log is not the global logger")
	}
	if err := logcrest.Close(); err != nil {
		t.Fatal(err)
	}
	success := readStream(t, dir, "success")
	inFlow := find(success, "message", "in the flow")
	inStep := find(success, "message", "in the step")
	entry := find(success, "message", "step started")
	if len(inFlow) != 1 || len(inStep) != 1 || len(entry) != 1 {
		t.Fatalf("records: %v", success)
	}
	flows := readStream(t, dir, "flows")
	if len(flows) != 2 {
		t.Fatalf("flows: %v", flows)
	}
	for _, c := range []struct {
		r      stepRecord
		span   any
		fn     string
		extras int
	}{
		{inFlow[0], flows[0]["span_id"], "checkout", 0},
		{inStep[0], entry[0]["span_id"], "charge_card", 1},
	} {
		want := map[string]any{"trace_id": traceID, "flow_id": flowID, "span_id": c.span, "fn": c.fn, "logger": "steps", "level": "info"}
		for k, v := range want {
			if c.r[k] != v {
				t.Errorf("%s = %v, want %v in %v", k, c.r[k], v, c.r)
			}
		}
		if _, ok := c.r["seq"].(float64); !ok {
			t.Errorf("no seq in %v", c.r)
		}
		if len(c.r) != len(want)+3+c.extras { // + time, message, seq
			t.Errorf("unexpected fields in %v", c.r)
		}
	}
}

func TestFacadeStepsAndFlows(t *testing.T) {
	dir, console := stepLogs(t)
	ctx, span := logcrest.Flow(context.Background(), "signup", logcrest.AtLevel(zerolog.InfoLevel))
	id, err := logcrest.Call(ctx, "create_user", func(ctx context.Context) (int, error) {
		_, s := logcrest.Step(ctx, "hash_password", logcrest.AtLevel(zerolog.DebugLevel))
		s.End(nil)
		return 7, nil
	}, logcrest.Args("email", "ada@example.com"), logcrest.LogResult())
	if err != nil || id != 7 {
		t.Fatal(id, err)
	}
	err = logcrest.Run(ctx, "call_api", func(ctx context.Context) error {
		return errors.New("token rejected")
	})
	span.End(&err)
	if err := logcrest.Close(); err != nil {
		t.Fatal(err)
	}

	flows := readStream(t, dir, "flows")
	if len(flows) != 2 {
		t.Fatalf("flows: %v", flows)
	}
	end := flows[1]
	for k, v := range map[string]any{
		"flow_status": "failed", "steps": 3.0, "failed_at": "call_api", "step": "3/3", "flow_error": "error: token rejected",
	} {
		if end[k] != v {
			t.Errorf("flow_end %s = %v, want %v", k, end[k], v)
		}
	}
	success := readStream(t, dir, "success")
	created := find(find(success, "fn", "create_user"), "message", "step finished")
	if len(created) != 1 || created[0]["result"] != 7.0 {
		t.Errorf("create_user exit: %v", created)
	}
	started := find(find(success, "fn", "create_user"), "message", "step started")
	if len(started) != 1 || started[0]["args"].(map[string]any)["email"] != "ada@example.com" {
		t.Errorf("create_user entry: %v", started)
	}
	if hashed := find(success, "fn", "hash_password"); len(hashed) != 2 || hashed[0]["level"] != "debug" {
		t.Errorf("hash_password: %v", hashed)
	}
	if failed := readStream(t, dir, "error"); len(failed) != 1 || failed[0]["fn"] != "call_api" {
		t.Errorf("error file: %v", failed)
	}
	if !strings.Contains(console.String(), "flow failed") {
		t.Error("the console did not get flow_end")
	}
}

// BenchmarkStepInFlow is the facade's Step + End inside a flow (see the
// flow package's benchmarks for the rest).
func BenchmarkStepInFlow(b *testing.B) {
	if err := logcrest.Configure(logcrest.WithDir(b.TempDir()), logcrest.WithConsole(nil)); err != nil {
		b.Fatal(err)
	}
	defer logcrest.Close()
	ctx, f := logcrest.Flow(context.Background(), "bench")
	defer f.End(nil)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		_, s := logcrest.Step(ctx, "charge_card")
		s.End(&err)
	}
}

// BenchmarkLogInStep is logcrest.Log(ctx) inside a step: no allocation.
func BenchmarkLogInStep(b *testing.B) {
	if err := logcrest.Configure(logcrest.WithDir(b.TempDir()), logcrest.WithConsole(nil)); err != nil {
		b.Fatal(err)
	}
	defer logcrest.Close()
	ctx, s := logcrest.Step(context.Background(), "charge_card")
	defer s.End(nil)
	l := logcrest.Log(ctx) // the first call builds the step's logger
	b.ReportAllocs()
	for b.Loop() {
		l = logcrest.Log(ctx)
	}
	_ = l
}
