package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/big"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// defaultLevel is the level setting's default, which a new Pipeline also
// starts at before its settings are resolved (see newHandle).
const defaultLevel = zerolog.DebugLevel

// Flow record policies, the values of WithFlowRecords, LOGCREST_FLOW_RECORDS
// and the json key "flow_records".
const (
	FlowRecordsAll    = "all"    // every flow_start and flow_end, whatever the level
	FlowRecordsFailed = "failed" // only the flow_end of a failed flow
)

// Detail modes, the values of WithDetail, LOGCREST_DETAIL and the json key
// "detail".
const (
	// DetailBuffered holds a flow's detail (its records at the buffer
	// levels, its step records and flow_start) in the flow's memory and
	// writes it at the flow's end only when the flow failed, was slow, was
	// cancelled or was kept.
	DetailBuffered = "buffered"
	// DetailFull writes every record as it is logged, as far as the level
	// lets it.
	DetailFull = "full"
)

// Console formats, the values of WithConsoleFormat, LOGCREST_CONSOLE and the
// json key "console".
const (
	ConsoleText = "text" // one readable line a record, coloured on a terminal
	ConsoleJSON = "json" // the JSON lines the files hold, byte for byte
	ConsoleOff  = "off"  // no console
)

// ConsoleLevelAuto is the default of WithConsoleLevel, LOGCREST_CONSOLE_LEVEL
// and the json key "console_level": the console's level follows from where
// it writes (see ConsoleMin).
const ConsoleLevelAuto = "auto"

const (
	// maxConfigFileSize is the largest config file read; a bigger one is
	// certainly not a LogCrest config and is ignored with a warning.
	maxConfigFileSize = 1 << 20
	// maxNameLen leaves room, within the usual 255-byte limit on a file
	// name, for ".log" and the timestamp of a rotated backup.
	maxNameLen = 200
)

// Settings are the resolved settings a pipeline is built with. Resolve
// returns them valid: every field holds a usable value.
type Settings struct {
	Dir           string        // folder holding success/, error/ and flows/
	JSON          bool          // files hold JSON lines (true) or readable text lines
	Name          string        // the "logger" field of every record and the base name of the files
	Level         zerolog.Level // the minimum level logged
	MaxSize       int64         // size in bytes at which a file rotates
	BackupCount   int           // rotated files kept beside each file
	MaxAge        int           // days a rotated file is kept at most; 0 keeps them whatever their age
	Compress      bool          // rotated files are gzipped to "<name>.gz" in the background
	GroupReadable bool          // files 0640 and created folders 0750 instead of 0600 and 0700
	RotateEvery   string        // "hour" or "day": files also rotate at that boundary; "" by size alone
	RotateLocal   bool          // RotateEvery's boundaries in the machine's time zone instead of UTC
	QueueSize     int           // records waiting per sink; 0 or less is unbounded
	MaxBuffer     int64         // bytes of records waiting per sink before the excess is dropped
	Console       io.Writer     // receives a readable copy of every record; nil means no console
	TimelineCap   int           // entries kept in a flow's timeline
	CloseTimeout  time.Duration // how long Close and Flush wait for a sink that makes no progress (see WithCloseTimeout)
	ConfigFile    string        // the JSON file the settings were read from; "" when none was read
	Files         bool          // write the files; false for a container that collects stdout
	ConsoleFmt    string        // ConsoleText, ConsoleJSON or ConsoleOff
	ConsoleLevel  string        // ConsoleLevelAuto or a level name: the least level the console gets
	FlowRecords   string        // FlowRecordsAll or FlowRecordsFailed

	Detail        string        // DetailBuffered or DetailFull
	BufferLevel   zerolog.Level // inside a flow, records from debug up to this level are held
	SlowFlow      time.Duration // a flow that runs this long keeps its detail; 0: none is slow
	FlowBuffer    int64         // bytes of held records one flow keeps (the oldest are evicted)
	FlowBufferRec int           // held records one flow keeps (the oldest are evicted)
	MaxHeld       int64         // bytes held by all the flows of the pipeline together
	SampleRoutine int           // write 1 in N routine flows; 1 writes them all
	SampleRoutes  string        // per route, the rate in place of SampleRoutine: "route=N,route=N", sorted

	Redact         bool   // mask secrets on every exit (see WithRedaction)
	RedactKeys     string // key patterns added to (or, "-name", removed from) the defaults, comma-separated
	RedactPatterns string // one regular expression masked inside every string value; "" for none
	RedactHashKey  string // when set, a masked value becomes its HMAC-SHA256 under this key
}

// Defaults returns the built-in settings: what Resolve gives with no option,
// no LOGCREST_* variable and no config file.
func Defaults() Settings {
	var s Settings
	for _, row := range settingTable {
		row.setDefault(&s)
	}
	return s
}

// Option is one explicit setting, the highest layer of Resolve. Options are
// applied in order, so when one is given twice the last one counts.
type Option func(*options)

// options holds the explicit settings, unchecked: for each setting given, a
// given[T] keyed by its row (a *setting[T]).
type options struct {
	vals map[any]any
}

// given is one explicit value of a setting of type T, or the error its
// option met reading it (a level name WithLevel cannot parse).
type given[T any] struct {
	val T
	err error
}

// WithDir sets the folder the log files go in (default "logs"; env
// LOGCREST_DIR, json base_log_dir). An empty path is refused with a warning.
func WithDir(dir string) Option {
	return dirSetting.with(dir)
}

// WithJSON writes the files as JSON lines when on (the default) or as
// readable text lines when off (env LOGCREST_JSON, json use_json).
func WithJSON(on bool) Option {
	return jsonSetting.with(on)
}

// WithName sets the logger name, the "logger" field of every record and the
// base name of the files (default "app_logger"; env LOGCREST_NAME, json
// log_name). A name that is empty, longer than 200 bytes, or holds a path
// separator, "..", a NUL or another control character is refused with a
// warning.
func WithName(name string) Option {
	return nameSetting.with(name)
}

// WithLevel sets the minimum level, as ParseLevel reads it: a zerolog or
// Python level name in any case, or a number (default "debug"; env
// LOGCREST_LEVEL, json log_level).
func WithLevel(level string) Option {
	return levelSetting.withResult(ParseLevel(level))
}

// WithMaxSize sets the size in bytes at which a file rotates (default
// 67108864, 64 MiB; env LOGCREST_MAX_SIZE, json max_log_size, where a unit may follow
// the number: "5MB"; see Resolve). It must be positive.
func WithMaxSize(bytes int64) Option {
	return maxSizeSetting.with(bytes)
}

// WithBackupCount sets how many rotated files are kept beside each file
// (default 16; env LOGCREST_BACKUP_COUNT, json backup_count): the newest, by
// the time in their names, which only goes up. 0 keeps none. It must not be
// negative.
func WithBackupCount(n int) Option {
	return backupCountSetting.with(n)
}

