package logcrest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// Pipeline is a logging pipeline as a value: its own settings, sinks
// (files and console), level, counters and background goroutines. New
// makes one; the package functions (Log, Configure, Close, Stats, ...) act
// on the default one, which Default returns and SetDefault replaces.
//
// Steps and flows write to the pipeline of the step they are started in,
// else the one their context carries (NewContext), else the default; the
// HTTP adapters take one with adapters.WithPipeline. Two pipelines in one
// process never see each other's records, which is what lets tests run in
// parallel (see package logcresttest).
//
// A Pipeline is safe for concurrent use.
type Pipeline core.Pipeline

// New returns an independent Pipeline with the settings of opts over the
// LOGCREST_* environment, ./log_config.json and the defaults, as Configure
// resolves them. Its files are opened on first use. A bad value is reported
// in the error (and by a "logcrest: warning:" line) and its key takes its
// default: the Pipeline returned is usable either way. Close it when done.
func New(opts ...Option) (*Pipeline, error) {
	p, err := core.New(opts...)
	return (*Pipeline)(p), err
}

// Default returns the default Pipeline, the one the package functions act
// on.
func Default() *Pipeline { return (*Pipeline)(core.Default()) }

// SetDefault makes p the default Pipeline: the package functions, and steps,
// flows and adapters given no pipeline, use it from now on; loggers handed
// out before keep writing where they did. nil puts back the process's
// built-in default. The previous default is not closed.
func SetDefault(p *Pipeline) { core.SetDefault(p.core()) }

// NewContext returns a copy of ctx that carries p: steps and flows started
// from it, and Log(ctx), write to p.
func NewContext(ctx context.Context, p *Pipeline) context.Context {
	return core.NewContext(ctx, p.core())
}

func (p *Pipeline) core() *core.Pipeline { return (*core.Pipeline)(p) }

// Log returns the logger of ctx on p: inside a step of p it is the step's
// logger (trace_id, span_id, flow_id, fn), otherwise p's own (carrying the
// trace_id and span_id of the span of another tracing system ctx carries,
// when p adopts them: see Log). It never returns nil; ctx may be nil.
func (p *Pipeline) Log(ctx context.Context) *zerolog.Logger {
	if s := flow.FromContext(ctx); s != nil {
		if s.Pipeline() == p.core() {
			return s.Logger()
		}
		return s.LoggerOn(p.core())
	}
	return p.core().ContextLogger(ctx)
}

// Configure replaces p's settings as the package Configure does for the
// default pipeline: before first use it only records them; after, it
// rebuilds, and every logger already handed out switches to the new sinks,
// level and name.
func (p *Pipeline) Configure(opts ...Option) error { return p.core().Configure(opts...) }

// Flush returns once every record logged on p before the call is written,
// or with an error after the close timeout.
func (p *Pipeline) Flush() error { return p.core().Flush() }

// Close writes what p's running flows hold (see WithDetail), drains p's
// sinks, syncs and closes its files and stops its goroutines, within the
// close timeout. A later log call on p starts it
// afresh.
func (p *Pipeline) Close() error { return p.core().Close() }

// Stats returns what p has written, dropped and failed to write since it was
// made.
func (p *Pipeline) Stats() Counters { return countersOf(p.core().Stats()) }

// SetLevel changes p's minimum level at once for every logger p has handed
// out (including ones held by goroutines, and step loggers) and for its
// steps and flows, without rebuilding anything: the level is one atomic
// value read before a record is encoded. Configure sets it again from its
// settings.
func (p *Pipeline) SetLevel(l zerolog.Level) { p.core().SetLevel(l) }

// Level returns p's minimum level.
func (p *Pipeline) Level() zerolog.Level { return p.core().Level() }

// LevelHandler returns an http.Handler that reads and sets p's level, for
// an operator to turn on debug records on a live service and off again:
//
//	GET          → 200 {"level":"info"}
//	PUT {"level":"debug"} → 200 {"level":"debug"}
//
// The level is a name or number as WithLevel takes it. The body is that
// one JSON object, white space around it allowed: a body with anything after
// the object (text, a second value), one over 1 KiB, or a bad level gets
// 400 with {"error":"..."} and the level is left as it was; another method
// gets 405. Mount it where only operators can reach it.
func (p *Pipeline) LevelHandler() http.Handler { return levelHandler{p.core()} }

type levelHandler struct{ p *core.Pipeline }

// maxLevelBody bounds the request body LevelHandler reads; a longer one is
// refused.
const maxLevelBody = 1 << 10

