package core

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/logcrest/logcrest/internal/ring"
)

// ExtSink describes a sink added to a Pipeline from outside the engine (the
// OTLP logs export of package otel is one): a writer that gets the records
// of chosen streams as the files get them, JSON lines, in batches.
type ExtSink struct {
	// Name identifies the sink in Stats (Counters.Sinks) and warnings,
	// "otlp" say. It must not be empty, nor a stream's or the console's
	// name, nor the name of another added sink.
	Name string
	// W receives the records: each Write is a batch of whole records, one
	// JSON object a line, each with its keys made unique as in the files.
	// Write is called from one goroutine at a time (the ring's of the
	// generation live, or of one draining), never on a log call's path; its
	// records are counted written when it returns nil, failed otherwise.
	// When W is an io.Closer, Close is called each time a generation of
	// the Pipeline closes (Close, a Configure, AddSink or a remove): a
	// point to hand over what W holds, bounded by the close timeout like
	// every write. W itself is never closed for good by the Pipeline.
	W io.Writer
	// Streams are the streams whose records W gets: StreamSuccess,
	// StreamError, StreamFlows; none means all three.
	Streams []string
	// MaxBytes caps the memory of the records waiting for W (0: the
	// Pipeline's WithMaxBuffer); QueueSize bounds their count (0: the
	// Pipeline's WithQueueSize). What they refuse is dropped and counted.
	MaxBytes  int64
	QueueSize int
}

// extSpec is an added sink as the Pipeline keeps it across generations.
type extSpec struct {
	ExtSink
	streams uint8      // bit 1<<streamID for each stream taken
	w       *serialExt // W, serialised across generations
}

// extRing is an added sink in one generation.
type extRing struct {
	r       *ring.Ring
	streams uint8
}

// maxExt is how many sinks AddSink takes: the bits of sinkMask left after
// the file and the console.
const maxExt = 30

// AddSink adds s to the Pipeline: from the next generation on (AddSink
// builds one at once when the Pipeline is live, as Configure does, the
// current one drained and closed within the close timeout) each generation
// has one more ring, draining into s.W, which takes the records of
// s.Streams exactly as the files do. It inherits the guarantees of every
// sink: a log call never waits on it, its memory is capped, what it drops
// or fails to write is counted in Stats under s.Name, and Close, Flush and
// Configure wait for it as for the files. remove takes the sink out the same
// way (a new generation, the old one closed within the close timeout) and
// returns the error of that close; calling it again does nothing.
func (p *Pipeline) AddSink(s ExtSink) (remove func() error, err error) {
	spec, err := newExtSpec(s)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	for _, e := range p.ext {
		if e.Name == s.Name {
			p.mu.Unlock()
			return nil, fmt.Errorf("logcrest: a sink named %q is added already", s.Name)
		}
	}
	if len(p.ext) >= maxExt {
		p.mu.Unlock()
		return nil, fmt.Errorf("logcrest: at most %d sinks can be added to a pipeline", maxExt)
	}
	p.ext = append(slices.Clip(p.ext), spec)
	err = p.rebuildLocked()
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			p.mu.Lock()
			i := slices.Index(p.ext, spec)
			if i < 0 {
				p.mu.Unlock()
				return
			}
			p.ext = slices.Delete(slices.Clone(p.ext), i, i+1)
			err = p.rebuildLocked()
		})
		return err
	}, err
}

func newExtSpec(s ExtSink) (*extSpec, error) {
	switch s.Name {
	case "", StreamSuccess, StreamError, StreamFlows, StreamConsole:
		return nil, fmt.Errorf("logcrest: an added sink needs a name of its own, not %q", s.Name)
	}
	if s.W == nil {
		return nil, fmt.Errorf("logcrest: the added sink %q has no writer", s.Name)
	}
	spec := &extSpec{ExtSink: s, w: &serialExt{w: s.W}}
	if len(s.Streams) == 0 {
		spec.streams = 1<<successOf | 1<<errsOf | 1<<flowsOf
	}
	for _, name := range s.Streams {
		switch name {
		case StreamSuccess:
			spec.streams |= 1 << successOf
		case StreamError:
			spec.streams |= 1 << errsOf
		case StreamFlows:
			spec.streams |= 1 << flowsOf
		default:
			return nil, fmt.Errorf("logcrest: the added sink %q names an unknown stream %q (want %s, %s or %s)",
				s.Name, name, StreamSuccess, StreamError, StreamFlows)
		}
	}
	return spec, nil
}

// rebuildLocked, with p.mu held (and released by it), builds a new
// generation with the same settings and the added sinks in p.ext, when one
// is live, and retires and closes the old one as Configure does.
func (p *Pipeline) rebuildLocked() error {
	old := p.live.Load()
	if old == nil {
		p.mu.Unlock()
		return nil
	}
	deadline := hardCap(time.Now(), old.settings.CloseTimeout)
	p.live.Store(newGen(old.settings, &p.redacted, p.ext))
	p.retire(old, deadline)
	p.mu.Unlock()
	err := old.close(deadline)
	p.settle()
	return err
}

// startExt starts a ring for each added sink; they come after the error
// stream in p.rings, so Stats lists them last and close stops them before
// the error stream, into which they report their drops.
func (p *gen) startExt(specs []*extSpec) {
	for _, s := range specs {
		// The records as the files' JSON holds them, redacted as every
		// sink's are (see sinkFormat).
		opt := p.ringOptions(s.Name, nil)
		if s.QueueSize != 0 {
			opt.QueueSize = s.QueueSize
		}
		if s.MaxBytes != 0 {
			opt.MaxBytes = s.MaxBytes
		}
		r := ring.New(s.w, opt)
		p.ext = append(p.ext, extRing{r: r, streams: s.streams})
		p.rings = append(p.rings, r)
	}
}

// routeExt sends one record of stream s to the added sinks in todo that take
// s, and returns those that refused it because this generation is closing.
func (p *gen) routeExt(s streamID, prefix, body []byte, todo sinkMask) sinkMask {
	var left sinkMask
	for i, e := range p.ext {
		bit := toExt << i
		if todo&bit == 0 || e.streams&(1<<s) == 0 {
			continue
		}
		if _, err := e.r.WriteWithPrefix(prefix, body); errors.Is(err, ring.ErrClosed) {
			left |= bit
		}
	}
	return left
}

// isExt reports whether sink names an added sink of p.
func (p *gen) isExt(sink string) bool {
	for _, e := range p.ext {
		if e.r.Name() == sink {
			return true
		}
	}
	return false
}

// serialExt serialises the writes of an added sink's successive
// generations: a retired generation may still drain while the next writes.
type serialExt struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *serialExt) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// Close hands over what the writer holds, when it is an io.Closer; see
// ExtSink.W.
func (s *serialExt) Close() error {
	c, ok := s.w.(io.Closer)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.Close()
}