// WithMaxAge sets how many days a rotated file is kept at most (default 0,
// no age limit; env LOGCREST_MAX_AGE, json max_age): at each rotation the
// rotated files, compressed or not, made longer ago (the UTC time in their
// name) are removed, on top of the WithBackupCount limit. It must not be
// negative.
func WithMaxAge(days int) Option {
	return maxAgeSetting.with(days)
}

// WithCompress gzips each rotated file to "<name>.gz" when on (default off;
// env LOGCREST_COMPRESS, json compress), in the background: logging never
// waits for it. Compressed files count toward WithBackupCount and
// WithMaxAge like the others.
func WithCompress(on bool) Option {
	return compressSetting.with(on)
}

// WithGroupReadable makes the log files, backups included, 0640 and the
// folders LogCrest creates 0750 when on, instead of 0600 and 0700 (default
// off; env LOGCREST_GROUP_READABLE, json group_readable): a log shipper
// running as another user that is a member of the process's group (an
// OpenTelemetry Collector, Fluent Bit, Vector) can then read them. Nobody
// but the process's user can write to them either way, folders group or
// others may write to are still refused, and files written before it was
// turned on keep their mode until they are reopened (the live file) or
// for good (backups).
func WithGroupReadable(on bool) Option {
	return groupReadSetting.with(on)
}

// WithRotateEvery rotates each file by time as well as by size (default
// "", by size alone; env LOGCREST_ROTATE_EVERY, json rotate_every): "hour"
// or "day" rotates it at the first write after each hour on the hour, or
// each midnight, in UTC unless WithRotateLocal, so a file holds one
// period's records. The backup is named after the boundary (in UTC, like
// every backup name); an idle file is not rotated. "off" is "".
func WithRotateEvery(period string) Option {
	return rotateEverySetting.with(rotateEveryName(period))
}

// WithRotateLocal puts WithRotateEvery's boundaries in the machine's time
// zone (time.Local: TZ, /etc/localtime) instead of UTC when on (default
// off; env LOGCREST_ROTATE_LOCAL, json rotate_local): a day then ends at
// local midnight, 23 or 25 hours long across a daylight saving change.
// Backup names stay in UTC.
func WithRotateLocal(on bool) Option {
	return rotateLocalSetting.with(on)
}

// WithQueueSize bounds the records waiting per sink (default 0; env
// LOGCREST_QUEUE_SIZE, json max_queue_size). Zero or less means unbounded:
// nothing is ever dropped.
func WithQueueSize(n int) Option {
	return queueSizeSetting.with(n)
}

// WithMaxBuffer caps the memory each sink may hold in records waiting to be
// written, in bytes (default 64 MiB; env LOGCREST_MAX_BUFFER, json
// max_buffer_bytes, with a unit or not: "64MiB"; see Resolve). Past it, records for that sink are dropped and counted
// as with WithQueueSize, so a sink that never drains (a console nobody reads)
// costs bounded memory and the other sinks nothing. It must be positive.
func WithMaxBuffer(bytes int64) Option {
	return maxBufferSetting.with(bytes)
}

// WithFiles turns the files on (the default) or off (env LOGCREST_FILES,
// json files). With the files off no folder is created and every record goes
// to the console alone: with WithConsoleFormat("json"), the way to run in a
// container whose runtime collects stdout.
func WithFiles(on bool) Option {
	return filesSetting.with(on)
}

// WithConsoleFormat sets what the console gets (env LOGCREST_CONSOLE, json
// console): "text" (the default), one readable line a record, coloured on a
// terminal; "json", the same JSON lines the files hold, flow records
// included; or "off", nothing.
func WithConsoleFormat(format string) Option {
	return consoleFmtSetting.with(lowerTrim(format))
}

// WithConsoleLevel sets the least level of a record the console gets (env
// LOGCREST_CONSOLE_LEVEL, json console_level): a level name as WithLevel
// takes it, or "auto" (the default). Auto gives the console every record
// the pipeline writes, except when it is a readable copy nobody watches:
// with the files on, a text console that is an *os.File but not a terminal
// (stdout redirected to a file, a pipe, journald under systemd) gets
// warnings and above only, as the files hold the rest. A terminal, a JSON
// console, a console with the files off (container mode, where the console
// is the log) and a writer given by WithConsole that is not an *os.File get
// everything. The pipeline's level still applies first.
func WithConsoleLevel(level string) Option {
	return consoleLevelSetting.with(lowerTrim(level))
}

// WithFlowRecords sets which flow records are written (env
// LOGCREST_FLOW_RECORDS, json flow_records): "all" (the default), every
// flow_start and flow_end whatever the level, as the flows file is the
// access log and a level set to quiet the other files must not erase it; or
// "failed", only the flow_end of a failed flow. A failed flow_end is always
// written.
func WithFlowRecords(mode string) Option {
	return flowRecordsSetting.with(lowerTrim(mode))
}

// WithDetail sets how much of a flow is written (env LOGCREST_DETAIL, json
// detail): "buffered" (the default) holds the flow's detail — its records
// from debug up to the buffer level (see WithBufferLevel), its step records
// and its flow_start — in the flow's memory and writes it, marked
// "buffered": true, before flow_end only when the flow failed, was slow
// (WithSlowFlow), was cancelled or was kept (logcrest.KeepDetail); a
// routine flow writes its flow_end alone, which holds its timeline. "full"
// writes every record as it is logged, as the level allows.
func WithDetail(mode string) Option {
	return detailSetting.with(lowerTrim(mode))
}

// WithBufferLevel sets the highest level a flow holds in buffered detail
// mode (default "debug"; env LOGCREST_BUFFER_LEVEL, json buffer_level):
// "debug" or "info" (or "trace"). Records at the levels held are kept for a
// failed flow even when the pipeline's level is above them.
func WithBufferLevel(level string) Option {
	l, err := ParseLevel(level)
	return bufferLevelSetting.withResult(l, err)
}

// WithSlowFlow sets how long a flow runs before it counts as slow and
// keeps its detail (default 1s; env LOGCREST_SLOW_FLOW, json slow_flow: a
// duration such as "500ms", or a number of milliseconds in json). 0 makes
// no flow slow. It must not be negative.
func WithSlowFlow(d time.Duration) Option {
	return slowFlowSetting.with(d)
}

// WithFlowBuffer bounds the detail one flow holds (default 64 KiB and 512
// records; env LOGCREST_FLOW_BUFFER and LOGCREST_FLOW_BUFFER_RECORDS, json
// flow_buffer_bytes and flow_buffer_records): past either bound the oldest
// held record is evicted, counted, and flow_end says how many. Both must be
// positive, and the bytes at most 1 GiB.
func WithFlowBuffer(bytes int64, records int) Option {
	return func(o *options) {
		flowBufferSetting.with(bytes)(o)
		flowBufferRecSetting.with(records)(o)
	}
}

// WithMaxHeld bounds the bytes held by all the flows of the pipeline
// together (default 32 MiB; env LOGCREST_MAX_HELD, json max_held_bytes).
// Past it a record is not held but written or not by the level, as in full
// detail mode, and counted. It must be positive.
func WithMaxHeld(bytes int64) Option {
	return maxHeldSetting.with(bytes)
}

