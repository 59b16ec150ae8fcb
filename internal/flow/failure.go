package flow

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/schema"
)

// appendFailure appends the fields of a failed exit record: error and
// error_type for an error or a panic, and stack for a panic. A span failed
// without either (Outcome.Failed alone) gets neither.
func appendFailure(b []byte, o *Outcome) []byte {
	switch {
	case o.Panic != nil:
		b = append(b, `,"`+schema.KeyError+`":`...)
		b = jsonenc.String(b, panicText(o.Panic))
		b = append(b, `,"`+schema.KeyErrorType+`":`...)
		b = jsonenc.String(b, typeName(o.Panic))
		if o.Stack != nil {
			b = append(b, `,"`+schema.KeyStack+`":`...)
			b = jsonenc.Bytes(b, o.Stack)
		}
	case o.Err != nil:
		b = append(b, `,"`+schema.KeyError+`":`...)
		b = jsonenc.String(b, errorText(o.Err))
		b = append(b, `,"`+schema.KeyErrorType+`":`...)
		b = jsonenc.String(b, typeName(o.Err))
	}
	return b
}

// typeName is the Go type of v as %T prints it: "*errors.errorString",
// "*fs.PathError", "string" for panic("..."). It does not allocate.
func typeName(v any) string { return reflect.TypeOf(v).String() }

// shortTypeName is the name Python would give the exception class: the
// type's own name without pointer stars, package qualifier or type
// arguments, if it is exported ("*payment.ConnectionError" gives
// "ConnectionError", "*fs.PathError" gives "PathError"), and "" for an
// unexported or unnamed type, whose name is an implementation detail
// ("*errors.errorString", "*fmt.wrapError", "string").
func shortTypeName(full string) string {
	full = strings.TrimLeft(full, "*")
	if i := strings.IndexByte(full, '['); i >= 0 {
		full = full[:i]
	}
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		full = full[i+1:]
	}
	if full == "" || full[0] < 'A' || full[0] > 'Z' {
		return ""
	}
	return full
}

// errorText returns err.Error(), or a note when Error itself panics (a nil
// pointer stored in an error interface, typically), so that recording a
// failure never turns into a second panic.
func errorText(err error) (text string) {
	defer func() {
		if r := recover(); r != nil {
			text = fmt.Sprintf("%s: Error method panicked: %v", typeName(err), r)
		}
	}()
	return err.Error()
}

// panicText is the message of a panic value: the error text for an error,
// fmt.Sprint of anything else.
func panicText(v any) string {
	if err, ok := v.(error); ok {
		return errorText(err)
	}
	return fmt.Sprint(v)
}

// failureSummary is the flow_error form of a failure: "<type>: <message>",
// like Python's "ConnectionError: gateway timeout", with the type named by
// errorTypeName. An error chain without an exported type (errors.New,
// fmt.Errorf of one) reads "error: <message>"; a panic reads "<type>: <message>" when its
// value is an error of an exported type and "panic: <message>" otherwise.
// It returns "" when there is neither an error nor a panic.
func failureSummary(err error, p any) string {
	kind := "error"
	if p != nil {
		kind = "panic"
		e, ok := p.(error)
		if !ok {
			return kind + ": " + panicText(p)
		}
		err = e
	}
	if err == nil {
		return ""
	}
	if t := errorTypeName(err); t != "" {
		kind = t
	}
	return kind + ": " + errorText(err)
}

// maxUnwrap bounds the walk down an error chain.
const maxUnwrap = 16

// errorTypeName is the shortTypeName of the first error in err's Unwrap
// chain that has one, so that fmt.Errorf("order %s: %w", id, connErr) is
// still named "ConnectionError"; "" when none has.
func errorTypeName(err error) string {
	for i := 0; err != nil && i < maxUnwrap; i++ {
		if t := shortTypeName(typeName(err)); t != "" {
			return t
		}
		err = errors.Unwrap(err)
	}
	return ""
}
