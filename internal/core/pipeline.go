package core

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/ring"
	"github.com/logcrest/logcrest/internal/schema"
)

// Pipeline is a logging pipeline as its users see it: settings, a level, the
// loggers it hands out and cumulative counters. What it writes into is a
// generation (gen) of sinks built from its settings; Configure builds a new
// generation and retires the old one, and Close retires the live one, while
// every logger already handed out keeps writing through the Pipeline, so it
// always reaches the live sinks with the live level and logger name.
//
// The package functions (Configure, Logger, Close, ...) act on the process's
// default Pipeline.
type Pipeline struct {
	live  atomic.Pointer[gen]
	level atomic.Int32 // the zerolog.Level in force
	base  zerolog.Logger
	hooks hooks // a TraceSource and an EndHook (see hooks.go)
	// detail counts what the pipeline's flows held (see detail.go).
	detail detailStats
	// redacted counts the values redaction masked, in records and spans.
	redacted atomic.Uint64
	holders  heldSet // flows holding records, written out by Close

	// mu guards what follows. It is held only for bookkeeping, never while
	// a sink is waited on, so a log call (which may need to build the next
	// generation) and Stats never wait on a sink.
	mu sync.Mutex
	// configured holds the settings of the last Configure; nil until then,
	// in which case the first use resolves env, file and defaults.
	configured *Settings
	// retired sums the counters of retired generations whose sinks have
	// finished, so Stats is cumulative.
	retired Counters
	// lastSinks are the per-sink counters of the last retired generation,
	// once its sinks have finished.
	lastSinks []ring.Stats
	// draining holds retired generations whose sinks have not finished yet,
	// oldest first. Stats counts them live, Flush and Close wait for them,
	// and settle moves them to retired once they finish.
	draining []*gen
	// newest is the last generation retired, while it is still draining.
	newest *gen
	// ext are the sinks added with AddSink, each built into every
	// generation as one more ring.
	ext []*extSpec
}

// builtin is the process's own default Pipeline; dflt is the default in
// force, the one the package functions act on (SetDefault changes it).
var (
	builtin = newHandle()
	dflt    atomic.Pointer[Pipeline]
)

func init() { dflt.Store(builtin) }

func newHandle() *Pipeline {
	p := &Pipeline{}
	p.level.Store(int32(defaultLevel))
	p.base = zerolog.New(pipeWriter{p}).Sample(levelGate{p})
	return p
}

// New returns an independent Pipeline: its own settings (opts over the
// LOGCREST_* environment, the config file and the defaults, as Configure
// resolves them), sinks, files, level, counters and goroutines. Its sinks
// are built on first use. Every bad value is reported in the error (and on
// stderr) and its key takes its default: the Pipeline returned is usable
// either way.
func New(opts ...Option) (*Pipeline, error) {
	p := newHandle()
	s, problems := Resolve(opts, os.LookupEnv, nil)
	p.configured = &s
	p.level.Store(int32(s.Level))
	return p, errors.Join(problems...)
}

// Default returns the default Pipeline, the one the package functions act
// on and steps, flows and adapters write to when their context names none.
func Default() *Pipeline { return dflt.Load() }

// SetDefault makes p the default Pipeline; nil puts back the process's
// built-in one. Loggers handed out before keep writing to the Pipeline they
// came from. The previous default is not closed.
func SetDefault(p *Pipeline) {
	if p == nil {
		p = builtin
	}
	dflt.Store(p)
}

// ctxKey is the key under which a context carries its Pipeline.
type ctxKey struct{}

// NewContext returns a copy of ctx that carries p: steps and flows started
// from it (and the loggers of Log on it) write to p.
func NewContext(ctx context.Context, p *Pipeline) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the Pipeline ctx carries (see NewContext), or the
// default one. ctx may be nil.
func FromContext(ctx context.Context) *Pipeline {
	if ctx != nil {
		if p, ok := ctx.Value(ctxKey{}).(*Pipeline); ok && p != nil {
			return p
		}
	}
	return Default()
}

// SetLevel changes the minimum level at once, for every logger the Pipeline
// has handed out (and their children, on any goroutine) and for its steps
// and flows. It costs a log call nothing: the level is one atomic value read
// before a record is encoded. Configure sets it again from its settings.
func (p *Pipeline) SetLevel(l zerolog.Level) {
	if l < zerolog.TraceLevel {
		l = zerolog.TraceLevel
	}
	p.level.Store(int32(l))
}

