package core

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/redact"
	"github.com/logcrest/logcrest/internal/ring"
	"github.com/logcrest/logcrest/internal/schema"
	"github.com/logcrest/logcrest/writers"
)

// Stream names: the folders under the log directory, and the sink names in
// Stats.
const (
	StreamSuccess = schema.StreamSuccess
	StreamError   = schema.StreamError
	StreamFlows   = schema.StreamFlows
	StreamConsole = "console"
)

// sinkMask says which sinks a record still has to reach; a write that raced a
// rebuild is retried only for the sinks the old pipeline refused, so a record
// is never written twice.
type sinkMask uint32

const (
	toFile sinkMask = 1 << iota
	toConsole
	toExt // the first added sink (AddSink); the i-th is toExt << i
)

// gen is one generation of a Pipeline: the sinks built from one set of
// settings, a ring per stream, each draining into a rotating file, plus the
// console ring. A gen is immutable once built; a rebuild makes a new one and
// retires the old.
type gen struct {
	settings Settings
	policy   DetailPolicy // of settings, for each flow that starts
	success  *ring.Ring
	errs     *ring.Ring
	flows    *ring.Ring
	console  *ring.Ring // nil when the console is off
	// consoleMin is the least level the console gets (see ConsoleMin);
	// TraceLevel lets every record through unchecked.
	consoleMin zerolog.Level
	rings      []*ring.Ring
	files      []*fileSink
	ext        []extRing // the added sinks (see extsink.go), after errs in rings
	// closeBy is the deadline (Unix nanoseconds) of the close under way,
	// or 0; the file sinks, closed by their rings' goroutines, read it to
	// bound their own closing (the compressor) within it.
	closeBy *atomic.Int64

	// heads[l] begins a record at level l with its level and logger fields,
	// {"level":"info","logger":"<name>" (see AppendHead); zheads[l] is how
	// a zerolog record at l begins, {"level":"info", which dispatch
	// replaces with heads[l] so the logger name is the live one.
	heads  [numLevels]string
	zheads [numLevels]string

	// redactor masks secrets in every record a sink gets (see p.ring) and
	// in the spans an EndHook gets; nil when redaction is off. redacted
	// counts the values it masked, for the Pipeline's life.
	redactor *redact.Redactor
	redacted *atomic.Uint64
}

// numLevels counts the levels from trace to panic.
const numLevels = int(zerolog.PanicLevel-zerolog.TraceLevel) + 1

// warnEvery is the shortest interval between two warnings about one fault.
const warnEvery = time.Minute

func newGen(s Settings, redacted *atomic.Uint64, ext []*extSpec) *gen {
	p := &gen{settings: s, policy: policyOf(&s), closeBy: new(atomic.Int64), redacted: redacted}
	if p.redacted == nil {
		p.redacted = new(atomic.Uint64)
	}
	p.redactor = redactorOf(&s)
	if s.Console != nil && s.ConsoleFmt != ConsoleOff {
		var text func(dst, rec []byte) []byte
		if s.ConsoleFmt != ConsoleJSON { // JSON: the records as the files hold them
			text = writers.TextFormatter{Color: writers.ColorFor(s.Console)}.Append
		}
		p.console = p.ring(writers.NewConsole(s.Console), StreamConsole, text)
		p.consoleMin = ConsoleMin(s)
		p.rings = append(p.rings, p.console)
	}
	if s.Files {
		var text func(dst, rec []byte) []byte
		if !s.JSON {
			text = writers.TextFormatter{}.Append
		}
		open := func(stream string) *ring.Ring {
			sink := openFileSink(filepath.Join(s.Dir, stream, s.Name+".log"), s)
			sink.closeBy, sink.closeTimeout = p.closeBy, s.CloseTimeout
			p.files = append(p.files, sink)
			return p.ring(sink, stream, text)
		}
		p.success = open(StreamSuccess)
		p.flows = open(StreamFlows)
		p.errs = open(StreamError)
		// Close order: the error ring last, as the others report drops
		// into it.
		p.rings = append(p.rings, p.success, p.flows, p.errs)
	}
	p.startExt(ext)
	p.heads, p.zheads = recordHeads(s.Name)
	return p
}

