package flow

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSanitizeLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"checkout", "checkout"},
		{"A-z_0.9:x", "A-z_0.9:x"},
		{"order 42", "order_42"},
		{"a/b\\c", "a_b_c"},
		{"ü", "_"},
		{"日本", "__"},
		{"line\nbreak\r", "line_break_"},
		{`"quoted"`, "_quoted_"},
		{"\xff\xfe", "__"},
		{strings.Repeat("x", 64), strings.Repeat("x", 64)},
		{strings.Repeat("x", 65), strings.Repeat("x", 64)},
		{strings.Repeat("é", 100), strings.Repeat("_", 64)},
	}
	for _, tt := range tests {
		if got := sanitizeLabel(tt.in); got != tt.want {
			t.Errorf("sanitizeLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = sanitizeLabel("checkout-session-7f3a") }); n != 0 {
		t.Errorf("a clean label costs %v allocations", n)
	}
}

func TestIDs(t *testing.T) {
	flowID := regexp.MustCompile(`^[0-9a-f]{8}$`)
	seen := map[traceID]bool{}
	for range 1000 {
		tr := newTraceID()
		if !ValidTraceID(string(tr.hex())) || tr[0] != '"' || tr[33] != '"' || seen[tr] {
			t.Fatalf("trace ID %s is invalid or repeated", tr[:])
		}
		seen[tr] = true
		if sp := newSpanID(); !sp.valid() || !ValidSpanID(string(sp.hex())) || sp[17] != '"' {
			t.Fatalf("span ID %s is invalid", sp[:])
		}
		var f flowState
		if f.init("", time.Time{}, 0); !flowID.MatchString(f.id) {
			t.Fatalf("flow ID %q", f.id)
		}
	}
	var f flowState
	f.init(strings.Repeat("a", maxLabel), time.Time{}, 0)
	if id := f.id; len(id) != maxLabel+9 || id[maxLabel] != '-' || id[:maxLabel] != strings.Repeat("a", maxLabel) {
		t.Errorf("flow ID %q", id)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = newTraceID(), newSpanID() }); n != 0 {
		t.Errorf("IDs cost %v allocations", n)
	}
}

func TestValidIDs(t *testing.T) {
	for _, tt := range []struct {
		s           string
		trace, span bool
	}{
		{"4bf92f3577b34da6a3ce929d0e0e4736", true, false},
		{"00000000000000000000000000000000", false, false},
		{"4BF92F3577B34DA6A3CE929D0E0E4736", false, false},
		{"00f067aa0ba902b7", false, true},
		{"0000000000000000", false, false},
		{"00f067aa0ba902bg", false, false},
		{"", false, false},
	} {
		if got := ValidTraceID(tt.s); got != tt.trace {
			t.Errorf("ValidTraceID(%q) = %v", tt.s, got)
		}
		if got := ValidSpanID(tt.s); got != tt.span {
			t.Errorf("ValidSpanID(%q) = %v", tt.s, got)
		}
	}
}

type ConnectionError struct{}

func (*ConnectionError) Error() string { return "gateway timeout" }

type Wrapper[T any] struct{ _ T }

func (Wrapper[T]) Error() string { return "generic" }

type nilErr struct{ p *int }

func (e *nilErr) Error() string { return fmt.Sprint(*e.p) }

func TestFailureSummary(t *testing.T) {
	pathErr := &fs.PathError{Op: "open", Path: "/x", Err: errors.New("denied")}
	var typedNil *nilErr
	tests := []struct {
		err  error
		p    any
		want string
	}{
		{&ConnectionError{}, nil, "ConnectionError: gateway timeout"},
		{fmt.Errorf("charge: %w", &ConnectionError{}), nil, "ConnectionError: charge: gateway timeout"},
		{errors.New("gateway timeout"), nil, "error: gateway timeout"},
		{fmt.Errorf("wrapped: %w", errors.New("x")), nil, "error: wrapped: x"},
		{pathErr, nil, "PathError: open /x: denied"},
		{Wrapper[int]{}, nil, "Wrapper: generic"},
		{nil, "boom", "panic: boom"},
		{nil, 42, "panic: 42"},
		{nil, &ConnectionError{}, "ConnectionError: gateway timeout"},
		{nil, errors.New("bad"), "panic: bad"},
		{nil, nil, ""},
	}
	for _, tt := range tests {
		if got := failureSummary(tt.err, tt.p); got != tt.want {
			t.Errorf("failureSummary(%v, %v) = %q, want %q", tt.err, tt.p, got, tt.want)
		}
	}
	if got := failureSummary(typedNil, nil); !strings.HasPrefix(got, "error: *flow.nilErr: Error method panicked: runtime error") {
		t.Errorf("a typed nil error gives %q", got)
	}
}

func TestShortTypeName(t *testing.T) {
	for in, want := range map[string]string{
		"*payment.ConnectionError":      "ConnectionError",
		"**a.B":                         "B",
		"*errors.errorString":           "",
		"string":                        "",
		"[]int":                         "",
		"flow.Wrapper[int]":             "Wrapper",
		"pkg.Pair[pkg.A,other.B]":       "Pair",
		"map[string]int":                "",
		"struct {}":                     "",
		"context.deadlineExceededError": "",
	} {
		if got := shortTypeName(in); got != want {
			t.Errorf("shortTypeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAppendMillis(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:             "0",
		0:                        "0",
		499 * time.Nanosecond:    "0",
		500 * time.Nanosecond:    "0.001",
		1499 * time.Nanosecond:   "0.001",
		1500 * time.Nanosecond:   "0.002",
		31 * time.Microsecond:    "0.031",
		12400 * time.Microsecond: "12.4",
		100 * time.Microsecond:   "0.1",
		time.Second:              "1000",
		90*time.Minute + 1234567: "5400001.235",
	} {
		got := string(appendMillis(nil, d))
		if got != want {
			t.Errorf("appendMillis(%v) = %s, want %s", d, got, want)
		}
		// It is what strconv.AppendFloat gives for the rounded value.
		f := math.Round(float64(max(d, 0))/1e3) / 1e3
		if fs := strconv.FormatFloat(f, 'f', -1, 64); fs != got {
			t.Errorf("appendMillis(%v) = %s, FormatFloat %s", d, got, fs)
		}
	}
}

func TestPutHex64(t *testing.T) {
	for _, v := range []uint64{0, 1, 0xff, 0x0123456789abcdef, 0xfedcba9876543210, ^uint64(0)} {
		var b [16]byte
		putHex64(b[:], v)
		if got, want := string(b[:]), fmt.Sprintf("%016x", v); got != want {
			t.Errorf("putHex64(%#x) = %s, want %s", v, got, want)
		}
	}
}
