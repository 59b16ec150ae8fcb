package core

import (
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestParseLevelAccepted(t *testing.T) {
	t.Parallel()
	names := []struct {
		in   string
		want zerolog.Level
	}{
		{"trace", zerolog.TraceLevel},
		{"trc", zerolog.TraceLevel},
		{"debug", zerolog.DebugLevel},
		{"dbg", zerolog.DebugLevel},
		{"info", zerolog.InfoLevel},
		{"inf", zerolog.InfoLevel},
		{"warn", zerolog.WarnLevel},
		{"wrn", zerolog.WarnLevel},
		{"warning", zerolog.WarnLevel},
		{"error", zerolog.ErrorLevel},
		{"err", zerolog.ErrorLevel},
		{"fatal", zerolog.FatalLevel},
		{"ftl", zerolog.FatalLevel},
		{"critical", zerolog.FatalLevel},
		{"panic", zerolog.PanicLevel},
		{"pnc", zerolog.PanicLevel},
	}
	// Every name in lower, upper, title and mixed case, and with space around.
	for _, n := range names {
		title := strings.ToUpper(n.in[:1]) + n.in[1:]
		mixed := []byte(n.in)
		for i := 0; i < len(mixed); i += 2 {
			mixed[i] -= 'a' - 'A'
		}
		for _, in := range []string{n.in, strings.ToUpper(n.in), title, string(mixed), "  " + n.in + "\t\n", " \r" + strings.ToUpper(n.in) + " "} {
			got, err := ParseLevel(in)
			if err != nil || got != n.want {
				t.Errorf("ParseLevel(%q) = %v, %v; want %v, nil", in, got, err, n.want)
			}
		}
	}

	numbers := []struct {
		in   string
		want zerolog.Level
	}{
		// zerolog's own numbers
		{"-1", zerolog.TraceLevel},
		{"0", zerolog.DebugLevel},
		{"1", zerolog.InfoLevel},
		{"2", zerolog.WarnLevel},
		{"3", zerolog.ErrorLevel},
		{"4", zerolog.FatalLevel},
		{"5", zerolog.PanicLevel},
		{"+1", zerolog.InfoLevel},
		{"-0", zerolog.DebugLevel},
		// Python's standard levels
		{"10", zerolog.DebugLevel},
		{"20", zerolog.InfoLevel},
		{"30", zerolog.WarnLevel},
		{"40", zerolog.ErrorLevel},
		{"50", zerolog.FatalLevel},
		{" 30 ", zerolog.WarnLevel},
		{"+20", zerolog.InfoLevel},
		{"020", zerolog.InfoLevel},
		// between two Python levels: the next one up, what Python lets through
		{"11", zerolog.InfoLevel},
		{"15", zerolog.InfoLevel},
		{"19", zerolog.InfoLevel},
		{"21", zerolog.WarnLevel},
		{"25", zerolog.WarnLevel},
		{"29", zerolog.WarnLevel},
		{"31", zerolog.ErrorLevel},
		{"39", zerolog.ErrorLevel},
		{"41", zerolog.FatalLevel},
		{"45", zerolog.FatalLevel},
		{"49", zerolog.FatalLevel},
	}
	for _, n := range numbers {
		got, err := ParseLevel(n.in)
		if err != nil || got != n.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, nil", n.in, got, err, n.want)
		}
	}
}

func TestParseLevelRejected(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", " ", "\t\n",
		"loud", "debugg", "inform", "information", "warnings", "errors", "crit", "fatals",
		"disabled", "off", "none", "notset", "NOTSET", "all", "verbose",
		"in fo", "info;", "info\x00", "\x00", "ínfo", "ＩＮＦＯ", "info debug",
		"6", "7", "8", "9", "51", "55", "60", "99", "100", "128", "-2", "-7", "-10", "-128",
		"1.5", "20.0", "2e1", "0x14", "1_0", "--1", "+-1", "٢٠",
		"99999999999999999999", "-99999999999999999999",
		strings.Repeat("a", 10000),
	} {
		got, err := ParseLevel(in)
		if err == nil {
			t.Errorf("ParseLevel(%q) = %v, nil; want an error", in, got)
			continue
		}
		if got != zerolog.NoLevel {
			t.Errorf("ParseLevel(%q) returned level %v with its error; want NoLevel", in, got)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\r\x00") || len(msg) > 200 {
			t.Errorf("ParseLevel(%q) error is not one short line: %q", in, msg)
		}
	}
}

func TestParseLevelNumbers(t *testing.T) {
	t.Parallel()
	python := []zerolog.Level{zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel, zerolog.ErrorLevel, zerolog.FatalLevel}
	for n := -300; n <= 300; n++ {
		got, err := ParseLevel(strconv.Itoa(n))
		switch {
		case n >= -1 && n <= 5:
			if err != nil || got != zerolog.Level(n) {
				t.Errorf("ParseLevel(%d) = %v, %v; want zerolog level %d", n, got, err, n)
			}
		case n >= 10 && n <= 50:
			want := python[(n-1)/10]
			if err != nil || got != want {
				t.Errorf("ParseLevel(%d) = %v, %v; want %v", n, got, err, want)
			}
		default:
			if err == nil {
				t.Errorf("ParseLevel(%d) = %v, nil; want an error", n, got)
			}
		}
	}
}

func TestParseLevelRoundTrip(t *testing.T) {
	t.Parallel()
	for l := zerolog.TraceLevel; l <= zerolog.PanicLevel; l++ {
		for _, in := range []string{l.String(), strconv.Itoa(int(l))} {
			if got, err := ParseLevel(in); err != nil || got != l {
				t.Errorf("ParseLevel(%q) = %v, %v; want %v", in, got, err, l)
			}
		}
	}
}

func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"info", " WARNING ", "critical", "25", "-1", "7", "", "loud", "\x00", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseLevel(s)
		if err != nil {
			if got != zerolog.NoLevel {
				t.Fatalf("ParseLevel(%q) = %v with error %v; want NoLevel", s, got, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ParseLevel(%q) error holds a raw line break: %q", s, err)
			}
		} else if got < zerolog.TraceLevel || got > zerolog.PanicLevel {
			t.Fatalf("ParseLevel(%q) = %v, not a level from trace to panic", s, got)
		}
		// Space around the text never changes the answer.
		again, err2 := ParseLevel(" \t" + s + "\n ")
		if again != got || (err == nil) != (err2 == nil) {
			t.Fatalf("ParseLevel with space around %q = %v, %v; without = %v, %v", s, again, err2, got, err)
		}
	})
}
