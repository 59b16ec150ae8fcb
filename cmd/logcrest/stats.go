package main

// logcrest stats: per route (or flow label, for flows that are not
// requests) the count, the failure rate and the percentiles of total_ms.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// statGroup gathers the flows of one route or label.
type statGroup struct {
	key    string
	count  int
	failed int
	ms     []float64
	first  time.Time
	last   time.Time
}

// statsJSON is one group as stats --json writes it.
type statsJSON struct {
	Key      string  `json:"key"`
	Count    int     `json:"count"`
	Failed   int     `json:"failed"`
	FailRate float64 `json:"fail_rate"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
}

// groupKey is what stats groups a flow by: "GET /orders/{id}" for a
// request, "GET (no route)" for one no route matched, "flow checkout" for
// any other flow.
func groupKey(fe *flowEnd) string {
	switch {
	case fe.Route != "":
		return clean(fe.Method) + " " + clean(fe.Route)
	case fe.Method != "":
		return clean(fe.Method) + " (no route)"
	}
	l := flowLabel(fe.FlowID)
	if l == "" {
		return "flow (no label)"
	}
	return "flow " + clean(l)
}

func (g *statGroup) add(fe *flowEnd) {
	g.count++
	if fe.FlowStatus == "failed" {
		g.failed++
	}
	g.ms = append(g.ms, fe.TotalMs)
	if !fe.t.IsZero() {
		if g.first.IsZero() || fe.t.Before(g.first) {
			g.first = fe.t
		}
		if fe.t.After(g.last) {
			g.last = fe.t
		}
	}
}

func (g *statGroup) merge(o *statGroup) {
	g.count += o.count
	g.failed += o.failed
	g.ms = append(g.ms, o.ms...)
	if !o.first.IsZero() && (g.first.IsZero() || o.first.Before(g.first)) {
		g.first = o.first
	}
	if o.last.After(g.last) {
		g.last = o.last
	}
}

// percentile returns the nearest-rank p-th percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (g *statGroup) summary() statsJSON {
	slices.Sort(g.ms)
	s := statsJSON{Key: g.key, Count: g.count, Failed: g.failed}
	if g.count > 0 {
		s.FailRate = math.Round(float64(g.failed)/float64(g.count)*10000) / 10000
		s.P50, s.P95, s.P99 = percentile(g.ms, 50), percentile(g.ms, 95), percentile(g.ms, 99)
		s.Max = g.ms[len(g.ms)-1]
	}
	return s
}

func cmdStats(ctx context.Context, args []string, e env) error {
	var c common
	var f filters
	fs := newFlagSet("stats", "stats [flags] [source...]", e)
	c.register(fs)
	f.register(fs, false)
	asJSON := fs.Bool("json", false, "one JSON object, for scripts")
	set, color, err := prepareFlowEnds(fs, args, e, &c, &f)
	if err != nil {
		return err
	}
	rep := newReport()
	groups := map[string]*statGroup{}
	all := &statGroup{key: "all"}
	// Each file is summed up on its own, then merged: memory holds one
	// number per flow, not the flows.
	var mu sync.Mutex
	forEach(splitSources(set.files), e.workers, func(_ int, src source) {
		local := map[string]*statGroup{}
		scanSource(ctx, src, e.stdin, flowEndNeedle, rep, func(line []byte, unterminated bool) {
			var fe flowEnd
			if err := decodeFlowEnd(line, &fe, true); err != nil {
				if !(unterminated && src.active) {
					rep.badLine(src)
				}
				return
			}
			if fe.FlowType != "flow_end" {
				return
			}
			fe.t = parseTime(fe.Time)
			if !f.match(&fe) {
				return
			}
			k := groupKey(&fe)
			g := local[k]
			if g == nil {
				g = &statGroup{key: k}
				local[k] = g
			}
			g.add(&fe)
		})
		mu.Lock()
		defer mu.Unlock()
		for k, g := range local {
			if groups[k] == nil {
				groups[k] = &statGroup{key: k}
			}
			groups[k].merge(g)
			all.merge(g)
		}
	})
	rep.write(e.stderr)
	if err := ctx.Err(); err != nil {
		return err
	}
	list := make([]*statGroup, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *statGroup) int {
		if a.count != b.count {
			return cmp.Compare(b.count, a.count)
		}
		return cmp.Compare(a.key, b.key)
	})
	out := newStyle(e.stdout, color)
	if *asJSON {
		doc := struct {
			Since  string      `json:"since,omitempty"`
			From   string      `json:"from,omitempty"`
			To     string      `json:"to,omitempty"`
			Groups []statsJSON `json:"groups"`
			All    statsJSON   `json:"all"`
		}{Groups: []statsJSON{}}
		if !f.sinceT.IsZero() {
			doc.Since = f.sinceT.UTC().Format(time.RFC3339Nano)
		}
		if !all.first.IsZero() {
			doc.From, doc.To = all.first.UTC().Format(time.RFC3339Nano), all.last.UTC().Format(time.RFC3339Nano)
		}
		for _, g := range list {
			doc.Groups = append(doc.Groups, g.summary())
		}
		doc.All = all.summary()
		b, _ := json.MarshalIndent(doc, "", "  ")
		out.write(append(jsonSafe(b), '\n'))
		return out.flush()
	}
	if all.count == 0 {
		fmt.Fprintf(e.stderr, "logcrest: no flow matched; looked in %s\n", set.describe())
		return out.flush()
	}
	keyW := len("route / flow")
	for _, g := range list {
		keyW = max(keyW, len([]rune(g.key)))
	}
	keyW = min(keyW, 48)
	window := fmt.Sprintf("%d %s, %s to %s", all.count, plural(all.count, "flow", "flows"),
		all.first.UTC().Format("2006-01-02T15:04:05.000Z"), all.last.UTC().Format("2006-01-02T15:04:05.000Z"))
	if !f.sinceT.IsZero() {
		window += " (since " + f.sinceT.UTC().Format("2006-01-02T15:04:05Z") + ")"
	}
	out.printf("%s\n", out.dim(window))
	out.printf("%s\n", out.bold(fmt.Sprintf("%s  %6s  %6s  %6s  %8s  %8s  %8s  %8s",
		padRight("route / flow", keyW), "count", "failed", "fail%", "p50", "p95", "p99", "max")))
	row := func(g *statGroup, bold bool) {
		s := g.summary()
		key := s.Key
		if len([]rune(key)) > keyW {
			key = string([]rune(key)[:keyW-1]) + "…"
		}
		rate := fmt.Sprintf("%5.1f%%", s.FailRate*100)
		if s.Failed > 0 {
			rate = out.paint(ansiFailed, rate)
		}
		line := fmt.Sprintf("%s  %6d  %6d  %s  %8s  %8s  %8s  %8s", padRight(key, keyW), s.Count, s.Failed, padLeft(rate, 6),
			fmtMs(s.P50), fmtMs(s.P95), fmtMs(s.P99), fmtMs(s.Max))
		if bold {
			line = out.bold(line)
		}
		out.printf("%s\n", strings.TrimRight(line, " "))
	}
	for _, g := range list {
		row(g, false)
	}
	if len(list) > 1 {
		row(all, true)
	}
	return out.flush()
}
