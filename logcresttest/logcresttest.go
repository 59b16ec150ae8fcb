// Package logcresttest records what LogCrest writes, for a user's own tests:
// the role zaptest/observer plays for zap.
//
// New gives a test its own pipeline, in memory (no files, no console),
// closed when the test ends. Hand it to what the test exercises, and read
// back the records it wrote, decoded, in the order written:
//
//	rec := logcresttest.New(t)
//	r := chi.NewRouter()
//	r.Use(logcrestchi.Middleware(adapters.WithPipeline(rec.Pipeline())))
//	...
//	end, ok := rec.FlowEnd(resp.Header.Get("X-Flow-ID"))
//
// Each Recorder has a pipeline of its own, so tests using it may run with
// t.Parallel. Code under test reaches it through its context: steps and
// flows started from rec.Context(ctx) (or from a request served by a
// middleware given WithPipeline) write to it; ones started from a context
// that carries no pipeline write to the default pipeline, which the
// Recorder does not see.
//
// A Recorder never hides a lost record: it keeps every record by default
// (its sink has no memory cap, and Records waits for a burst however long
// it takes to write), and a test whose Recorder was given a bound that
// dropped records (WithQueueSize, WithMaxBuffer) fails, saying how many.
//
// Detail is buffered by default, as in production (logcrest.WithDetail):
// inside a flow, flow_start, the step records and the debug records are held
// and written only when the flow fails, is cancelled, is slow or is kept
// (logcrest.KeepDetail), each marked "buffered": true (Record.Buffered) and
// before flow_end, whose "detail" says why; a routine flow writes its
// flow_end and its records at info and above only. A test that checks
// what a successful flow logged at debug passes logcrest.WithDetail("full")
// to New. What flows held, wrote and dropped is counted in
// rec.Pipeline().Stats().Detail.
package logcresttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/jsoncheck"
	"github.com/logcrest/logcrest/internal/schema"
)

// Record is one decoded record: the JSON object as encoding/json decodes it
// (numbers are float64).
type Record map[string]any

// Str returns the string field key, or "" when it is absent or not a
// string.
func (r Record) Str(key string) string {
	s, _ := r[key].(string)
	return s
}

// Num returns the number field key, or 0 when it is absent or not a number.
func (r Record) Num(key string) float64 {
	n, _ := r[key].(float64)
	return n
}

// Level returns the record's level ("info", "error", ...).
func (r Record) Level() string { return r.Str(zerolog.LevelFieldName) }

// Message returns the record's message.
func (r Record) Message() string { return r.Str(zerolog.MessageFieldName) }

// Buffered reports whether the record was held by its flow and written at
// the flow's end, which failed, was cancelled, slow or kept (the record's
// "buffered": true; see logcrest.WithDetail): its time and seq are those it
// was logged with.
func (r Record) Buffered() bool { return r[schema.KeyBuffered] == true }

// Recorder is a pipeline that keeps every record it writes in memory. It is
// safe for concurrent use.
type Recorder struct {
	p *logcrest.Pipeline
	t testing.TB

	mu   sync.Mutex
	raw  []byte   // written and not yet decoded: whole lines, then maybe a partial one
	recs []Record // decoded, in the order written
	bad  []string // what was wrong with lines that were not one JSON object with unique keys
}