// isTerminal reports whether f is open on a terminal. Tests replace it to
// play a terminal or a redirected stdout without depending on their own.
var isTerminal = func(f *os.File) bool {
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// ConsoleMin returns the least level of a record the console of s gets:
// the level of s.ConsoleLevel when it names one; for ConsoleLevelAuto,
// WarnLevel when the console is a readable copy nobody watches (the files
// on, the text format, an *os.File that is not a terminal: stdout
// redirected to a file or a pipe, journald), else TraceLevel, every record
// the pipeline writes (a terminal, a JSON console, the files off, or a
// writer the program gave that is not a file).
func ConsoleMin(s Settings) zerolog.Level {
	if s.ConsoleLevel != ConsoleLevelAuto {
		if l, err := ParseLevel(s.ConsoleLevel); err == nil {
			return l
		}
		return zerolog.TraceLevel // unreachable once resolved: checkConsoleLevel
	}
	f, ok := s.Console.(*os.File)
	if !s.Files || s.ConsoleFmt == ConsoleJSON || !ok || f == nil || isTerminal(f) {
		return zerolog.TraceLevel
	}
	return zerolog.WarnLevel
}

// consoleWants reports whether the console takes a record at level l (a
// zerolog record's, or NoLevel) or, for a record LogCrest encoded itself
// (l headed or headedUnique), at the level its head names.
func (g *gen) consoleWants(l zerolog.Level, rec []byte) bool {
	if l == headed || l == headedUnique {
		l = zerolog.NoLevel
		for i, zh := range g.zheads {
			if len(zh) > 1 && len(rec) > len(zh) && bytes.HasPrefix(rec, []byte(zh)) && rec[len(zh)] == ',' {
				l = zerolog.TraceLevel + zerolog.Level(i)
				break
			}
		}
	}
	if l < zerolog.TraceLevel || l > zerolog.PanicLevel {
		return true // no level to judge by: never lost on the console
	}
	return l >= g.consoleMin
}

// uniqueMark begins, in a ring, a record whose keys need no check (see
// sinkFormat.clean). A record itself always begins with '{'.
const uniqueMark = 0

// ownKeys returns the keys LogCrest writes at the start of a record, before
// any field of the user's: time, level (zerolog.LevelFieldName), logger,
// and the fields of a step's logger (trace_id, span_id, flow_id, seq, fn,
// and buffered on a record its flow held; see WriteWith). When a record holds one of them twice at its top level,
// the first is LogCrest's and keeps the key; the user's moves into
// "logcrest_dup" (schema.KeyDup). Of every other key repeated in an object
// the last keeps it: the message (zerolog.MessageFieldName), which LogCrest
// and zerolog write last, and, between a user's own fields, the latest,
// which is the one a JSON reader that keeps the last value read before.
func ownKeys() []string {
	level := zerolog.LevelFieldName
	if level == "" {
		level = schema.KeyLevel
	}
	return []string{schema.KeyTime, level, schema.KeyLogger, schema.KeyTraceID, schema.KeySpanID, schema.KeyFlowID, schema.KeySeq, schema.KeyFn, schema.KeyBuffered}
}

// redactorOf returns the Redactor s asks for, nil when redaction is off.
func redactorOf(s *Settings) *redact.Redactor {
	if !s.Redact {
		return nil
	}
	c := redact.Config{HashKey: []byte(s.RedactHashKey)}
	c.Keys = redact.Keys(strings.Split(s.RedactKeys, ","))
	if s.RedactPatterns != "" {
		c.Pattern, _ = regexp.Compile(s.RedactPatterns) // checked by Resolve
	}
	return redact.New(c)
}

// ring starts the ring of one sink; its records pass through the
// redaction and the key check, and then text (see sinkFormat).
func (p *gen) ring(sink io.Writer, name string, text func(dst, rec []byte) []byte) *ring.Ring {
	return ring.New(sink, p.ringOptions(name, text))
}

// ringOptions are the options of the ring of sink name: the pipeline's
// bounds and reports, and the format of its records (see sinkFormat).
func (p *gen) ringOptions(name string, text func(dst, rec []byte) []byte) ring.Options {
	f := p.sinkFormat(text)
	return ring.Options{
		Name:      name,
		QueueSize: p.settings.QueueSize,
		MaxBytes:  p.settings.MaxBuffer,
		Format:    f.format,
		Keep:      f.keep,
		OnDrop:    p.reportDrop,
		OnError:   p.reportError,
	}
}

// route sends one record of stream s, prefix then body, to the sinks in
// todo and returns those that refused it because this pipeline is closing.
func (p *gen) route(s streamID, prefix, body []byte, todo sinkMask) sinkMask {
	var left sinkMask
	file := p.file(s)
	if todo&toFile != 0 && file != nil {
		if _, err := file.WriteWithPrefix(prefix, body); errors.Is(err, ring.ErrClosed) {
			left |= toFile
		}
	}
	if todo&toConsole != 0 && p.console != nil {
		if _, err := p.console.WriteWithPrefix(prefix, body); errors.Is(err, ring.ErrClosed) {
			left |= toConsole
		}
	}
	if len(p.ext) > 0 {
		left |= p.routeExt(s, prefix, body, todo)
	}
	return left
}

// reportDrop writes the "logcrest dropped N records" warning into the error
// stream, the console and the added sinks that take the error stream,
// bypassing the queue bound.
func (p *gen) reportDrop(sink string, n uint64) {
	rec := make([]byte, 0, 192)
	rec = timePrefix(rec, time.Now(), nil)
	rec = append(rec, p.heads[zerolog.WarnLevel-zerolog.TraceLevel][1:]...)
	rec = append(rec, `,"`+schema.KeySink+`":`...)
	rec = jsonenc.String(rec, sink)
	rec = append(rec, `,"`+schema.KeyDropped+`":`...)
	rec = strconv.AppendUint(rec, n, 10)
	rec = append(rec, `,"`+schema.KeyMessage+`":"logcrest dropped `...)
	rec = strconv.AppendUint(rec, n, 10)
	rec = append(rec, " records\"}\n"...)
	if p.errs != nil {
		_ = p.errs.Notice(rec)
	}
	if p.console != nil {
		_ = p.console.Notice(rec)
	}
	// An added sink that takes the error stream gets it too: with the
	// files and the console off (records leave by OTLP alone) it is the
	// only place a drop can be told.
	for _, e := range p.ext {
		if e.streams&(1<<errsOf) != 0 {
			_ = e.r.Notice(rec)
		}
	}
}

// faultKey names the fault a failing sink belongs to, for the warning rate
// limit: the three files share their folder, so a folder that cannot be used
// is one fault however many streams (and rebuilds) run into it.
func (p *gen) faultKey(sink string) string {
	if sink == StreamConsole {
		return StreamConsole
	}
	if p.isExt(sink) {
		return "sink:" + sink
	}
	return filesFault(p.settings.Dir)
}

func filesFault(dir string) string { return "files:" + dir }

// reportError turns a sink failure into at most one warning a minute per
// fault, process-wide; the lost records are counted in the ring's stats
// either way.
func (p *gen) reportError(sink string, err error, records int) {
	if !writeWarnings.allow(p.faultKey(sink), time.Now()) {
		return
	}
	Warnf("writing to the %s sink failed (%d records lost): %v; "+
		"further failures are counted in Stats and warned about at most once a minute", sink, records, err)
}

// errsFloor is the least time the error stream gets to finish closing, even
// when another sink (a stuck console) used up the whole close timeout: it is
// closed last, as the other sinks report their drops into it, and its
// records are the ones that matter most. A stuck sink therefore holds Close
// up for the close timeout plus at most errsFloor.
const errsFloor = 500 * time.Millisecond

// capFactor sets the hard cap on Close, Flush and the close of a replaced
// generation: capFactor close timeouts, however steadily the sinks are
// still writing. The close timeout alone bounds a sink that makes no
// progress; a slow one is waited for, as giving up on it loses records it
// would have written (two processes rotating in a folder of 20,000 backups
// still held ~97k records each after 5 s), but a sink that trickles (a
// console read a line a second, with 64 MiB queued for it) would otherwise
// hold a process's exit for hours. Ten times the timeout, 50 s by default,
// drains 64 MiB at 1.3 MB/s and still ends within systemd's default stop
// timeout of 90 s.
const capFactor = 10

// hardCap returns when a wait begun at start with close timeout d gives up
// whatever the progress.
func hardCap(start time.Time, d time.Duration) time.Time {
	if d > math.MaxInt64/capFactor {
		return start.Add(math.MaxInt64)
	}
	return start.Add(capFactor * d)
}

// patience is how a wait begun at start, with the generation's close
// timeout, waits for each of its rings: it gives up on one that has made no
// progress for the close timeout, and on every one at deadline.
func (p *gen) patience(start, deadline time.Time) ring.Patience {
	return ring.Patience{Idle: p.settings.CloseTimeout, Since: start, Until: deadline}
}

// flush waits until everything accepted so far is handed to the sinks, or
// until a sink has made no progress for the close timeout since start (when
// the caller began to wait), or until deadline.
func (p *gen) flush(start, deadline time.Time) error {
	wait := p.patience(start, deadline)
	var errs []error
	for _, r := range p.rings {
		if err := r.FlushWith(wait); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// setCloseBy tells the sinks the deadline of the close under way (before
// stop, which may have them closed at once).
func (p *gen) setCloseBy(deadline time.Time) {
	p.closeBy.Store(deadline.UnixNano())
}

// stop makes every ring but the error stream's refuse new records and write
// out what they hold, without waiting; close stops the error stream once the
// others are done, as they report their drops into it.
func (p *gen) stop() {
	for _, r := range p.rings {
		if r != p.errs {
			r.Stop()
		}
	}
}

// sync commits the files to stable storage.
func (p *gen) sync() error {
	var errs []error
	for _, f := range p.files {
		errs = append(errs, f.Sync())
	}
	return errors.Join(errs...)
}

// close stops every sink and waits for them to write what they hold and
// close: as long as each makes progress, up to deadline; a sink that has
// made none for the close timeout is given up on. The sinks drain in
// parallel, so a stuck one (a console that never returns) costs the others
// nothing; the error stream stops only once the others are done (or given up
// on) and gets at least errsFloor. Calling close again waits again, with the
// new deadline.
func (p *gen) close(deadline time.Time) error {
	p.setCloseBy(deadline)
	start := time.Now()
	wait := p.patience(start, deadline)
	p.stop()
	var errs []error
	for _, r := range p.rings {
		if r != p.errs {
			if err := r.CloseWith(wait); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if p.errs != nil {
		// The error stream's idle clock runs from the start, as the
		// others' did, but not so that it gets less than errsFloor from
		// now; the floor also lifts the cap.
		now := time.Now()
		floor := min(errsFloor, p.settings.CloseTimeout)
		if since := now.Add(floor - p.settings.CloseTimeout); since.After(wait.Since) {
			wait.Since = since
		}
		if until := now.Add(floor); until.After(wait.Until) {
			wait.Until = until
			p.setCloseBy(until) // the error stream's own, stopped only now
		}
		if err := p.errs.CloseWith(wait); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// finished reports whether every sink has written all it held and closed.
func (p *gen) finished() bool {
	for _, r := range p.rings {
		select {
		case <-r.Done():
		default:
			return false
		}
	}
	return true
}

func (p *gen) stats() []ring.Stats {
	out := make([]ring.Stats, 0, len(p.rings))
	for _, r := range p.rings {
		out = append(out, r.Stats())
	}
	return out
}
