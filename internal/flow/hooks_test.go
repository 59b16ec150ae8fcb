package flow_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

type hookExtKey struct{}

// hookPipeline returns a pipeline without sinks whose TraceSource finds a
// core.ExternalSpan stored in the context under hookExtKey, and the spans its
// EndHook was told of, in the order they ended.
func hookPipeline(t *testing.T) (*core.Pipeline, func() []core.EndedSpan) {
	t.Helper()
	p, err := core.New(core.WithFiles(false), core.WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	p.SetTraceSource(func(ctx context.Context) (core.ExternalSpan, bool) {
		e, ok := ctx.Value(hookExtKey{}).(core.ExternalSpan)
		return e, ok
	})
	var mu sync.Mutex
	var ended []core.EndedSpan
	p.SetEndHook(func(e *core.EndedSpan) {
		c := *e
		c.Attrs, c.Stack = slices.Clone(e.Attrs), bytes.Clone(e.Stack)
		mu.Lock()
		ended = append(ended, c)
		mu.Unlock()
	})
	return p, func() []core.EndedSpan {
		mu.Lock()
		defer mu.Unlock()
		return append([]core.EndedSpan(nil), ended...)
	}
}

// hookEndFields is the Fields of an HTTP adapter's flow_end, in miniature.
type hookEndFields struct{}

func (hookEndFields) AddFields(w *flow.FieldWriter) {
	w.Str("method", "GET").Int("http_status", 503)
}

var hookExt = core.ExternalSpan{
	TraceID: [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
	SpanID:  [8]byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	Flags:   1,
}

func TestHooksAdoptTheExternalSpan(t *testing.T) {
	p, ended := hookPipeline(t)
	ctx := context.WithValue(core.NewContext(context.Background(), p), hookExtKey{}, hookExt)

	// The external span comes before the traceparent of the spec.
	fctx, f := flow.Begin(ctx, flow.FlowSpec{
		Label:        "req",
		TraceID:      "0af7651916cd43dd8448eb211c80319c",
		ParentSpanID: "b7ad6b7169203331",
	})
	if err := flow.SetField(fctx, "user_id", "u-1"); err != nil {
		t.Fatal(err)
	}
	sctx, s := flow.Step(fctx, "load")
	_, inner := flow.Step(sctx, "query")
	inner.End(nil)
	errLoad := errors.New("load failed")
	s.End(&errLoad)
	f.Finish(flow.Outcome{Failed: true, EndFields: hookEndFields{}})

	if f.TraceID() != "4bf92f3577b34da6a3ce929d0e0e4736" || s.TraceID() != f.TraceID() {
		t.Errorf("flow trace %s, step trace %s", f.TraceID(), s.TraceID())
	}
	got := ended()
	if len(got) != 3 {
		t.Fatalf("%d spans ended, want 3", len(got))
	}
	q, l, fl := got[0], got[1], got[2]
	if q.Name != "query" || l.Name != "load" || fl.Name != "req" {
		t.Fatalf("ended %s, %s, %s", q.Name, l.Name, fl.Name)
	}
	if fl.ParentSpanID != hookExt.SpanID || fl.ParentKind != core.ParentExternal || !fl.Sampled {
		t.Errorf("flow parent %x kind %d sampled %v", fl.ParentSpanID, fl.ParentKind, fl.Sampled)
	}
	if l.ParentSpanID != fl.SpanID || q.ParentSpanID != l.SpanID || l.ParentKind != core.ParentLocal {
		t.Errorf("parents: load %x (flow %x), query %x (load %x)", l.ParentSpanID, fl.SpanID, q.ParentSpanID, l.SpanID)
	}
	for _, e := range got {
		if e.TraceID != hookExt.TraceID || e.FlowID != f.FlowID() || !e.End.After(e.Start) {
			t.Errorf("%s: trace %x flow %q, %v – %v", e.Name, e.TraceID, e.FlowID, e.Start, e.End)
		}
	}
	if !fl.Flow || l.Flow || fl.Steps != 2 {
		t.Errorf("flow %v %v, steps %d", fl.Flow, l.Flow, fl.Steps)
	}
	if !l.Failed || l.Error != "load failed" || l.ErrorType != "*errors.errorString" || l.Panic || q.Failed {
		t.Errorf("load: %+v; query failed %v", l, q.Failed)
	}
	// Failed without an error of its own: the first failed step's, as
	// flow_error.
	if !fl.Failed || fl.Error != "load failed" || fl.Panic {
		t.Errorf("flow failed %v, error %q", fl.Failed, fl.Error)
	}
	want := []core.Attr{core.StringAttr("user_id", "u-1"), core.StringAttr("method", "GET"), core.IntAttr("http_status", 503)}
	if !slices.Equal(fl.Attrs, want) {
		t.Errorf("flow attrs %+v, want %+v", fl.Attrs, want)
	}
	if len(l.Attrs) != 0 {
		t.Errorf("step attrs %+v", l.Attrs)
	}
}

func TestHooksTraceOrigins(t *testing.T) {
	p, ended := hookPipeline(t)
	base := core.NewContext(context.Background(), p)

	// Unsampled and remote: both reach the span and its children.
	unsampled := hookExt
	unsampled.Flags, unsampled.Remote = 0, true
	ctx, s := flow.Step(context.WithValue(base, hookExtKey{}, unsampled), "a")
	_, c := flow.Step(ctx, "b")
	c.End(nil)
	s.End(nil)
	got := ended()
	if got[1].ParentKind != core.ParentRemote || got[1].Sampled || got[0].Sampled {
		t.Errorf("a: kind %d sampled %v; b sampled %v", got[1].ParentKind, got[1].Sampled, got[0].Sampled)
	}

	// A traceparent: remote. Nothing: no parent, a new trace.
	_, f := flow.Begin(base, flow.FlowSpec{TraceID: "0af7651916cd43dd8448eb211c80319c", ParentSpanID: "b7ad6b7169203331"})
	f.Finish(flow.Outcome{})
	_, n := flow.Step(base, "new")
	n.End(nil)
	got = ended()[2:]
	if got[0].ParentKind != core.ParentRemote || got[0].ParentSpanID != [8]byte{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31} ||
		got[0].TraceID != [16]byte{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c} {
		t.Errorf("traceparent flow: %+v", got[0])
	}
	if got[1].ParentSpanID != ([8]byte{}) || got[1].ParentKind != core.ParentLocal || !got[1].Sampled || got[1].TraceID == hookExt.TraceID {
		t.Errorf("new step: %+v", got[1])
	}

	// A panic: its text, its type and the stack.
	func() {
		defer func() { _ = recover() }()
		_, s := flow.Step(base, "boom")
		defer s.End(nil)
		panic(errors.New("exploded"))
	}()
	last := ended()[4]
	if !last.Failed || !last.Panic || last.Error != "exploded" || last.ErrorType != "*errors.errorString" || len(last.Stack) == 0 {
		t.Errorf("panic: %+v", last)
	}
}
