package core

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/schema"
)

// The records of steps and flows are encoded by package flow itself, not
// through a zerolog.Event: their keys are fixed, so it appends them as
// literals, and it knows the time each record describes, so the pipeline
// need not read the clock again. The result is the same JSON a zerolog
// record of LogCrest's loggers would be, field for field and in the same
// order.

// AppendHead begins a record at level l: it appends
//
//	{"level":"info","logger":"<name>"
//
// to dst and reports true, or reports false, appending nothing, when the
// current pipeline writes no record at l (its level, zerolog's global
// level). The level field's name and value are zerolog's
// (LevelFieldName, LevelFieldMarshalFunc) as they were when the pipeline
// was built. The caller appends ,"key":value fields and ends the record
// with "}\n" for WriteFlow or WriteRecord.
func (p *Pipeline) AppendHead(dst []byte, l zerolog.Level) ([]byte, bool) {
	if l < zerolog.TraceLevel || l > zerolog.PanicLevel || !p.Enabled(l) || l < zerolog.GlobalLevel() {
		return dst, false
	}
	return append(dst, p.current().heads[l-zerolog.TraceLevel]...), true
}

// AppendFlowHead begins a flow record (flow_start, or flow_end: failed
// says whether the flow failed) at level l, as AppendHead does, but by the
// pipeline's flow record policy rather than its level: with "all" every flow
// record is written, with "failed" only a failed flow_end. A failed flow_end
// is never filtered.
func (p *Pipeline) AppendFlowHead(dst []byte, l zerolog.Level, end, failed bool) ([]byte, bool) {
	if l < zerolog.TraceLevel || l > zerolog.PanicLevel {
		return dst, false
	}
	g := p.current()
	if !(end && failed) && g.settings.FlowRecords == FlowRecordsFailed {
		return dst, false
	}
	return append(dst, g.heads[l-zerolog.TraceLevel]...), true
}

// WritesFlowStart reports whether AppendFlowHead begins a flow_start at
// level l, without beginning it.
func (p *Pipeline) WritesFlowStart(l zerolog.Level) bool {
	return l >= zerolog.TraceLevel && l <= zerolog.PanicLevel &&
		p.current().settings.FlowRecords != FlowRecordsFailed
}

// recordHeads returns, for each level from trace to panic, the head of a
// record LogCrest encodes (for AppendHead) and the head zerolog gives its
// own records at that level (for dispatch, which puts the logger field in).
func recordHeads(name string) (heads, zheads [numLevels]string) {
	var b []byte
	for i := range heads {
		l := zerolog.TraceLevel + zerolog.Level(i)
		b = append(b[:0], '{')
		if zerolog.LevelFieldName != "" {
			b = jsonenc.String(b, zerolog.LevelFieldName)
			b = append(b, ':')
			b = jsonenc.String(b, zerolog.LevelFieldMarshalFunc(l))
			zheads[i] = string(b)
			b = append(b, ',')
		} else {
			zheads[i] = "{"
		}
		b = jsonenc.String(b, schema.KeyLogger)
		b = append(b, ':')
		heads[i] = string(jsonenc.String(b, name))
	}
	return heads, zheads
}

// TimelineCap returns the configured number of entries a flow's timeline
// keeps.
func (p *Pipeline) TimelineCap() int { return p.current().settings.TimelineCap }

// WriteFlow writes rec, a flow record begun by AppendHead, to the flows
// stream and the console, its time field stamped with t. The caller may
// reuse rec once WriteFlow returns. rec must hold no CR and no LF but its
// final one (escaped in strings, spaces elsewhere): unlike a zerolog
// record's, it is written unchecked.
func (p *Pipeline) WriteFlow(rec []byte, t time.Time) {
	_, _ = p.dispatch(rec, headed, nil, flowsOf, t)
}

// WriteUniqueFlow is WriteFlow for a record whose keys the caller knows to
// be unique at every depth: the sinks write it without checking them.
func (p *Pipeline) WriteUniqueFlow(rec []byte, t time.Time) {
	_, _ = p.dispatch(rec, headedUnique, nil, flowsOf, t)
}

// WriteUniqueRecord is WriteRecord for a record whose keys the caller knows
// to be unique at every depth: the sinks write it without checking them.
func (p *Pipeline) WriteUniqueRecord(rec []byte, l zerolog.Level, t time.Time) {
	if l >= zerolog.ErrorLevel {
		_, _ = p.dispatch(rec, headedUnique, nil, errsOf, t)
	} else {
		_, _ = p.dispatch(rec, headedUnique, nil, successOf, t)
	}
}

// WriteRecord writes rec, a record at level l begun by AppendHead, where a
// record of the global logger at l goes (the error stream from error
// level, else the success stream; and the console), its time field stamped
// with t. The caller may reuse rec once WriteRecord returns. rec must hold
// no CR and no LF but its final one, as for WriteFlow.
func (p *Pipeline) WriteRecord(rec []byte, l zerolog.Level, t time.Time) {
	if l >= zerolog.ErrorLevel {
		_, _ = p.dispatch(rec, headed, nil, errsOf, t)
	} else {
		_, _ = p.dispatch(rec, headed, nil, successOf, t)
	}
}