// Level returns the minimum level in force.
func (p *Pipeline) Level() zerolog.Level { return zerolog.Level(p.level.Load()) }

// Counters is a snapshot of what the pipeline did since the process started,
// summed over every sink and every rebuild.
type Counters struct {
	Written     uint64 // records a sink accepted
	Dropped     uint64 // records refused by a full bounded queue or the memory cap
	Failed      uint64 // records lost because a sink returned an error (or never returned)
	WriteErrors uint64 // sink writes that returned an error
	Buffered    uint64 // records accepted and not yet written
	Redacted    uint64 // values masked by redaction, on every exit (see WithRedaction)
	// Detail counts what flows held, wrote and dropped (see WithDetail).
	Detail DetailCounters
	// Sinks has one entry per sink of the live pipeline (or, when none is
	// live, of the last one closed), in the order console, success, flows,
	// error, then the sinks added with AddSink in the order added.
	Sinks []ring.Stats
}

func (c *Counters) add(s ring.Stats) {
	c.Written += s.Written
	c.Dropped += s.Dropped
	c.Failed += s.Failed
	c.WriteErrors += s.WriteErrors
	c.Buffered += s.Buffered
}

// current returns the live generation, building it on first use (and on the
// first use after Close).
func (p *Pipeline) current() *gen {
	if g := p.live.Load(); g != nil {
		return g
	}
	return p.build()
}

func (p *Pipeline) build() *gen {
	p.mu.Lock()
	defer p.mu.Unlock()
	if g := p.live.Load(); g != nil {
		return g
	}
	if p.configured == nil {
		s, _ := Resolve(nil, os.LookupEnv, nil)
		p.configured = &s
		p.level.Store(int32(s.Level))
	}
	g := newGen(*p.configured, &p.redacted, p.ext)
	p.live.Store(g)
	return g
}

// Logger returns the Pipeline's logger. Every logger derived from it follows
// the Pipeline: its records go to the live sinks, are filtered by the level
// in force and carry the logger name in force, whatever Configure changed
// since it was handed out.
func (p *Pipeline) Logger() *zerolog.Logger {
	p.current()
	return &p.base
}

// Enabled reports whether the Pipeline writes records at level l.
func (p *Pipeline) Enabled(l zerolog.Level) bool { return l >= zerolog.Level(p.level.Load()) }

// Settings returns the settings in force: those of the live generation, or
// those the next one will be built with.
func (p *Pipeline) Settings() Settings { return p.current().settings }

// Configure resolves opts over env, file and defaults. Before first use it
// only records the result; after, it builds a new generation, switches every
// logger to it, and drains and closes the old one. A record racing the
// switch lands in the old files or the new, exactly once. Every bad value is
// reported on stderr and in the returned error; its key takes its default.
// An old sink is waited for as Close waits for it: if it writes nothing for
// the close timeout, or is still writing after ten, the error names it and
// the records it still holds are counted as failed.
func (p *Pipeline) Configure(opts ...Option) error {
	s, problems := Resolve(opts, os.LookupEnv, nil)
	p.mu.Lock()
	p.configured = &s
	p.level.Store(int32(s.Level))
	old := p.live.Load()
	var deadline time.Time
	if old != nil {
		deadline = hardCap(time.Now(), old.settings.CloseTimeout)
		p.live.Store(newGen(s, &p.redacted, p.ext))
		p.retire(old, deadline)
	}
	p.mu.Unlock()
	var closeErr error
	if old != nil {
		closeErr = old.close(deadline)
		p.settle()
	}
	return errors.Join(append(problems, closeErr)...)
}

// retire stops a generation that is no longer live (its rings refuse new
// records and write out what they hold) and keeps it for Stats, Flush and
// Close until it has finished; its sinks are to be closed by deadline.
// With p.mu held; it does not wait.
func (p *Pipeline) retire(g *gen, deadline time.Time) {
	g.setCloseBy(deadline)
	g.stop()
	p.draining = append(p.draining, g)
	p.newest = g
}

