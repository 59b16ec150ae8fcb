package main

// logcrest show ID: one flow (or every flow of one trace, across services):
// its summary, a waterfall of its timeline, and every record it left.

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
	"github.com/logcrest/logcrest/internal/schema"
	"github.com/logcrest/logcrest/writers"
)

// hit is one record of the flow shown: decoded, raw, and where it came from.
type hit struct {
	rec logread.Record
	raw []byte
	src logread.Source
}

// flowView is one flow as show draws it.
type flowView struct {
	key     string // flow_id, or "trace:<id>" for steps outside any flow
	flowID  string
	traceID string
	logger  string
	folder  string
	hits    []hit // in seq order
	start   *hit  // flow_start, if found
	end     *hit  // flow_end, if found

	origin     time.Time // when the flow started
	total      float64   // ms
	spanID     string    // the flow's own span
	parentSpan string    // the span of another service's step that called it
	steps      []step    // the timeline
	spanIndex  map[string]int
	rebuilt    bool // the timeline comes from step records, not flow_end
	truncated  int
}

// step is one entry of a flow's timeline.
type step struct {
	fn      string
	at, ms  float64 // ms from the flow's start
	status  string  // ok, error, running
	parent  int     // 0-based index of the enclosing step; -1 for none
	spanID  string
	failed  bool // the step the flow failed at
	running bool
}

func cmdShow(ctx context.Context, args []string, e env) error {
	var c common
	fs := newFlagSet("show", "show ID [flags] [source...]", e)
	c.register(fs)
	records := fs.Bool("records", true, "list every record of the flow after the waterfall")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usagef("show needs a flow ID or a trace ID")
	}
	id := strings.TrimSpace(pos[0])
	if id == "" || strings.ContainsAny(id, "\"\\\n") {
		return usagef("%q is not a flow ID or a trace ID", pos[0])
	}
	color, err := c.colorOn(e)
	if err != nil {
		return err
	}
	set, err := c.sources(e, pos[1:], logread.Streams, false)
	if err != nil {
		return err
	}

	rep := logread.NewReport()
	hits, dropped := findHits(ctx, logread.SplitSources(set.Files, partSize), id, e, rep)
	rep.Write(e.stderr)
	if err := ctx.Err(); err != nil {
		return err
	}
	if dropped > 0 {
		fmt.Fprintf(e.stderr, "logcrest: warning: %d more %s of %q not shown: show holds %d records or %d MiB of them at most (the first in seq order, flow_start and flow_end first)\n",
			dropped, logread.Plural(dropped, "record", "records"), id, showMaxRecords, showMaxBytes>>20)
	}
	if len(hits) == 0 {
		return fmt.Errorf("no record has flow ID or trace ID %q; looked in %s", id, set.Describe())
	}
	flows := buildFlows(hits)
	out := newStyle(e.stdout, color)
	multi := distinctServices(flows) > 1
	for i, f := range flows {
		if i > 0 {
			out.nl()
		}
		f.writeSummary(out, multi)
	}
	out.nl()
	rows, total := waterfallRows(flows, multi)
	writeWaterfall(out, rows, total, c.columns(e))
	for _, f := range flows {
		if f.truncated > 0 {
			out.printf("  %s\n", out.dim(fmt.Sprintf("(%s: %d more %s not in the timeline: timeline_cap)", f.title(multi), f.truncated, logread.Plural(f.truncated, "step", "steps"))))
		}
	}
	if *records {
		tf := writers.TextFormatter{Color: color}
		var buf []byte
		for _, f := range flows {
			out.nl()
			buf = f.writeRecords(out, tf, buf)
		}
	}
	return out.flush()
}

// show holds at most showMaxRecords records of what it shows, and
// showMaxBytes of their lines: a flow or trace with more (a loop of a
// million steps, or a file made to look like one) is shown by its first
// records in seq order, flow_start and flow_end kept before any other.
const (
	showMaxRecords = 5000
	showMaxBytes   = 4 << 20
)

// hitSet keeps the records show holds within its bounds. It is safe for
// concurrent use.
type hitSet struct {
	mu      sync.Mutex
	h       dropOrder
	bytes   int
	dropped int
}

