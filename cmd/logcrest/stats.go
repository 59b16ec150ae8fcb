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
	"sync/atomic"
	"time"

	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
	"github.com/logcrest/logcrest/internal/schema"
)

// Bounds on what stats holds, whatever the files hold: a group keeps its
// first statsExact durations as they are, and past that counts them in
// a histogram of buckets 2 % wide (a percentile is then within 1 % of the
// exact one; the max stays exact); at most statsMaxGroups routes or labels
// are told apart, the flows of any other are counted under otherGroups.
const (
	statsExact     = 1024
	statsMaxGroups = 1000
	otherGroups    = "(other routes and labels)"
)

// The histogram's buckets: 0 holds durations under histMin ms; bucket i
// (1..histBuckets-1) those in [histMin·histGrowth^(i-1), histMin·histGrowth^i).
const (
	histMin     = 0.001 // 1 µs
	histGrowth  = 1.02
	histBuckets = 1400 // up to 1e-3·1.02^1399 ms, about 11 days
)

var logHistGrowth = math.Log(histGrowth)

func histBucket(ms float64) int {
	if !(ms >= histMin) { // NaN too
		return 0
	}
	return min(1+int(math.Log(ms/histMin)/logHistGrowth), histBuckets-1)
}

// histValue is the value a bucket stands for: the geometric middle of
// its bounds.
func histValue(i int) float64 {
	if i == 0 {
		return 0
	}
	return histMin * math.Pow(histGrowth, float64(i)-0.5)
}

// statGroup gathers the flows of one route or label.
type statGroup struct {
	key    string
	count  int
	failed int
	ms     []float64 // exact, while there are at most statsExact
	hist   []uint32  // past that: counts by histBucket
	max    float64
	first  time.Time
	last   time.Time
}

