package logcrest

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"

	"github.com/rs/zerolog"
)

// A value of kind Any runs its own code when zerolog encodes it
// (MarshalJSON, MarshalZerologObject, Error), and zerolog does not recover a
// panic there, halfway through the record's buffer. Handle encodes a record
// directly, at no extra cost; should that panic, it drops the half-built
// event and encodes the record again with every value of kind Any encoded
// apart, in a scratch record of its own, so that the one that panics is
// replaced and the rest is written. WithAttrs, which encodes once, always
// encodes apart.

// handleApart is Handle for a record whose encoding panicked: again, each
// value of kind Any encoded apart.
func (h *slogHandler) handleApart(ctx context.Context, r slog.Record) {
	ha := *h
	ha.apart = true
	_ = ha.Handle(ctx, r)
}

// slogScratch is a record of its own in which one value is encoded.
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

// slogAppendApart writes x under key as zerolog encodes it (an error by
// AnErr, anything else by Interface), or, when that encoding panics, as
// slog's JSONHandler writes such a value: null for a nil pointer (a method
// on a pointer receiver that does not guard against nil), else the string
// "!PANIC: " and what it panicked with.
func slogAppendApart(e *zerolog.Event, key string, x any, asError bool) {
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
