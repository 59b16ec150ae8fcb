// Package logcrest is structured logging and request tracing for Go services,
// built on zerolog.
//
// A log call costs the caller an encode and a memory copy: records go into a
// non-blocking ring per sink and a background goroutine writes them, in
// batches, to rotating files under the log folder and to a readable console:
//
//	<dir>/success/<name>.log   debug through warn
//	<dir>/error/<name>.log     error and above
//	<dir>/flows/<name>.log     flow_start / flow_end records only
//
// It works with no configuration at all. Settings come, per key, from
// Configure, then LOGCREST_* environment variables, then ./log_config.json,
// then the defaults; a bad value anywhere prints one "logcrest: warning:" line
// on stderr and falls back to that key's default.
//
// Every line has unique keys at every depth (I-JSON, RFC 7493), whatever
// fields the caller gives: LogCrest's own fields keep their names and values,
// and a value that would repeat a key in an object is kept in that object's
// "logcrest_dup" member, in an array under its key, in the order written
// (jq: .logcrest_dup.seq[0]). Of LogCrest's fields written first (time,
// level, logger, trace_id, span_id, flow_id, seq, fn) the first keeps the
// key; of any other key repeated, the last, as a reader keeping the last
// value read it before: the message, and the latest of a user's own
// repeats. This is done by the background goroutine, not the log call.
//
// Call Close before the program exits: it writes out everything logged before
// it returns.
package logcrest

