package core

import (
	"sync/atomic"
	"time"
)

// secondStamp caches the "2006-01-02T15:04:05" part of the current second so
// that stamping a record costs a load and a few byte stores.
type secondStamp struct {
	sec int64
	b   [19]byte
}

var lastSecond atomic.Pointer[secondStamp]

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
	for i := 6; i >= 1; i-- {
		frac[i] = byte('0' + us%10)
		us /= 10
	}
	frac[7] = 'Z'
	return append(dst, frac[:]...)
}

// timePrefix returns the bytes that replace a record's opening brace so the
// record starts with its "time" field: {"time":"...",
// If the record is an empty object the trailing comma is left out.
func timePrefix(dst []byte, t time.Time, rec []byte) []byte {
	dst = append(dst, `{"time":"`...)
	dst = appendTimestamp(dst, t)
	dst = append(dst, '"')
	if len(rec) < 2 || rec[1] != '}' {
		dst = append(dst, ',')
	}
	return dst
}
