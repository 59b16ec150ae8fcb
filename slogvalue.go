package logcrest

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/rs/zerolog"
)

// slogScratch is a record of its own in which the slog handler has zerolog
// encode one value of kind Any (the kind whose encoding runs the value's own
// code: MarshalJSON, MarshalZerologObject, Error), so that a value whose
// encoding panics spoils the scratch record, never the user's.
type slogScratch struct {
	out []byte // what the last record wrote: {"":<value>}\n, or {}\n
	log zerolog.Logger
}

func (s *slogScratch) Write(p []byte) (int, error) {
	s.out = append(s.out[:0], p...)
	return len(p), nil
}

// slogScratchMax is the largest buffer a scratch record keeps for reuse.
const slogScratchMax = 64 << 10

var slogScratches = sync.Pool{New: func() any {
	s := new(slogScratch)
	s.log = zerolog.New(s)
	return s
}}

// slogAppendSafe writes x under key as zerolog encodes it (an error by
// AnErr, anything else by Interface), or, when that encoding panics, as
// slog's JSONHandler writes such a value: null for a nil pointer (a method
// on a pointer receiver that does not guard against nil), else the string
// "!PANIC: " and what it panicked with. Either way the record keeps its
// other fields and is written.
func slogAppendSafe(e *zerolog.Event, key string, x any, asError bool) {
	s := slogScratches.Get().(*slogScratch)
	raw, p, panicked := s.encode(x, asError)
	switch {
	case panicked:
		slogAppendPanic(e, key, x, p)
	case raw != nil:
		e.RawJSON(key, raw)
	}
	if cap(s.out) <= slogScratchMax {
		slogScratches.Put(s)
	}
}

// encode returns the JSON of x, nil when zerolog writes nothing for it (an
// error ErrorMarshalFunc turns into nil, or zerolog's global level made
// Disabled meanwhile), or what encoding it panicked with. raw is s's own
// memory, valid until s is used again.
func (s *slogScratch) encode(x any, asError bool) (raw []byte, p any, panicked bool) {
	s.out = s.out[:0]
	e := s.log.Log()
	if e == nil {
		return nil, nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			p, panicked = r, true // e is left to the garbage collector
		}
	}()
	if asError {
		e.AnErr("", x.(error))
	} else {
		e.Interface("", x)
	}
	e.Send()
	const prefix, suffix = `{"":`, "}\n"
	if len(s.out) < len(prefix)+len(suffix)+1 {
		return nil, nil, false
	}
	return s.out[len(prefix) : len(s.out)-len(suffix)], nil, false
}

// slogAppendPanic writes the value of x whose encoding panicked with p.
func slogAppendPanic(e *zerolog.Event, key string, x any, p any) {
	if v := reflect.ValueOf(x); v.Kind() == reflect.Pointer && v.IsNil() {
		e.RawJSON(key, []byte("null"))
		return
	}
	e.Str(key, fmt.Sprintf("!PANIC: %v", p))
}
