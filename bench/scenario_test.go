package bench_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// Issue 21's scenario: requests through the net/http middleware, in
// process (ServeHTTP with httptest recorders, scenarioWorkers goroutines),
// 1 % failing (the charge step returns an error, the handler answers 500)
// and 1 % slow (the charge step sleeps scenarioSleep, over the pipeline's
// slow threshold scenarioSlow). Every request logs a debug record in each
// of its two steps and one info record. It runs three ways: full detail,
// buffered (the default) and buffered with 1 in 10 routine flows sampled.
//
// Each request carries a traceparent with a trace ID the test draws, so
// that its records are found by trace ID (a flow_id has 32 bits: among
// 100,000 flows two may share one) and the sampling rule can be computed
// from the request, not read from the logs. Which requests fail or are slow
// is the test's decision (scenarioKind), recorded before the request is
// sent. After the pipeline is closed every line of its files is parsed and
// checked (checkScenario): every failed and slow request's two debug
// records are there exactly once, in seq order, before its flow_end,
// marked buffered (in the buffered modes), and its flow_end says why.
//
// TestDetailScenario runs 100,000 requests a mode (10,000 with -short);
// BenchmarkDetailScenario runs b.N requests a mode and reports the bytes
// on disk per request (-benchtime 100000x is the scenario).

const (
	scenarioRequests = 100_000
	scenarioWorkers  = 4
	scenarioSlow     = 2 * time.Millisecond // WithSlowFlow
	scenarioSleep    = 3 * time.Millisecond // what a slow request sleeps
	scenarioSampling = 10
)

// A scenarioMode is one way the scenario runs.
type scenarioMode struct {
	name   string
	full   bool
	sample int
	opts   []logcrest.Option
}

var scenarioModes = []scenarioMode{
	{name: "full", full: true, sample: 1, opts: []logcrest.Option{logcrest.WithDetail("full")}},
	{name: "buffered", sample: 1},
	{name: "sampled", sample: scenarioSampling, opts: []logcrest.Option{logcrest.WithSampling(scenarioSampling)}},
}

// Request kinds, as the test decides them.
const (
	kindRoutine = iota
	kindFailed
	kindSlow
)

// scenarioKind is the kind of request n: 1 in 100 fails, 1 in 100 is slow.
func scenarioKind(n int) int {
	switch n % 100 {
	case 13:
		return kindFailed
	case 57:
		return kindSlow
	}
	return kindRoutine
}

var errDeclined = errors.New("card declined")

// scenarioHandler serves /orders/{n}: two steps, a debug record in each,
// one info record; request n fails or is slow as scenarioKind says.
func scenarioHandler(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/orders/"))
	if err != nil {
		http.Error(w, "bad order", http.StatusBadRequest)
		return
	}
	kind := scenarioKind(n)
	func() {
		sctx, span := logcrest.Step(ctx, "load_order")
		defer span.End(nil)
		logcrest.Log(sctx).Debug().Int("n", n).Str("order", "ORD-42").Msg("order loaded")
	}()
	err = func() (err error) {
		sctx, span := logcrest.Step(ctx, "charge_card")
		defer span.End(&err)
		logcrest.Log(sctx).Debug().Int("n", n).Int("amount_cents", chargeCents).Msg("charging")
		if kind == kindSlow {
			time.Sleep(scenarioSleep)
		}
		if kind == kindFailed {
			return errDeclined
		}
		return nil
	}()
	logcrest.Log(ctx).Info().Int("n", n).Bool("charged", err == nil).Msg("order handled")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// scenarioResult is what one run of the scenario wrote.
type scenarioResult struct {
	requests int
	bytes    int64 // the files' sizes after Close
	lines    int
	stats    logcrest.Counters
	slowAny  int // routine requests that ran over the threshold anyway (a loaded machine)
}

// runScenario runs n requests of mode m through a pipeline writing under
// dir, closes it and checks every record (checkScenario).
func runScenario(dir string, m scenarioMode, n int) (scenarioResult, error) {
	opts := append([]logcrest.Option{
		logcrest.WithDir(dir),
		logcrest.WithConfigFile(filepath.Join(dir, "none.json")),
		logcrest.WithConsoleFormat("off"),
		logcrest.WithMaxSize(1 << 30),
		logcrest.WithSlowFlow(scenarioSlow),
	}, m.opts...)
	p, err := logcrest.New(opts...)
	if err != nil {
		return scenarioResult{}, err
	}
	h := logcresthttp.Middleware(adapters.WithPipeline(p))(http.HandlerFunc(scenarioHandler))

	// The trace IDs, drawn before the run (a fixed seed: the same requests
	// every run).
	rng := rand.New(rand.NewPCG(21, uint64(n)))
	traces := make([]string, n)
	for i := range traces {
		var b [16]byte
		for j := 0; j < 16; j += 8 {
			v := rng.Uint64() | 1
			for k := range 8 {
				b[j+k] = byte(v >> (8 * k))
			}
		}
		traces[i] = hex.EncodeToString(b[:])
	}
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []error
	)
	for range scenarioWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req := httptest.NewRequest(http.MethodGet, "/orders/"+strconv.Itoa(i), nil)
				req.Header.Set("traceparent", "00-"+traces[i]+"-00f067aa0ba902b7-01")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				want := http.StatusOK
				if scenarioKind(i) == kindFailed {
					want = http.StatusInternalServerError
				}
				if rec.Code != want {
					mu.Lock()
					failed = append(failed, fmt.Errorf("request %d: status %d, want %d", i, rec.Code, want))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		return scenarioResult{}, err
	}
	if len(failed) > 0 {
		return scenarioResult{}, errors.Join(failed[:min(len(failed), 5)]...)
	}
	res := scenarioResult{requests: n, stats: p.Stats()}
	if res.bytes, err = dirBytes(dir); err != nil {
		return res, err
	}
	err = checkScenario(dir, m, traces, &res)
	return res, err
}