// WithSampling writes 1 in n routine flows (default 1: all; env
// LOGCREST_SAMPLE_ROUTINE, json sample_routine). A flow that failed, was
// slow, was cancelled or was kept is always written. The choice is made
// from the trace ID, so every service of one trace that samples at the same
// rate keeps or drops the same traces, and one that samples at a lower rate
// keeps a subset of them; a kept routine flow_end carries "sample_rate": n.
// n must be at least 1.
func WithSampling(n int) Option {
	return sampleSetting.with(n)
}

// WithRouteSampling gives routes a sampling rate of their own in place of
// WithSampling's (env LOGCREST_SAMPLE_ROUTES, "/healthz=100,/orders/{id}=10";
// json sample_routes, an object {"/healthz": 100} or that string). A route
// is the template the flow's adapter records (its route field: an HTTP
// route, an RPC method); a rate of 1 writes every routine flow of it. Each
// rate must be at least 1.
func WithRouteSampling(rates map[string]int) Option {
	return sampleRoutesSetting.with(formatRoutes(rates))
}

// WithRedaction masks secrets on every exit when on, the default (env
// LOGCREST_REDACT, json redact): the files, the console, every other sink,
// and the spans an EndHook is given (logcrestotel.Export). The whole value
// of a key that names a secret (password, passwd, *secret, *token,
// authorization, cookie, set-cookie, api_key... at any depth, in any case;
// see WithRedactKeys) is masked, and so, inside any string value, are
// bearer tokens, JSON Web Tokens, card numbers (a card network's prefix,
// 13 to 19 digits, the Luhn check) and the matches of WithRedactPatterns.
// A masked value reads "[REDACTED]", or its keyed hash (see
// WithRedactHashKey). It runs on each sink's background goroutine: the log
// call pays nothing for it. Stats counts the values masked.
func WithRedaction(on bool) Option {
	return redactSetting.with(on)
}

// WithRedactKeys adds key patterns to the masked ones (env
// LOGCREST_REDACT_KEYS, a comma-separated list; json redact_keys, that
// string or an array): an exact key or a glob where '*' is any run of
// characters ("ssn", "*_pin"), matched in any case at any depth. A pattern
// written "-name" removes name from the defaults ("-pwd").
func WithRedactKeys(patterns ...string) Option {
	return redactKeysSetting.with(strings.Join(patterns, ","))
}

// WithRedactPatterns masks every match of each regular expression (Go
// syntax) inside every string value (env LOGCREST_REDACT_PATTERNS and json
// redact_patterns: one expression; json also takes an array). An
// expression that does not compile is refused with a warning, and none of
// the user's is used.
func WithRedactPatterns(exprs ...string) Option {
	return redactPatternsSetting.with(joinPatterns(exprs))
}

// WithRedactHashKey makes a masked value "hmac:" followed by 16 hex digits
// of its HMAC-SHA256 under key, instead of "[REDACTED]": equal values get
// equal hashes, so records can still be matched on them, and nobody
// without the key can test a guess (env LOGCREST_REDACT_HASH_KEY; no json
// key, as a key belongs in the environment or a secret store, not in a
// file beside the logs). "" masks.
func WithRedactHashKey(key string) Option {
	return redactHashKeySetting.with(key)
}

// WithConsole sets where the readable copy of every record goes (default
// os.Stdout; no env or json key). nil, or a nil pointer of a writer type,
// turns the console off.
func WithConsole(w io.Writer) Option {
	return consoleSetting.with(nilIfNilWriter(w))
}

// WithTimelineCap sets how many entries a flow's timeline keeps (default
// 1000; env LOGCREST_TIMELINE_CAP, json timeline_cap). It must be at least 1.
func WithTimelineCap(n int) Option {
	return timelineCapSetting.with(n)
}

// WithCloseTimeout sets how long Close, Flush and a rebuilding Configure
// wait for a sink that makes no progress (default 5s; no env or json key).
// It must be positive.
//
// A sink makes progress each time one of its writes returns (a batch of at
// most 64 KiB of records). A sink still writing is waited for however long
// it takes to drain, as giving up would lose records it was about to write;
// one that has written nothing for the close timeout (a console nobody
// reads, a hung disk) is given up on: the error names it and the records it
// still holds, which are counted as failed. Whatever the sinks do, the wait
// ends after ten close timeouts (50s by default), so a sink that trickles
// cannot hold up the process for long. The error stream, closed last, gets
// at least 0.5s of its own on top.
func WithCloseTimeout(d time.Duration) Option {
	return closeTimeoutSetting.with(d)
}

// WithConfigFile reads the JSON config from path instead of
// "log_config.json" in the working directory (no env or json key). The
// empty path reads no file at all.
func WithConfigFile(path string) Option {
	return configFileSetting.with(path)
}

// Resolve works out the settings from four layers; for each key the highest
// layer that gives it wins: opts, then the environment (read through getenv,
// typically os.LookupEnv; a variable set to "" counts as unset), then the JSON
// config file, then Defaults. Space around a number, boolean or level in the
// environment is ignored; LOGCREST_DIR and LOGCREST_NAME are taken as they
// are.
//
// Every layer takes the same words. A boolean is true, false, 1, 0, yes, no,
// on or off, in any case: in the config file as JSON true/false, as one of
// those words in a string ("files": "off"), or as the number 0 or 1. A size
// (max_log_size, max_buffer_bytes) is a whole number of bytes (in the file,
// a JSON number such as 5242880 or 5e6), or, in the environment or a file
// string, a number and a unit: B, K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB,
// TiB, in any case, space before the unit allowed ("512KB", "5 MB",
// "1.5GiB"). K, M, G and T count in 1024s however they are written: 5MB is
// 5 MiB (5242880 bytes), as lumberjack,
// logback, log4j and Docker's log options read it. With a unit the number
// may have decimals, rounded down to a whole byte.
//
// Nothing is fatal. Each problem — an unreadable or malformed config file, an
// unknown key in it, a value of the wrong type or out of range, an unknown
// level, a bad option — is written to warn as one line
//
//	logcrest: warning: <where>: <what is wrong>, using <value>
//
// naming the option, variable or file key and quoting the bad value (cut to
// about 80 bytes, control characters escaped). A bad value at the winning
// layer makes the key take its default; the other keys are unaffected. A bad
// value that a higher layer overrides is still reported, with the value
// used. When warn is nil the lines go to the warning output of Warnf. A
// missing config file is not a problem.
//
// The same problems are returned as errors, one per line, in the order
// written, ready for errors.Join; those caused by a file system or JSON error
// wrap it.
func Resolve(opts []Option, getenv func(string) (string, bool), warn io.Writer) (Settings, []error) {
	o := &options{vals: map[any]any{}}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	r := &resolver{opts: o, getenv: getenv, warn: warn}

	s := Defaults()
	configFileSetting.resolve(r, &s)
	r.loadFile(s.ConfigFile)
	for _, row := range settingTable {
		if row != anySetting(&configFileSetting) { // resolved above, before the file is read
			row.resolve(r, &s)
		}
	}
	return s, r.problems
}