// New returns a Recorder whose pipeline has the settings of opts, with the
// files off and every record, JSON-encoded as the files would hold it,
// recorded in memory. The level defaults to trace (opts may raise it); the
// rest as logcrest.New resolves it, but for the memory cap of the
// Recorder's sink (logcrest.WithMaxBuffer), which is lifted: by default the
// Recorder is lossless, however fast the code under test logs.
//
// The pipeline is closed when the test ends, and the test fails if a line
// it wrote was not one JSON object or repeated a key in an object
// (LogCrest promises unique keys at every depth), or if a record was dropped or lost (a
// bound given in opts, WithQueueSize or WithMaxBuffer, was reached): the
// failure says how many, so a test never passes over records Records()
// does not hold.
func New(t testing.TB, opts ...logcrest.Option) *Recorder {
	t.Helper()
	r := &Recorder{t: t}
	all := append([]logcrest.Option{logcrest.WithLevel("trace"), logcrest.WithMaxBuffer(math.MaxInt64)}, opts...)
	all = append(all, logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"), logcrest.WithConsole(r))
	p, err := logcrest.New(all...)
	if err != nil {
		t.Errorf("logcresttest: %v", err)
	}
	r.p = p
	t.Cleanup(func() {
		r.flush()
		if err := p.Close(); err != nil {
			t.Errorf("logcresttest: closing the pipeline: %v", err)
		}
		if st := p.Stats(); st.Dropped > 0 || st.Failed > 0 {
			t.Errorf("logcresttest: %d of %d records were dropped (a bound given to the Recorder, WithQueueSize or WithMaxBuffer, was reached) and %d lost: the Recorder does not hold every record written",
				st.Dropped, st.Written+st.Dropped+st.Failed+st.Buffered, st.Failed)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.decodeLocked()
		for _, problem := range r.bad {
			t.Errorf("logcresttest: %s", problem)
		}
	})
	return r
}

// Pipeline returns the Recorder's pipeline, for adapters.WithPipeline,
// logcrest.NewContext or Pipeline.Log.
func (r *Recorder) Pipeline() *logcrest.Pipeline { return r.p }

// Context returns a copy of ctx carrying the Recorder's pipeline: steps and
// flows started from it, and logcrest.Log on it, are recorded.
func (r *Recorder) Context(ctx context.Context) context.Context {
	return logcrest.NewContext(ctx, r.p)
}

// Log returns the pipeline's logger for ctx (see logcrest.Pipeline.Log).
func (r *Recorder) Log(ctx context.Context) *zerolog.Logger { return r.p.Log(ctx) }

// Write takes what the pipeline's console writes: whole JSON lines. It is
// the Recorder's side of the pipeline, not for tests to call. It only
// copies: the lines are decoded when read, so that the sink keeps up with
// any burst and the records waiting for it stay few.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.raw = append(r.raw, p...)
	r.mu.Unlock()
	return len(p), nil
}

// rawKeep is the largest buffer of undecoded bytes kept once decoded.
const rawKeep = 1 << 20

// decodeLocked decodes the whole lines written since the last call into
// r.recs (or r.bad), keeping a partial last line for later.
func (r *Recorder) decodeLocked() {
	data := r.raw
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := data[:i]
		data = data[i+1:]
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			r.bad = append(r.bad, fmt.Sprintf("a record is not one JSON object: %q", line))
			continue
		}
		if err := jsoncheck.Unique(line); err != nil {
			r.bad = append(r.bad, fmt.Sprintf("a record repeats a key (%v): %q", err, line))
		}
		r.recs = append(r.recs, rec)
	}
	if cap(r.raw) > rawKeep {
		r.raw = append([]byte(nil), data...)
	} else {
		r.raw = append(r.raw[:0], data...)
	}
}

// stallLimit is how long flush waits on a sink that takes no record at
// all before it fails the test.
const stallLimit = 10 * time.Second

// flush waits for the records logged so far to reach the Recorder: Flush,
// and Flush again for as long as the sink is still taking records, since a
// burst on a loaded machine can outlast one close timeout; the test fails if
// the sink takes none for stallLimit.
func (r *Recorder) flush() {
	written, progress := r.p.Stats().Written, time.Now()
	for {
		err := r.p.Flush()
		if err == nil {
			return
		}
		if now := r.p.Stats().Written; now != written {
			written, progress = now, time.Now()
		} else if time.Since(progress) > stallLimit {
			r.t.Errorf("logcresttest: waiting for the records logged so far: %v", err)
			return
		}
	}
}

// Records returns every record written so far, in the order written. It
// first waits for every record logged before the call to be written (see
// Pipeline.Flush), however long a burst takes, as long as the sink is
// still taking them.
func (r *Recorder) Records() []Record {
	r.flush()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.decodeLocked()
	return append([]Record(nil), r.recs...)
}

// Filter returns the records keep reports true for, in order.
func (r *Recorder) Filter(keep func(Record) bool) []Record {
	var out []Record
	for _, rec := range r.Records() {
		if keep(rec) {
			out = append(out, rec)
		}
	}
	return out
}

// AtLevel returns the records at level l.
func (r *Recorder) AtLevel(l zerolog.Level) []Record {
	name := zerolog.LevelFieldMarshalFunc(l)
	return r.Filter(func(rec Record) bool { return rec.Level() == name })
}

// Messages returns the message of every record, in order.
func (r *Recorder) Messages() []string {
	var out []string
	for _, rec := range r.Records() {
		out = append(out, rec.Message())
	}
	return out
}

// Flow returns every record carrying flow ID id (flow_start, the records of
// its steps and of Log inside it, flow_end), in order.
func (r *Recorder) Flow(id string) []Record {
	return r.Filter(func(rec Record) bool { return rec.Str(schema.KeyFlowID) == id })
}

// FlowEnd returns the flow_end record of flow id, and whether there is one.
func (r *Recorder) FlowEnd(id string) (Record, bool) {
	for _, rec := range r.Flow(id) {
		if rec.Str(schema.KeyFlowType) == schema.FlowEnd {
			return rec, true
		}
	}
	return nil, false
}

// FlowEnds returns every flow_end record, in order.
func (r *Recorder) FlowEnds() []Record {
	return r.Filter(func(rec Record) bool { return rec.Str(schema.KeyFlowType) == schema.FlowEnd })
}

// Reset forgets the records written so far.
func (r *Recorder) Reset() {
	r.flush()
	r.mu.Lock()
	r.decodeLocked()
	r.recs, r.bad = nil, nil
	r.mu.Unlock()
}

// String summarises the Recorder for a failure message: one line a record.
func (r *Recorder) String() string {
	var b bytes.Buffer
	for _, rec := range r.Records() {
		line, _ := json.Marshal(rec)
		fmt.Fprintf(&b, "%s\n", line)
	}
	return b.String()
}