// add adds the record decoded from line, unless it is the first to drop
// of a full set.
func (s *hitSet) add(h hit, line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.h) == showMaxRecords {
		s.h = append(s.h, h) // compared with the top without a copy of line
		first := s.h.Less(len(s.h)-1, 0)
		s.h = s.h[:len(s.h)-1]
		if first {
			s.dropped++
			return
		}
	}
	h.raw = bytes.Clone(line)
	heap.Push(&s.h, h)
	s.bytes += len(h.raw)
	for len(s.h) > showMaxRecords || s.bytes > showMaxBytes {
		x := heap.Pop(&s.h).(hit)
		s.bytes -= len(x.raw)
		s.dropped++
	}
}

// dropOrder is a heap of hits with the one to drop first on top: a record
// other than flow_start and flow_end before those, the latest in seq
// order (then time) first.
type dropOrder []hit

func (d dropOrder) Len() int { return len(d) }
func (d dropOrder) Less(i, j int) bool {
	a, b := &d[i].rec, &d[j].rec
	if fa, fb := a.FlowType != "", b.FlowType != ""; fa != fb {
		return fb
	}
	if a.Seq != b.Seq {
		return a.Seq > b.Seq
	}
	return a.At.After(b.At)
}
func (d dropOrder) Swap(i, j int) { d[i], d[j] = d[j], d[i] }
func (d *dropOrder) Push(x any)   { *d = append(*d, x.(hit)) }
func (d *dropOrder) Pop() any {
	old := *d
	x := old[len(old)-1]
	old[len(old)-1] = hit{}
	*d = old[:len(old)-1]
	return x
}

// findHits reads every source in parallel and returns the records whose
// flow_id or trace_id is id, within show's bounds, and how many more were
// left out. Each line is searched for id's bytes before it is decoded.
func findHits(ctx context.Context, files []logread.Source, id string, e env, rep *logread.Report) ([]hit, int) {
	needle := []byte(id)
	var set hitSet
	logread.ForEach(files, e.workers, func(_ int, src logread.Source) {
		logread.ScanSource(ctx, src, e.stdin, needle, rep, func(line []byte, unterminated bool) {
			var r logread.Record
			if err := logread.Decode(line, &r); err != nil {
				if !(unterminated && src.Active) { // a record being written
					rep.BadLine(src)
				}
				return
			}
			if r.FlowID != id && r.TraceID != id {
				return // the bytes were elsewhere: a message, a longer ID
			}
			r.At = logread.ParseTime(r.Time)
			set.add(hit{rec: r, src: src}, line)
		})
	})
	return set.h, set.dropped
}

// buildFlows groups the records into flows, each in seq order, and works
// out each flow's timeline; flows come in the order they started. A flow
// is its flow_id within its trace: two flows that drew one flow ID (a
// label and 32 random bits) are two flows.
func buildFlows(hits []hit) []*flowView {
	byKey := map[string]*flowView{}
	var flows []*flowView
	for _, h := range hits {
		key := "trace:" + h.rec.TraceID
		if h.rec.FlowID != "" {
			key = "flow:" + h.rec.FlowID + "\x00" + h.rec.TraceID
		}
		f := byKey[key]
		if f == nil {
			f = &flowView{key: key, flowID: h.rec.FlowID, traceID: h.rec.TraceID}
			byKey[key] = f
			flows = append(flows, f)
		}
		f.hits = append(f.hits, h)
	}
	for _, f := range flows {
		slices.SortStableFunc(f.hits, func(a, b hit) int {
			switch {
			case a.rec.Seq != b.rec.Seq && a.rec.Seq != 0 && b.rec.Seq != 0:
				return int(a.rec.Seq - b.rec.Seq)
			case !a.rec.At.Equal(b.rec.At):
				return a.rec.At.Compare(b.rec.At)
			}
			return int(a.rec.Seq - b.rec.Seq)
		})
		for i := range f.hits {
			h := &f.hits[i]
			switch h.rec.FlowType {
			case schema.FlowStart:
				if f.start == nil {
					f.start = h
				}
			case schema.FlowEnd:
				f.end = h
			}
			if f.logger == "" {
				f.logger = h.rec.Logger
			}
			if f.folder == "" {
				f.folder = h.src.Folder
			}
		}
		f.timeline()
	}
	slices.SortStableFunc(flows, func(a, b *flowView) int { return a.origin.Compare(b.origin) })
	return flows
}

