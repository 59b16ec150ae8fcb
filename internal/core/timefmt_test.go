package core

import (
	"testing"
	"time"
)

func TestTimestampDigits(t *testing.T) {
	for _, ns := range []int{0, 1000, 123456000, 999999000, 50000, 7000} {
		tm := time.Date(2026, 11, 25, 19, 8, 17, ns, time.UTC)
		got := string(appendTimestamp(nil, tm))
		want := tm.Format("2006-01-02T15:04:05.000000Z")
		if got != want {
			t.Errorf("got %s want %s", got, want)
		}
	}
}
