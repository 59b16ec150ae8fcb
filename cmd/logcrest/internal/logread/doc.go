// Package logread reads the log folders LogCrest writes: it is the
// reading side of the logcrest command, whose commands (show, flows,
// stats, tail) only filter and render what it reads.
//
//   - Finding what to read (find.go, sources.go): the folders, by
//     LogCrest's own precedence (--dir, LOGCREST_DIR, base_log_dir in the
//     config file, the default), and in each the live files, rotated
//     backups and gzipped backups of the three streams, oldest first per
//     logger (Find, ListFolder, ParseFileName); opening a file plain or
//     through gzip, or one part of it (Source.Open, SplitSources).
//   - Scanning (scan.go): ScanLines, a line scanner that searches whole
//     chunks for a needle before anything is decoded.
//   - Decoding (record.go, flowend.go, fields.go): the records as the
//     command uses them (Record), and the fast path for flow_end
//     (DecodeFlowEnd), which reads what encoding/json reads.
//   - Running (merge.go, report.go): many files at once (ForEach), or in
//     time order per logger and merged across loggers (MergeGroups,
//     ReadFlowEnds); what went wrong is counted in a Report, never fatal.
//   - Backups rotated while a live file is followed (backups.go).
//
// Bounds: whatever the files hold, a line longer than MaxLineSize (1 MiB)
// is skipped and counted; a file being read holds one 1 MiB chunk; a
// merge holds at most a few batches of 4096 items (or 1 MiB of lines) per
// file being read; at most the given number of workers read at once.
// Values taken from the files are printed through Clean, so that nothing
// they hold reaches a terminal raw.
package logread
