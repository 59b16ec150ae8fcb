package writers

// Rotation by time (RotatingFileOptions.RotateEvery): a live file holds the
// records of one period (an hour, or a day, in RotateZone) and is moved
// aside at the first Write after the period ends. There is no timer: a
// file nobody writes to stays as it is, and an idle service makes no empty
// backups.
//
// The period of the live file is the one holding its start: the time it
// was made by a rotation, or first written to when empty. The start is
// kept in the lock file, beside the newest backup's name (lock_flock.go),
// so every process sharing the path sees the same one; the decision is
// taken under the lock, so exactly one process rotates per boundary: the
// first to write after it. The others find a new live file whose start is
// in the current period.
//
// A lock file that records no start (new, because every writer had closed
// and the last removed it, or made by an older version) gives way to the
// live file's modification time, the time of its last write, which lies in
// the same period as its start unless the clock was stepped.
//
// The backup is named after the end of its period, the boundary (e.g.
// app-2024-03-11T00-00-00.000.log holds the records of 10 March, UTC),
// unless that is not after the newest backup's name (a size rotation in the
// same millisecond, a clock stepped back): then it is named as every
// backup is, 1 ms after the newest. Names still only go up.
//
// A clock stepped back across a boundary rotates nothing: the file rotates
// when now has passed the end of its start's period, and that end does
// not move back with the clock. Records written meanwhile stay in the live
// file, whose period is the later one; none is lost and no second backup
// is made for the same boundary.

import "time"

// clock is the time every rotation goes by: the names of backups, MaxAge,
// and RotateEvery's boundaries. Tests replace it.
var clock = time.Now

// rotateByTime rotates the live file when now is past the end of the
// period its start lies in, and records the start of a live file written
// to for the first time. It runs with st.mu and the file lock held and
// the live file open, once per Write batch (a batch is written at one
// instant).
func (f *RotatingFile) rotateByTime() error {
	st := f.st
	newest, start := st.lk.shared()
	now := clock()
	if st.size == 0 {
		// Empty: its first record starts its period now. Recorded only
		// when it differs, so a file kept empty costs no write.
		if ms := now.UnixMilli(); ms != start {
			if err := st.lk.setShared(newest, ms); err != nil {
				st.noteHousekeeping(err)
			}
		}
		return nil
	}
	if start == 0 {
		// Not recorded: the last write's time stands for it.
		start = now.UnixMilli()
		if info, err := st.f.Stat(); err == nil {
			start = info.ModTime().UnixMilli()
		}
		if err := st.lk.setShared(newest, start); err != nil {
			st.noteHousekeeping(err)
		}
	}
	end := periodEnd(time.UnixMilli(start), f.every, f.zone)
	if now.Before(end) {
		return nil
	}
	return st.rotate(f.backups, f.maxAge, f.compress, f.warn, end.UnixMilli())
}

// periodEnd returns the end of the period of length every (time.Hour or a
// day) that holds t, in zone: the next hour on the hour, or the next
// midnight. An hour is counted back from t's minutes and seconds rather
// than rebuilt from the wall clock, so an hour repeated when daylight
// saving time ends is two periods, not one.
func periodEnd(t time.Time, every time.Duration, zone *time.Location) time.Time {
	t = t.In(zone)
	if every == time.Hour {
		into := time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
		return t.Add(time.Hour - into)
	}
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, zone)
}
