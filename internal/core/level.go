package core

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
)

// levelNames are the level names ParseLevel accepts, in lower case: zerolog's
// names and its three-letter console abbreviations, and Python's names for
// the same levels (CRITICAL is Python's highest, the nearest to fatal).
var levelNames = map[string]zerolog.Level{
	"trace":    zerolog.TraceLevel,
	"trc":      zerolog.TraceLevel,
	"debug":    zerolog.DebugLevel,
	"dbg":      zerolog.DebugLevel,
	"info":     zerolog.InfoLevel,
	"inf":      zerolog.InfoLevel,
	"warn":     zerolog.WarnLevel,
	"wrn":      zerolog.WarnLevel,
	"warning":  zerolog.WarnLevel,
	"error":    zerolog.ErrorLevel,
	"err":      zerolog.ErrorLevel,
	"fatal":    zerolog.FatalLevel,
	"ftl":      zerolog.FatalLevel,
	"critical": zerolog.FatalLevel,
	"panic":    zerolog.PanicLevel,
	"pnc":      zerolog.PanicLevel,
}

// ParseLevel turns a level name or number into the zerolog level it stands
// for. Surrounding space is ignored and names are case-insensitive.
//
// Names: trace, debug, info, warn, error, fatal, panic (zerolog's); their
// abbreviations trc, dbg, inf, wrn, err, ftl, pnc; and Python's warning
// (warn) and critical (fatal).
//
// Numbers, written in base 10:
//   - -1 to 5 are zerolog's own numbers: -1 trace, 0 debug, 1 info, 2 warn,
//     3 error, 4 fatal, 5 panic.
//   - 10 to 50 are Python's scale: 10 debug, 20 info, 30 warn, 40 error,
//     50 fatal. A number between two of these stands for the next one up,
//     because that is what it lets through in Python: a threshold of 25
//     drops INFO (20) records and keeps WARNING (30) ones, so 25 is warn.
//   - Anything else is an error: 6 to 9 (zerolog's 6 and 7 mean "no level"
//     and "disabled", neither a minimum level), below -1, above 50.
//
// The empty string and unknown names are errors too. On error the level
// returned is zerolog.NoLevel.
func ParseLevel(s string) (zerolog.Level, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return zerolog.NoLevel, errors.New("empty level")
	}
	if l, ok := levelNames[strings.ToLower(t)]; ok {
		return l, nil
	}
	n, err := strconv.ParseInt(t, 10, 64)
	switch {
	case err == nil:
		return levelFromNumber(n)
	case errors.Is(err, strconv.ErrRange):
		return zerolog.NoLevel, fmt.Errorf("level %s is out of range", quote(s))
	}
	return zerolog.NoLevel, fmt.Errorf("unknown level %s", quote(s))
}

// levelFromNumber maps a numeric level as ParseLevel documents.
func levelFromNumber(n int64) (zerolog.Level, error) {
	switch {
	case n >= int64(zerolog.TraceLevel) && n <= int64(zerolog.PanicLevel):
		return zerolog.Level(n), nil
	case n >= 10 && n <= 50:
		switch (n + 9) / 10 { // round up to Python's next standard level
		case 1:
			return zerolog.DebugLevel, nil
		case 2:
			return zerolog.InfoLevel, nil
		case 3:
			return zerolog.WarnLevel, nil
		case 4:
			return zerolog.ErrorLevel, nil
		default:
			return zerolog.FatalLevel, nil
		}
	}
	return zerolog.NoLevel, fmt.Errorf("level %d has no equivalent (use -1 to 5, or 10 to 50)", n)
}
