package flow

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/schema"
)

// flowState is what a flow shares with every step under it: its ID and the
// timeline. Steps join it from any goroutine; one mutex guards it, held only
// for a few stores per step.
type flowState struct {
	id    string // flow_id, backed by idBuf
	idBuf flowIDBuf
	start time.Time     // the flow's start, origin of the entries' offsets
	cap   int           // the most entries kept
	seq   atomic.Uint64 // the seq of the flow's last record: every record of a flow has the next

	mu       sync.Mutex
	ended    bool // flow_end is written or being written: no step joins or changes anything
	steps    int  // steps that joined: exact, whatever the cap
	timeline timeline
	fail     stepFailure // the first step that failed, by the time it failed
	fields   []field     // set by SetField, for flow_end

	detail detail // what the flow holds instead of writing (see detail.go)
}

// stepFailure identifies the first step of a flow that failed.
type stepFailure struct {
	idx   int // position in the timeline, -1 while no step failed
	fn    string
	err   error
	panic any
}

// entry is one step in a timeline.
type entry struct {
	fn     string
	parent int           // index of the entry of the step it runs in, or -1
	at     time.Duration // start, as an offset from the flow's start
	took   time.Duration // how long the step ran (so far, for one still running at flow end)
	status string        // statusRunning until the step ends
}

// timeline is the start-ordered list of a flow's first cap steps. The first
// inlineEntries live in the timeline itself, so a flow of a few steps (a
// request handler's, typically) costs no allocation for them; past those,
// entries grows by append up to the cap.
type timeline struct {
	entries []entry
	inline  [inlineEntries]entry
}

// inlineEntries is how many entries a timeline holds without allocating.
const inlineEntries = 4

// init starts the state of a new flow labelled label (sanitized). The flow
// ID lives in the state itself: a string over idBuf, which is written once,
// here, and never again, so it is as immutable as any string, and costs no
// allocation of its own.
func (f *flowState) init(label string, start time.Time, capacity int) {
	id := appendFlowID(f.idBuf[:0], label)
	f.id = unsafe.String(unsafe.SliceData(id), len(id))
	f.start, f.cap = start, max(capacity, 0)
	f.fail.idx = -1
}

// join reserves the next place in the timeline for a step that starts at
// start, inside the step at index parent (-1 when directly in the flow), and
// returns its index, or -1 when the flow has already ended. A step past the
// cap is counted but gets no entry.
func (f *flowState) join(fn string, start time.Time, parent int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return -1
	}
	idx := f.steps
	f.steps++
	if idx < f.cap {
		if f.timeline.entries == nil {
			f.timeline.entries = f.timeline.inline[:0]
		}
		f.timeline.entries = append(f.timeline.entries, entry{fn: fn, parent: parent, at: start.Sub(f.start), status: statusRunning})
	}
	return idx
}

// leave fills the entry of step s, which ended after running for d, and
// keeps it as the flow's failure if it is the first step to fail.
func (f *flowState) leave(s *Span, d time.Duration, end ending, o *Outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return
	}
	if s.idx < len(f.timeline.entries) {
		e := &f.timeline.entries[s.idx]
		e.took = d
		switch end {
		case endFailed:
			e.status = statusError
		case endCancelled:
			e.status = statusCancelled
		default:
			e.status = statusOK
		}
	}
	if end == endFailed && f.fail.idx < 0 {
		f.fail = stepFailure{idx: s.idx, fn: s.name, err: o.Err, panic: o.Panic}
	}
}

// close ends the flow at elapsed (from its start): from now on no step
// joins or changes it, so its timeline can be read without the lock. A step
// still running is given the time it has run so far.
func (f *flowState) close(elapsed time.Duration) (steps int, fail stepFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = true
	for i := range f.timeline.entries {
		if e := &f.timeline.entries[i]; e.status == statusRunning {
			e.took = elapsed - e.at
		}
	}
	return f.steps, f.fail
}

func (f *flowState) isEnded() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ended
}

// appendTo appends the timeline as
// ,"timeline":[{"fn","at_ms","ms","status"[,"parent"]}...]: at_ms is the
// step's start as an offset from the flow's start, ms how long it ran, and
// parent, for a step started inside another step of the flow, that step's
// place in the timeline counting from 1 (as in the "step" field).
func (t *timeline) appendTo(b []byte) []byte {
	b = append(b, `,"`+schema.KeyTimeline+`":[`...)
	for i := range t.entries {
		en := &t.entries[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"`+schema.KeyFn+`":`...)
		b = jsonenc.String(b, en.fn)
		b = append(b, `,"`+schema.KeyAtMs+`":`...)
		b = appendMillis(b, en.at)
		b = append(b, `,"`+schema.KeyMs+`":`...)
		b = appendMillis(b, en.took)
		if en.parent >= 0 {
			b = append(b, `,"`+schema.KeyParent+`":`...)
			b = strconv.AppendInt(b, int64(en.parent+1), 10)
		}
		b = append(b, `,"`+schema.KeyStatus+`":"`...)
		b = append(b, en.status...)
		b = append(b, `"}`...)
	}
	return append(b, ']')
}
