package main

// The waterfall: one row per flow and per step, each bar placed by its
// start and sized by its length on one time axis shared by every flow
// shown, nested steps (and flows called from a step of another service)
// indented under their parent.

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
	"github.com/logcrest/logcrest/internal/schema"
)

// wfRow is one row of the waterfall.
type wfRow struct {
	depth  int
	num    string // the step's place in its flow's timeline; "" for a flow
	label  string
	at, ms float64 // on the shared axis, in ms
	flow   bool    // the row of a flow itself
	status string  // ok, error, running; for a flow: success, failed, or ""
	failed bool    // the step its flow failed at
}

// wfNode is a row before it is laid out: a flow is (fi, -1), a step
// (fi, si).
type wfNode struct{ fi, si int }

// wfLayout is the waterfall of some flows being laid out.
type wfLayout struct {
	flows    []*flowView
	multi    bool
	offset   []float64 // each flow's start on the shared axis, in ms
	children map[wfNode][]wfNode
	seen     map[wfNode]bool
	rows     []wfRow
}

// waterfallRows lays out the rows of every flow on one axis: flows in
// start order, each followed by its steps as a tree; a flow whose parent
// span is a step (or the flow) of another flow shown goes under it.
func waterfallRows(flows []*flowView, multi bool) ([]wfRow, float64) {
	l := &wfLayout{flows: flows, multi: multi, children: map[wfNode][]wfNode{}, seen: map[wfNode]bool{}}
	total := l.place()
	roots := l.tree()
	l.order(roots)
	for _, r := range roots {
		l.walk(r, 0)
	}
	// Anything left out by a cycle still gets a row.
	for fi, f := range flows {
		for si := -1; si < len(f.steps); si++ {
			if !l.seen[wfNode{fi, si}] {
				l.walk(wfNode{fi, si}, 0)
			}
		}
	}
	return l.rows, total
}

// place sets each flow's offset from the earliest start and returns the
// length of the axis.
func (l *wfLayout) place() float64 {
	var origin time.Time
	for _, f := range l.flows {
		if !f.origin.IsZero() && (origin.IsZero() || f.origin.Before(origin)) {
			origin = f.origin
		}
	}
	l.offset = make([]float64, len(l.flows))
	total := 0.0
	for i, f := range l.flows {
		if !f.origin.IsZero() {
			l.offset[i] = ms(f.origin.Sub(origin))
		}
		total = math.Max(total, l.offset[i]+f.total)
		for _, s := range f.steps {
			total = math.Max(total, l.offset[i]+s.at+s.ms)
		}
	}
	return total
}

// start is where a node starts on the axis.
func (l *wfLayout) start(n wfNode) float64 {
	if n.si < 0 {
		return l.offset[n.fi]
	}
	return l.offset[n.fi] + l.flows[n.fi].steps[n.si].at
}

// tree links every node to its parent and returns the roots.
func (l *wfLayout) tree() []wfNode {
	var roots []wfNode
	for fi, f := range l.flows {
		if parent, ok := l.caller(fi); ok {
			l.children[parent] = append(l.children[parent], wfNode{fi, -1})
		} else {
			roots = append(roots, wfNode{fi, -1})
		}
		for si, s := range f.steps {
			p := wfNode{fi, -1}
			if s.parent >= 0 && s.parent < len(f.steps) && s.parent != si {
				p = wfNode{fi, s.parent}
			}
			l.children[p] = append(l.children[p], wfNode{fi, si})
		}
	}
	return roots
}

// caller finds the node of another flow shown whose span is flow fi's
// parent span: the step (or flow) of another service that called it.
func (l *wfLayout) caller(fi int) (wfNode, bool) {
	f := l.flows[fi]
	if f.parentSpan == "" {
		return wfNode{}, false
	}
	for gi, g := range l.flows {
		if gi == fi {
			continue
		}
		if si, ok := g.spanIndex[f.parentSpan]; ok {
			return wfNode{gi, si}, true
		}
		if g.spanID == f.parentSpan {
			return wfNode{gi, -1}, true
		}
	}
	return wfNode{}, false
}

// order sorts nodes by start, then flow, then place in the timeline.
func (l *wfLayout) order(ns []wfNode) {
	slices.SortStableFunc(ns, func(a, b wfNode) int {
		if c := cmp.Compare(l.start(a), l.start(b)); c != 0 {
			return c
		}
		if a.fi != b.fi {
			return cmp.Compare(a.fi, b.fi)
		}
		return cmp.Compare(a.si, b.si)
	})
}

// walk adds the row of n and, under it, its children's, depth first.
func (l *wfLayout) walk(n wfNode, depth int) {
	if l.seen[n] {
		return // a cycle in hostile parent references
	}
	l.seen[n] = true
	f := l.flows[n.fi]
	if n.si < 0 {
		r := wfRow{depth: depth, label: f.title(l.multi), at: l.offset[n.fi], ms: f.total, flow: true}
		if f.end != nil {
			r.status = f.end.rec.FlowStatus
		}
		l.rows = append(l.rows, r)
	} else {
		s := f.steps[n.si]
		l.rows = append(l.rows, wfRow{depth: depth, num: strconv.Itoa(n.si + 1), label: logread.Clean(s.fn),
			at: l.offset[n.fi] + s.at, ms: s.ms, status: s.status, failed: s.failed})
	}
	kids := l.children[n]
	l.order(kids)
	for _, k := range kids {
		l.walk(k, depth+1)
	}
}

