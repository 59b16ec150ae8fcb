package main

// logcrest flows: one line per finished flow, from the flow_end records,
// newest last; and the filters flows and stats share.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// flowEnd is what flows and stats read from a flow_end record.
type flowEnd struct {
	Time       string  `json:"time"`
	Level      string  `json:"level"`
	Logger     string  `json:"logger"`
	TraceID    string  `json:"trace_id"`
	FlowID     string  `json:"flow_id"`
	FlowType   string  `json:"flow_type"`
	FlowStatus string  `json:"flow_status"`
	TotalMs    float64 `json:"total_ms"`
	Steps      int     `json:"steps"`
	FailedAt   string  `json:"failed_at"`
	Step       string  `json:"step"`
	FlowError  string  `json:"flow_error"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Route      string  `json:"route"`
	RequestID  string  `json:"request_id"`
	HTTPStatus int     `json:"http_status"`

	t      time.Time
	folder string
}

func (f *flowEnd) when() time.Time { return f.t }

// decodeFlowEnd reads a flow_end record's fields with eachField; a field
// of an unexpected type is left empty. lean skips the fields stats does not
// use (logger, trace_id, level, the failure's details, path, request_id).
func decodeFlowEnd(line []byte, fe *flowEnd, lean bool) error {
	return eachField(line, func(key, val []byte) {
		str := func(dst *string) {
			if s, ok := jsonString(val); ok {
				*dst = s
			}
		}
		if lean {
			switch string(key) {
			case "level", "logger", "trace_id", "failed_at", "step", "flow_error", "path", "request_id":
				return
			}
		}
		switch string(key) {
		case "time":
			str(&fe.Time)
		case "level":
			str(&fe.Level)
		case "logger":
			str(&fe.Logger)
		case "trace_id":
			str(&fe.TraceID)
		case "flow_id":
			str(&fe.FlowID)
		case "flow_type":
			str(&fe.FlowType)
		case "flow_status":
			str(&fe.FlowStatus)
		case "failed_at":
			str(&fe.FailedAt)
		case "step":
			str(&fe.Step)
		case "flow_error":
			str(&fe.FlowError)
		case "method":
			str(&fe.Method)
		case "path":
			str(&fe.Path)
		case "route":
			str(&fe.Route)
		case "request_id":
			str(&fe.RequestID)
		case "total_ms":
			if f, ok := jsonNumber(val); ok {
				fe.TotalMs = f
			}
		case "steps":
			if f, ok := jsonNumber(val); ok && f == float64(int(f)) {
				fe.Steps = int(f)
			}
		case "http_status":
			if f, ok := jsonNumber(val); ok && f == float64(int(f)) {
				fe.HTTPStatus = int(f)
			}
		}
	})
}

// flowEndNeedle is searched for before a line is decoded: every flow_end
// holds it, nearly no other line does.
var flowEndNeedle = []byte(`"flow_end"`)

// filters are the selections flows and stats share.
type filters struct {
	failed bool
	route  string
	status string
	minMs  float64
	since  string
	label  string

	sinceT   time.Time
	statuses []statusMatch
}

type statusMatch struct {
	code       int    // exact HTTP status
	class      int    // 1..5 for 1xx..5xx
	flowStatus string // success, failed
}

func (f *filters) register(fs *flag.FlagSet, withStatus bool) {
	fs.BoolVar(&f.failed, "failed", false, "only failed flows")
	fs.StringVar(&f.route, "route", "", "only this route (a glob: '/orders/*'); the method too: 'GET /orders/{id}'")
	fs.StringVar(&f.label, "label", "", "only flows with this label (the flow ID without its 8 hex digits; a glob)")
	fs.StringVar(&f.since, "since", "", "only flows that ended in this window: a duration back from now (15m, 2h, 3d) or a time (RFC 3339)")
	fs.Float64Var(&f.minMs, "min-ms", 0, "only flows that took at least this many milliseconds")
	if withStatus {
		fs.StringVar(&f.status, "status", "", "only these outcomes, comma-separated: an HTTP status (502), a class (5xx), failed, success or cancelled")
	}
}

func (f *filters) prepare(now time.Time) error {
	t, err := parseSince(f.since, now)
	if err != nil {
		return err
	}
	f.sinceT = t
	for _, s := range strings.Split(f.status, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == "":
		case s == "failed" || s == "success" || s == "cancelled":
			f.statuses = append(f.statuses, statusMatch{flowStatus: s})
		case s == "ok":
			f.statuses = append(f.statuses, statusMatch{flowStatus: "success"})
		case len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5':
			f.statuses = append(f.statuses, statusMatch{class: int(s[0] - '0')})
		default:
			n, err := strconv.Atoi(s)
			if err != nil || n < 100 || n > 999 {
				return usagef("--status %q: want an HTTP status (502), a class (5xx), failed, success or cancelled", s)
			}
			f.statuses = append(f.statuses, statusMatch{code: n})
		}
	}
	for _, pat := range []string{f.route, f.label} {
		if _, err := path.Match(pat, ""); err != nil {
			return usagef("bad pattern %q: %v", pat, err)
		}
	}
	return nil
}

func (f *filters) match(e *flowEnd) bool {
	if f.failed && e.FlowStatus != "failed" {
		return false
	}
	if !f.sinceT.IsZero() && e.t.Before(f.sinceT) {
		return false
	}
	if f.minMs > 0 && e.TotalMs < f.minMs {
		return false
	}
	if f.route != "" && !globMatch(f.route, e.Route) && !globMatch(f.route, e.Method+" "+e.Route) {
		return false
	}
	if f.label != "" && !globMatch(f.label, flowLabel(e.FlowID)) && !globMatch(f.label, e.FlowID) {
		return false
	}
	if len(f.statuses) > 0 {
		ok := false
		for _, s := range f.statuses {
			switch {
			case s.flowStatus != "":
				ok = e.FlowStatus == s.flowStatus
			case s.class != 0:
				ok = e.HTTPStatus/100 == s.class
			default:
				ok = e.HTTPStatus == s.code
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func globMatch(pattern, s string) bool {
	if pattern == s {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

// readFlowEnds reads the flow_end records of the sources, in time order per
// group and merged across groups, and calls emit with each that passes
// keep.
func readFlowEnds(ctx context.Context, set *sourceSet, e env, rep *report, keep func(*flowEnd) bool, emit func(*flowEnd)) {
	groups := groupSources(splitSources(set.files))
	mergeGroups(groups, e.workers, func(src source, yield func(*flowEnd, int)) {
		scanSource(ctx, src, e.stdin, flowEndNeedle, rep, func(line []byte, unterminated bool) {
			var fe flowEnd
			if err := decodeFlowEnd(line, &fe, false); err != nil {
				if !(unterminated && src.active) {
					rep.badLine(src)
				}
				return
			}
			if fe.FlowType != "flow_end" {
				return
			}
			fe.t = parseTime(fe.Time)
			fe.folder = src.folder
			if keep(&fe) {
				yield(&fe, len(line))
			}
		})
	}, emit)
}

func cmdFlows(ctx context.Context, args []string, e env) error {
	var c common
	var f filters
	fs := newFlagSet("flows", "flows [flags] [source...]", e)
	c.register(fs)
	f.register(fs, true)
	asJSON := fs.Bool("json", false, "one JSON object a line, for scripts")
	last := fs.Int("n", 0, "only the last n flows (0: all)")
	set, color, err := prepareFlowEnds(fs, args, e, &c, &f)
	if err != nil {
		return err
	}
	out := newStyle(e.stdout, color)
	multi := len(groupSources(set.files)) > 1 && distinctFolderNames(set.files) > 1
	print := func(fe *flowEnd) {
		if *asJSON {
			b, _ := json.Marshal(jsonFlow(fe))
			out.write(append(jsonSafe(b), '\n'))
			return
		}
		writeFlowLine(out, fe, multi)
	}
	rep := newReport()
	n := 0
	if *last > 0 {
		ring := make([]*flowEnd, 0, *last)
		readFlowEnds(ctx, set, e, rep, f.match, func(fe *flowEnd) {
			if len(ring) == *last {
				copy(ring, ring[1:])
				ring = ring[:len(ring)-1]
			}
			ring = append(ring, fe)
			n++
		})
		for _, fe := range ring {
			print(fe)
		}
	} else {
		readFlowEnds(ctx, set, e, rep, f.match, func(fe *flowEnd) {
			print(fe)
			n++
		})
	}
	rep.write(e.stderr)
	if err := ctx.Err(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(e.stderr, "logcrest: no flow matched; looked in %s\n", set.describe())
	}
	return out.flush()
}

// distinctFolderNames counts the (folder, logger name) pairs read.
func distinctFolderNames(files []source) int {
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.folder+"\x00"+f.name] = true
	}
	return len(seen)
}

// flowJSON is a flow as flows --json writes it.
type flowJSON struct {
	Time       string  `json:"time"`
	Logger     string  `json:"logger,omitempty"`
	FlowID     string  `json:"flow_id"`
	TraceID    string  `json:"trace_id,omitempty"`
	Label      string  `json:"label,omitempty"`
	FlowStatus string  `json:"flow_status"`
	TotalMs    float64 `json:"total_ms"`
	Steps      int     `json:"steps"`
	Method     string  `json:"method,omitempty"`
	Path       string  `json:"path,omitempty"`
	Route      string  `json:"route,omitempty"`
	RequestID  string  `json:"request_id,omitempty"`
	HTTPStatus int     `json:"http_status,omitempty"`
	FailedAt   string  `json:"failed_at,omitempty"`
	Step       string  `json:"step,omitempty"`
	FlowError  string  `json:"flow_error,omitempty"`
	Folder     string  `json:"folder,omitempty"`
}

func jsonFlow(fe *flowEnd) flowJSON {
	return flowJSON{
		Time: fe.Time, Logger: fe.Logger, FlowID: fe.FlowID, TraceID: fe.TraceID, Label: flowLabel(fe.FlowID),
		FlowStatus: fe.FlowStatus, TotalMs: fe.TotalMs, Steps: fe.Steps, Method: fe.Method, Path: fe.Path,
		Route: fe.Route, RequestID: fe.RequestID, HTTPStatus: fe.HTTPStatus, FailedAt: fe.FailedAt,
		Step: fe.Step, FlowError: fe.FlowError, Folder: fe.folder,
	}
}

// writeFlowLine writes one flow:
//
//	2026-11-25T19:08:17.123Z  FAILED  502  POST /pay          3.10ms  1 step   pay-1-cf2dd4c4  charge_card 1/1: error: declined
func writeFlowLine(out *style, fe *flowEnd, multi bool) {
	ts := fe.Time
	if !fe.t.IsZero() {
		ts = fe.t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	var b strings.Builder
	b.WriteString(out.dim(clean(ts)))
	if multi {
		svc := fe.Logger
		if svc == "" {
			svc = fe.folder
		}
		b.WriteString("  " + out.paint(ansiService, padRight(clean(svc), 12)))
	}
	switch fe.FlowStatus {
	case "failed":
		b.WriteString("  " + out.paint(ansiFailed, "FAILED"))
	case "cancelled":
		b.WriteString("  " + out.paint(ansiRunning, "cancel"))
	default:
		b.WriteString("  " + out.paint(ansiOK, "ok    "))
	}
	code := "   "
	if fe.HTTPStatus != 0 {
		code = out.statusCode(fe.HTTPStatus)
		if n := len(strconv.Itoa(fe.HTTPStatus)); n < 3 {
			code += strings.Repeat(" ", 3-n)
		}
	}
	b.WriteString("  " + code)
	what := "flow " + clean(flowLabel(fe.FlowID))
	if fe.Method != "" {
		what = clean(fe.Method) + " " + clean(fe.Path)
	}
	b.WriteString("  " + padRight(what, 28))
	b.WriteString("  " + padLeft(fmtMs(fe.TotalMs), 8))
	b.WriteString("  " + padRight(fmt.Sprintf("%d %s", fe.Steps, plural(fe.Steps, "step", "steps")), 8))
	b.WriteString("  " + clean(fe.FlowID))
	if fe.FlowStatus == "failed" {
		var why []string
		if fe.FailedAt != "" {
			w := clean(fe.FailedAt)
			if fe.Step != "" && !strings.HasPrefix(fe.Step, "0/") {
				w += " " + clean(fe.Step)
			}
			why = append(why, w)
		}
		msg := strings.Join(why, " ")
		if fe.FlowError != "" {
			if msg != "" {
				msg += ": "
			}
			msg += clean(fe.FlowError)
		}
		if msg != "" {
			b.WriteString("  " + out.paint(ansiFailed, msg))
		}
	}
	b.WriteByte('\n')
	out.printf("%s", b.String())
}

func padRight(s string, n int) string {
	if w := len([]rune(s)); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

func padLeft(s string, n int) string {
	if w := len([]rune(s)); w < n {
		return strings.Repeat(" ", n-w) + s
	}
	return s
}

// prepareFlowEnds parses the arguments of a command that reads flow_end
// records (flows, stats), prepares its filters and finds its sources,
// printing their warnings; it reports whether to colour the output.
func prepareFlowEnds(fs *flag.FlagSet, args []string, e env, c *common, f *filters) (*sourceSet, bool, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, false, err
	}
	color, err := c.colorOn(e)
	if err != nil {
		return nil, false, err
	}
	if err := c.parseNow(e); err != nil {
		return nil, false, err
	}
	if err := f.prepare(c.nowT); err != nil {
		return nil, false, err
	}
	set, err := resolveSources(c, pos, e, []string{"flows"}, false)
	if err != nil {
		return nil, false, err
	}
	for _, w := range set.warnings {
		fmt.Fprintln(e.stderr, "logcrest:", w)
	}
	return set, color, nil
}
