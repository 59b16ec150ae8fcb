package flow

import (
	"fmt"
	"reflect"

	"github.com/rs/zerolog"
)

// The values of Args and LogResult are the caller's own types, encoded by
// zerolog, which runs their code (MarshalJSON, MarshalZerologObject, Error)
// and does not recover a panic in it. A value whose encoding panics must not
// take the step's record, or the step, with it: it is recorded as
// slog's JSONHandler records such a value, null for a nil pointer (a method
// on a pointer receiver that does not guard against nil), else the string
// "!PANIC: " and what it panicked with.

// appendArgs appends the "args" object of Args, encoded by zerolog as it is
// in a step's entry record (zerolog's Fields), each value whose encoding
// panics replaced as said above, and a nil pointer held in an error as null
// (zerolog's Fields would write a key with no value, which is not JSON).
func appendArgs(dst []byte, args []any) []byte {
	if !hasNilError(args) {
		out, _, panicked := tryZerolog(dst, func(e *zerolog.Event) { e.Dict("args", e.CreateDict().Fields(args)) })
		if !panicked {
			return out
		}
	}
	safe := safeArgs(args)
	return appendZerolog(dst, func(e *zerolog.Event) { e.Dict("args", e.CreateDict().Fields(safe)) })
}

// appendResult appends "result" of LogResult, encoded by zerolog's
// Interface, or its placeholder when that panics.
func appendResult(dst []byte, v any) []byte {
	out, p, panicked := tryZerolog(dst, func(e *zerolog.Event) { e.Interface("result", v) })
	if !panicked {
		return out
	}
	return appendZerolog(dst, func(e *zerolog.Event) { e.Interface("result", panicValue(v, p)) })
}

// tryZerolog is appendZerolog reporting a panic of add instead of raising
// it; dst is then returned as it was.
func tryZerolog(dst []byte, add func(*zerolog.Event)) (out []byte, p any, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			out, p, panicked = dst, r, true
		}
	}()
	return appendZerolog(dst, add), nil, false
}

// safeArgs returns a copy of args in which a nil pointer held in an error is
// nil and a value whose encoding panics is its placeholder.
func safeArgs(args []any) []any {
	safe := append([]any(nil), args...)
	for i := 1; i < len(safe); i += 2 {
		if err, ok := safe[i].(error); ok && isNilPointer(err) {
			safe[i] = nil
			continue
		}
		pair := safe[i-1 : i+1]
		if _, p, panicked := tryZerolog(nil, func(e *zerolog.Event) { e.Fields(pair) }); panicked {
			safe[i] = panicValue(safe[i], p)
		}
	}
	return safe
}

// hasNilError reports whether a value of args is a nil pointer held in an
// error.
func hasNilError(args []any) bool {
	for i := 1; i < len(args); i += 2 {
		if err, ok := args[i].(error); ok && isNilPointer(err) {
			return true
		}
	}
	return false
}

// panicValue is what is recorded for v, whose encoding panicked with p.
func panicValue(v, p any) any {
	if isNilPointer(v) {
		return nil
	}
	return fmt.Sprintf("!PANIC: %v", p)
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
