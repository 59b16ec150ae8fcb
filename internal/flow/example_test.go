package flow_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// jobFields is what a job runner adds to its flow's records. A pointer to
// it is a flow.Fields that costs no allocation.
type jobFields struct {
	queue    string
	attempts int64
}

type jobStart jobFields

func (j *jobStart) AddFields(w *flow.FieldWriter) { w.Str("queue", j.queue) }

type jobEnd jobFields

func (j *jobEnd) AddFields(w *flow.FieldWriter) { w.Int("attempts", j.attempts) }

// ExampleBegin runs a job as a flow the way the HTTP adapters run a
// request: Begin with fields for flow_start, the work (its steps join the
// timeline), then Finish with the outcome and fields for flow_end.
func ExampleBegin() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = core.Configure(core.WithDir(dir), core.WithName("jobs"), core.WithConsole(nil))

	job := &jobFields{queue: "emails"}
	ctx, span := flow.Begin(context.Background(), flow.FlowSpec{Label: "job", StartFields: (*jobStart)(job)})
	for job.attempts < 2 {
		job.attempts++
		_ = flow.Run(ctx, "send", func(context.Context) error { return nil })
	}
	span.Finish(flow.Outcome{EndFields: (*jobEnd)(job)})
	_ = core.Close()

	f, _ := os.Open(filepath.Join(dir, "flows", "jobs.log"))
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r map[string]any
		_ = json.Unmarshal(sc.Bytes(), &r)
		fmt.Println(r["flow_type"], r["queue"], r["attempts"], r["steps"], r["flow_status"])
	}
	// Output:
	// flow_end <nil> 2 2 success
}
