package flow

import "github.com/rs/zerolog"

// Option configures one step or flow. Build it with AtLevel, Args or
// LogResult; the zero Option changes nothing. An Option is a plain value, so
// passing options costs no allocation.
type Option struct {
	kind   optionKind
	level  zerolog.Level
	args   []any
	result bool
}

type optionKind uint8

const (
	optNone optionKind = iota
	optLevel
	optArgs
	optResult
)

// AtLevel sets the level of the entry and exit records of a step, or of
// flow_start and a successful flow_end (default info). Failures are always
// recorded at error level.
func AtLevel(l zerolog.Level) Option { return Option{kind: optLevel, level: l} }

// Args records keyvals (alternating string keys and values, as zerolog's
// Event.Fields takes them) as the "args" object of the step's entry record,
// or of flow_start for a flow. Nothing about a step's arguments is ever
// logged without this option: pass only values that are safe to write to
// the log files. A value whose key is not a string, and a trailing key
// without a value, are left out; several Args options add up. A value whose
// encoding panics (its MarshalJSON, MarshalZerologObject or Error method) is
// recorded as slog's JSONHandler records it, null for a nil pointer and else
// "!PANIC: " and what it panicked with, and so is a nil pointer held in an
// error (null): the record keeps the other arguments and the step runs.
func Args(keyvals ...any) Option { return Option{kind: optArgs, args: keyvals} }

// LogResult records the value returned by Call as the "result" field of its
// exit record (see also Span.SetResult). Results are never logged without
// it. On a flow it has no effect: a flow has no result. A result whose
// encoding panics is recorded as Args records such a value.
func LogResult() Option { return Option{kind: optResult, result: true} }

// config is the resolved set of options of one step or flow.
type config struct {
	level  zerolog.Level
	args   []any
	result bool
}

func resolve(opts []Option) config {
	c := config{level: zerolog.InfoLevel}
	for i := range opts {
		switch o := &opts[i]; o.kind {
		case optLevel:
			c.level = o.level
		case optArgs:
			if c.args == nil {
				c.args = o.args // the common case: one Args, no copy
			} else {
				c.args = append(append([]any(nil), c.args...), o.args...)
			}
		case optResult:
			c.result = true
		}
	}
	return c
}
