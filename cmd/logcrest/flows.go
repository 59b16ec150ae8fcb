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

	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
	"github.com/logcrest/logcrest/internal/schema"
)

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
		case s == schema.FlowFailed || s == schema.FlowSuccess || s == schema.FlowCancelled:
			f.statuses = append(f.statuses, statusMatch{flowStatus: s})
		case s == "ok":
			f.statuses = append(f.statuses, statusMatch{flowStatus: schema.FlowSuccess})
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

func (f *filters) match(e *logread.FlowEnd) bool {
	if f.failed && e.FlowStatus != schema.FlowFailed {
		return false
	}
	if !f.sinceT.IsZero() && e.At.Before(f.sinceT) {
		return false
	}
	if f.minMs > 0 && e.TotalMs < f.minMs {
		return false
	}
	if f.route != "" && !globMatch(f.route, e.Route) && !globMatch(f.route, e.Method+" "+e.Route) && !globMatch(f.route, e.RPCSystem+" "+e.Route) {
		return false
	}
	if f.label != "" && !globMatch(f.label, logread.FlowLabel(e.FlowID)) && !globMatch(f.label, e.FlowID) {
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
	multi := len(logread.GroupSources(set.Files)) > 1 && distinctFolderNames(set.Files) > 1
	print := func(fe *logread.FlowEnd) {
		if *asJSON {
			b, _ := json.Marshal(jsonFlow(fe))
			out.write(append(jsonSafe(b), '\n'))
			return
		}
		writeFlowLine(out, fe, multi)
	}
	rep := logread.NewReport()
	n := 0
	if *last > 0 {
		ring := make([]*logread.FlowEnd, 0, *last)
		logread.ReadFlowEnds(ctx, logread.SplitSources(set.Files, partSize), e.workers, e.stdin, rep, f.match, func(fe *logread.FlowEnd) {
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
		logread.ReadFlowEnds(ctx, logread.SplitSources(set.Files, partSize), e.workers, e.stdin, rep, f.match, func(fe *logread.FlowEnd) {
			print(fe)
			n++
		})
	}
	rep.Write(e.stderr)
	if err := ctx.Err(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(e.stderr, "logcrest: no flow matched; looked in %s\n", set.Describe())
	}
	return out.flush()
}

// distinctFolderNames counts the (folder, logger name) pairs read.
func distinctFolderNames(files []logread.Source) int {
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Folder+"\x00"+f.Name] = true
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
	RPCSystem  string  `json:"rpc_system,omitempty"`
	RequestID  string  `json:"request_id,omitempty"`
	HTTPStatus int     `json:"http_status,omitempty"`
	FailedAt   string  `json:"failed_at,omitempty"`
	Step       string  `json:"step,omitempty"`
	FlowError  string  `json:"flow_error,omitempty"`
	Folder     string  `json:"folder,omitempty"`

	Detail          string `json:"detail,omitempty"`
	BufferedRecords int    `json:"buffered_records,omitempty"`
	BufferedEvicted int    `json:"buffered_evicted,omitempty"`
	SampleRate      int    `json:"sample_rate,omitempty"`
}

func jsonFlow(fe *logread.FlowEnd) flowJSON {
	return flowJSON{
		Time: fe.Time, Logger: fe.Logger, FlowID: fe.FlowID, TraceID: fe.TraceID, Label: logread.FlowLabel(fe.FlowID),
		FlowStatus: fe.FlowStatus, TotalMs: fe.TotalMs, Steps: fe.Steps, Method: fe.Method, Path: fe.Path,
		Route: fe.Route, RPCSystem: fe.RPCSystem, RequestID: fe.RequestID, HTTPStatus: fe.HTTPStatus, FailedAt: fe.FailedAt,
		Step: fe.Step, FlowError: fe.FlowError, Folder: fe.Folder,
		Detail: fe.Detail, BufferedRecords: fe.BufferedRecords, BufferedEvicted: fe.BufferedEvicted, SampleRate: fe.SampleRate,
	}
}

// writeFlowLine writes one flow:
//
//	2026-11-25T19:08:17.123Z  FAILED  502  POST /pay          3.10ms  1 step   pay-1-cf2dd4c4  charge_card 1/1: error: declined
//
// A flow kept by sampling says so after its ID ("sampled 1 in 4").
func writeFlowLine(out *style, fe *logread.FlowEnd, multi bool) {
	ts := fe.Time
	if !fe.At.IsZero() {
		ts = fe.At.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	var b strings.Builder
	b.WriteString(out.dim(logread.Clean(ts)))
	if multi {
		svc := fe.Logger
		if svc == "" {
			svc = fe.Folder
		}
		b.WriteString("  " + out.paint(ansiService, padRight(logread.Clean(svc), 12)))
	}
	switch fe.FlowStatus {
	case schema.FlowFailed:
		b.WriteString("  " + out.paint(ansiFailed, "FAILED"))
	case schema.FlowCancelled:
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
	what := fe.Name()
	if fe.Method != "" {
		what = logread.Clean(fe.Method) + " " + logread.Clean(fe.Path)
	}
	b.WriteString("  " + padRight(what, 28))
	b.WriteString("  " + padLeft(fmtMs(fe.TotalMs), 8))
	b.WriteString("  " + padRight(fmt.Sprintf("%d %s", fe.Steps, logread.Plural(fe.Steps, "step", "steps")), 8))
	b.WriteString("  " + logread.Clean(fe.FlowID))
	if fe.SampleRate > 1 {
		b.WriteString("  " + out.dim(fmt.Sprintf("sampled 1 in %d", fe.SampleRate)))
	}
	if fe.FlowStatus == schema.FlowFailed {
		var why []string
		if fe.FailedAt != "" {
			w := logread.Clean(fe.FailedAt)
			if fe.Step != "" && !strings.HasPrefix(fe.Step, "0/") {
				w += " " + logread.Clean(fe.Step)
			}
			why = append(why, w)
		}
		msg := strings.Join(why, " ")
		if fe.FlowError != "" {
			if msg != "" {
				msg += ": "
			}
			msg += logread.Clean(fe.FlowError)
		}
		if msg != "" {
			b.WriteString("  " + out.paint(ansiFailed, msg))
		}
	}
	b.WriteByte('\n')
	out.printf("%s", b.String())
}

// prepareFlowEnds parses the arguments of a command that reads flow_end
// records (flows, stats), prepares its filters and finds its sources,
// printing their warnings; it reports whether to colour the output.
func prepareFlowEnds(fs *flag.FlagSet, args []string, e env, c *common, f *filters) (*logread.Set, bool, error) {
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
	set, err := c.sources(e, pos, []string{schema.StreamFlows}, false)
	if err != nil {
		return nil, false, err
	}
	return set, color, nil
}

// parseSince reads --since: a duration back from now (15m, 2h, 3d) or a
// time (RFC 3339, or a date).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 {
			return now.Add(-time.Duration(n * float64(24*time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--since %q: want a duration (15m, 2h, 3d) or a time (RFC 3339)", s)
}
