package core

import (
	"sync/atomic"
	"time"
)

// The clock that stamps log calls (WriteWith). time.Now reads two clocks,
// the wall clock and the monotonic one, and on a virtual machine without a
// fast path each read is costly: time.Now took 150-180 ns on the shared
// 2-core VM where it was measured, as much as zerolog's encode of the
// record, against 70-85 ns for one monotonic read (time.Since), see
// bench/RESULTS.md, "Issue 24". stamp reads the monotonic clock alone and
// adds the offset to the wall clock it last read, reading the wall clock
// again (time.Now) once the offset is clockRefresh old.
//
// What a record keeps: its time is written to the microsecond, as before.
// Between two reads of the wall clock its time follows the monotonic
// clock, which NTP slews by at most 500 ppm: a stamp is within 0.5 µs of
// what time.Now would have said, below the microsecond written. A step of
// the wall clock (settimeofday, a VM resumed) reaches the records within
// clockRefresh, and records stamped in that window carry the time before
// the step, as they would had they been written a moment earlier.
const clockRefresh = time.Millisecond

var (
	// clockOrigin is the monotonic reading every stamp is measured from.
	clockOrigin = time.Now()
	// clockOffset is the wall clock (Unix nanoseconds) less the monotonic
	// time since clockOrigin, as of the last read of the wall clock.
	clockOffset atomic.Int64
	// clockNext is the monotonic time since clockOrigin at which the wall
	// clock is read again.
	clockNext atomic.Int64
)

// stamp returns the time now for a record's time field: the wall clock to
// within the bound above, without a monotonic reading.
func stamp() time.Time {
	e := int64(time.Since(clockOrigin)) // the monotonic clock alone
	if e >= clockNext.Load() {
		t := time.Now()
		clockOffset.Store(t.UnixNano() - int64(t.Sub(clockOrigin)))
		clockNext.Store(int64(t.Sub(clockOrigin)) + int64(clockRefresh))
		return t
	}
	return time.Unix(0, e+clockOffset.Load())
}
