package core

import (
	"bytes"
	"sync/atomic"

	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/redact"
)

// sinkFormat turns the records of one sink's ring into what the sink
// receives: every record, LogCrest's own (flow_end's fields and flow_error,
// error records) as much as the user's, has its secrets masked (when
// redaction is on), then its keys made unique (see ownKeys), then goes to
// text, or is written as JSON when text is nil. It runs on the ring's
// background goroutine, so a log call pays nothing for it, and it is that
// goroutine's alone (not safe for concurrent use).
//
// Its keep is the ring's Options.Keep: a JSON sink's record with nothing to
// mask and unique keys, the common case, is what format would write, so the
// ring writes a segment of such records straight from where the callers put
// them, with no copy (ring.Options.Keep). The check is the pass format would
// make anyway: a record keep turns down is not checked twice, as format
// takes what keep found for it.
type sinkFormat struct {
	redactor *redact.Redactor // nil: redaction off
	redacted *atomic.Uint64   // values masked, for the Pipeline's life
	u        *jsonenc.Uniquer
	keys     redact.Scratch               // the redactor's memory for this goroutine
	text     func(dst, rec []byte) []byte // nil: JSON
	scratch  []byte                       // a redacted record
	flat     []byte                       // a record whose CRs were made spaces
	// turned is the record keep last turned down and out what it becomes;
	// format, which the ring calls next on that record, takes out.
	turned, out []byte
}

// sinkFormat returns the format of a ring of p whose records go to text
// (nil: JSON).
func (p *gen) sinkFormat(text func(dst, rec []byte) []byte) *sinkFormat {
	return &sinkFormat{redactor: p.redactor, redacted: p.redacted, u: jsonenc.NewUniquer(ownKeys()...), text: text}
}

// clean returns rec with its secrets masked and its keys made unique: rec
// itself when there was nothing to change, else bytes valid until the next
// call. Each masked value is counted here, once.
//
// A CR in rec (which only raw JSON can put there, see flatten; the caller
// took out every LF but the last) becomes a space first, as a lone CR ends
// a line for many line readers.
//
// A record that begins with uniqueMark (one LogCrest encoded itself, whose
// keys are unique already) is returned without the mark and its keys
// unchecked. Every ring of a gen has this format, so the mark never reaches
// a sink.
func (f *sinkFormat) clean(rec []byte) []byte {
	if bytes.IndexByte(rec, '\r') >= 0 {
		f.flat = append(f.flat[:0], rec...)
		for i, c := range f.flat {
			if c == '\r' {
				f.flat[i] = ' '
			}
		}
		rec = f.flat
	}
	if f.redactor == nil {
		if len(rec) > 0 && rec[0] == uniqueMark {
			return rec[1:]
		}
		return f.u.Unique(rec)
	}
	// One walk masks the secrets and checks the keys; only a record it
	// could not vouch for (a key repeated, or written with an escape or a
	// byte outside ASCII) is walked again by the Uniquer. Masking changes
	// values only, so the keys of what it returns are those it checked.
	out, n, unique := f.redactor.RecordUnique(&f.keys, f.scratch, rec)
	if n > 0 {
		f.scratch = out[:0]
		f.redacted.Add(uint64(n))
	}
	if len(out) > 0 && out[0] == uniqueMark {
		return out[1:]
	}
	if unique {
		return out
	}
	return f.u.Unique(out)
}

// keep reports whether format would append rec unchanged: a JSON sink, and
// clean returns rec itself.
func (f *sinkFormat) keep(rec []byte) bool {
	if f.text != nil {
		return false // a text line is always rewritten
	}
	out := f.clean(rec)
	if same(out, rec) {
		return true
	}
	f.turned, f.out = rec, out
	return false
}

// format appends to dst what the sink gets for rec.
func (f *sinkFormat) format(dst, rec []byte) []byte {
	var out []byte
	if f.turned != nil && same(f.turned, rec) {
		out = f.out
		f.turned, f.out = nil, nil
	} else {
		out = f.clean(rec)
	}
	if f.text == nil {
		return append(dst, out...)
	}
	return f.text(dst, out)
}

// same reports whether a and b are the same bytes in memory.
func same(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
