// Package writers holds the writers LogCrest's pipeline drains its records
// into, each usable on its own, with or without the rest of LogCrest:
//
//   - RotatingFile, an append-only log file rotated by size, with backups
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
// What a RotatingFile keeps in its folder besides the live file and its
// backups (<name>-<UTC time>.<ext>, and .gz with Compress): where flock(2)
// exists, ".<name>.<ext>.lock", an empty 0600 file the processes writing the
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