// timeline fills the flow's start, length and steps: from flow_end when
// there is one, else rebuilt from the step records.
func (f *flowView) timeline() {
	f.spanIndex = map[string]int{}
	for _, h := range []*hit{f.start, f.end} {
		if h != nil {
			f.spanID = h.rec.SpanID
			if h.rec.ParentSpanID != "" {
				f.parentSpan = h.rec.ParentSpanID
			}
		}
	}
	if f.end != nil {
		e := &f.end.rec
		f.total = e.TotalMs
		f.truncated = e.TimelineTruncated
		switch {
		case f.start != nil && !f.start.rec.At.IsZero():
			f.origin = f.start.rec.At
		case !e.At.IsZero():
			f.origin = e.At.Add(-time.Duration(e.TotalMs * float64(time.Millisecond)))
		}
		failedAt := -1
		if k, _, ok := strings.Cut(e.Step, "/"); ok && e.FlowStatus == schema.FlowFailed {
			if n, err := strconv.Atoi(k); err == nil {
				failedAt = n - 1
			}
		}
		for i, en := range e.Timeline {
			parent := -1
			if en.Parent >= 1 && en.Parent <= i {
				parent = en.Parent - 1
			}
			f.steps = append(f.steps, step{fn: en.Fn, at: en.AtMs, ms: en.Ms, status: en.Status, parent: parent, failed: i == failedAt})
		}
		// The k-th "step started" of a name is its k-th timeline entry:
		// both are in start order. That maps span IDs to steps, for
		// another service's flow called from one of them.
		seen := map[string]int{}
		for _, h := range f.hits {
			if h.rec.Message != "step started" || h.rec.Fn == "" {
				continue
			}
			k := seen[h.rec.Fn]
			seen[h.rec.Fn]++
			for i, s := range f.steps {
				if s.fn == h.rec.Fn {
					if k == 0 {
						f.steps[i].spanID = h.rec.SpanID
						f.spanIndex[h.rec.SpanID] = i
						break
					}
					k--
				}
			}
		}
		return
	}
	f.rebuild()
}

// stepSpan is one step as its step records tell it.
type stepSpan struct {
	fn, parentSpan string
	start, end     time.Time
	ms             float64
	status         string
	done           bool
}

// stepSpans gathers the steps of the flow from its step records, by span,
// in the order first seen, and the times of its first and last records.
func (f *flowView) stepSpans() (spans map[string]*stepSpan, order []string, first, last time.Time) {
	spans = map[string]*stepSpan{}
	for _, h := range f.hits {
		r := &h.rec
		if !r.At.IsZero() {
			if first.IsZero() || r.At.Before(first) {
				first = r.At
			}
			if r.At.After(last) {
				last = r.At
			}
		}
		if r.SpanID == "" || r.SpanID == f.spanID || r.FlowType != "" {
			continue
		}
		switch r.Message {
		case "step started", "step finished", "step failed":
		default:
			continue
		}
		s := spans[r.SpanID]
		if s == nil {
			s = &stepSpan{fn: r.Fn, parentSpan: r.ParentSpanID}
			spans[r.SpanID] = s
			order = append(order, r.SpanID)
		}
		if r.Message == "step started" {
			s.start = r.At
			continue
		}
		s.end, s.ms, s.done = r.At, r.Ms, true
		s.status = r.Status
		if s.status == "" {
			s.status = schema.StepOK
			if r.Message == "step failed" {
				s.status = schema.StepError
			}
		}
		if s.start.IsZero() {
			s.start = r.At.Add(-time.Duration(r.Ms * float64(time.Millisecond)))
		}
	}
	return spans, order, first, last
}