// addMs counts one duration.
func (g *statGroup) addMs(ms float64) {
	if g.count == 1 || ms > g.max {
		g.max = ms
	}
	if g.hist == nil && len(g.ms) < statsExact {
		g.ms = append(g.ms, ms)
		return
	}
	if g.hist == nil {
		g.hist = make([]uint32, histBuckets)
		for _, v := range g.ms {
			g.hist[histBucket(v)]++
		}
		g.ms = nil
	}
	g.hist[histBucket(ms)]++
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
func groupKey(fe *logread.FlowEnd) string {
	switch {
	case fe.Route != "":
		return logread.Clean(fe.Method) + " " + logread.Clean(fe.Route)
	case fe.Method != "":
		return logread.Clean(fe.Method) + " (no route)"
	}
	l := logread.FlowLabel(fe.FlowID)
	if l == "" {
		return "flow (no label)"
	}
	return "flow " + logread.Clean(l)
}

func (g *statGroup) add(fe *logread.FlowEnd) {
	g.count++
	if fe.FlowStatus == schema.FlowFailed {
		g.failed++
	}
	g.addMs(fe.TotalMs)
	if !fe.At.IsZero() {
		if g.first.IsZero() || fe.At.Before(g.first) {
			g.first = fe.At
		}
		if fe.At.After(g.last) {
			g.last = fe.At
		}
	}
}

func (g *statGroup) merge(o *statGroup) {
	if o.count == 0 {
		return
	}
	if g.count == 0 || o.max > g.max {
		g.max = o.max
	}
	g.count += o.count
	g.failed += o.failed
	switch {
	case o.hist == nil && g.hist == nil && len(g.ms)+len(o.ms) <= statsExact:
		g.ms = append(g.ms, o.ms...)
	default:
		if g.hist == nil {
			g.hist = make([]uint32, histBuckets)
			for _, v := range g.ms {
				g.hist[histBucket(v)]++
			}
			g.ms = nil
		}
		for _, v := range o.ms {
			g.hist[histBucket(v)]++
		}
		for i, n := range o.hist {
			g.hist[i] += n
		}
	}
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

// histPercentile returns the nearest-rank p-th percentile of the n
// durations counted in hist, as its bucket's value, at most hi (the max).
func histPercentile(hist []uint32, n int, p, hi float64) float64 {
	rank := min(max(int(math.Ceil(p/100*float64(n))), 1), n)
	seen := 0
	for i, c := range hist {
		if seen += int(c); seen >= rank {
			return math.Min(histValue(i), hi)
		}
	}
	return hi
}

func (g *statGroup) summary() statsJSON {
	s := statsJSON{Key: g.key, Count: g.count, Failed: g.failed}
	if g.count == 0 {
		return s
	}
	s.FailRate = math.Round(float64(g.failed)/float64(g.count)*10000) / 10000
	if g.hist == nil {
		slices.Sort(g.ms)
		s.P50, s.P95, s.P99 = percentile(g.ms, 50), percentile(g.ms, 95), percentile(g.ms, 99)
		s.Max = g.ms[len(g.ms)-1]
		return s
	}
	s.P50 = histPercentile(g.hist, g.count, 50, g.max)
	s.P95 = histPercentile(g.hist, g.count, 95, g.max)
	s.P99 = histPercentile(g.hist, g.count, 99, g.max)
	s.Max = g.max
	return s
}

// groupFor returns the group of key in groups, counting it under
// otherGroups when there are statsMaxGroups already, and reports whether
// it did.
func groupFor(groups map[string]*statGroup, key string) (*statGroup, bool) {
	g := groups[key]
	if g != nil {
		return g, false
	}
	other := false
	if n := len(groups); n >= statsMaxGroups && (n > statsMaxGroups || groups[otherGroups] == nil) {
		key, other = otherGroups, true
		if g = groups[key]; g != nil {
			return g, true
		}
	}
	g = &statGroup{key: key}
	groups[key] = g
	return g, other
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
	rep := logread.NewReport()
	groups, all, overflow := sumStats(ctx, set, e, &f, rep)
	rep.Write(e.stderr)
	if overflow {
		fmt.Fprintf(e.stderr, "logcrest: warning: more than %d routes and labels: the flows of the others are counted under %q\n", statsMaxGroups, otherGroups)
	}
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
		writeStatsJSON(out, &f, list, all)
		return out.flush()
	}
	if all.count == 0 {
		fmt.Fprintf(e.stderr, "logcrest: no flow matched; looked in %s\n", set.Describe())
		return out.flush()
	}
	writeStatsTable(out, &f, list, all)
	return out.flush()
}

// sumStats reads the flow_end records that pass f and sums them up by
// route or label, and all together; overflow says whether some were
// counted under otherGroups. Each file is summed up on its own, then
// merged: memory holds one number per flow, not the flows.
func sumStats(ctx context.Context, set *logread.Set, e env, f *filters, rep *logread.Report) (groups map[string]*statGroup, all *statGroup, overflow bool) {
	groups = map[string]*statGroup{}
	all = &statGroup{key: "all"}
	var mu sync.Mutex
	var over atomic.Bool
	logread.ForEach(logread.SplitSources(set.Files, partSize), e.workers, func(_ int, src logread.Source) {
		local := sumFile(ctx, src, e, f, rep, &over)
		// The biggest groups first: past statsMaxGroups, the smallest are
		// the ones counted together.
		keys := make([]string, 0, len(local))
		for k := range local {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			if c := cmp.Compare(local[b].count, local[a].count); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		mu.Lock()
		defer mu.Unlock()
		for _, k := range keys {
			g := local[k]
			into, other := groupFor(groups, k)
			if other {
				over.Store(true)
			}
			into.merge(g)
			all.merge(g)
		}
	})
	return groups, all, over.Load()
}

// sumFile sums up the flow_end records of one source that pass f, by
// group; it sets overflow when some were counted under otherGroups.
func sumFile(ctx context.Context, src logread.Source, e env, f *filters, rep *logread.Report, overflow *atomic.Bool) map[string]*statGroup {
	local := map[string]*statGroup{}
	logread.ScanSource(ctx, src, e.stdin, logread.FlowEndNeedle, rep, func(line []byte, unterminated bool) {
		var fe logread.FlowEnd
		if err := logread.DecodeFlowEnd(line, &fe, true); err != nil {
			if !(unterminated && src.Active) {
				rep.BadLine(src)
			}
			return
		}
		if fe.FlowType != schema.FlowEnd {
			return
		}
		fe.At = logread.ParseTime(fe.Time)
		if !f.match(&fe) {
			return
		}
		g, other := groupFor(local, groupKey(&fe))
		if other {
			overflow.Store(true)
		}
		g.add(&fe)
	})
	return local
}

// writeStatsJSON writes stats --json: one object with the window and the
// summary of each group and of all.
func writeStatsJSON(out *style, f *filters, list []*statGroup, all *statGroup) {
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
}

// writeStatsTable writes the stats table: the window, a header, a row a
// group, and the total when there is more than one group.
func writeStatsTable(out *style, f *filters, list []*statGroup, all *statGroup) {
	keyW := len("route / flow")
	for _, g := range list {
		keyW = max(keyW, len([]rune(g.key)))
	}
	keyW = min(keyW, 48)
	window := fmt.Sprintf("%d %s, %s to %s", all.count, logread.Plural(all.count, "flow", "flows"),
		all.first.UTC().Format("2006-01-02T15:04:05.000Z"), all.last.UTC().Format("2006-01-02T15:04:05.000Z"))
	if !f.sinceT.IsZero() {
		window += " (since " + f.sinceT.UTC().Format("2006-01-02T15:04:05Z") + ")"
	}
	out.printf("%s\n", out.dim(window))
	out.printf("%s\n", out.bold(fmt.Sprintf("%s  %6s  %6s  %6s  %8s  %8s  %8s  %8s",
		padRight("route / flow", keyW), "count", "failed", "fail%", "p50", "p95", "p99", "max")))
	for _, g := range list {
		writeStatsRow(out, g, keyW, false)
	}
	if len(list) > 1 {
		writeStatsRow(out, all, keyW, true)
	}
}

// writeStatsRow writes one group's row, its key cut to keyW columns.
func writeStatsRow(out *style, g *statGroup, keyW int, bold bool) {
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