// levelBodyTooLong is LevelHandler's answer to a body over maxLevelBody.
const levelBodyTooLong = `the body must be {"level":"<level>"}, at most 1024 bytes`

func (h levelHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPut, http.MethodPost:
		var body struct {
			Level *string `json:"level"`
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, maxLevelBody+1))
		if err != nil || len(b) > maxLevelBody {
			writeJSON(w, http.StatusBadRequest, "error", levelBodyTooLong)
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&body); err != nil || body.Level == nil {
			writeJSON(w, http.StatusBadRequest, "error", `the body must be {"level":"<level>"}`)
			return
		}
		if _, err := dec.Token(); err != io.EOF {
			writeJSON(w, http.StatusBadRequest, "error", `the body must be {"level":"<level>"} alone: something follows it`)
			return
		}
		l, err := core.ParseLevel(*body.Level)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, "error", err.Error())
			return
		}
		h.p.SetLevel(l)
	default:
		w.Header().Set("Allow", "GET, PUT")
		writeJSON(w, http.StatusMethodNotAllowed, "error", "use GET or PUT")
		return
	}
	writeJSON(w, http.StatusOK, "level", h.p.Level().String())
}

func writeJSON(w http.ResponseWriter, status int, key, value string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{key: value})
	_, _ = w.Write(append(b, '\n'))
}

// ParseLevel turns a level name or number, as WithLevel and LOGCREST_LEVEL
// take it, into a zerolog.Level: zerolog's names (trace … panic), Python's
// warning and critical, case-insensitive, or numbers (zerolog's -1…5,
// Python's 10…50).
func ParseLevel(s string) (zerolog.Level, error) {
	l, err := core.ParseLevel(s)
	if err != nil {
		return l, errors.New("logcrest: " + strings.TrimSpace(err.Error()))
	}
	return l, nil
}

// SetLevel changes the default pipeline's level; see Pipeline.SetLevel.
func SetLevel(l zerolog.Level) { core.Default().SetLevel(l) }

// Counters is a snapshot of what a pipeline did since it was made, summed
// over every sink and every rebuild. Every record offered to a sink is in
// exactly one of Written, Dropped, Failed or Buffered.
type Counters struct {
	Written     uint64 // records a sink accepted
	Dropped     uint64 // records refused by a full bounded queue or the memory cap
	Failed      uint64 // records lost because a sink failed (or never returned)
	WriteErrors uint64 // sink writes that returned an error
	Buffered    uint64 // records accepted and not yet written
	// Redacted counts the values redaction masked (WithRedaction), in
	// each sink's records and in the spans of an EndHook: a value masked
	// in a record that the file and the console both write counts twice.
	Redacted uint64
	// Detail counts what flows held in buffered detail mode (see
	// WithDetail) and what became of it.
	Detail DetailStats
	// Sinks has one entry per sink of the live pipeline (or, when none is
	// live, of the last one closed), in the order console, success,
	// flows, error.
	Sinks []SinkStats
}

// DetailStats count the records flows held (see WithDetail). Every record
// held ends in exactly one of Written, Dropped or Evicted, or is still held
// (its bytes in HeldBytes).
type DetailStats struct {
	Held       uint64 // records held in a flow's memory
	Written    uint64 // held records written: their flow failed, was cancelled, slow or kept
	Dropped    uint64 // held records dropped at the end of their routine flow
	Evicted    uint64 // held records evicted by their flow's bounds (WithFlowBuffer)
	Overflow   uint64 // records not held, the pipeline's bound reached (WithMaxHeld) or larger than a flow's
	SampledOut uint64 // routine flows whose flow_end sampling left out (WithSampling)
	HeldBytes  int64  // bytes held right now
}

// SinkStats are the counters of one sink ("console", "success", "flows",
// "error"). Produced = Written + Dropped + Failed + Buffered.
type SinkStats struct {
	Name        string
	Produced    uint64 // records offered to the sink
	Written     uint64
	Dropped     uint64
	Failed      uint64
	WriteErrors uint64
	Buffered    uint64
}

func countersOf(c core.Counters) Counters {
	out := Counters{
		Written: c.Written, Dropped: c.Dropped, Failed: c.Failed,
		WriteErrors: c.WriteErrors, Buffered: c.Buffered, Redacted: c.Redacted,
		Detail: DetailStats(c.Detail),
		Sinks:  make([]SinkStats, len(c.Sinks)),
	}
	for i, s := range c.Sinks {
		out.Sinks[i] = SinkStats(s)
	}
	return out
}