// rebuild works out a timeline from the step records, for a flow without
// flow_end: still running, or its flow records were not kept
// (flow_records=failed), or steps outside any flow.
func (f *flowView) rebuild() {
	f.rebuilt = true
	spans, order, first, last := f.stepSpans()
	if f.start != nil && !f.start.rec.At.IsZero() {
		first = f.start.rec.At
	}
	for _, s := range spans {
		if !s.start.IsZero() && (first.IsZero() || s.start.Before(first)) {
			first = s.start
		}
	}
	f.origin = first
	f.total = ms(last.Sub(first))
	slices.SortStableFunc(order, func(a, b string) int { return spans[a].start.Compare(spans[b].start) })
	if f.spanID == "" { // no flow record: the flow's span is the parent no step has
		for _, id := range order {
			if p := spans[id].parentSpan; p != "" && spans[p] == nil {
				f.spanID = p
				break
			}
		}
	}
	for i, id := range order {
		f.spanIndex[id] = i
	}
	failedSeen := false
	for _, id := range order {
		s := spans[id]
		st := step{fn: s.fn, at: ms(s.start.Sub(first)), ms: s.ms, status: s.status, parent: -1, spanID: id}
		if !s.done {
			st.ms, st.status, st.running = ms(last.Sub(s.start)), schema.StepRunning, true
		}
		if p, ok := f.spanIndex[s.parentSpan]; ok {
			st.parent = p
		}
		if st.status == schema.StepError && !failedSeen {
			st.failed, failedSeen = true, true
		}
		f.steps = append(f.steps, st)
	}
}

// bufferedMark starts the line of a record that was held in its flow's
// memory and written at the flow's end ("buffered":true); the flow's other
// records start with as many spaces, when it has any buffered one.
const bufferedMark = "· "