import (
	"context"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// Option is one setting passed to Configure.
type Option = core.Option

// Configure sets the options for the pipeline. Keys not given fall back to
// the LOGCREST_* environment, then ./log_config.json, then the defaults; each
// call replaces the options of the one before.
//
// Before the first log call it only records the settings (the pipeline is
// built lazily); after, it rebuilds: new sinks are opened, every logger
// switches to them, and the old ones are drained and closed, so a record
// logged during the switch lands once, in the old files or the new. A bad
// value is reported (stderr and the returned error) and its key keeps its
// default; the other keys still apply.
func Configure(opts ...Option) error { return core.Configure(opts...) }

// WithDir sets the log folder (default "logs"; env LOGCREST_DIR, json
// base_log_dir).
func WithDir(dir string) Option { return core.WithDir(dir) }

// WithJSON chooses JSON lines (true, the default) or readable text lines for
// the files (env LOGCREST_JSON, json use_json).
func WithJSON(on bool) Option { return core.WithJSON(on) }

// WithName sets the logger name, which is also the file name (default
// "app_logger"; env LOGCREST_NAME, json log_name).
func WithName(name string) Option { return core.WithName(name) }

// WithLevel sets the minimum level: a zerolog or Python level name, case
// insensitive, or a number (default "debug"; env LOGCREST_LEVEL, json
// log_level).
func WithLevel(level string) Option { return core.WithLevel(level) }

// WithMaxSize sets the size in bytes at which a file rotates; no file
// exceeds it (default 67108864, 64 MiB; env LOGCREST_MAX_SIZE, json max_log_size,
// which also take a unit: "5MB" is 5 MiB, K, M, G counting in 1024s).
func WithMaxSize(bytes int64) Option { return core.WithMaxSize(bytes) }

// WithBackupCount sets how many rotated files are kept beside each file
// (default 16; env LOGCREST_BACKUP_COUNT, json backup_count).
func WithBackupCount(n int) Option { return core.WithBackupCount(n) }

// WithMaxAge sets how many days a rotated file is kept at most (default 0,
// no age limit; env LOGCREST_MAX_AGE, json max_age): at each rotation older
// ones are removed, on top of the WithBackupCount limit.
func WithMaxAge(days int) Option { return core.WithMaxAge(days) }

// WithCompress gzips each rotated file to "<name>.gz" (lumberjack's naming)
// in the background when on (default off; env LOGCREST_COMPRESS, json
// compress); logging never waits for it, and Close waits for it at most 2s.
func WithCompress(on bool) Option { return core.WithCompress(on) }

// WithRotateEvery rotates each file by time as well as by size: "hour" or
// "day" (default "", by size alone; "off" is the same; env
// LOGCREST_ROTATE_EVERY, json rotate_every) rotates it at the first write
// after each hour on the hour, or each midnight, in UTC unless
// WithRotateLocal. The backup is named after the boundary, in UTC like
// every backup name: app_logger-2024-03-10T00-00-00.000.log holds 9 March.
// Backups, age and compression apply as to size rotations. See
// docs/files.md.
func WithRotateEvery(period string) Option { return core.WithRotateEvery(period) }

// WithRotateLocal puts WithRotateEvery's boundaries in the machine's time
// zone (TZ, /etc/localtime) instead of UTC when on (default off; env
// LOGCREST_ROTATE_LOCAL, json rotate_local). Backup names stay in UTC.
func WithRotateLocal(on bool) Option { return core.WithRotateLocal(on) }

// WithGroupReadable makes the log files, backups included, 0640 and the
// folders LogCrest creates 0750 when on, instead of the private 0600 and
// 0700 (default off; env LOGCREST_GROUP_READABLE, json group_readable), so
// that a log shipper running as another user in the process's group (an
// OpenTelemetry Collector, say: see contrib/otelcol) can read them. Only the
// process's user can write to them either way.
func WithGroupReadable(on bool) Option { return core.WithGroupReadable(on) }

// WithQueueSize bounds the records waiting per sink. The default, 0, is
// unbounded: nothing is ever dropped. With n > 0 the excess is dropped,
// counted in Stats, and reported by a warn record in the error file (env
// LOGCREST_QUEUE_SIZE, json max_queue_size).
func WithQueueSize(n int) Option { return core.WithQueueSize(n) }

// WithMaxBuffer caps the memory each sink may hold in records waiting to be
// written, in bytes (default 64 MiB; env LOGCREST_MAX_BUFFER, json
// max_buffer_bytes, which also take a unit: "64MiB"). Past it, that sink's records are dropped and counted as
// with WithQueueSize: a sink that never drains (a console nobody reads)
// costs bounded memory, and the other sinks nothing.
func WithMaxBuffer(bytes int64) Option { return core.WithMaxBuffer(bytes) }

// WithFiles turns the files on (the default) or off (env LOGCREST_FILES,
// json files; both take true/false, 1/0, yes/no, on/off). Off, no folder is created and every record goes to the
// console alone: with WithConsoleFormat("json"), one JSON record per line on
// stdout, the way a container's runtime collects logs.
func WithFiles(on bool) Option { return core.WithFiles(on) }

// WithConsoleFormat sets what the console gets (env LOGCREST_CONSOLE, json
// console): "text" (the default), one readable line per record, coloured on
// a terminal; "json", the same JSON lines the files hold, flow records
// included; "off", nothing.
func WithConsoleFormat(format string) Option { return core.WithConsoleFormat(format) }

// WithConsoleLevel sets the least level of a record the console gets (env
// LOGCREST_CONSOLE_LEVEL, json console_level): a level name as WithLevel
// takes it, or "auto", the default. Auto gives the console every record the
// pipeline writes, except a text console on stdout (or another file) that is
// not a terminal while the files are on — a service under systemd, output
// redirected to a file or a pipe — which gets warnings and above only: the
// files hold the rest, and a copy of every record nobody reads costs disk
// and CPU. A terminal, a JSON console, container mode (the files off: the
// console is the log) and a writer given to WithConsole that is not a file
// get everything.
func WithConsoleLevel(level string) Option { return core.WithConsoleLevel(level) }

// WithFlowRecords sets which flow records are written (env
// LOGCREST_FLOW_RECORDS, json flow_records): "all" (the default), every
// flow_start and flow_end whatever the level, since the flows file is the
// access log and a level raised to quiet the other files must not erase it;
// or "failed", only the flow_end of a failed flow. A failed flow_end is
// always written.
func WithFlowRecords(mode string) Option { return core.WithFlowRecords(mode) }

// WithDetail sets how much of a flow is written (env LOGCREST_DETAIL, json
// detail). "buffered", the default, holds a flow's detail in its memory —
// its records from debug up to the buffer level (WithBufferLevel), its step
// records and its flow_start — and writes it, each record marked
// "buffered": true, in the order and with the time and seq it was logged
// with, just before flow_end, only when the flow failed, was cancelled, was
// slow (WithSlowFlow) or was kept (KeepDetail). A routine flow writes its
// flow_end alone, which holds its timeline, and the records its code logged
// at info and above. "full" writes every record as it is logged, as the
// level allows.
func WithDetail(mode string) Option { return core.WithDetail(mode) }

// WithBufferLevel sets the highest level a flow holds in buffered detail
// mode: "debug" (the default), "info" or "trace" (env
// LOGCREST_BUFFER_LEVEL, json buffer_level). Records at the levels held are
// written for a failed flow even when the pipeline's level is above them.
func WithBufferLevel(level string) Option { return core.WithBufferLevel(level) }

// WithSlowFlow sets how long a flow runs before it counts as slow and keeps
// its detail (default 1s; env LOGCREST_SLOW_FLOW, json slow_flow, "500ms" or
// a number of milliseconds); 0 makes no flow slow.
func WithSlowFlow(d time.Duration) Option { return core.WithSlowFlow(d) }

// WithFlowBuffer bounds the detail one flow holds (default 64 KiB and 512
// records; env LOGCREST_FLOW_BUFFER and LOGCREST_FLOW_BUFFER_RECORDS, json
// flow_buffer_bytes and flow_buffer_records). Past either bound the oldest
// held record is evicted; flow_end says how many were (buffered_evicted).
// The bytes must be positive and at most 1 GiB, the records positive.
func WithFlowBuffer(bytes int64, records int) Option { return core.WithFlowBuffer(bytes, records) }

// WithMaxHeld bounds the bytes all the flows of a pipeline hold together
// (default 32 MiB; env LOGCREST_MAX_HELD, json max_held_bytes). Past it a
// record is written or not by the level, as in full detail mode, and
// counted in Counters.Detail.Overflow.
func WithMaxHeld(bytes int64) Option { return core.WithMaxHeld(bytes) }

// WithSampling writes the flow_end of 1 in n routine flows (default 1: all;
// env LOGCREST_SAMPLE_ROUTINE, json sample_routine). A flow that failed, was
// cancelled, slow or kept is always written. The choice is made from the
// trace ID, so every service of one trace sampling at the same rate keeps
// the same traces; a kept routine flow_end carries "sample_rate": n, by
// which logcrest stats weighs it. Records a flow's code logged at info and
// above are written as they are logged, sampled or not: only what LogCrest
// itself holds can be left out.
func WithSampling(n int) Option { return core.WithSampling(n) }

// WithRouteSampling gives routes a sampling rate of their own in place of
// WithSampling's (env LOGCREST_SAMPLE_ROUTES, "/healthz=100,/orders/{id}=10";
// json sample_routes, an object {"/healthz": 100} or that string). A route
// is the template a flow's adapter records in its route field; 1 writes
// every routine flow of it.
func WithRouteSampling(rates map[string]int) Option { return core.WithRouteSampling(rates) }

// WithRedaction masks secrets on every exit when on, the default (env
// LOGCREST_REDACT, json redact): the files, the console, every other sink
// and the spans of logcrestotel.Export, LogCrest's own records (flow
// fields, flow_error, error records) included. The value of a key that
// names a secret (password, passwd, *secret, *token, authorization,
// cookie, set-cookie, api_key..., at any depth, in any case; see
// WithRedactKeys) is masked whole; inside any string value, bearer tokens,
// JSON Web Tokens, card numbers (a network's prefix, 13 to 19 digits, the
// Luhn check) and matches of WithRedactPatterns are masked. A masked value
// reads "[REDACTED]", or its keyed hash (WithRedactHashKey). The work runs
// on each sink's background goroutine, not in the log call;
// Counters.Redacted counts the values masked.
func WithRedaction(on bool) Option { return core.WithRedaction(on) }

// WithRedactKeys adds key patterns to the masked ones (env
// LOGCREST_REDACT_KEYS, comma-separated; json redact_keys, that string or
// an array): an exact key or a glob with '*' ("ssn", "*_pin"), any case,
// any depth. "-name" removes name from the defaults ("-pwd").
func WithRedactKeys(patterns ...string) Option { return core.WithRedactKeys(patterns...) }

// WithRedactPatterns masks every match of each regular expression (Go
// syntax) inside every string value (env LOGCREST_REDACT_PATTERNS and json
// redact_patterns: one expression; json also an array). One that does not
// compile, or matches the empty text, is refused with a warning.
func WithRedactPatterns(exprs ...string) Option { return core.WithRedactPatterns(exprs...) }

// WithRedactHashKey makes a masked value "hmac:" and 16 hex digits of its
// HMAC-SHA256 under key instead of "[REDACTED]", so that records can still
// be matched on equal values (env LOGCREST_REDACT_HASH_KEY; no json key:
// keep the key in the environment or a secret store, not in a file beside
// the logs).
func WithRedactHashKey(key string) Option { return core.WithRedactHashKey(key) }

// WithConsole sets where the console copy of every record goes (default
// os.Stdout, coloured when it is a terminal and NO_COLOR is unset); nil turns
// the console off. LogCrest never closes it.
func WithConsole(w io.Writer) Option { return core.WithConsole(w) }

// WithTimelineCap sets how many entries a flow's timeline keeps (default
// 1000); the step count stays exact beyond it.
func WithTimelineCap(n int) Option { return core.WithTimelineCap(n) }

// WithCloseTimeout sets how long Close and Flush wait for a sink that makes
// no progress (default 5s). A sink still writing is waited for until it has
// drained, up to ten close timeouts in all; one that has written nothing for
// the close timeout is given up on, and the error names it. The error
// stream, closed last, may take up to 0.5s more.
func WithCloseTimeout(d time.Duration) Option { return core.WithCloseTimeout(d) }

// WithConfigFile reads settings from path instead of ./log_config.json.
func WithConfigFile(path string) Option { return core.WithConfigFile(path) }

// Close drains every sink, closes the files and stops the background
// goroutines; nothing logged before it is lost: the records a flow still
// running holds (see WithDetail) are written first, marked buffered. Close waits for a sink as
// long as it keeps writing (up to ten close timeouts); if a sink is stuck,
// Close gives up once it has written nothing for the close timeout and says
// how many records it could not write. A later log call starts the pipeline
// afresh.
func Close() error { return core.Close() }

// Flush returns once every record logged before the call is in its file (or
// console), or an error naming a sink that has written nothing for the
// close timeout (or is still writing after ten).
func Flush() error { return core.Flush() }

// Stats returns what the pipeline has written, dropped and failed to write
// since the process started.
func Stats() Counters { return countersOf(core.Stats()) }

// Log returns the logger for ctx: inside a step or flow its records carry
// trace_id, span_id, flow_id and seq (inside a flow) and fn; otherwise it is
// the global logger. It never returns nil and does not allocate. ctx may be
// nil. The span's fields are put in as each record is written: a logger
// derived with With keeps them, one given another writer with Output does
// not.
//
// Outside any step, when the pipeline adopts the spans of another tracing
// system (logcrestotel.Adopt) and ctx carries one, the logger carries that
// span's trace_id and span_id; it is then built on every call (two small
// allocations).
//
// LogCrest stamps every record with its time itself: do not add .Timestamp().
//
// The fields of a record are zerolog's: Event.Interface, Object, AnErr and
// Stringer run the value's own code (MarshalJSON, MarshalZerologObject,
// Error, String) in the caller's goroutine, before LogCrest sees the record,
// and zerolog does not recover a panic there; such a panic is the caller's,
// as with zerolog alone. LogCrest guards the values it encodes itself: the
// slog handler's attributes, Args and LogResult (a value whose encoding
// panics is recorded as "!PANIC: ...", or null for a nil pointer, and the
// record is written), and SetFlowField, which takes no value with methods.
func Log(ctx context.Context) *zerolog.Logger {
	if l := flow.Logger(ctx); l != nil {
		return l
	}
	return core.FromContext(ctx).ContextLogger(ctx)
}

// Sync flushes the default pipeline and commits its files to stable storage
// (fsync): what was logged before the call survives the machine stopping.
func Sync() error { return core.Sync() }
