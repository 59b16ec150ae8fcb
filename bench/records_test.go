package bench_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// A record is the part of a LogCrest record (one line of its files) the
// checks of BenchmarkServer and of the detail scenario read.
type record struct {
	Level           string  `json:"level"`
	Message         string  `json:"message"`
	TraceID         string  `json:"trace_id"`
	FlowID          string  `json:"flow_id"`
	Seq             int     `json:"seq"`
	FlowType        string  `json:"flow_type"`
	Buffered        bool    `json:"buffered"`
	Detail          string  `json:"detail"`
	BufferedRecords int     `json:"buffered_records"`
	BufferedEvicted int     `json:"buffered_evicted"`
	SampleRate      int     `json:"sample_rate"`
	TotalMs         float64 `json:"total_ms"`
	HTTPStatus      int     `json:"http_status"`
	N               int     `json:"n"` // the scenario's request number
}

// readRecords parses every line of every file under dir, calling fn with
// each record; a line that is not JSON is an error.
func readRecords(dir string, fn func(path string, r *record)) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || filepath.Ext(path) != ".log" {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for line := 1; sc.Scan(); line++ {
			var r record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				return fmt.Errorf("%s:%d: %w", path, line, err)
			}
			fn(path, &r)
		}
		return sc.Err()
	})
}

// dirBytes is the sum of the sizes of the files under dir.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	return n, err
}

// sampledIn is LogCrest's sampling rule, written again from its
// documentation (WithSampling: "decided from the trace ID"; the rule of
// OpenTelemetry's ratio sampler): a routine flow of trace t is written when
// the trace ID's last 56 bits, read as a number, are below 2^56/n.
func sampledIn(traceID string, n int) bool {
	if n <= 1 {
		return true
	}
	raw, err := hex.DecodeString(traceID)
	if err != nil || len(raw) != 16 {
		return false
	}
	r := binary.BigEndian.Uint64(raw[8:]) & (1<<56 - 1)
	return r < (1<<56)/uint64(n)
}

// logcrestExpect is what a LogCrest variant of BenchmarkServer writes for
// a routine request (every request of the benchmark is one).
type logcrestExpect struct {
	handler bool // the charge handler (steps, debug and info record), not the bare one
	full    bool // WithDetail("full"): every record written as logged
	sample  int  // WithSampling(sample)
}

// checkLogCrestFiles reads every record under dir and checks it against
// what served routine requests must have written, exactly:
//
//   - full detail: per request flow_start, 4 step records, the debug and the
//     info record, flow_end; none marked buffered;
//   - buffered detail: the info record and flow_end per request, nothing
//     else, except for a flow kept as slow (its flow_end says "detail" and
//     how many buffered records precede it, which must all be there);
//   - sampling 1 in n: flow_end only for a trace the rule samples in
//     (carrying sample_rate n), or for a kept flow.
func checkLogCrestFiles(dir string, served int, e logcrestExpect) error {
	var (
		starts, steps, debugs, infos, ends int
		buffered, wantBuffered             int
		sampledInfos, keptOut              int
		errs                               []error
	)
	bad := func(format string, args ...any) {
		if len(errs) < 5 {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	err := readRecords(dir, func(path string, r *record) {
		if r.Buffered {
			buffered++
		}
		switch {
		case r.FlowType == "flow_start":
			starts++
		case r.FlowType == "flow_end":
			ends++
			switch {
			case r.Detail != "":
				wantBuffered += r.BufferedRecords
				if !sampledIn(r.TraceID, e.sample) {
					keptOut++
				}
			case e.sample > 1 && !sampledIn(r.TraceID, e.sample):
				bad("%s: flow_end of flow %s, trace %s, which the rule samples out", path, r.FlowID, r.TraceID)
			case e.sample > 1 && r.SampleRate != e.sample:
				bad("%s: flow_end of flow %s: sample_rate %d, want %d", path, r.FlowID, r.SampleRate, e.sample)
			}
		case r.Message == "step started" || r.Message == "step finished":
			steps++
		case r.Message == "charging":
			debugs++
		case r.Message == "charged":
			infos++
			if r.Buffered {
				bad("%s: the info record of flow %s is marked buffered", path, r.FlowID)
			}
			if sampledIn(r.TraceID, e.sample) {
				sampledInfos++
			}
		default:
			bad("%s: unexpected record %+v", path, *r)
		}
	})
	if err != nil {
		return err
	}
	wantInfos := 0
	if e.handler {
		wantInfos = served
	}
	if infos != wantInfos {
		bad("%d info records, want %d (one a request)", infos, wantInfos)
	}
	if e.full {
		want := [...]int{served, 4 * served, served, served, 0}
		if e.handler == false {
			want = [...]int{served, 0, 0, served, 0}
		}
		got := [...]int{starts, steps, debugs, ends, buffered}
		if got != want {
			bad("full detail: flow_start, step, debug, flow_end, buffered records %v, want %v", got, want)
		}
		return errors.Join(errs...)
	}
	if buffered != wantBuffered || starts+steps+debugs != buffered {
		bad("%d buffered records (%d flow_start, %d step, %d debug), want %d, all marked buffered: what the kept flow_ends announce",
			buffered, starts, steps, debugs, wantBuffered)
	}
	wantEnds := served
	if e.sample > 1 && !e.handler {
		// No record carries the trace of a request sampled out, so the
		// count cannot be exact: every flow_end above is one the rule
		// samples in, and their number must be what 1 in e.sample of the
		// requests gives, within 6 standard deviations (a rule keeping all
		// or none, or twice or half the rate, fails it).
		p := 1 / float64(e.sample)
		mean, sd := float64(served)*p, math.Sqrt(float64(served)*p*(1-p))
		if d := math.Abs(float64(ends-keptOut) - mean); d > 6*sd {
			bad("%d sampled-in flow_end records after %d requests, want %.0f ± %.0f (1 in %d)", ends-keptOut, served, mean, 6*sd, e.sample)
		}
		return errors.Join(errs...)
	}
	if e.sample > 1 {
		wantEnds = sampledInfos + keptOut
	}
	if ends != wantEnds {
		bad("%d flow_end records after %d requests, want %d", ends, served, wantEnds)
	}
	return errors.Join(errs...)
}