// settle moves the retired generations whose sinks have all finished from
// draining into the retired counters.
func (p *Pipeline) settle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settleLocked()
}

func (p *Pipeline) settleLocked() {
	kept := p.draining[:0]
	for _, g := range p.draining {
		if !g.finished() {
			kept = append(kept, g)
			continue
		}
		s := g.stats()
		for _, x := range s {
			p.retired.add(x)
		}
		if g == p.newest {
			p.lastSinks, p.newest = s, nil
		}
	}
	clear(p.draining[len(kept):])
	p.draining = kept
}

// Close has every flow still running write what it holds (see Holder),
// then drains every sink, syncs and closes the files and releases the
// background goroutines. It waits for each sink as long as it keeps
// writing, up to ten close timeouts; a sink that has written nothing for the
// close timeout (one stuck, or one left over from a Configure that gave up
// on it) is named in the error with the records it still holds, which are
// counted as failed. A later log call builds the pipeline afresh with the same
// settings. Log calls and Stats made while Close waits do not wait.
func (p *Pipeline) Close() error {
	p.writeHeld()
	p.mu.Lock()
	timeout := Defaults().CloseTimeout
	if p.configured != nil {
		timeout = p.configured.CloseTimeout
	}
	old := p.live.Swap(nil)
	if old != nil {
		timeout = old.settings.CloseTimeout
	}
	deadline := hardCap(time.Now(), timeout)
	if old != nil {
		p.retire(old, deadline)
	}
	pending := append([]*gen(nil), p.draining...)
	p.mu.Unlock()
	err := closeAll(pending, deadline)
	p.settle()
	return err
}