// resolver carries one Resolve call: its inputs and the problems found.
type resolver struct {
	opts     *options
	getenv   func(string) (string, bool)
	warn     io.Writer
	file     map[string]json.RawMessage // the config file's keys; nil when none was read
	source   string                     // how warnings name the file: config file "<path>"
	problems []error
}

// problem is one warning as an error value.
type problem struct {
	msg   string
	cause error
}

func (p *problem) Error() string { return "logcrest: " + p.msg }
func (p *problem) Unwrap() error { return p.cause }

// report writes one warning line and records it as a problem.
func (r *resolver) report(cause error, format string, args ...any) {
	msg := oneLine(fmt.Sprintf(format, args...))
	writeWarning(r.warn, msg)
	r.problems = append(r.problems, &problem{msg: msg, cause: cause})
}

// loadFile reads the config file at path into r.file. A missing file is
// silently skipped; a file that cannot be read or is not a JSON object is
// reported and ignored whole; each unknown key is reported and the rest used.
func (r *resolver) loadFile(path string) {
	if path == "" {
		return
	}
	r.source = "config file " + strconv.Quote(path) // trusted, so never cut
	data, err := readConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil {
		r.file, err = parseConfig(data)
	}
	if err != nil {
		r.report(err, "%s %v, ignoring the file", r.source, err)
		return
	}
	var unknown []string
	for k := range r.file {
		if !isFileKey(k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		r.report(nil, "%s: unknown key %s, ignoring it", r.source, quote(k))
	}
}

// readConfigFile returns the content of the config file, refusing anything
// that is not a regular file of at most maxConfigFileSize bytes. The error
// wraps the file system's, so fs.ErrNotExist and fs.ErrPermission show.
func readConfigFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %w", pathCause(err))
	}
	if info.IsDir() {
		return nil, errors.New("is a directory, not a file")
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("is not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %w", pathCause(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %w", pathCause(err))
	}
	if len(data) > maxConfigFileSize {
		return nil, fmt.Errorf("is larger than %d bytes", maxConfigFileSize)
	}
	return data, nil
}

// pathCause drops the operation and path from a *fs.PathError, which the
// warning already names.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseConfig decodes a config file: one JSON object (a UTF-8 byte order mark
// before it is allowed), its values left raw for each key to decode.
func parseConfig(data []byte) (map[string]json.RawMessage, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("is empty, not a JSON object")
	}
	if trimmed[0] != '{' {
		return nil, errors.New("is not a JSON object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("is not valid JSON at byte %d: %w", se.Offset, err)
		}
		return nil, fmt.Errorf("is not valid JSON: %w", err)
	}
	return m, nil
}

// setting is one row of the settings table: one key, its names in each
// layer, its default, how each layer's value is read and checked, and the
// Settings field it fills. Everything else about a setting (Defaults, the
// keys a config file may hold, Resolve) is derived from settingTable.
type setting[T any] struct {
	key    string // JSON key; "" when the file cannot set it
	env    string // environment variable; "" when there is none
	option string // the option that sets it, as warnings name it
	def    T
	field  func(*Settings) *T               // the Settings field it fills
	parse  func(string) (T, error)          // an environment value; nil when env is ""
	decode func(json.RawMessage) (T, error) // a config file value; nil when key is ""
	check  func(T) error                    // nil, or whether a value is usable
}

// anySetting is a setting of any type, as settingTable holds them.
type anySetting interface {
	setDefault(*Settings)
	resolve(*resolver, *Settings)
	fileKey() string
}

func (st *setting[T]) setDefault(s *Settings)           { *st.field(s) = st.def }
func (st *setting[T]) resolve(r *resolver, s *Settings) { *st.field(s) = resolveSetting(r, st) }
func (st *setting[T]) fileKey() string                  { return st.key }

// with is the option that sets the setting to v.
func (st *setting[T]) with(v T) Option { return st.withResult(v, nil) }

// withResult is the option that sets the setting to v, or reports err at
// Resolve when the option's argument could not be read.
func (st *setting[T]) withResult(v T, err error) Option {
	return func(o *options) { o.vals[st] = given[T]{v, err} }
}

// settingTable lists every setting once, in the order Resolve resolves them
// and so writes their warnings.
var settingTable = []anySetting{
	&configFileSetting,
	&dirSetting, &jsonSetting, &nameSetting, &levelSetting, &maxSizeSetting,
	&backupCountSetting, &maxAgeSetting, &compressSetting, &groupReadSetting,
	&rotateEverySetting, &rotateLocalSetting,
	&queueSizeSetting, &maxBufferSetting, &filesSetting, &consoleFmtSetting, &consoleLevelSetting,
	&flowRecordsSetting, &timelineCapSetting, &closeTimeoutSetting,
	&consoleSetting,
	&detailSetting, &bufferLevelSetting, &slowFlowSetting, &flowBufferSetting,
	&flowBufferRecSetting, &maxHeldSetting, &sampleSetting, &sampleRoutesSetting,
	&redactSetting, &redactKeysSetting, &redactPatternsSetting, &redactHashKeySetting,
}