const (
	maxLabelWidth = 36
	minBarWidth   = 10
)

// writeWaterfall draws rows on an axis from 0 to total ms, in width
// columns: the step's place in its flow's timeline, ✗ for a failed step,
// the name (indented by nesting), the length, then the bar (▓ a flow, █ a
// step, ░ a step still running):
//
//	                          0ms     2.33ms     4.65ms     6.98ms   9.30ms
//	                          ├──────────┼──────────┼──────────┼─────────┤
//	  ✗ refund        9.30ms  ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓
//	1     load_order  3.10ms   ███████████████
//	2 ✗   charge_back 5.20ms                  ███████████████████████  ← failed here
func writeWaterfall(out *style, rows []wfRow, total float64, width int) {
	numW, labelW, msW := 1, 4, 2
	for _, r := range rows {
		numW = max(numW, len(r.num))
		labelW = max(labelW, 2*r.depth+utf8.RuneCountInString(r.label))
		msW = max(msW, len(fmtMs(r.ms)))
	}
	labelW = min(labelW, maxLabelWidth)
	left := numW + 3 + labelW + 1 + msW + 2 // "#  ✗ label ms  "
	right := 1
	if slices.ContainsFunc(rows, func(r wfRow) bool { return r.failed }) {
		right += utf8.RuneCountInString(" " + failedHere)
	}
	barW := max(width-left-right, minBarWidth)

	pad := strings.Repeat(" ", left)
	out.printf("%s%s\n", pad, out.dim(axisLabels(total, barW)))
	out.printf("%s%s\n", pad, out.dim(ruler(barW)))
	for _, r := range rows {
		label := strings.Repeat("  ", r.depth) + r.label
		if n := utf8.RuneCountInString(label); n > labelW {
			label = string([]rune(label)[:labelW-1]) + "…"
		} else {
			label += strings.Repeat(" ", labelW-n)
		}
		mark := " "
		switch {
		case r.status == schema.StepError || r.status == schema.FlowFailed:
			mark = out.paint(ansiFailed, "✗")
			label = out.paint(ansiFailed, label)
		case r.status == schema.StepRunning:
			mark = out.paint(ansiRunning, "…")
		case r.flow:
			label = out.bold(label)
		}
		msText := fmtMs(r.ms)
		msText = strings.Repeat(" ", msW-len(msText)) + msText
		out.printf("%*s %s %s %s  %s", numW, r.num, mark, label, msText, bar(out, r, total, barW))
		if r.failed {
			out.printf("%s %s", strings.Repeat(" ", barW-barEnd(r, total, barW)), out.paint(ansiFailed, failedHere))
		}
		out.nl()
	}
}

const failedHere = "← failed here"

// barEnd is the column after the last cell of a row's bar.
func barEnd(r wfRow, total float64, barW int) int {
	_, e := barCells(r, total, barW)
	return e
}

// barCells returns the first cell of a row's bar and the one after its
// last: placed by its start, sized by its length, at least one cell.
func barCells(r wfRow, total float64, barW int) (int, int) {
	if total <= 0 {
		total = 1
	}
	scale := float64(barW) / total
	s := int(math.Floor(r.at * scale))
	e := int(math.Ceil((r.at+r.ms)*scale - 1e-9))
	s = min(max(s, 0), barW-1)
	e = min(max(e, s+1), barW)
	return s, e
}

// bar draws one row's bar: blank up to its start, then its length, at
// least one cell.
func bar(out *style, r wfRow, total float64, barW int) string {
	s, e := barCells(r, total, barW)
	glyph, colour := "█", ansiStep
	switch {
	case r.flow:
		glyph, colour = "▓", ansiFlow
		if r.status == schema.FlowFailed {
			colour = ansiFailed
		}
	case r.status == schema.StepError:
		colour = ansiFailed
	case r.status == schema.StepRunning:
		glyph, colour = "░", ansiRunning
	}
	return strings.Repeat(" ", s) + out.paint(colour, strings.Repeat(glyph, e-s))
}

// axisLabels writes tick labels at 0, ¼, ½, ¾ and the end of the axis,
// leaving out any that would run into the one before.
func axisLabels(total float64, barW int) string {
	line := []rune(strings.Repeat(" ", barW))
	next := 0
	for q := 0; q <= 4; q++ {
		text := fmtMs(total * float64(q) / 4)
		if q == 0 {
			text = "0ms"
		}
		pos := barW * q / 4
		if q == 4 {
			pos = barW - utf8.RuneCountInString(text)
		} else if q > 0 {
			pos -= utf8.RuneCountInString(text) / 2
		}
		if pos < next || pos+utf8.RuneCountInString(text) > barW {
			continue
		}
		copy(line[pos:], []rune(text))
		next = pos + utf8.RuneCountInString(text) + 1
	}
	return strings.TrimRight(string(line), " ")
}

// ruler draws the axis line with a tick at each quarter.
func ruler(barW int) string {
	line := []rune(strings.Repeat("─", barW))
	for q := 1; q < 4; q++ {
		line[barW*q/4] = '┼'
	}
	line[0], line[barW-1] = '├', '┤'
	return string(line)
}
