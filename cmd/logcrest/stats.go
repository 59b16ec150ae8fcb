package main

// logcrest stats: per route (or flow label, for flows that are not
// requests) the count, the failure rate and the percentiles of total_ms.
// A flow_end kept by sampling 1 in N routine flows ("sample_rate":N)
// stands for N flows: counts, rates and percentiles are weighted by it,
// and the output says so.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
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
	key     string
	count   int      // flows, each flow_end counted by its weight (sample_rate)
	kept    int      // flow_end records read
	sampled bool     // some had a sample_rate: count is weighted
	failed  int      // failed flows (never sampled: weight 1)
	ms      []wms    // exact, while there are at most statsExact
	hist    []uint64 // past that: weights by histBucket
	max     float64
	first   time.Time
	last    time.Time
}

// wms is one flow's total_ms and the number of flows it stands for.
type wms struct {
	ms float64
	w  int
}

// addMs counts one duration of weight w.
func (g *statGroup) addMs(ms float64, w int) {
	if g.kept == 1 || ms > g.max {
		g.max = ms
	}
	if g.hist == nil && len(g.ms) < statsExact {
		g.ms = append(g.ms, wms{ms, w})
		return
	}
	g.toHist()
	g.hist[histBucket(ms)] += uint64(w)
}

// toHist moves the exact durations into the histogram, once.
func (g *statGroup) toHist() {
	if g.hist != nil {
		return
	}
	g.hist = make([]uint64, histBuckets)
	for _, v := range g.ms {
		g.hist[histBucket(v.ms)] += uint64(v.w)
	}
	g.ms = nil
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
	// When some flows were kept by sampling: count, failed and the
	// percentiles are weighted by sample_rate, Sampled is true and
	// FlowEnds is how many flow_end records were read.
	Sampled  bool `json:"sampled,omitempty"`
	FlowEnds int  `json:"flow_ends,omitempty"`
}

// groupKey is what stats groups a flow by: its name (FlowEnd.Name).
func groupKey(fe *logread.FlowEnd) string { return fe.Name() }

func (g *statGroup) add(fe *logread.FlowEnd) {
	w := fe.Weight()
	g.count += w
	g.kept++
	g.sampled = g.sampled || w > 1
	if fe.FlowStatus == schema.FlowFailed {
		g.failed += w
	}
	g.addMs(fe.TotalMs, w)
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
	if o.kept == 0 {
		return
	}
	if g.kept == 0 || o.max > g.max {
		g.max = o.max
	}
	g.count += o.count
	g.kept += o.kept
	g.sampled = g.sampled || o.sampled
	g.failed += o.failed
	switch {
	case o.hist == nil && g.hist == nil && len(g.ms)+len(o.ms) <= statsExact:
		g.ms = append(g.ms, o.ms...)
	default:
		g.toHist()
		for _, v := range o.ms {
			g.hist[histBucket(v.ms)] += uint64(v.w)
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

// rank is the nearest rank of the p-th percentile of n flows (1..n).
func rank(p float64, n int) int {
	return min(max(int(math.Ceil(p/100*float64(n))), 1), n)
}

// percentile returns the nearest-rank p-th percentile of the n flows
// sorted stands for, each value counted as many times as its weight.
func percentile(sorted []wms, n int, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	r, seen := rank(p, n), 0
	for _, v := range sorted {
		if seen += v.w; seen >= r {
			return v.ms
		}
	}
	return sorted[len(sorted)-1].ms
}

// histPercentile returns the nearest-rank p-th percentile of the n
// durations counted in hist, as its bucket's value, at most hi (the max).
func histPercentile(hist []uint64, n int, p, hi float64) float64 {
	r := uint64(rank(p, n))
	var seen uint64
	for i, c := range hist {
		if seen += c; seen >= r {
			return math.Min(histValue(i), hi)
		}
	}
	return hi
}

func (g *statGroup) summary() statsJSON {
	s := statsJSON{Key: g.key, Count: g.count, Failed: g.failed}
	if g.sampled {
		s.Sampled, s.FlowEnds = true, g.kept
	}
	if g.count == 0 {
		return s
	}
	s.FailRate = math.Round(float64(g.failed)/float64(g.count)*10000) / 10000
	if g.hist == nil {
		slices.SortFunc(g.ms, func(a, b wms) int { return cmp.Compare(a.ms, b.ms) })
		s.P50, s.P95, s.P99 = percentile(g.ms, g.count, 50), percentile(g.ms, g.count, 95), percentile(g.ms, g.count, 99)
		s.Max = g.ms[len(g.ms)-1].ms
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
	window := fmt.Sprintf("%s %s, %s to %s", approx(all, all.count), logread.Plural(all.count, "flow", "flows"),
		all.first.UTC().Format("2006-01-02T15:04:05.000Z"), all.last.UTC().Format("2006-01-02T15:04:05.000Z"))
	if all.sampled {
		window += fmt.Sprintf(" (from %d flow_end %s)", all.kept, logread.Plural(all.kept, "record", "records"))
	}
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
	if all.sampled {
		out.printf("%s\n", out.dim("≈ sampled: routine flows were kept 1 in sample_rate; each kept one is counted sample_rate times, in the counts, fail% and percentiles (failed and slow flows are never sampled)"))
	}
}

// approx writes n, a count of g, with "≈" before it when g is weighted
// by sampling.
func approx(g *statGroup, n int) string {
	if g.sampled {
		return "≈" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
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
	line := fmt.Sprintf("%s  %s  %6d  %s  %8s  %8s  %8s  %8s", padRight(key, keyW), padLeft(approx(g, s.Count), 6), s.Failed, padLeft(rate, 6),
		fmtMs(s.P50), fmtMs(s.P95), fmtMs(s.P99), fmtMs(s.Max))
	if bold {
		line = out.bold(line)
	}
	out.printf("%s\n", strings.TrimRight(line, " "))
}
