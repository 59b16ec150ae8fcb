package core

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/jsonenc"
)

// Flow records (flow_start, flow_end) are encoded by package flow itself,
// not through a zerolog.Event: their keys are fixed, so it appends them as
// literals, and it knows the time each record describes, so the pipeline
// need not read the clock again. The result is the same JSON a zerolog
// record would be, field for field and in the same order.

// AppendFlowHead begins a flow record at level l: it appends
//
//	{"level":"info","logger":"<name>"
//
// to dst and reports true, or reports false, appending nothing, when the
// current pipeline writes no record at l (its level, zerolog's global
// level). The level field's name and value are zerolog's
// (LevelFieldName, LevelFieldMarshalFunc) as they were when the pipeline
// was built. The caller appends ,"key":value fields and ends the record
// with "}\n" for WriteFlow.
func AppendFlowHead(dst []byte, l zerolog.Level) ([]byte, bool) {
	p := Current()
	if l < zerolog.TraceLevel || l > zerolog.PanicLevel || l < p.settings.Level || l < zerolog.GlobalLevel() {
		return dst, false
	}
	return append(dst, p.flowHeads[l-zerolog.TraceLevel]...), true
}

// flowHeads returns the head of a flow record for each level from trace to
// panic, for AppendFlowHead.
func flowHeads(name string) (heads [zerolog.PanicLevel - zerolog.TraceLevel + 1]string) {
	var b []byte
	for i := range heads {
		l := zerolog.TraceLevel + zerolog.Level(i)
		b = append(b[:0], '{')
		if zerolog.LevelFieldName != "" {
			b = jsonenc.String(b, zerolog.LevelFieldName)
			b = append(b, ':')
			b = jsonenc.String(b, zerolog.LevelFieldMarshalFunc(l))
			b = append(b, ',')
		}
		b = jsonenc.String(b, "logger")
		b = append(b, ':')
		heads[i] = string(jsonenc.String(b, name))
	}
	return heads
}

// TimelineCap returns the configured number of entries a flow's timeline
// keeps.
func TimelineCap() int { return Current().settings.TimelineCap }

// WriteFlow writes rec, a flow record begun by AppendFlowHead, to the flows
// stream and the console, its time field stamped with t. The caller may
// reuse rec once WriteFlow returns.
func WriteFlow(rec []byte, t time.Time) {
	_, _ = dispatchAt(rec, flowsOf, t)
}