var (
	configFileSetting = setting[string]{
		option: "WithConfigFile", def: "log_config.json",
		field: func(s *Settings) *string { return &s.ConfigFile },
	}
	dirSetting = setting[string]{
		key: "base_log_dir", env: "LOGCREST_DIR", option: "WithDir", def: "logs",
		field: func(s *Settings) *string { return &s.Dir },
		parse: envString, decode: jsonString, check: checkDir,
	}
	jsonSetting = setting[bool]{
		key: "use_json", env: "LOGCREST_JSON", option: "WithJSON", def: true,
		field: func(s *Settings) *bool { return &s.JSON },
		parse: envBool, decode: jsonBool,
	}
	nameSetting = setting[string]{
		key: "log_name", env: "LOGCREST_NAME", option: "WithName", def: "app_logger",
		field: func(s *Settings) *string { return &s.Name },
		parse: envString, decode: jsonString, check: checkName,
	}
	levelSetting = setting[zerolog.Level]{
		key: "log_level", env: "LOGCREST_LEVEL", option: "WithLevel", def: defaultLevel,
		field: func(s *Settings) *zerolog.Level { return &s.Level },
		parse: ParseLevel, decode: jsonLevel,
	}
	maxSizeSetting = setting[int64]{
		key: "max_log_size", env: "LOGCREST_MAX_SIZE", option: "WithMaxSize", def: 64 << 20, // 64 MiB: see docs/configuration.md, "Retention"
		field: func(s *Settings) *int64 { return &s.MaxSize },
		parse: parseSize, decode: jsonSize, check: checkPositive,
	}
	backupCountSetting = setting[int]{
		key: "backup_count", env: "LOGCREST_BACKUP_COUNT", option: "WithBackupCount", def: 16,
		field: func(s *Settings) *int { return &s.BackupCount },
		parse: envInt, decode: jsonInt, check: checkNotNegative,
	}
	maxAgeSetting = setting[int]{
		key: "max_age", env: "LOGCREST_MAX_AGE", option: "WithMaxAge", def: 0, // days; no age limit
		field: func(s *Settings) *int { return &s.MaxAge },
		parse: envInt, decode: jsonInt, check: checkNotNegative,
	}
	compressSetting = setting[bool]{
		key: "compress", env: "LOGCREST_COMPRESS", option: "WithCompress", def: false,
		field: func(s *Settings) *bool { return &s.Compress },
		parse: envBool, decode: jsonBool,
	}
	groupReadSetting = setting[bool]{
		key: "group_readable", env: "LOGCREST_GROUP_READABLE", option: "WithGroupReadable", def: false,
		field: func(s *Settings) *bool { return &s.GroupReadable },
		parse: envBool, decode: jsonBool,
	}
	rotateEverySetting = setting[string]{
		key: "rotate_every", env: "LOGCREST_ROTATE_EVERY", option: "WithRotateEvery", def: "", // by size alone
		field: func(s *Settings) *string { return &s.RotateEvery },
		parse: envRotateEvery, decode: jsonRotateEvery, check: checkRotateEvery,
	}
	rotateLocalSetting = setting[bool]{
		key: "rotate_local", env: "LOGCREST_ROTATE_LOCAL", option: "WithRotateLocal", def: false,
		field: func(s *Settings) *bool { return &s.RotateLocal },
		parse: envBool, decode: jsonBool,
	}
	queueSizeSetting = setting[int]{
		key: "max_queue_size", env: "LOGCREST_QUEUE_SIZE", option: "WithQueueSize", def: 0, // unbounded
		field: func(s *Settings) *int { return &s.QueueSize },
		parse: envInt, decode: jsonInt,
	}
	maxBufferSetting = setting[int64]{
		key: "max_buffer_bytes", env: "LOGCREST_MAX_BUFFER", option: "WithMaxBuffer", def: 64 << 20,
		field: func(s *Settings) *int64 { return &s.MaxBuffer },
		parse: parseSize, decode: jsonSize, check: checkPositive,
	}
	filesSetting = setting[bool]{
		key: "files", env: "LOGCREST_FILES", option: "WithFiles", def: true,
		field: func(s *Settings) *bool { return &s.Files },
		parse: envBool, decode: jsonBool,
	}
	consoleFmtSetting = setting[string]{
		key: "console", env: "LOGCREST_CONSOLE", option: "WithConsoleFormat", def: ConsoleText,
		field: func(s *Settings) *string { return &s.ConsoleFmt },
		parse: envLowerTrim, decode: jsonLowerTrim, check: checkConsoleFmt,
	}
	consoleLevelSetting = setting[string]{
		key: "console_level", env: "LOGCREST_CONSOLE_LEVEL", option: "WithConsoleLevel", def: ConsoleLevelAuto,
		field: func(s *Settings) *string { return &s.ConsoleLevel },
		parse: envLowerTrim, decode: jsonConsoleLevel, check: checkConsoleLevel,
	}
	flowRecordsSetting = setting[string]{
		key: "flow_records", env: "LOGCREST_FLOW_RECORDS", option: "WithFlowRecords", def: FlowRecordsAll,
		field: func(s *Settings) *string { return &s.FlowRecords },
		parse: envLowerTrim, decode: jsonLowerTrim, check: checkFlowRecords,
	}
	timelineCapSetting = setting[int]{
		key: "timeline_cap", env: "LOGCREST_TIMELINE_CAP", option: "WithTimelineCap", def: 1000,
		field: func(s *Settings) *int { return &s.TimelineCap },
		parse: envInt, decode: jsonInt, check: checkAtLeastOne,
	}
	closeTimeoutSetting = setting[time.Duration]{
		option: "WithCloseTimeout", def: 5 * time.Second,
		field: func(s *Settings) *time.Duration { return &s.CloseTimeout },
		check: checkPositiveDuration,
	}
	detailSetting = setting[string]{
		key: "detail", env: "LOGCREST_DETAIL", option: "WithDetail", def: DetailBuffered,
		field: func(s *Settings) *string { return &s.Detail },
		parse: envLowerTrim, decode: jsonLowerTrim, check: checkDetail,
	}
	bufferLevelSetting = setting[zerolog.Level]{
		key: "buffer_level", env: "LOGCREST_BUFFER_LEVEL", option: "WithBufferLevel", def: zerolog.DebugLevel,
		field: func(s *Settings) *zerolog.Level { return &s.BufferLevel },
		parse: ParseLevel, decode: jsonLevel, check: checkBufferLevel,
	}
	slowFlowSetting = setting[time.Duration]{
		key: "slow_flow", env: "LOGCREST_SLOW_FLOW", option: "WithSlowFlow", def: time.Second,
		field: func(s *Settings) *time.Duration { return &s.SlowFlow },
		parse: envDuration, decode: jsonDuration, check: checkNotNegativeDuration,
	}
	flowBufferSetting = setting[int64]{
		key: "flow_buffer_bytes", env: "LOGCREST_FLOW_BUFFER", option: "WithFlowBuffer", def: 64 << 10,
		field: func(s *Settings) *int64 { return &s.FlowBuffer },
		parse: parseSize, decode: jsonSize, check: checkFlowBuffer,
	}
	flowBufferRecSetting = setting[int]{
		key: "flow_buffer_records", env: "LOGCREST_FLOW_BUFFER_RECORDS", option: "WithFlowBuffer", def: 512,
		field: func(s *Settings) *int { return &s.FlowBufferRec },
		parse: envInt, decode: jsonInt, check: checkAtLeastOne,
	}
	maxHeldSetting = setting[int64]{
		key: "max_held_bytes", env: "LOGCREST_MAX_HELD", option: "WithMaxHeld", def: 32 << 20,
		field: func(s *Settings) *int64 { return &s.MaxHeld },
		parse: parseSize, decode: jsonSize, check: checkPositive,
	}
	sampleSetting = setting[int]{
		key: "sample_routine", env: "LOGCREST_SAMPLE_ROUTINE", option: "WithSampling", def: 1,
		field: func(s *Settings) *int { return &s.SampleRoutine },
		parse: envInt, decode: jsonInt, check: checkAtLeastOne,
	}
	sampleRoutesSetting = setting[string]{
		key: "sample_routes", env: "LOGCREST_SAMPLE_ROUTES", option: "WithRouteSampling",
		field: func(s *Settings) *string { return &s.SampleRoutes },
		parse: envRoutes, decode: jsonRoutes, check: checkRoutes,
	}
	redactSetting = setting[bool]{
		key: "redact", env: "LOGCREST_REDACT", option: "WithRedaction", def: true,
		field: func(s *Settings) *bool { return &s.Redact },
		parse: envBool, decode: jsonBool,
	}
	redactKeysSetting = setting[string]{
		key: "redact_keys", env: "LOGCREST_REDACT_KEYS", option: "WithRedactKeys",
		field: func(s *Settings) *string { return &s.RedactKeys },
		parse: envString, decode: jsonList(","),
	}
	redactPatternsSetting = setting[string]{
		key: "redact_patterns", env: "LOGCREST_REDACT_PATTERNS", option: "WithRedactPatterns",
		field: func(s *Settings) *string { return &s.RedactPatterns },
		parse: envString, decode: jsonPatterns, check: checkPattern,
	}
	redactHashKeySetting = setting[string]{
		env: "LOGCREST_REDACT_HASH_KEY", option: "WithRedactHashKey",
		field: func(s *Settings) *string { return &s.RedactHashKey },
		parse: envString,
	}
	consoleSetting = setting[io.Writer]{
		option: "WithConsole", def: os.Stdout,
		field: func(s *Settings) *io.Writer { return &s.Console },
	}
)

