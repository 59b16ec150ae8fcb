// Package writers holds the writers LogCrest's pipeline drains its records
// into, each usable on its own, with or without the rest of LogCrest:
//
//   - RotatingFile, an append-only log file rotated by size and, if asked,
//     every hour or day (RotateEvery), with backups
//     pruned by count and age and optionally gzipped, safe for concurrent
//     use and, where flock(2) exists, shared safely between processes. It
//     is an io.Writer, so it can stand behind any zerolog logger.
//   - Console, a sink for a terminal that never closes the writer it wraps
//     (os.Stdout stays usable) and, on Unix, makes a reader going away a
//     write error rather than SIGPIPE; ColorFor says whether its output
//     should be coloured.
//   - TextFormatter, which renders one zerolog JSON record as one
//     human-readable line and escapes anything that could forge a second
//     line or a terminal escape sequence.
//
// It is for programs that want one of these without LogCrest's pipeline:
// package logcrest (or core) builds and owns its own writers, and its users
// never need this package. A writer here knows bytes, records and files; it
// never reads configuration.
//
// Example, a rotating JSON log for a plain zerolog logger:
//
//	f, err := writers.OpenRotatingFile(writers.RotatingFileOptions{
//		Path: "logs/app.log", MaxSize: 10 << 20, Backups: 5,
//	})
//	if err != nil {
//		return err
//	}
//	defer f.Close()
//	log := zerolog.New(f).With().Timestamp().Logger()
//
// # The order of backups, and a clock stepped back
//
// A backup's name holds a UTC time, lumberjack's format
// (app-2006-01-02T15-04-05.000.log), so tools that parse it keep working. A
// RotatingFile names a new backup after the current time or, if that is not
// after the newest existing backup's name, 1 ms after that name: names only
// go up, across every process sharing the file (the newest name given is
// kept in the lock file, and each rotation reads it under the lock). The
// order of the names is therefore the order the backups were made in, even
// after the wall clock was stepped back (NTP, a VM snapshot restored), and
// Backups keeps the newest data, by name, with no stat. A modification time
// would not do: it comes from the same clock.
//
// After a step back, new backups are named just after the newest existing
// one, a few milliseconds apart, so for as long as the step lasts their
// names are ahead of the clock; once the clock catches up, names are the
// current time again. The first time a RotatingFile sees a backup named
// more than a minute in the future it gives one warning (to
// RotatingFileOptions.Warn, or "logcrest: warning: ..." on standard error).
// MaxAge goes by the time in the name too, as lumberjack's does: a backup
// named in the future is kept until the clock has passed its name by
// MaxAge, never removed early.
//
// A rotation reads the folder only after an open and, once another process
// has rotated, at most once every n/64 rotations for a folder of n entries,
// so its cost does not grow with the number of files beside the log. Until
// then a list that misses another process's newest backups can only keep
// more backups than asked, never fewer of the newest.
//
// # Rotation by time
//
// With RotateEvery (time.Hour or 24 * time.Hour) a file is also rotated at
// the first Write after each hour on the hour, or each midnight, in
// RotateZone (nil for UTC, time.Local for the machine's zone); MaxSize
// still applies within a period. There is no timer: a file nobody writes
// to is not rotated, and an empty one never is. The backup is named after
// the boundary that ended its period, in UTC like every name
// (app-2024-03-10T00-00-00.000.log holds 9 March, UTC), or 1 ms after the
// newest name if that is not earlier, so names still only go up.
//
// The time the live file was started (made by a rotation, or first written
// to) is kept in the lock file beside the newest name, and the decision is
// taken under the lock: with several processes, the first to write after
// the boundary rotates, and the others find a file started in the new
// period, so there is one backup per boundary. With no start recorded
// (every writer had closed, and the last removed the lock file) the live
// file's modification time stands for it. A clock stepped back across a
// boundary rotates nothing: a file rotates once the clock passes the end of
// the period it was started in, and that end does not move back; records
// written meanwhile go to the new file, none is lost.
//
// # Coming from lumberjack
//
// RotatingFile replaces gopkg.in/natefinch/lumberjack.v2's Logger. What
// differs:
//
//	lumberjack.Logger       RotatingFileOptions / RotatingFile
//	----------------------  -----------------------------------------------------
//	Filename                Path
//	MaxSize (megabytes)     MaxSize in bytes: MaxSize: 100 << 20 for lumberjack's 100
//	MaxSize 0 = 100 MB      MaxSize 0 = DefaultMaxSize (100 MiB); NoRotation never rotates
//	MaxBackups 0 = keep all Backups 0 = keep all; NoBackups keeps none
//	MaxAge (days, int)      MaxAge, a time.Duration: 7 * 24 * time.Hour for lumberjack's 7
//	MaxAge 0 = forever      MaxAge 0 = no age limit
//	LocalTime               no such option: names are always in UTC; RotateZone
//	                          sets the zone of RotateEvery's boundaries
//	(no rotation by time)   RotateEvery: time.Hour or 24 * time.Hour
//	Compress                Compress (same "<backup>.gz" names)
//	Rotate()                Rotate(); an empty live file is not rotated
//	JSON/YAML struct tags   none: decode your own config into the fields
//	order by name time      order by name time, names made to only go up
//	file mode of the old    0600 (0640 with GroupReadable), set through the
//	  file, chown to owner    descriptor; never chowns
//	(no checks)             refuses a symlink at Path, a file owned by another
//	                          user, a folder others can write to (unix)
//	one process             several processes may share Path (flock, unix)
//	errors on Write only    pruning and compression errors from Sync or Close
//
// Write is lumberjack's io.Writer, except that a record is never split
// across two files (see RotatingFile.Write).
//
// # Files beside the logs
//
// What a RotatingFile keeps in its folder besides the live file and its
// backups (<name>-<UTC time>.<ext>, and .gz with Compress): where flock(2)
// exists, ".<name>.<ext>.lock", a 0600 file the processes writing the
// path lock in turn, removed by the last Close of the path in a process
// (one killed leaves it; the next open reuses it); and, with Compress,
// "<backup>.gz.tmp" while a backup is being gzipped, renamed to .gz once
// whole. The lock file stays in the log folder because that is the one path
// every process sharing the files sees alike (two containers on one volume
// have different /tmp and /run); elsewhere, two of them could hold two
// different locks and lose records. It is a dot file, so shell globs and
// "ls" skip it, and it matches neither "*.log" nor "<name>-*.log". A log
// shipper given such patterns (as contrib/otelcol's configuration is) sees
// only records; one given the whole folder ("dir/*" in a Go or doublestar
// glob does match dot files) should exclude ".*.lock" and "*.tmp".
package writers
