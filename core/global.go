package core

import (
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
	// retired sums the counters of closed pipelines, so Stats is cumulative.
	retired Counters
	// lastSinks are the per-sink counters of the last closed pipeline.
	lastSinks []writers.RingStats
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

// FlowLogger returns the logger for flow records (the flows stream).
func FlowLogger() *zerolog.Logger { return &Current().flow }

// Active returns the settings in force: those of the live pipeline, or those
// the next one will be built with.
func Active() Settings { return Current().settings }

// Configure resolves opts over env, file and defaults. Before first use it
// only records the result; after, it builds a new pipeline, switches every
// logger to it and drains and closes the old one. A record racing the switch
// lands in the old files or the new, exactly once. Every bad value is
// reported on stderr and in the returned error; its key takes its default.
func Configure(opts ...Option) error {
	s, problems := Resolve(opts, os.LookupEnv, nil)
	lifecycle.Lock()
	defer lifecycle.Unlock()
	configured = &s
	var closeErr error
	if old := current.Load(); old != nil {
		current.Store(newPipeline(s))
		closeErr = retire(old)
	}
	return errors.Join(append(problems, closeErr)...)
}

// retire closes a pipeline that is no longer current and keeps its counts.
func retire(p *Pipeline) error {
	err := p.close()
	lastSinks = p.stats()
	for _, s := range lastSinks {
		retired.add(s)
	}
	return err
}

// Close drains every sink, closes the files and releases the background
// goroutines. A later log call builds the pipeline afresh with the same
// settings.
func Close() error {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	old := current.Swap(nil)
	if old == nil {
		return nil
	}
	return retire(old)
}

// Flush returns once every record logged before the call has been written to
// its sink, or an error after the close timeout.
func Flush() error {
	p := current.Load()
	if p == nil {
		return nil
	}
	return p.flush(p.settings.CloseTimeout)
}

// Stats returns the cumulative counters.
func Stats() Counters {
	lifecycle.Lock()
	c := retired
	c.Sinks = append([]writers.RingStats(nil), lastSinks...)
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
	return dispatch(rec, func(p *Pipeline) *writers.Ring {
		if l >= zerolog.ErrorLevel && l <= zerolog.PanicLevel {
			return p.errs
		}
		return p.success
	})
}

// flowWriter sends flow records to the flows stream and the console only.
type flowWriter struct{}

func (flowWriter) Write(p []byte) (int, error) { return flowWriter{}.WriteLevel(zerolog.NoLevel, p) }

func (flowWriter) WriteLevel(_ zerolog.Level, rec []byte) (int, error) {
	return dispatch(rec, flowsOf)
}

func flowsOf(p *Pipeline) *writers.Ring { return p.flows }

func dispatch(rec []byte, file func(*Pipeline) *writers.Ring) (int, error) {
	if len(rec) == 0 || rec[0] != '{' {
		return 0, errNotJSON
	}
	var buf [48]byte
	prefix := timePrefix(buf[:0], time.Now(), rec)
	todo := toFile | toConsole
	for todo != 0 {
		p := Current()
		todo = p.route(file(p), prefix, rec, todo)
	}
	return len(rec), nil
}

var errNotJSON = errors.New("logcrest: record is not a JSON object")