// jsonList reads a string, or an array of strings joined by sep.
func jsonList(sep string) func(json.RawMessage) (string, error) {
	return func(raw json.RawMessage) (string, error) {
		if raw[0] != '[' {
			return jsonString(raw)
		}
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			return "", fmt.Errorf("%s is not a string or an array of strings", describe(raw))
		}
		return strings.Join(list, sep), nil
	}
}

// joinPatterns makes one expression of several: each a group of an
// alternation.
func joinPatterns(exprs []string) string {
	var parts []string
	for _, e := range exprs {
		if e != "" {
			parts = append(parts, e)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i, e := range parts {
		parts[i] = "(?:" + e + ")"
	}
	return strings.Join(parts, "|")
}

// jsonPatterns reads one expression, or an array of them.
func jsonPatterns(raw json.RawMessage) (string, error) {
	if raw[0] != '[' {
		return jsonString(raw)
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return "", fmt.Errorf("%s is not a string or an array of strings", describe(raw))
	}
	return joinPatterns(list), nil
}

// checkPattern accepts an expression that compiles and matches no empty
// text (which would mask between every two characters).
func checkPattern(e string) error {
	if e == "" {
		return nil
	}
	re, err := regexp.Compile(e)
	if err != nil {
		return fmt.Errorf("%s is not a regular expression: %v", quote(e), err)
	}
	if re.MatchString("") {
		return fmt.Errorf("%s matches the empty text", quote(e))
	}
	return nil
}

// isFileKey reports whether a config file may hold key k.
func isFileKey(k string) bool {
	for _, row := range settingTable {
		if key := row.fileKey(); key != "" && key == k {
			return true
		}
	}
	return false
}

func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// envLowerTrim and jsonLowerTrim read an enum, which takes any case and
// space around it.
func envLowerTrim(s string) (string, error) { return lowerTrim(s), nil }

func jsonLowerTrim(raw json.RawMessage) (string, error) {
	s, err := jsonString(raw)
	return lowerTrim(s), err
}

// jsonConsoleLevel reads a console level as a string, or as a level number
// (as log_level takes it).
func jsonConsoleLevel(raw json.RawMessage) (string, error) {
	if isNumber(raw) {
		n, err := wholeNumber(string(raw))
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(n, 10), nil
	}
	return jsonLowerTrim(raw)
}

// checkConsoleLevel accepts "auto" and every level ParseLevel reads.
func checkConsoleLevel(s string) error {
	if s == ConsoleLevelAuto {
		return nil
	}
	if _, err := ParseLevel(s); err != nil {
		return fmt.Errorf("%s is not auto or a level name", quote(s))
	}
	return nil
}

// checkFlowRecords accepts the flow record policies, in lower case.
func checkFlowRecords(f string) error {
	if f == FlowRecordsAll || f == FlowRecordsFailed {
		return nil
	}
	return fmt.Errorf("%s is not one of all, failed", quote(f))
}

// formatRoutes writes per-route rates in the canonical form of
// Settings.SampleRoutes: "route=N" pairs sorted by route, joined by commas.
func formatRoutes(rates map[string]int) string {
	keys := make([]string, 0, len(rates))
	for k := range rates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(rates[k]))
	}
	return b.String()
}

// parseRoutes reads "route=N,route=N" (spaces around each part ignored;
// the last '=' of a pair ends its route) into rates.
func parseRoutes(s string) (map[string]int, error) {
	rates := map[string]int{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		i := strings.LastIndexByte(pair, '=')
		if i <= 0 {
			return nil, fmt.Errorf("%s is not route=rate", quote(pair))
		}
		route := strings.TrimSpace(pair[:i])
		n, err := strconv.Atoi(strings.TrimSpace(pair[i+1:]))
		if err != nil || n < 1 || route == "" {
			return nil, fmt.Errorf("%s is not route=rate with a whole rate of at least 1", quote(pair))
		}
		rates[route] = n
	}
	return rates, nil
}

// routeRates returns the rates of s, a checked Settings.SampleRoutes; nil
// for none.
func routeRates(s string) map[string]int {
	if s == "" {
		return nil
	}
	rates, err := parseRoutes(s)
	if err != nil || len(rates) == 0 {
		return nil
	}
	return rates
}

// envRoutes reads per-route rates and returns them in canonical form.
func envRoutes(s string) (string, error) {
	rates, err := parseRoutes(s)
	if err != nil {
		return "", err
	}
	return formatRoutes(rates), nil
}

// jsonRoutes reads per-route rates from an object of whole numbers or
// from the string envRoutes reads.
func jsonRoutes(raw json.RawMessage) (string, error) {
	if raw[0] == '"' {
		s, err := jsonString(raw)
		if err != nil {
			return "", err
		}
		return envRoutes(s)
	}
	var obj map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return "", fmt.Errorf("%s is not an object of route: rate", describe(raw))
	}
	rates := make(map[string]int, len(obj))
	for route, v := range obj {
		n, err := jsonInt(v)
		if err != nil || n < 1 || strings.TrimSpace(route) == "" {
			return "", fmt.Errorf("route %s: %s is not a whole rate of at least 1", quote(route), describe(v))
		}
		rates[strings.TrimSpace(route)] = n
	}
	return formatRoutes(rates), nil
}

// checkRoutes accepts the canonical form, which an option may give with a
// bad rate.
func checkRoutes(s string) error {
	_, err := parseRoutes(s)
	return err
}

// checkDetail accepts the detail modes, in lower case.
func checkDetail(m string) error {
	if m == DetailBuffered || m == DetailFull {
		return nil
	}
	return fmt.Errorf("%s is not one of buffered, full", quote(m))
}

// checkBufferLevel accepts trace, debug and info: a flow holds no warning
// or error, which must be written when they happen.
func checkBufferLevel(l zerolog.Level) error {
	if l >= zerolog.TraceLevel && l <= zerolog.InfoLevel {
		return nil
	}
	return fmt.Errorf("%s is not one of trace, debug, info", quote(l.String()))
}

func checkNotNegativeDuration(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%v is negative", d)
	}
	return nil
}

// envDuration reads a duration as time.ParseDuration does ("500ms",
// "1.5s"), or a bare 0.
func envDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s is not a duration such as \"500ms\" or \"2s\"", quote(s))
	}
	return d, nil
}

