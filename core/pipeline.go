package core

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/writers"
)

// Stream names: the folders under the log directory, and the sink names in
// Stats.
const (
	StreamSuccess = "success"
	StreamError   = "error"
	StreamFlows   = "flows"
	StreamConsole = "console"
)

// sinkMask says which sinks a record still has to reach; a write that raced a
// rebuild is retried only for the sinks the old pipeline refused, so a record
// is never written twice.
type sinkMask uint8

const (
	toFile sinkMask = 1 << iota
	toConsole
)

// Pipeline is one built set of sinks: a ring per stream, each draining into a
// rotating file, plus the console ring. A Pipeline is immutable once built;
// a rebuild makes a new one and closes the old.
type Pipeline struct {
	settings Settings
	success  *writers.Ring
	errs     *writers.Ring
	flows    *writers.Ring
	console  *writers.Ring // nil when the console is off
	rings    []*writers.Ring

	base zerolog.Logger // the global logger: success/error files and console
	flow zerolog.Logger // flow records: flows file and console

	warnMu   sync.Mutex
	lastWarn map[string]time.Time
}

// warnEvery is the shortest interval between two write-failure warnings for
// one sink.
const warnEvery = time.Minute

func newPipeline(s Settings) *Pipeline {
	p := &Pipeline{settings: s, lastWarn: make(map[string]time.Time)}
	var fileFormat func(dst, rec []byte) []byte
	if !s.JSON {
		fileFormat = writers.TextFormatter{}.Append
	}
	open := func(stream string) *writers.Ring {
		sink := openFileSink(filepath.Join(s.Dir, stream, s.Name+".log"), s)
		return writers.NewRing(sink, writers.RingOptions{
			Name:      stream,
			QueueSize: s.QueueSize,
			Format:    fileFormat,
			OnDrop:    p.reportDrop,
			OnError:   p.reportError,
		})
	}
	p.success = open(StreamSuccess)
	p.flows = open(StreamFlows)
	p.errs = open(StreamError)
	if s.Console != nil {
		p.console = writers.NewRing(writers.NewConsole(s.Console), writers.RingOptions{
			Name:      StreamConsole,
			QueueSize: s.QueueSize,
			Format:    writers.TextFormatter{Color: writers.ColorFor(s.Console)}.Append,
			OnDrop:    p.reportDrop,
			OnError:   p.reportError,
		})
		p.rings = append(p.rings, p.console)
	}
	// Close order: the error ring last, as the others report drops into it.
	p.rings = append(p.rings, p.success, p.flows, p.errs)

	p.base = zerolog.New(mainWriter{}).Level(s.Level).With().Str("logger", s.Name).Logger()
	p.flow = zerolog.New(flowWriter{}).Level(s.Level).With().Str("logger", s.Name).Logger()
	return p
}

// Settings returns the settings the pipeline was built with.
func (p *Pipeline) Settings() Settings { return p.settings }

// route sends one record to the sinks in todo and returns those that refused
// it because this pipeline is closing.
func (p *Pipeline) route(file *writers.Ring, prefix, rec []byte, todo sinkMask) sinkMask {
	var left sinkMask
	if todo&toFile != 0 {
		if _, err := file.WriteWithPrefix(prefix, rec[1:]); errors.Is(err, writers.ErrClosed) {
			left |= toFile
		}
	}
	if todo&toConsole != 0 && p.console != nil {
		if _, err := p.console.WriteWithPrefix(prefix, rec[1:]); errors.Is(err, writers.ErrClosed) {
			left |= toConsole
		}
	}
	return left
}

// reportDrop writes the "logcrest dropped N records" warning into the error
// stream (and the console), bypassing the queue bound.
func (p *Pipeline) reportDrop(sink string, n uint64) {
	rec := make([]byte, 0, 192)
	rec = timePrefix(rec, time.Now(), nil)
	rec = append(rec, `"level":"warn","logger":`...)
	rec = strconv.AppendQuote(rec, p.settings.Name)
	rec = append(rec, `,"sink":`...)
	rec = strconv.AppendQuote(rec, sink)
	rec = append(rec, `,"dropped":`...)
	rec = strconv.AppendUint(rec, n, 10)
	rec = append(rec, `,"message":"logcrest dropped `...)
	rec = strconv.AppendUint(rec, n, 10)
	rec = append(rec, " records\"}\n"...)
	_ = p.errs.Notice(rec)
	if p.console != nil {
		_ = p.console.Notice(rec)
	}
}

// reportError turns a sink failure into at most one warning a minute per
// sink; the lost records are counted in the ring's stats either way.
func (p *Pipeline) reportError(sink string, err error, records int) {
	now := time.Now()
	p.warnMu.Lock()
	last, seen := p.lastWarn[sink]
	if seen && now.Sub(last) < warnEvery {
		p.warnMu.Unlock()
		return
	}
	p.lastWarn[sink] = now
	p.warnMu.Unlock()
	Warnf("writing to the %s sink failed (%d records lost): %v", sink, records, err)
}

// flush waits until everything accepted so far is handed to the sinks.
func (p *Pipeline) flush(timeout time.Duration) error {
	var errs []error
	for _, r := range p.rings {
		if err := r.Flush(timeout); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// close drains and closes every ring within the close timeout.
func (p *Pipeline) close() error {
	deadline := time.Now().Add(p.settings.CloseTimeout)
	var errs []error
	for _, r := range p.rings {
		left := time.Until(deadline)
		if p.settings.CloseTimeout <= 0 {
			left = 0
		} else if left < time.Millisecond {
			left = time.Millisecond
		}
		if err := r.Close(left); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (p *Pipeline) stats() []writers.RingStats {
	out := make([]writers.RingStats, 0, len(p.rings))
	for _, r := range p.rings {
		out = append(out, r.Stats())
	}
	return out
}

// fileSink opens its rotating file on first use and again after a failure,
// so a folder that cannot be created at start (or disappears) costs counted
// write errors, not the service, and writing resumes once the fault clears.
type fileSink struct {
	opt  writers.RotatingFileOptions
	f    *writers.RotatingFile
	next time.Time // earliest retry after a failed open
}

func openFileSink(path string, s Settings) io.WriteCloser {
	fs := &fileSink{opt: writers.RotatingFileOptions{Path: path, MaxSize: s.MaxSize, Backups: s.BackupCount}}
	if err := fs.open(); err != nil {
		Warnf("cannot open log file %q, records for it are counted as failed until it can be: %v", path, err)
	}
	return fs
}

func (fs *fileSink) open() error {
	f, err := writers.OpenRotatingFile(fs.opt)
	if err != nil {
		fs.next = time.Now().Add(time.Second)
		return err
	}
	fs.f = f
	return nil
}

func (fs *fileSink) Write(p []byte) (int, error) {
	if fs.f == nil {
		if time.Now().Before(fs.next) {
			return 0, fmt.Errorf("log file %q is not open", fs.opt.Path)
		}
		if err := fs.open(); err != nil {
			return 0, err
		}
	}
	return fs.f.Write(p)
}

func (fs *fileSink) Close() error {
	if fs.f == nil {
		return nil
	}
	return fs.f.Close()
}
