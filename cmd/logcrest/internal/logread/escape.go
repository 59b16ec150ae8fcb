package logread

// Values from the files made safe to print on a terminal.

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Clean makes a value taken from a record safe to print on a terminal: a
// string of printable characters is returned as is, anything else (control
// characters, escape sequences, bidi overrides, invalid UTF-8) is quoted
// with Go escapes, as the console renderer does.
func Clean(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(s)
		}
	}
	return s
}

// CleanErr is an error's message made safe to print like clean: errors
// carry file names and paths, which can hold any byte but '/' and NUL.
func CleanErr(err error) string { return Clean(err.Error()) }