// jsonDuration reads a duration as a string envDuration takes, or as a
// whole number of milliseconds.
func jsonDuration(raw json.RawMessage) (time.Duration, error) {
	switch {
	case raw[0] == '"':
		s, err := jsonString(raw)
		if err != nil {
			return 0, err
		}
		return envDuration(s)
	case isNumber(raw):
		n, err := wholeNumber(string(raw))
		if err != nil {
			return 0, err
		}
		if n > int64(math.MaxInt64/time.Millisecond) || n < -int64(math.MaxInt64/time.Millisecond) {
			return 0, fmt.Errorf("%s is out of range", describe(raw))
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	return 0, fmt.Errorf("%s is not a duration (a string such as \"500ms\", or a number of milliseconds)", describe(raw))
}

func checkPositiveDuration(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%v is not positive", d)
	}
	return nil
}

// nilIfNilWriter turns a nil pointer or function writer into a nil
// io.Writer, so that WithConsole turns the console off with it.
func nilIfNilWriter(w io.Writer) io.Writer {
	if isNilWriter(w) {
		return nil
	}
	return w
}

// checkConsoleFmt accepts the console formats, in lower case.
func checkConsoleFmt(f string) error {
	switch f {
	case ConsoleText, ConsoleJSON, ConsoleOff:
		return nil
	}
	return fmt.Errorf("%s is not one of text, json, off", quote(f))
}

// Values of rotate_every.
const (
	RotateBySize = ""     // no rotation by time ("off" too)
	RotateHourly = "hour" // every hour on the hour
	RotateDaily  = "day"  // every midnight
)

// checkRotateEvery accepts the values of rotate_every.
func checkRotateEvery(p string) error {
	switch p {
	case RotateBySize, RotateHourly, RotateDaily:
		return nil
	}
	return fmt.Errorf("%s is not one of hour, day, off", quote(p))
}

// rotateEveryName spells a rotate_every value one way: lower case,
// trimmed, "off" as RotateBySize.
func rotateEveryName(v string) string {
	if p := lowerTrim(v); p != "off" {
		return p
	}
	return RotateBySize
}

// envRotateEvery reads rotate_every from the environment.
func envRotateEvery(v string) (string, error) { return rotateEveryName(v), nil }

// jsonRotateEvery reads rotate_every from the json file.
func jsonRotateEvery(raw json.RawMessage) (string, error) {
	s, err := jsonString(raw)
	return rotateEveryName(s), err
}

// rotateEvery returns s.RotateEvery as writers.RotatingFileOptions wants it.
func (s Settings) rotateEvery() time.Duration {
	switch s.RotateEvery {
	case RotateHourly:
		return time.Hour
	case RotateDaily:
		return 24 * time.Hour
	}
	return 0
}

// rotateZone returns the zone of RotateEvery's boundaries: time.Local with
// RotateLocal, else nil (UTC).
func (s Settings) rotateZone() *time.Location {
	if s.RotateLocal {
		return time.Local
	}
	return nil
}

// resolveSetting returns the value of one key: the highest layer's that
// gives it, or the default when that value is bad. Every bad value met, in
// any layer, is reported with the value used instead.
func resolveSetting[T any](r *resolver, s *setting[T]) T {
	type layer struct {
		where string // names the layer in a warning
		val   T
		err   error
	}
	var layers []layer // highest first
	if g, ok := r.opts.vals[s]; ok {
		g := g.(given[T])
		layers = append(layers, layer{s.option, g.val, g.err})
	}
	if s.env != "" {
		if text, ok := r.getenv(s.env); ok && text != "" {
			v, err := s.parse(text)
			layers = append(layers, layer{s.env, v, err})
		}
	}
	if raw, ok := r.file[s.key]; ok && s.key != "" {
		v, err := s.decode(raw)
		layers = append(layers, layer{r.source + ": " + s.key, v, err})
	}
	for i := range layers {
		if layers[i].err == nil && s.check != nil {
			layers[i].err = s.check(layers[i].val)
		}
	}

	val, from := s.def, ""
	if len(layers) > 0 && layers[0].err == nil {
		val, from = layers[0].val, " from "+layers[0].where
	}
	for i, l := range layers {
		switch {
		case l.err == nil:
		case i == 0:
			r.report(l.err, "%s: %v, using %s", l.where, l.err, show(val))
		default:
			r.report(l.err, "%s: %v, using %s%s", l.where, l.err, show(val), from)
		}
	}
	return val
}

// show formats a resolved value for a warning.
func show(v any) string {
	switch v := v.(type) {
	case string:
		return quote(v)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// Environment values. Numbers, booleans and levels may have space around
// them; strings are taken as they are.

func envString(s string) (string, error) { return s, nil }

// boolWords lists the words a boolean setting takes, in every layer, for
// the warning about any other.
const boolWords = "true, false, 1, 0, yes, no, on, off"

func envBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s is not one of %s", quote(s), boolWords)
}

// sizeUnits are the units a size takes, in lower case. K, M, G and T count
// in 1024s whether written K, KB or KiB: a size in LogCrest is a file's or
// a buffer's, and 5MB then means 5 MiB (5242880 bytes), as in lumberjack,
// logback, log4j and Docker's log options.
var sizeUnits = map[string]int64{
	"b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
}

// maxSizeText bounds the number part of a size with a unit: far more digits
// than any size that fits an int64 needs.
const maxSizeText = 64

// parseSize reads a size: a whole number of bytes, as ever ("5242880",
// space around it allowed), or a number and a unit, in any case, space
// between them allowed: "512KB", "5MB", "5 MiB", "5M", "1.5GiB", "1t". With
// a unit the number may have decimals; the size is rounded down to a whole
// byte.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	end := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '+' && r != '-' })
	if end < 0 {
		return envInt64(s) // a plain number: bytes
	}
	num, unit := t[:end], strings.TrimSpace(t[end:])
	mult, ok := sizeUnits[strings.ToLower(unit)]
	intPart, frac, _ := strings.Cut(num, ".")
	if !ok || len(num) > maxSizeText || intPart+frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("%s is not a size (bytes, or a number and a unit: 512KB, 5MB, 1.5GiB; "+
			"K, M, G, T count in 1024s)", quote(s))
	}
	v, _ := new(big.Int).SetString(intPart+frac+"0", 10) // the trailing 0 makes "" and "." parse
	v.Mul(v, big.NewInt(mult))
	v.Quo(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac)+1)), nil))
	if !v.IsInt64() {
		return 0, fmt.Errorf("%s is out of range", quote(s))
	}
	return v.Int64(), nil
}

// allDigits reports whether s holds ASCII digits only ("" does).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func envInt64(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%s is out of range", quote(s))
	case err != nil:
		return 0, fmt.Errorf("%s is not a whole number", quote(s))
	}
	return n, nil
}

