package core

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/writers"
)

// The single pipeline of the process. Everything else in LogCrest holds
// values; this is the one piece of package state, guarded by lifecycle.
var (
	current   atomic.Pointer[Pipeline]
	lifecycle sync.Mutex
	// configured holds the settings of the last Configure; nil until then,
	// in which case the first use resolves env, file and defaults.
	configured *Settings
	// retired sums the counters of closed pipelines whose sinks have
	// finished, so Stats is cumulative.
	retired Counters
	// lastSinks are the per-sink counters of the last closed pipeline, once
	// its sinks have finished.
	lastSinks []writers.RingStats
	// draining holds closed pipelines whose sinks were still writing when
	// the close timeout ran out, oldest first. Stats counts them live, Flush
	// and Close wait for them, and settle retires them once they finish.
	// Changed with both lifecycle and drainMu held; Flush reads it under
	// drainMu alone, so it does not wait for a Configure in progress.
	draining []*Pipeline
	drainMu  sync.Mutex
	// newest is the last pipeline closed, while it is still draining.
	newest *Pipeline
)

// Counters is a snapshot of what the pipeline did since the process started,
// summed over every sink and every rebuild.
type Counters struct {
	Written     uint64 // records a sink accepted
	Dropped     uint64 // records refused by a full bounded queue
	Failed      uint64 // records lost because a sink returned an error
	WriteErrors uint64 // sink writes that returned an error
	Buffered    uint64 // records accepted and not yet written
	// Sinks has one entry per sink of the live pipeline (or, when none is
	// live, of the last one closed), in the order console, success, flows,
	// error.
	Sinks []writers.RingStats
}

func (c *Counters) add(s writers.RingStats) {
	c.Written += s.Written
	c.Dropped += s.Dropped
	c.Failed += s.Failed
	c.WriteErrors += s.WriteErrors
	c.Buffered += s.Buffered
}

// Current returns the live pipeline, building it on first use.
func Current() *Pipeline {
	if p := current.Load(); p != nil {
		return p
	}
	return build()
}

func build() *Pipeline {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	if p := current.Load(); p != nil {
		return p
	}
	if configured == nil {
		s, _ := Resolve(nil, os.LookupEnv, nil)
		configured = &s
	}
	p := newPipeline(*configured)
	current.Store(p)
	return p
}

// Logger returns the global logger of the live pipeline. It never returns nil
// and does not allocate.
func Logger() *zerolog.Logger { return &Current().base }

// Active returns the settings in force: those of the live pipeline, or those
// the next one will be built with.
func Active() Settings { return Current().settings }

// Configure resolves opts over env, file and defaults. Before first use it
// only records the result; after, it builds a new pipeline, switches every
// logger to it and drains and closes the old one. A record racing the switch
// lands in the old files or the new, exactly once. Every bad value is
// reported on stderr and in the returned error; its key takes its default.
// If an old sink does not finish within the close timeout, the error names
// it; it goes on draining in the background, and Flush, Close and Stats
// account for it until it is done.
func Configure(opts ...Option) error {
	s, problems := Resolve(opts, os.LookupEnv, nil)
	lifecycle.Lock()
	defer lifecycle.Unlock()
	configured = &s
	var closeErr error
	if old := current.Load(); old != nil {
		current.Store(newPipeline(s))
		closeErr = retire(old, time.Now().Add(old.settings.CloseTimeout))
	}
	return errors.Join(append(problems, closeErr)...)
}

// retire closes a pipeline that is no longer current, waiting until
// deadline, and keeps its counts. With lifecycle held.
func retire(p *Pipeline, deadline time.Time) error {
	err := p.close(deadline)
	drainMu.Lock()
	draining = append(draining, p)
	drainMu.Unlock()
	newest = p
	settle()
	return err
}

// settle moves the closed pipelines whose sinks have all finished from
// draining into the retired counters. With lifecycle held.
func settle() {
	drainMu.Lock()
	defer drainMu.Unlock()
	kept := draining[:0]
	for _, p := range draining {
		if !p.finished() {
			kept = append(kept, p)
			continue
		}
		s := p.stats()
		for _, x := range s {
			retired.add(x)
		}
		if p == newest {
			lastSinks, newest = s, nil
		}
	}
	clear(draining[len(kept):])
	draining = kept
}

