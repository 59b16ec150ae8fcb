package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/ring"
	"github.com/logcrest/logcrest/internal/testkit"
)

// gatedSink is an added sink whose first Write waits until open is closed,
// so that the records written meanwhile gather in one segment of its ring;
// it keeps every batch it gets.
type gatedSink struct {
	entered chan struct{} // closed when the first Write begins
	open    chan struct{}
	mu      sync.Mutex
	batches [][]byte
}

func newGatedSink() *gatedSink {
	return &gatedSink{entered: make(chan struct{}), open: make(chan struct{})}
}

func (s *gatedSink) Write(b []byte) (int, error) {
	s.mu.Lock()
	first := len(s.batches) == 0
	s.batches = append(s.batches, bytes.Clone(b))
	s.mu.Unlock()
	if first {
		close(s.entered)
		<-s.open
	}
	return len(b), nil
}

func (s *gatedSink) lines(t *testing.T) (batches int, recs []map[string]any) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.batches {
		for _, line := range bytes.SplitAfter(b, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil || line[0] != '{' || line[len(line)-1] != '\n' {
				t.Fatalf("the sink got a line that is not one JSON record (%v): %q", err, line)
			}
			recs = append(recs, m)
		}
	}
	return len(s.batches), recs
}

// gatedPipeline starts a pipeline with JSON files in a temp folder and a
// gated added sink, and writes one clean record, which the sink's ring
// takes in a segment of its own and blocks on: whatever is written next
// gathers in the ring's next segment, taken whole once the gate opens.
func gatedPipeline(t *testing.T) (*Pipeline, *gatedSink, *ring.Ring, string) {
	t.Helper()
	dir := t.TempDir()
	p, err := New(WithDir(dir), WithName("svc"), WithJSON(true), WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	sink := newGatedSink()
	if _, err := p.AddSink(ExtSink{Name: "gated", W: sink, Streams: []string{StreamSuccess}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	l := p.Logger()
	l.Info().Msg("gate")
	select {
	case <-sink.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the added sink's ring never wrote the first record")
	}
	return p, sink, p.current().ext[0].r, dir
}

// TestOneSegmentMixedRecordsComeOutRightAndInOrder: in one segment, a
// clean record, one with a repeated key, one with a secret, one LogCrest
// marked as unique, and clean ones again each come out as they must (the
// key moved to logcrest_dup, the secret masked, the mark gone), in order,
// in the added sink and in the file; and the segment, not being all kept,
// is the only one copied.
func TestOneSegmentMixedRecordsComeOutRightAndInOrder(t *testing.T) {
	p, sink, r, dir := gatedPipeline(t)
	l := p.Logger()
	l.Info().Str("user", "ada").Msg("clean1")
	l.Info().Str("a", "1").Str("a", "2").Msg("dup")
	l.Info().Str("password", "hunter2").Msg("secret")
	own, ok := p.AppendHead(nil, zerolog.InfoLevel)
	if !ok {
		t.Fatal("AppendHead refused info")
	}
	own = append(own, `,"k":"v","message":"marked"}`+"\n"...)
	p.WriteUniqueRecord(own, zerolog.InfoLevel, time.Now())
	l.Info().Int("n", 5).Msg("clean2")
	close(sink.open)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	batches, got := sink.lines(t)
	if batches != 2 {
		t.Fatalf("the added sink got %d batches, want 2 (the gate, then one segment of five)", batches)
	}
	files := testkit.ReadStream[map[string]any](t, dir, StreamSuccess, "svc")
	for name, recs := range map[string][]map[string]any{"added sink": got, "file": files} {
		var msgs []string
		for _, m := range recs {
			msgs = append(msgs, fmt.Sprint(m["message"]))
		}
		if fmt.Sprint(msgs) != "[gate clean1 dup secret marked clean2]" {
			t.Fatalf("%s: messages %v, want them all, in order", name, msgs)
		}
		if recs[1]["user"] != "ada" || recs[5]["n"] != 5.0 {
			t.Errorf("%s: clean records changed: %v / %v", name, recs[1], recs[5])
		}
		dup, _ := recs[2]["logcrest_dup"].(map[string]any)
		if recs[2]["a"] != "2" || fmt.Sprint(dup["a"]) != "[1]" {
			t.Errorf("%s: repeated key: %v, want a=2 and logcrest_dup.a=[1]", name, recs[2])
		}
		if recs[3]["password"] != "[REDACTED]" {
			t.Errorf("%s: secret: %v, want password masked", name, recs[3])
		}
		if recs[4]["k"] != "v" || recs[4]["logger"] != "svc" {
			t.Errorf("%s: marked record: %v", name, recs[4])
		}
	}
	if n := r.Uncopied(); n != 1 {
		t.Errorf("the added sink's ring wrote %d segments uncopied, want 1 (the gate's alone)", n)
	}
	c := p.Stats()
	if c.Redacted != 2 { // the file and the added sink each masked it
		t.Errorf("Redacted = %d, want 2", c.Redacted)
	}
	for _, s := range c.Sinks {
		if s.Name == "gated" && (s.Written != 6 || s.Produced != 6 || s.Failed+s.Dropped+s.Buffered != 0) {
			t.Errorf("added sink stats %+v, want 6 produced and written", s)
		}
	}
}

// TestCleanRecordsAreWrittenWithoutACopy: a segment of clean records (no
// secret, unique keys) goes to a JSON sink straight from where the callers
// wrote it: the ring counts both segments uncopied, and the records arrive
// whole and in order.
func TestCleanRecordsAreWrittenWithoutACopy(t *testing.T) {
	p, sink, r, _ := gatedPipeline(t)
	l := p.Logger()
	for i := range 20 {
		l.Info().Int("i", i).Str("user", "ada").Msg("clean")
	}
	close(sink.open)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	batches, got := sink.lines(t)
	if batches != 2 || len(got) != 21 {
		t.Fatalf("the added sink got %d batches, %d records; want 2 and 21", batches, len(got))
	}
	for i, m := range got[1:] {
		if m["i"] != float64(i) || m["message"] != "clean" {
			t.Fatalf("record %d = %v", i+1, m)
		}
	}
	if n := r.Uncopied(); n != 2 {
		t.Errorf("the added sink's ring wrote %d segments uncopied, want 2 (every one)", n)
	}
}

// BenchmarkSinkFormatFlowEnd is the drain's work for a segment of flow_end
// records (~480 B each, as one HTTP request with two steps writes it):
// Marked, LogCrest's own records carrying uniqueMark, whose keys go
// unchecked but, the mark to be stripped, are copied; Checked, the same
// records unmarked, whose keys are checked and which are then written in
// place (keep). Redaction runs in both, as it does by default, and is
// measured apart (RedactOff).
func BenchmarkSinkFormatFlowEnd(b *testing.B) {
	const flowEnd = `{"time":"2026-12-06T19:32:49.192360Z","level":"info","logger":"s","trace_id":"04f18d4988688fe4be9db2a6da7c52fe","span_id":"b301771d3959d7cd","flow_id":"03a89b12","seq":7,"flow_type":"flow_end","flow_status":"success","total_ms":3.935,"steps":2,"timeline":[{"fn":"load_order","at_ms":3.03,"ms":0.014,"status":"ok"},{"fn":"charge_card","at_ms":3.046,"ms":0.875,"status":"ok"}],"method":"GET","path":"/orders/13","client_ip":"192.0.2.1","http_status":200,"bytes":2,"message":"flow finished"}` + "\n"
	benchSinkFormat(b, flowEnd, 130, true) // a 64 KiB segment's worth
}

// BenchmarkSinkFormatUser10 is the drain's work for a segment of the user's
// records as BenchmarkLogCall/Fields10 writes them (a message and ten
// fields, ~300 B), which reach the ring unmarked: their keys are checked
// and, with nothing to mask, they are written in place (keep).
func BenchmarkSinkFormatUser10(b *testing.B) {
	const user10 = `{"level":"info","logger":"bench","time":"2026-12-06T19:32:49.192360Z","user":"ada","order":"ORD-42","currency":"EUR","attempt":123456,"items":3,"amount":129.95,"tax_rate":0.21,"paid":true,"at":"2026-12-06T19:32:49Z","error":"card declined by issuer","message":"payment captured for order"}` + "\n"
	benchSinkFormat(b, user10, 200, false)
}

func benchSinkFormat(b *testing.B, rec string, n int, withMarked bool) {
	for _, redactOn := range []bool{true, false} {
		s := Settings{Redact: redactOn}
		for _, marked := range []bool{true, false} {
			if marked && !withMarked {
				continue
			}
			var seg []byte
			for range n {
				if marked {
					seg = append(seg, uniqueMark)
				}
				seg = append(seg, rec...)
			}
			recs := bytes.SplitAfter(seg, []byte("\n"))[:n]
			name := map[bool]string{true: "Marked", false: "Checked"}[marked]
			if !redactOn {
				name += "/RedactOff"
			}
			b.Run(name, func(b *testing.B) {
				g := &gen{redactor: redactorOf(&s), redacted: new(atomic.Uint64)}
				f := g.sinkFormat(nil)
				var scratch []byte
				b.SetBytes(int64(len(seg)))
				b.ReportAllocs()
				for b.Loop() {
					scratch = scratch[:0]
					for _, rec := range recs {
						if marked {
							scratch = f.format(scratch, rec)
						} else if !f.keep(rec) {
							b.Fatal("a clean record was not kept")
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
			})
		}
	}
}

// TestLoneCRCostsTheCallerNoCopy: a record whose raw JSON holds a CR (and no
// LF but its last) is not copied on the log call, which scans for an LF
// alone: the sinks' goroutines make the CR a space, so no sink, JSON file,
// text console or added sink, gets a raw CR, and every record is one line
// with its raw JSON intact.
func TestLoneCRCostsTheCallerNoCopy(t *testing.T) {
	dir := t.TempDir()
	var console bytes.Buffer
	var cmu sync.Mutex
	p, err := New(WithDir(dir), WithName("svc"), WithJSON(true), WithConsole(lockedWriter{&cmu, &console}), WithConsoleFormat("text"))
	if err != nil {
		t.Fatal(err)
	}
	added := newGatedSink()
	close(added.open)
	if _, err := p.AddSink(ExtSink{Name: "added", W: added}); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	l := p.Logger()
	raw := []byte("{\"a\":\r1,\r\"forged\":true}")
	l.Info().RawJSON("raw", raw).Msg("cr") // builds the pipeline
	const runs = 200
	if n := testing.AllocsPerRun(runs, func() { l.Info().RawJSON("raw", raw).Msg("cr") }); n != 0 {
		t.Errorf("a log call with a CR in raw JSON allocates %v times, want 0 (no copy)", n)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	const want = runs + 2 // AllocsPerRun makes one warm-up call
	data, err := os.ReadFile(filepath.Join(dir, StreamSuccess, "svc.log"))
	if err != nil {
		t.Fatal(err)
	}
	_, fromAdded := added.lines(t)
	cmu.Lock()
	text := console.String()
	cmu.Unlock()
	for name, out := range map[string]string{"file": string(data), "console": text} {
		if strings.IndexByte(out, '\r') >= 0 {
			t.Errorf("the %s holds a raw CR", name)
		}
		if n := strings.Count(out, "\n"); n != want {
			t.Errorf("the %s has %d lines, want %d", name, n, want)
		}
	}
	added.mu.Lock()
	for _, b := range added.batches {
		if bytes.IndexByte(b, '\r') >= 0 {
			t.Errorf("the added sink got a raw CR: %q", b)
		}
	}
	added.mu.Unlock()
	recs := testkit.ReadStream[map[string]any](t, dir, StreamSuccess, "svc")
	for name, got := range map[string][]map[string]any{"file": recs, "added sink": fromAdded} {
		if len(got) != want {
			t.Fatalf("the %s has %d records, want %d", name, len(got), want)
		}
		for _, m := range got {
			if r, ok := m["raw"].(map[string]any); !ok || m["message"] != "cr" || r["a"] != 1.0 || r["forged"] != true {
				t.Fatalf("the %s has %v, want the raw object intact", name, m)
			}
		}
	}
}
