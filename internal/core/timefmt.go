package core

import (
	"sync/atomic"
	"time"

	"github.com/logcrest/logcrest/internal/schema"
)

// secondStamp caches the "2006-01-02T15:04:05" part of the current second so
// that stamping a record costs a load and a few byte stores.
type secondStamp struct {
	sec int64
	b   [19]byte
}

var lastSecond atomic.Pointer[secondStamp]

// twoDigits holds "00" to "99", for writing a number two digits at a time.
const twoDigits = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendTimestamp appends t in UTC as RFC 3339 with microseconds, e.g.
// 2026-11-25T19:08:17.123456Z. It allocates once per second at most.
func appendTimestamp(dst []byte, t time.Time) []byte {
	t = t.UTC()
	sec := t.Unix()
	s := lastSecond.Load()
	if s == nil || s.sec != sec {
		s = &secondStamp{sec: sec}
		t.AppendFormat(s.b[:0], "2006-01-02T15:04:05")
		lastSecond.Store(s)
	}
	dst = append(dst, s.b[:]...)
	us := t.Nanosecond() / 1000
	var frac [8]byte
	frac[0] = '.'
	for i := 5; i >= 1; i -= 2 { // two digits at a time, from the right
		d := us % 100 * 2
		us /= 100
		frac[i], frac[i+1] = twoDigits[d], twoDigits[d+1]
	}
	frac[7] = 'Z'
	return append(dst, frac[:]...)
}

// timePrefix returns the bytes that replace a record's opening brace so the
// record starts with its "time" field: {"time":"...",
// If the record is an empty object the trailing comma is left out.
func timePrefix(dst []byte, t time.Time, rec []byte) []byte {
	dst = append(dst, `{"`+schema.KeyTime+`":"`...)
	dst = appendTimestamp(dst, t)
	dst = append(dst, '"')
	if len(rec) < 2 || rec[1] != '}' {
		dst = append(dst, ',')
	}
	return dst
}