// Close drains every sink, syncs and closes the files and releases the
// background goroutines, within the close timeout: a sink still writing
// then (one stuck, or one left over from a Configure that timed out) is
// named in the error with the records it still holds, and finishes on its
// own. A later log call builds the pipeline afresh with the same settings.
func Close() error {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	timeout := Defaults().CloseTimeout
	if configured != nil {
		timeout = configured.CloseTimeout
	}
	old := current.Swap(nil)
	if old != nil {
		timeout = old.settings.CloseTimeout
	}
	deadline := time.Now().Add(timeout)
	var errs []error
	if old != nil {
		errs = append(errs, retire(old, deadline))
	}
	for _, p := range draining {
		if p != old {
			errs = append(errs, p.close(deadline))
		}
	}
	settle()
	return errors.Join(errs...)
}

// Flush returns once every record logged before the call has been written to
// its sink, or with an error naming the sinks still behind after the close
// timeout.
func Flush() error {
	drainMu.Lock()
	pending := append([]*Pipeline(nil), draining...)
	drainMu.Unlock()
	p := current.Load()
	if p == nil && len(pending) == 0 {
		return nil
	}
	timeout := Defaults().CloseTimeout
	if p != nil {
		timeout = p.settings.CloseTimeout
	}
	deadline := time.Now().Add(timeout)
	var errs []error
	for _, d := range pending {
		errs = append(errs, d.flush(deadline))
	}
	if p != nil {
		errs = append(errs, p.flush(deadline))
	}
	return errors.Join(errs...)
}

// Stats returns the cumulative counters.
func Stats() Counters {
	lifecycle.Lock()
	settle()
	c := retired
	for _, d := range draining {
		for _, s := range d.stats() {
			c.add(s)
		}
	}
	if newest != nil {
		c.Sinks = newest.stats()
	} else {
		c.Sinks = append([]writers.RingStats(nil), lastSinks...)
	}
	p := current.Load()
	lifecycle.Unlock()
	if p != nil {
		c.Sinks = p.stats()
		for _, s := range c.Sinks {
			c.add(s)
		}
	}
	return c
}

// mainWriter is the writer behind every logger LogCrest hands out. It holds no
// state: each record goes to the pipeline that is current when it is written,
// so a logger kept across a rebuild still reaches live sinks.
type mainWriter struct{}

func (mainWriter) Write(p []byte) (int, error) { return mainWriter{}.WriteLevel(zerolog.NoLevel, p) }

// WriteLevel routes error and above to the error stream, the rest to the
// success stream, and everything to the console.
func (mainWriter) WriteLevel(l zerolog.Level, rec []byte) (int, error) {
	if l >= zerolog.ErrorLevel && l <= zerolog.PanicLevel {
		return dispatch(rec, errsOf)
	}
	return dispatch(rec, successOf)
}

func errsOf(p *Pipeline) *writers.Ring    { return p.errs }
func successOf(p *Pipeline) *writers.Ring { return p.success }

func flowsOf(p *Pipeline) *writers.Ring { return p.flows }

func dispatch(rec []byte, file func(*Pipeline) *writers.Ring) (int, error) {
	return dispatchAt(rec, file, time.Now())
}

// dispatchAt sends rec to the file ring file picks and to the console,
// stamped with t.
func dispatchAt(rec []byte, file func(*Pipeline) *writers.Ring, t time.Time) (int, error) {
	if len(rec) == 0 || rec[0] != '{' {
		return 0, errNotJSON
	}
	n := len(rec)
	if i := bytes.IndexByte(rec, '\n'); i >= 0 && i < n-1 {
		rec = flatten(rec)
	}
	var buf [48]byte
	prefix := timePrefix(buf[:0], t, rec)
	todo := toFile | toConsole
	for todo != 0 {
		p := Current()
		todo = p.route(file(p), prefix, rec, todo)
	}
	return n, nil
}

// flatten returns a copy of rec in which every CR and every LF but a final
// one is a space. zerolog escapes them in strings, so they can only come from
// raw JSON (Event.RawJSON), where they are whitespace (or the JSON is invalid
// anyway); left in, they would end the record early, and the rest of it,
// chosen by whoever controls that JSON, would read as a record of its own.
// Records are rarely like this, so the copy is allowed to allocate.
func flatten(rec []byte) []byte {
	out := bytes.Clone(rec)
	last := len(out) - 1
	for i, c := range out {
		if (c == '\n' && i != last) || c == '\r' {
			out[i] = ' '
		}
	}
	return out
}

var errNotJSON = errors.New("logcrest: record is not a JSON object")