// scenarioFlow is what the files hold of one request, found by its trace.
type scenarioFlow struct {
	debugs      int // debug records
	debugSeq    [2]int
	debugBuf    int // of them, marked buffered
	outOfOrder  bool
	infos       int
	buffered    int // records marked buffered
	maxHeldSeq  int // the largest seq of a buffered record
	ends        int
	endSeq      int
	detail      string
	bufRecords  int
	sampleRate  int
	totalMs     float64
	unknownDbgs int
}

// checkScenario parses every line under dir and checks each request's
// records against its kind (decided by the test) and mode m.
func checkScenario(dir string, m scenarioMode, traces []string, res *scenarioResult) error {
	index := make(map[string]int, len(traces))
	for i, t := range traces {
		index[t] = i
	}
	flows := make([]scenarioFlow, len(traces))
	var errs []error
	bad := func(format string, args ...any) {
		if len(errs) < 8 {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	err := readRecords(dir, func(path string, r *record) {
		res.lines++
		i, ok := index[r.TraceID]
		if !ok {
			bad("%s: a record of no request sent: %+v", path, *r)
			return
		}
		f := &flows[i]
		if r.Buffered {
			f.buffered++
			f.maxHeldSeq = max(f.maxHeldSeq, r.Seq)
		}
		switch {
		case r.FlowType == "flow_end":
			f.ends++
			f.endSeq, f.detail, f.bufRecords, f.sampleRate, f.totalMs = r.Seq, r.Detail, r.BufferedRecords, r.SampleRate, r.TotalMs
		case r.Level == "debug":
			if r.N != i {
				bad("%s: debug record of request %d in the flow of request %d", path, r.N, i)
			}
			k := -1
			switch r.Message {
			case "order loaded":
				k = 0
			case "charging":
				k = 1
			}
			if k < 0 {
				f.unknownDbgs++
				return
			}
			if f.debugSeq[k] != 0 {
				bad("request %d: debug record %q twice (seq %d and %d)", i, r.Message, f.debugSeq[k], r.Seq)
			}
			if k == 1 && f.debugSeq[0] == 0 || k == 0 && f.debugSeq[1] != 0 {
				f.outOfOrder = true
			}
			f.debugSeq[k] = r.Seq
			f.debugs++
			if r.Buffered {
				f.debugBuf++
			}
		case r.Message == "order handled":
			f.infos++
		}
	})
	if err != nil {
		return err
	}
	var sampledOut uint64
	for i := range flows {
		f := &flows[i]
		kind := scenarioKind(i)
		if f.infos != 1 {
			bad("request %d: %d info records, want 1", i, f.infos)
		}
		if f.unknownDbgs > 0 {
			bad("request %d: %d unexpected debug records", i, f.unknownDbgs)
		}
		kept := kind != kindRoutine || f.detail == "slow" // a routine request may run slow on a loaded machine
		if kind == kindRoutine && f.detail != "" {
			if f.detail != "slow" || f.totalMs < float64(scenarioSlow)/float64(time.Millisecond) {
				bad("request %d (routine, %.3f ms): flow_end detail %q", i, f.totalMs, f.detail)
			}
			res.slowAny++
		}
		wantEnds := 1
		if !m.full && m.sample > 1 && !kept && !sampledIn(traces[i], m.sample) {
			wantEnds = 0
			sampledOut++
		}
		if f.ends != wantEnds {
			bad("request %d (kind %d): %d flow_end, want %d", i, kind, f.ends, wantEnds)
			continue
		}
		if wantEnds == 1 && !m.full && !kept && m.sample > 1 && f.sampleRate != m.sample {
			bad("request %d: routine flow_end with sample_rate %d, want %d", i, f.sampleRate, m.sample)
		}
		switch {
		case m.full:
			if f.debugs != 2 || f.debugBuf != 0 || f.buffered != 0 || f.detail != "" {
				bad("request %d, full detail: %d debug records (%d buffered), %d buffered records, detail %q; want 2, none buffered",
					i, f.debugs, f.debugBuf, f.buffered, f.detail)
			}
		case kept:
			want := map[int]string{kindFailed: "failed", kindSlow: "slow", kindRoutine: "slow"}[kind]
			if f.detail != want {
				bad("request %d: flow_end detail %q, want %q", i, f.detail, want)
			}
			if f.debugs != 2 || f.debugBuf != 2 {
				bad("request %d (%s): %d debug records, %d marked buffered; want 2, both buffered", i, want, f.debugs, f.debugBuf)
			}
			// flow_start, 2 step records per step, 2 debug records; a
			// failed step's exit record is an error, never held
			wantHeld := 7
			if kind == kindFailed {
				wantHeld = 6
			}
			if f.buffered != wantHeld || f.bufRecords != wantHeld {
				bad("request %d (%s): %d records marked buffered, flow_end says %d; want %d", i, want, f.buffered, f.bufRecords, wantHeld)
			}
			if f.maxHeldSeq >= f.endSeq {
				bad("request %d: a buffered record has seq %d, after flow_end's %d", i, f.maxHeldSeq, f.endSeq)
			}
		default:
			if f.debugs != 0 || f.buffered != 0 {
				bad("request %d, routine: %d debug records, %d buffered records written; want none", i, f.debugs, f.buffered)
			}
		}
		if f.outOfOrder || f.debugs == 2 && f.debugSeq[0] >= f.debugSeq[1] {
			bad("request %d: debug records out of seq order: %v", i, f.debugSeq)
		}
	}
	if got := res.stats.Detail.SampledOut; got != sampledOut {
		bad("Stats().Detail.SampledOut = %d, want %d (routine flows the rule samples out)", got, sampledOut)
	}
	return errors.Join(errs...)
}

func TestDetailScenario(t *testing.T) {
	n := scenarioRequests
	if testing.Short() {
		n /= 10
	}
	for _, m := range scenarioModes {
		t.Run(m.name, func(t *testing.T) {
			start := time.Now()
			res, err := runScenario(t.TempDir(), m, n)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d requests, %d lines, %d bytes on disk (%.0f B/request), %d routine requests slow anyway, detail %+v, %.1fs",
				m.name, n, res.lines, res.bytes, float64(res.bytes)/float64(n), res.slowAny, res.stats.Detail, time.Since(start).Seconds())
		})
	}
}

func BenchmarkDetailScenario(b *testing.B) {
	for _, m := range scenarioModes {
		b.Run(m.name, func(b *testing.B) {
			res, err := runScenario(b.TempDir(), m, b.N)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.bytes)/float64(b.N), "disk-B/req")
			b.ReportMetric(float64(res.lines)/float64(b.N), "lines/req")
		})
	}
}