// closeAll closes gens in parallel, each within deadline.
func closeAll(gens []*gen, deadline time.Time) error {
	errs := make([]error, len(gens))
	var wg sync.WaitGroup
	for i, g := range gens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = g.close(deadline)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Flush returns once every record logged before the call has been written to
// its sink, or with an error naming the sinks still behind: one that has
// written nothing for the close timeout, or any still writing after ten.
func (p *Pipeline) Flush() error {
	p.mu.Lock()
	pending := append([]*gen(nil), p.draining...)
	g := p.live.Load()
	p.mu.Unlock()
	if g == nil && len(pending) == 0 {
		return nil
	}
	timeout := Defaults().CloseTimeout
	if g != nil {
		timeout = g.settings.CloseTimeout
	}
	start := time.Now()
	deadline := hardCap(start, timeout)
	var errs []error
	for _, d := range pending {
		errs = append(errs, d.flush(start, deadline))
	}
	if g != nil {
		errs = append(errs, g.flush(start, deadline))
	}
	return errors.Join(errs...)
}

// Sync flushes, then commits the live files to stable storage: what was
// logged before the call survives the process and the machine stopping.
func (p *Pipeline) Sync() error {
	err := p.Flush()
	if g := p.live.Load(); g != nil {
		err = errors.Join(err, g.sync())
	}
	return err
}

// Stats returns the cumulative counters. It never waits on a sink.
func (p *Pipeline) Stats() Counters {
	p.mu.Lock()
	p.settleLocked()
	c := p.retired
	for _, d := range p.draining {
		for _, s := range d.stats() {
			c.add(s)
		}
	}
	if p.newest != nil {
		c.Sinks = p.newest.stats()
	} else {
		c.Sinks = append([]ring.Stats(nil), p.lastSinks...)
	}
	g := p.live.Load()
	p.mu.Unlock()
	c.Detail = p.detail.snapshot()
	c.Redacted = p.redacted.Load()
	if g != nil {
		c.Sinks = g.stats()
		for _, s := range c.Sinks {
			c.add(s)
		}
	}
	return c
}

// The package functions act on the default Pipeline.

// Logger returns the default Pipeline's logger. It never returns nil and
// does not allocate.
func Logger() *zerolog.Logger { return Default().Logger() }

// Active returns the settings in force: those of the live pipeline, or those
// the next one will be built with.
func Active() Settings { return Default().Settings() }

// Configure configures the default Pipeline; see Pipeline.Configure.
func Configure(opts ...Option) error { return Default().Configure(opts...) }

// Close closes the default Pipeline; see Pipeline.Close.
func Close() error { return Default().Close() }

// Flush flushes the default Pipeline; see Pipeline.Flush.
func Flush() error { return Default().Flush() }

// Sync flushes the default Pipeline and commits its files to stable storage.
func Sync() error { return Default().Sync() }

// Stats returns the default Pipeline's counters; see Pipeline.Stats.
func Stats() Counters { return Default().Stats() }

// levelGate is the sampler of every logger a Pipeline hands out: zerolog
// asks it before it encodes anything, so a record below the Pipeline's level
// costs one atomic load, and a change of level reaches loggers already
// handed out (and their children) without rebuilding them.
type levelGate struct{ p *Pipeline }

// Sample reports whether the Pipeline writes records at level l.
func (g levelGate) Sample(l zerolog.Level) bool { return g.p.Enabled(l) }

// pipeWriter is the writer behind every logger a Pipeline hands out. Each
// record goes to the generation live when it is written, so a logger kept
// across a rebuild still reaches live sinks.
type pipeWriter struct{ p *Pipeline }

func (w pipeWriter) Write(rec []byte) (int, error) { return w.WriteLevel(zerolog.NoLevel, rec) }

// WriteLevel routes error and above to the error stream, the rest to the
// success stream, and everything to the console. A fatal or panic record is
// the last a process may write: the call returns only once it, and every
// record before it, is in its file and synced, as zerolog then exits or
// panics.
func (w pipeWriter) WriteLevel(l zerolog.Level, rec []byte) (int, error) {
	return w.p.WriteWith(l, rec, nil)
}

// LoggerOf returns a logger of p that writes through w, gated by p's level
// like every logger p hands out (see SetLevel). w is typically a small
// writer of the caller's that calls WriteWith with fields of its own.
func (p *Pipeline) LoggerOf(w zerolog.LevelWriter) zerolog.Logger {
	return zerolog.New(w).Sample(levelGate{p})
}

// WriteWith writes rec, a record of a zerolog logger at level l (NoLevel
// for none), as p's own loggers do: error and above to the error stream,
// the rest to the success stream, everything to the console, stamped with
// the time now (to the microsecond; see stamp). fields, when not empty, is put in after the record's level
// and logger fields: ,"key":value pairs, each with its leading comma, of
// keys among those LogCrest writes first (trace_id, span_id, flow_id, seq,
// fn; see ownKeys), so that they win over a user's field of the same name,
// which is kept under "logcrest_dup". A span's logger adds its IDs this way, at no cost until it writes, rather
// than carrying them in a zerolog context (a 500-byte buffer per logger). A
// fatal or panic record is the last a process may write: the call returns
// only once it, and every record before it, is in its file and synced, as
// zerolog then exits or panics. The caller may reuse rec and fields once
// WriteWith returns.
func (p *Pipeline) WriteWith(l zerolog.Level, rec, fields []byte) (int, error) {
	if l < zerolog.Level(p.level.Load()) {
		// Only reached with sampling disabled process-wide
		// (zerolog.DisableSampling), which bypasses levelGate.
		return len(rec), nil
	}
	stream := successOf
	if l >= zerolog.ErrorLevel && l <= zerolog.PanicLevel {
		stream = errsOf
	}
	n, err := p.dispatch(rec, l, fields, stream, stamp())
	if l == zerolog.FatalLevel || l == zerolog.PanicLevel {
		_ = p.Sync()
	}
	return n, err
}

// Close syncs the Pipeline (zerolog's Fatal calls it before os.Exit). It
// does not close the Pipeline: the process is about to end, or, with
// zerolog.FatalExitFunc set, goes on logging.
func (w pipeWriter) Close() error { return w.p.Sync() }

// streamID names the stream a record belongs to: its file, and the added
// sinks that take it (see AddSink).
type streamID uint8

const (
	successOf streamID = iota
	errsOf
	flowsOf
)

// file returns the ring of stream s's file, nil when the files are off.
func (p *gen) file(s streamID) *ring.Ring {
	switch s {
	case errsOf:
		return p.errs
	case flowsOf:
		return p.flows
	}
	return p.success
}

// headed is the level dispatch is given for a record that LogCrest encoded
// itself, whose head (level and logger fields) is already in place.
const headed = zerolog.Disabled

// headedUnique is headed for a record whose keys are unique at every depth
// already (WriteUniqueFlow, WriteUniqueRecord).
const headedUnique = zerolog.Disabled + 1

// dispatch sends rec to the file ring stream picks and to the console,
// stamped with t. A record of a zerolog logger (l is its level, or NoLevel)
// gets the live logger name put in after its level field, then fields (see
// WriteWith); a record LogCrest encoded itself (l is headed or
// headedUnique) is written as it is.
func (p *Pipeline) dispatch(rec []byte, l zerolog.Level, fields []byte, stream streamID, t time.Time) (int, error) {
	if len(rec) == 0 || rec[0] != '{' {
		return 0, errNotJSON
	}
	n := len(rec)
	if l != headed && l != headedUnique && needsFlatten(rec) {
		// A zerolog record with a raw LF; LogCrest's own escape every CR
		// and LF (see WriteRecord). A CR alone is the sinks' to flatten.
		rec = flatten(rec)
	}
	var buf [256]byte
	todo := ^sinkMask(0)
	for todo != 0 {
		g := p.current()
		if todo&toConsole != 0 && g.consoleMin > zerolog.TraceLevel && !g.consoleWants(l, rec) {
			if todo &^= toConsole; todo == 0 {
				break
			}
		}
		prefix, body := g.frame(buf[:0], t, l, rec, fields)
		todo = g.route(stream, prefix, body, todo)
	}
	return n, nil
}

// frame splits the record as written into a prefix built in dst (its time
// field, then for a zerolog record its level and logger fields and fields)
// and the rest of rec that follows it.
func (g *gen) frame(dst []byte, t time.Time, l zerolog.Level, rec, fields []byte) (prefix, body []byte) {
	switch l {
	case headedUnique:
		// The caller vouches for its keys: marked, the sinks need not
		// check them again.
		return timePrefix(append(dst, uniqueMark), t, rec), rec[1:]
	case headed:
		return timePrefix(dst, t, rec), rec[1:]
	}
	dst = append(dst, `{"`+schema.KeyTime+`":"`...)
	dst = appendTimestamp(dst, t)
	dst = append(dst, `",`...)
	i := int(zerolog.InfoLevel - zerolog.TraceLevel) // any level: for the logger field alone
	if l >= zerolog.TraceLevel && l <= zerolog.PanicLevel {
		i = int(l - zerolog.TraceLevel)
	}
	head, zhead := g.heads[i], g.zheads[i]
	if l <= zerolog.PanicLevel && len(zhead) > 1 && bytes.HasPrefix(rec, []byte(zhead)) {
		dst = append(dst, head[1:]...)
		body = rec[len(zhead):]
	} else {
		// No level field (NoLevel, or zerolog's level field renamed
		// since the generation was built): the logger field alone.
		skip := len(zhead)
		if skip > 1 {
			skip++ // the comma after the level field
		}
		dst = append(dst, head[skip:]...)
		body = rec[1:]
	}
	if len(fields) > 0 {
		if dst[len(dst)-1] == ',' {
			fields = fields[1:] // the head was empty: its comma is in place
		}
		dst = append(dst, fields...)
	}
	if len(body) > 0 && body[0] != ',' && body[0] != '}' {
		dst = append(dst, ',')
	}
	return dst, body
}

// needsFlatten reports whether rec holds an LF before its end (see
// flatten). It is the caller's one pass over a record, vectorised
// (bytes.IndexByte): a CR does not split a record in the ring, so it is
// left to the sink's goroutine (sinkFormat), which makes a space of it
// before any sink sees it.
func needsFlatten(rec []byte) bool {
	i := bytes.IndexByte(rec, '\n')
	return i >= 0 && i < len(rec)-1
}

// flatten returns a copy of rec in which every CR and every LF but a final
// one is a space. zerolog escapes them in strings, so they can only come from
// raw JSON (Event.RawJSON), where they are whitespace (or the JSON is invalid
// anyway); left in, they would end the record early (a lone CR ends a line
// for Python's and many other line readers), and the rest of it, chosen by
// whoever controls that JSON, would read as a record of its own. An LF must
// go before the record enters a ring, which ends a record at its first LF;
// a CR alone is made a space by the sinks' format (sinkFormat.clean), off
// the caller's path. Records are rarely like this, so the copy is allowed
// to allocate.
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
