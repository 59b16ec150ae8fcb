package core

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/logcrest/logcrest/internal/testkit"
)

type hookExtKey struct{}

// fromValue is a TraceSource that finds an ExternalSpan stored in the
// context under hookExtKey.
func fromValue(ctx context.Context) (ExternalSpan, bool) {
	e, ok := ctx.Value(hookExtKey{}).(ExternalSpan)
	return e, ok
}

func TestContextLoggerTakesTheExternalSpan(t *testing.T) {
	var console testkit.Buffer
	p, err := New(WithFiles(false), WithConsoleFormat("json"), WithConsole(&console), WithLevel("info"))
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	ext := ExternalSpan{
		TraceID: [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  [8]byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		Flags:   1,
	}
	withExt := context.WithValue(bg, hookExtKey{}, ext)
	if l := p.ContextLogger(withExt); l != p.Logger() {
		t.Error("without a TraceSource, ContextLogger is not Logger")
	}
	if n := testing.AllocsPerRun(100, func() { p.ContextLogger(withExt) }); n != 0 {
		t.Errorf("without a TraceSource, ContextLogger allocates %v times", n)
	}
	remove := p.SetTraceSource(fromValue)
	if p.TraceSource() == nil {
		t.Fatal("TraceSource is nil after SetTraceSource")
	}
	for _, ctx := range []context.Context{nil, bg, context.WithValue(bg, hookExtKey{}, ExternalSpan{SpanID: ext.SpanID})} {
		if l := p.ContextLogger(ctx); l != p.Logger() {
			t.Errorf("ContextLogger(%v) is not Logger", ctx)
		}
	}
	p.ContextLogger(withExt).Info().Msg("adopted")
	p.ContextLogger(bg).Info().Msg("plain")

	// A remove of a hook already replaced leaves the new one in place.
	remove2 := p.SetTraceSource(fromValue)
	remove()
	if p.TraceSource() == nil {
		t.Error("a stale remove took the TraceSource in place away")
	}
	remove2()
	if p.TraceSource() != nil {
		t.Error("remove left the TraceSource in place")
	}
	calls := 0
	removeEnd := p.SetEndHook(func(*EndedSpan) { calls++ })
	if h := p.EndHook(); h == nil {
		t.Error("EndHook is nil after SetEndHook")
	} else {
		h(&EndedSpan{})
	}
	removeEnd()
	if p.EndHook() != nil || calls != 1 {
		t.Errorf("EndHook after remove: %v, %d calls", p.EndHook() != nil, calls)
	}

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(console.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("%d records, want 2: %s", len(got), console.String())
	}
	if got[0]["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || got[0]["span_id"] != "00f067aa0ba902b7" {
		t.Errorf("adopted record %v", got[0])
	}
	if _, ok := got[1]["trace_id"]; ok {
		t.Errorf("plain record %v", got[1])
	}
}
