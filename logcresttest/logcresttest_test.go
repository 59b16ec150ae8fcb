package logcresttest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/logcresttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRecorderSeesOnlyItsOwnRecords runs recorders in parallel, each with
// flows, steps, log calls and HTTP requests: each sees exactly its own, in
// the order written.
func TestRecorderSeesOnlyItsOwnRecords(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			rec := logcresttest.New(t, logcrest.WithDetail("full"))
			ctx := rec.Context(context.Background())
			label := fmt.Sprintf("job%d", i)
			const flows = 50
			for j := range flows {
				_ = logcrest.RunFlow(ctx, label, func(ctx context.Context) error {
					logcrest.Log(ctx).Info().Int("j", j).Msg("inside")
					return logcrest.Run(ctx, "work", func(context.Context) error { return nil })
				})
			}
			h := logcresthttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logcrest.Log(r.Context()).Info().Msg("handled")
			}), adapters.WithPipeline(rec.Pipeline()))
			w := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			req.Header.Set("X-Request-ID", label)
			h.ServeHTTP(w, req)

			ends := rec.FlowEnds()
			if len(ends) != flows+1 {
				t.Fatalf("%d flow_end records, want %d:\n%s", len(ends), flows+1, rec)
			}
			for _, e := range ends {
				if id := e.Str("flow_id"); len(id) < len(label) || id[:len(label)] != label {
					t.Errorf("flow_end of another recorder's flow: %v", e)
				}
			}
			if n := len(rec.Filter(func(r logcresttest.Record) bool { return r.Message() == "inside" })); n != flows {
				t.Errorf("%d records logged inside the flows, want %d", n, flows)
			}
			end, ok := rec.FlowEnd(w.Header().Get("X-Flow-ID"))
			if !ok || end.Num("http_status") != 200 || end.Str("route") != "" && end.Str("route") != "/x" {
				t.Errorf("request flow_end = %v, %v", end, ok)
			}
			if got := rec.Flow(w.Header().Get("X-Flow-ID")); len(got) != 3 || got[1].Message() != "handled" {
				t.Errorf("request flow records = %v, want flow_start, the handler's record, flow_end", got)
			}
		})
	}
}

// TestRecorderLevelsAndHelpers: AtLevel, Messages, Reset, and a failed step's
// error record.
func TestRecorderLevelsAndHelpers(t *testing.T) {
	t.Parallel()
	rec := logcresttest.New(t, logcrest.WithLevel("info"))
	ctx := rec.Context(context.Background())
	rec.Log(ctx).Debug().Msg("hidden")
	rec.Log(ctx).Info().Msg("one")
	err := logcrest.Run(ctx, "charge", func(context.Context) error { return errors.New("declined") })
	if err == nil {
		t.Fatal("Run lost the error")
	}
	if got := fmt.Sprint(rec.Messages()); got != "[one step started step failed]" {
		t.Errorf("Messages = %s, want [one step started step failed] (info level hides debug)", got)
	}
	errs := rec.AtLevel(zerolog.ErrorLevel)
	if len(errs) != 1 || errs[0].Str("fn") != "charge" || errs[0].Str("error") != "declined" {
		t.Errorf("error records = %v", errs)
	}
	rec.Reset()
	if n := len(rec.Records()); n != 0 {
		t.Errorf("%d records after Reset", n)
	}
}

// TestRecorderBufferedDetail: by default a Recorder holds a flow's detail
// as production does; a failed flow's held records come back marked
// Buffered, before its flow_end, and the counters say what was held.
func TestRecorderBufferedDetail(t *testing.T) {
	rec := logcresttest.New(t)
	ctx := rec.Context(context.Background())
	_ = logcrest.RunFlow(ctx, "routine", func(ctx context.Context) error {
		logcrest.Log(ctx).Debug().Msg("routine debug")
		logcrest.Log(ctx).Info().Msg("routine info")
		return nil
	})
	_ = logcrest.RunFlow(ctx, "failing", func(ctx context.Context) error {
		logcrest.Log(ctx).Debug().Msg("failing debug")
		return errors.New("boom")
	})
	var got []string
	for _, r := range rec.Records() {
		got = append(got, fmt.Sprintf("%s/%s/%v", r.Message(), r.Str("flow_type"), r.Buffered()))
	}
	want := []string{
		"routine info//false", "flow finished/flow_end/false",
		"flow started/flow_start/true", "failing debug//true", "flow failed/flow_end/false", "flow failed//false",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records\n got  %q\n want %q", got, want)
	}
	ends := rec.FlowEnds()
	if len(ends) != 2 || ends[1].Str("detail") != "failed" || ends[1].Num("buffered_records") != 2 || ends[0].Str("detail") != "" {
		t.Errorf("flow_ends %v", ends)
	}
	if d := rec.Pipeline().Stats().Detail; d.Held != 4 || d.Written != 2 || d.Dropped != 2 || d.HeldBytes != 0 {
		t.Errorf("detail counters %+v, want 4 held, 2 written, 2 dropped", d)
	}

	full := logcresttest.New(t, logcrest.WithDetail("full"))
	_ = logcrest.RunFlow(full.Context(context.Background()), "routine", func(ctx context.Context) error {
		logcrest.Log(ctx).Debug().Msg("routine debug")
		return nil
	})
	if m := full.Messages(); fmt.Sprint(m) != "[flow started routine debug flow finished]" {
		t.Errorf("full detail: %q", m)
	}
}
