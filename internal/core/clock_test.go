package core

import (
	"testing"
	"time"
)

// TestStampTracksTheWallClock: for longer than several refresh periods,
// every stamp lies between the wall clock read just before and just after
// it, give or take the bound stamp promises (0.5 µs of slew, rounded up to
// the microsecond a record keeps), and one goroutine's stamps never go
// back by more than that bound.
func TestStampTracksTheWallClock(t *testing.T) {
	const slack = time.Microsecond
	end := time.Now().Add(20 * clockRefresh)
	var last time.Time
	n := 0
	for time.Now().Before(end) {
		before := time.Now()
		s := stamp()
		after := time.Now()
		if s.Before(before.Add(-slack)) || s.After(after.Add(slack)) {
			t.Fatalf("stamp %v outside [%v, %v] by more than %v", s, before, after, slack)
		}
		if s.Before(last.Add(-slack)) {
			t.Fatalf("stamp went back from %v to %v", last, s)
		}
		last = s
		n++
	}
	if n < 100 {
		t.Fatalf("only %d stamps in %v", n, 20*clockRefresh)
	}
}

var stampSink time.Time

// BenchmarkStamp compares the clock read of a log call, stamp, with
// time.Now, which it replaces (see clock.go).
func BenchmarkStamp(b *testing.B) {
	b.Run("TimeNow", func(b *testing.B) {
		for b.Loop() {
			stampSink = time.Now()
		}
	})
	b.Run("Stamp", func(b *testing.B) {
		for b.Loop() {
			stampSink = stamp()
		}
	})
}
