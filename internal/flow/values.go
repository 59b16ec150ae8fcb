package flow

import (
	"fmt"
	"reflect"

	"github.com/logcrest/logcrest/internal/schema"
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
// panics replaced as said above, and a nil pointer held in an error, alone
// or in an []error, as null (zerolog's Fields would write a key or an array
// element with no value, which is not JSON).
func appendArgs(dst []byte, args []any) []byte {
	if !argsHaveNilError(args) {
		out, _, panicked := tryZerolog(dst, func(e *zerolog.Event) { e.Dict(schema.KeyArgs, e.CreateDict().Fields(args)) })
		if !panicked {
			return out
		}
	}
	safe := safeArgs(args)
	return appendZerolog(dst, func(e *zerolog.Event) { e.Dict(schema.KeyArgs, e.CreateDict().Fields(safe)) })
}

// appendResult appends "result" of LogResult, encoded by zerolog's
// Interface, or its placeholder when that panics.
func appendResult(dst []byte, v any) []byte {
	out, p, panicked := tryZerolog(dst, func(e *zerolog.Event) { e.Interface(schema.KeyResult, v) })
	if !panicked {
		return out
	}
	return appendZerolog(dst, func(e *zerolog.Event) { e.Interface(schema.KeyResult, panicValue(v, p)) })
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
// nil (in an []error too) and a value whose encoding panics is its
// placeholder.
func safeArgs(args []any) []any {
	safe := append([]any(nil), args...)
	for i := 1; i < len(safe); i += 2 {
		if isNilError(safe[i]) {
			safe[i] = nil
			continue
		}
		if errs, ok := safe[i].([]error); ok && hasNilError(errs) {
			errs = append([]error(nil), errs...)
			for j := range errs {
				if isNilError(errs[j]) {
					errs[j] = nil
				}
			}
			safe[i] = errs
		}
		pair := safe[i-1 : i+1]
		if _, p, panicked := tryZerolog(nil, func(e *zerolog.Event) { e.Fields(pair) }); panicked {
			safe[i] = panicValue(safe[i], p)
		}
	}
	return safe
}

// argsHaveNilError reports whether a value of args is a nil pointer held
// in an error, or an []error holding one.
func argsHaveNilError(args []any) bool {
	for i := 1; i < len(args); i += 2 {
		if errs, ok := args[i].([]error); ok && hasNilError(errs) || isNilError(args[i]) {
			return true
		}
	}
	return false
}

func hasNilError(errs []error) bool {
	for _, err := range errs {
		if isNilError(err) {
			return true
		}
	}
	return false
}

// isNilError reports whether v is an error holding a nil pointer.
func isNilError(v any) bool {
	_, ok := v.(error)
	return ok && isNilPointer(v)
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