func envInt(s string) (int, error) {
	n, err := envInt64(s)
	if err == nil && int64(int(n)) != n {
		return 0, fmt.Errorf("%s is out of range", quote(s))
	}
	return int(n), err
}

// Config file values. Each must have the JSON type of its setting; whole
// numbers may be written 5e6 or 3.0 but must be exact and in range.

// describe names a raw JSON value in a warning.
func describe(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return "string " + quote(s)
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return capped(string(raw)) // a number, true, false or null: plain ASCII
}

// capped cuts an ASCII text to about maxShown bytes.
func capped(s string) string {
	if len(s) > maxShown {
		return s[:maxShown] + "..."
	}
	return s
}

func isNumber(raw json.RawMessage) bool { return raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') }

func jsonString(raw json.RawMessage) (string, error) {
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", fmt.Errorf("%s is not a string", describe(raw))
	}
	return s, nil
}

// jsonBool reads a boolean as true or false, or as any word the
// environment takes, as a string ("off", "yes", "0") or the number 0 or 1.
func jsonBool(raw json.RawMessage) (bool, error) {
	switch string(raw) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	if raw[0] == '"' {
		if s, err := jsonString(raw); err == nil {
			if b, err := envBool(s); err == nil {
				return b, nil
			}
		}
	}
	return false, fmt.Errorf("%s is not one of %s", describe(raw), boolWords)
}

// jsonSize reads a size as a number of bytes (a JSON number, which may be
// written 5e6 or 3.0 but must be whole), or as a string the environment
// takes: "5MB", "512 KiB", "5242880" (see parseSize).
func jsonSize(raw json.RawMessage) (int64, error) {
	switch {
	case raw[0] == '"':
		s, err := jsonString(raw)
		if err != nil {
			return 0, err
		}
		return parseSize(s)
	case isNumber(raw):
		return wholeNumber(string(raw))
	}
	return 0, fmt.Errorf("%s is not a size (a number of bytes, or a string such as \"5MB\")", describe(raw))
}

func jsonInt64(raw json.RawMessage) (int64, error) {
	if !isNumber(raw) {
		return 0, fmt.Errorf("%s is not a whole number", describe(raw))
	}
	return wholeNumber(string(raw))
}

func jsonInt(raw json.RawMessage) (int, error) {
	n, err := jsonInt64(raw)
	if err == nil && int64(int(n)) != n {
		return 0, fmt.Errorf("%s is out of range", describe(raw))
	}
	return int(n), err
}

func jsonLevel(raw json.RawMessage) (zerolog.Level, error) {
	switch {
	case raw[0] == '"':
		s, _ := jsonString(raw)
		return ParseLevel(s)
	case isNumber(raw):
		n, err := wholeNumber(string(raw))
		if err != nil {
			return zerolog.NoLevel, err
		}
		return levelFromNumber(n)
	}
	return zerolog.NoLevel, fmt.Errorf("%s is not a level name or number", describe(raw))
}

// wholeNumber converts the text of a valid JSON number to the int64 it
// equals exactly, working on the decimal digits so that no float rounding
// can creep in: 5e6 and 3.0 are whole, 2.5 and 1e-400 are not, 1e30 is out
// of range.
func wholeNumber(num string) (int64, error) {
	const maxExp = 1 << 30 // far beyond any whole int64, far from overflow
	notWhole := func() (int64, error) { return 0, fmt.Errorf("%s is not a whole number", capped(num)) }
	outOfRange := func() (int64, error) { return 0, fmt.Errorf("%s is out of range", capped(num)) }

	text, neg := strings.CutPrefix(num, "-")
	mantissa, expText, hasExp := strings.Cut(strings.ToLower(text), "e")
	intPart, frac, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil // zero however it is written
	}
	shift := -len(frac) // the value is digits × 10^shift
	if hasExp {
		exp, err := strconv.Atoi(expText)
		switch {
		case err != nil && strings.HasPrefix(expText, "-"), err == nil && exp < -maxExp:
			return notWhole()
		case err != nil, exp > maxExp:
			return outOfRange()
		}
		shift += exp
	}
	if shift < 0 {
		if -shift > len(digits) {
			return notWhole() // a non-zero value below 1
		}
		cut := len(digits) + shift
		if strings.Trim(digits[cut:], "0") != "" {
			return notWhole()
		}
		digits, shift = digits[:cut], 0
	}
	if len(digits)+shift > 19 {
		return outOfRange()
	}
	digits += strings.Repeat("0", shift)
	if neg {
		digits = "-" + digits
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return outOfRange()
	}
	return n, nil
}

// Checks of a value, whichever layer it came from.

func checkDir(dir string) error {
	switch {
	case dir == "":
		return errors.New("empty path")
	case strings.IndexByte(dir, 0) >= 0:
		return fmt.Errorf("%s contains a NUL byte", quote(dir))
	}
	return nil
}

// checkName accepts a name that is safe as the base of a file name.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case len(name) > maxNameLen:
		return fmt.Errorf("%s is longer than %d bytes", quote(name), maxNameLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s is not valid UTF-8", quote(name))
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("%s contains a path separator", quote(name))
	case strings.Contains(name, ".."):
		return fmt.Errorf("%s contains \"..\"", quote(name))
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("%s contains a control character", quote(name))
	}
	return nil
}

// maxFlowBuffer is the largest flow_buffer_bytes: a flow's held records
// are indexed by 32-bit offsets (see internal/flow's detail.go).
const maxFlowBuffer = 1 << 30

// checkFlowBuffer accepts a positive flow bound of at most maxFlowBuffer.
func checkFlowBuffer(n int64) error {
	if n > maxFlowBuffer {
		return fmt.Errorf("%d is more than %d (1 GiB)", n, maxFlowBuffer)
	}
	return checkPositive(n)
}

func checkPositive(n int64) error {
	if n <= 0 {
		return fmt.Errorf("%d is not positive", n)
	}
	return nil
}

func checkNotNegative(n int) error {
	if n < 0 {
		return fmt.Errorf("%d is negative", n)
	}
	return nil
}

// maxAgeDays is the most days a time.Duration holds (about 292 years);
// maxAgeDuration caps a longer max age to it.
const maxAgeDays = int64(math.MaxInt64 / int64(24*time.Hour))

// maxAgeDuration returns s.MaxAge, in days, as the duration a rotating file
// takes: 0 (no limit) for 0, and at most what a time.Duration holds.
func (s Settings) maxAgeDuration() time.Duration {
	if s.MaxAge <= 0 {
		return 0
	}
	return time.Duration(min(int64(s.MaxAge), maxAgeDays)) * 24 * time.Hour
}

func checkAtLeastOne(n int) error {
	if n < 1 {
		return fmt.Errorf("%d is less than 1", n)
	}
	return nil
}

// isNilWriter reports whether w is nil or a nil pointer or function, which
// could only fail or panic when written to.
func isNilWriter(w io.Writer) bool {
	if w == nil {
		return true
	}
	v := reflect.ValueOf(w)
	switch v.Kind() {
	case reflect.Pointer, reflect.Func:
		return v.IsNil()
	}
	return false
}