// writeRecords lists the flow's records in seq order, each through tf,
// the buffered ones marked; buf is reused and returned.
func (f *flowView) writeRecords(out *style, tf writers.TextFormatter, buf []byte) []byte {
	buffered := 0
	for _, h := range f.hits {
		if h.rec.Buffered {
			buffered++
		}
	}
	head := fmt.Sprintf("records of %s (%d, in seq order", f.name(), len(f.hits))
	if buffered > 0 {
		head += fmt.Sprintf("; %s %d buffered, written at the flow's end", strings.TrimSpace(bufferedMark), buffered)
	}
	out.printf("%s\n", out.bold(head+")"))
	for _, h := range f.hits {
		switch {
		case h.rec.Buffered:
			out.printf("%s", out.dim(bufferedMark))
		case buffered > 0:
			out.printf("%s", strings.Repeat(" ", len([]rune(bufferedMark))))
		}
		buf = tf.Append(buf[:0], h.raw)
		out.write(buf)
	}
	return buf
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// name is how the records header names the flow.
func (f *flowView) name() string {
	if f.flowID != "" {
		return logread.Clean(f.flowID)
	}
	return "trace " + logread.Clean(f.traceID) + " (steps outside any flow)"
}

// title names the flow in one short phrase: "GET /orders/{id}" for a
// request, its label otherwise.
func (f *flowView) title(withService bool) string {
	var t string
	r := f.endOrStart()
	switch {
	case r != nil && r.Method == "" && rpcTitle(r) != "":
		t = rpcTitle(r)
	case r != nil && r.Method != "":
		p := r.Route
		if p == "" {
			p = r.Path
		}
		t = logread.Clean(r.Method) + " " + logread.Clean(p)
	case f.flowID == "":
		t = "(no flow)"
	default:
		t = logread.Clean(logread.FlowLabel(f.flowID))
		if t == "" {
			t = logread.Clean(f.flowID)
		}
	}
	if withService {
		t = f.service() + ": " + t
	}
	return t
}

// rpcTitle names an RPC call's flow "<system> <full method>" ("grpc
// /shop.v1.Orders/Get"), or is "" for a record of no RPC call.
func rpcTitle(r *logread.Record) string {
	if r.RPCSystem == "" || r.Route == "" {
		return ""
	}
	return logread.Clean(r.RPCSystem) + " " + logread.Clean(r.Route)
}

func (f *flowView) service() string {
	if f.logger != "" {
		return logread.Clean(f.logger)
	}
	return logread.Clean(f.folder)
}

func (f *flowView) endOrStart() *logread.Record {
	if f.end != nil {
		return &f.end.rec
	}
	if f.start != nil {
		return &f.start.rec
	}
	return nil
}

func distinctServices(flows []*flowView) int {
	seen := map[string]bool{}
	for _, f := range flows {
		seen[f.folder+"\x00"+f.logger] = true
	}
	return len(seen)
}

// writeSummary writes the flow's summary: what it was, how it ended, its
// IDs, its fields and its error.
func (f *flowView) writeSummary(out *style, multi bool) {
	r := f.endOrStart()
	var head strings.Builder
	if r != nil && r.Method != "" {
		head.WriteString(logread.Clean(r.Method) + " " + logread.Clean(r.Path))
	} else if r != nil && rpcTitle(r) != "" {
		head.WriteString(rpcTitle(r))
	} else if f.flowID != "" {
		head.WriteString("flow " + logread.Clean(logread.FlowLabel(f.flowID)))
		if logread.FlowLabel(f.flowID) == "" {
			head.WriteString(logread.Clean(f.flowID))
		}
	} else {
		head.WriteString("steps of trace " + logread.Clean(f.traceID) + " outside any flow")
	}
	if multi {
		out.printf("%s ", out.paint(ansiService, "["+f.service()+"]"))
	}
	out.printf("%s", out.bold(head.String()))
	f.writeOutcome(out)
	out.nl()

	var ids []string
	if f.flowID != "" {
		ids = append(ids, "flow "+logread.Clean(f.flowID))
	}
	if f.traceID != "" {
		ids = append(ids, "trace "+logread.Clean(f.traceID))
	}
	if f.parentSpan != "" {
		ids = append(ids, "parent span "+logread.Clean(f.parentSpan))
	}
	if f.logger != "" {
		ids = append(ids, "logger "+logread.Clean(f.logger))
	}
	if !f.origin.IsZero() {
		ids = append(ids, "started "+f.origin.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	out.printf("  %s\n", out.dim(strings.Join(ids, "  ")))

	if fields := f.fields(); len(fields) > 0 {
		out.printf("  %s\n", strings.Join(fields, " "))
	}
	f.writeDetail(out)
	if f.end != nil && f.end.rec.FlowStatus == schema.FlowFailed {
		e := &f.end.rec
		msg := "failed at " + logread.Clean(e.FailedAt)
		switch {
		case strings.HasPrefix(e.Step, "0/"):
			msg = "failed in " + logread.Clean(e.FailedAt) + " itself, outside any step"
		case e.Step != "":
			msg += " (step " + logread.Clean(e.Step) + ")"
		}
		if e.FlowError != "" {
			msg += ": " + logread.Clean(e.FlowError)
		}
		out.printf("  %s\n", out.paint(ansiFailed, msg))
	}
	if f.rebuilt {
		why := "no flow_end: the flow is still running, or its flow records were not kept; timeline rebuilt from its step records"
		if f.flowID == "" {
			why = "no flow: timeline rebuilt from the step records"
		}
		out.printf("  %s\n", out.dim(why))
	}
}

// writeOutcome writes the rest of the summary's first line: the HTTP
// status, how the flow ended, its length and steps, and its sample rate.
func (f *flowView) writeOutcome(out *style) {
	if f.end == nil {
		if f.rebuilt {
			out.printf("  %s", out.paint(ansiRunning, "no flow_end"))
		}
		return
	}
	e := &f.end.rec
	if e.HTTPStatus != 0 {
		out.printf(" → %s", out.statusCode(e.HTTPStatus))
	}
	if e.GRPCCode != "" {
		sep := " → "
		if e.HTTPStatus != 0 {
			sep = ", " // a Connect call served under the HTTP middleware
		}
		code := out.paint(ansiOK, logread.Clean(e.GRPCCode))
		switch {
		case e.FlowStatus == schema.FlowFailed:
			code = out.paint(ansiFailed, logread.Clean(e.GRPCCode))
		case e.GRPCCode != "OK":
			code = out.paint(ansiWarn, logread.Clean(e.GRPCCode))
		}
		out.printf("%s%s", sep, code)
	}
	switch e.FlowStatus {
	case schema.FlowFailed:
		out.printf("  %s", out.paint(ansiFailed, "FAILED"))
	case schema.FlowCancelled:
		out.printf("  %s", out.paint(ansiRunning, "cancelled"))
	default:
		out.printf("  %s", out.paint(ansiOK, "ok"))
	}
	out.printf("  %s  %d %s", fmtMs(e.TotalMs), e.Steps, logread.Plural(e.Steps, "step", "steps"))
	if e.SampleRate > 1 {
		out.printf("  %s", out.dim(fmt.Sprintf("sampled 1 in %d", e.SampleRate)))
	}
}

// writeDetail writes what flow_end says of the flow's buffered detail:
// why it was written and how many records, how many its buffer's bounds
// evicted, and what a sample rate means.
func (f *flowView) writeDetail(out *style) {
	if f.end == nil {
		return
	}
	e := &f.end.rec
	var parts []string
	if e.Detail != "" {
		parts = append(parts, fmt.Sprintf("detail written (%s): %d buffered %s, marked %s below",
			logread.Clean(e.Detail), e.BufferedRecords, logread.Plural(e.BufferedRecords, "record", "records"), strings.TrimSpace(bufferedMark)))
	}
	if e.BufferedEvicted > 0 {
		parts = append(parts, fmt.Sprintf("%d more evicted by the flow's buffer bounds", e.BufferedEvicted))
	}
	if e.SampleRate > 1 {
		parts = append(parts, fmt.Sprintf("kept by sampling 1 in %d routine flows: it stands for %d", e.SampleRate, e.SampleRate))
	}
	if len(parts) > 0 {
		out.printf("  %s\n", out.dim(strings.Join(parts, "; ")))
	}
}

// reservedFields are the keys of flow_end the view shows elsewhere or not
// at all; the others are listed as the flow's fields: the ones the code
// set, and the request's route, request_id, client_ip, bytes and flags,
// which schema.Reserved reserves but the view lists.
var reservedFields = map[string]bool{
	schema.KeyTime: true, schema.KeyLevel: true, schema.KeyLogger: true,
	schema.KeyMessage: true, schema.KeyTraceID: true, schema.KeySpanID: true,
	schema.KeyParentSpanID: true, schema.KeyTraceFlags: true, schema.KeyFlowID: true,
	schema.KeySeq: true, schema.KeyFlowType: true, schema.KeyFlowStatus: true,
	schema.KeyTotalMs: true, schema.KeySteps: true, schema.KeyTimeline: true,
	schema.KeyTimelineTruncated: true, schema.KeyFailedAt: true, schema.KeyStep: true,
	schema.KeyFlowError: true, schema.KeyStack: true, schema.KeyFn: true,
	schema.KeyMs: true, schema.KeyStatus: true, schema.KeyError: true,
	schema.KeyErrorType: true, schema.KeyArgs: true, schema.KeyResult: true,
	schema.KeyLabel: true, schema.KeyMethod: true, schema.KeyPath: true,
	schema.KeyHTTPStatus: true, schema.KeyBuffered: true, schema.KeyDetail: true,
	schema.KeyBufferedCount: true, schema.KeyBufferedEvicted: true, schema.KeySampleRate: true,
	schema.KeyGRPCCode: true, schema.KeyGRPCStatusCode: true,
}

// rpcHeadFields are the keys an RPC call's summary shows in its first
// line ("grpc /pkg.Service/Method"), left out of its fields.
var rpcHeadFields = map[string]bool{
	schema.KeyRPCSystem: true, schema.KeyRPCService: true, schema.KeyRPCMethod: true, schema.KeyRoute: true,
}

// fields lists the flow's fields as key=value: the request's (route,
// request_id, client_ip, bytes, flags) and the ones the code set, in record
// order.
func (f *flowView) fields() []string {
	h := f.end
	if h == nil {
		h = f.start
	}
	if h == nil {
		return nil
	}
	rpcHead := h.rec.Method == "" && rpcTitle(&h.rec) != ""
	var out []string
	dec := json.NewDecoder(bytes.NewReader(h.raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return out
		}
		if reservedFields[key] || rpcHead && rpcHeadFields[key] {
			continue
		}
		out = append(out, logread.Clean(key)+"="+fieldValue(raw))
	}
	return out
}

// fieldValue prints a JSON value: a string bare when it can be, quoted when
// it holds a space, '=', '"' or anything unprintable; anything else as
// compact JSON.
func fieldValue(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		if s == "" || strings.ContainsAny(s, " =\"") {
			return strconv.Quote(s)
		}
		return logread.Clean(s)
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return logread.Clean(b.String())
	}
	return logread.Clean(string(raw))
}
