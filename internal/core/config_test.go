package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// env is a fake environment for Resolve.
type env map[string]string

func (e env) get(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

// configFile writes content as a config file in a fresh folder.
func configFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log_config.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// warningLines splits warning output into its lines and checks that each is
// one well-formed warning.
func warningLines(t testing.TB, out string) []string {
	t.Helper()
	if out == "" {
		return nil
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("warning output does not end in a newline: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, warnPrefix) {
			t.Errorf("warning line does not start with %q: %q", warnPrefix, l)
		}
		if strings.ContainsAny(l, "\r\x00\u2028\u2029\u0085") {
			t.Errorf("warning line holds a raw control or line separator: %q", l)
		}
	}
	return lines
}

// checkValid fails unless s is usable as Resolve promises.
func checkValid(t testing.TB, s Settings) {
	t.Helper()
	if err := checkDir(s.Dir); err != nil {
		t.Errorf("Dir %q: %v", s.Dir, err)
	}
	if err := checkName(s.Name); err != nil {
		t.Errorf("Name %q: %v", s.Name, err)
	}
	if s.Level < zerolog.TraceLevel || s.Level > zerolog.PanicLevel {
		t.Errorf("Level = %v", s.Level)
	}
	if s.MaxSize <= 0 {
		t.Errorf("MaxSize = %d", s.MaxSize)
	}
	if s.BackupCount < 0 {
		t.Errorf("BackupCount = %d", s.BackupCount)
	}
	if s.MaxAge < 0 {
		t.Errorf("MaxAge = %d", s.MaxAge)
	}
	if s.TimelineCap < 1 {
		t.Errorf("TimelineCap = %d", s.TimelineCap)
	}
	if s.CloseTimeout <= 0 {
		t.Errorf("CloseTimeout = %v", s.CloseTimeout)
	}
}

func TestSettingsDefaults(t *testing.T) {
	t.Parallel()
	want := Settings{
		Dir:           "logs",
		JSON:          true,
		Name:          "app_logger",
		Level:         zerolog.DebugLevel,
		MaxSize:       67108864,
		BackupCount:   16,
		MaxAge:        0,
		Compress:      false,
		GroupReadable: false,
		QueueSize:     0,
		MaxBuffer:     64 << 20,
		Files:         true,
		ConsoleFmt:    "text",
		ConsoleLevel:  "auto",
		FlowRecords:   "all",
		Console:       os.Stdout,
		TimelineCap:   1000,
		CloseTimeout:  5 * time.Second,
		ConfigFile:    "log_config.json",
		Detail:        "buffered",
		BufferLevel:   zerolog.DebugLevel,
		SlowFlow:      time.Second,
		FlowBuffer:    64 << 10,
		FlowBufferRec: 512,
		MaxHeld:       32 << 20,
		SampleRoutine: 1,
		Redact:        true,
	}
	if got := Defaults(); got != want {
		t.Errorf("Defaults() = %+v\nwant %+v", got, want)
	}
	checkValid(t, want)

	// No option, no environment, no file: the defaults, silently.
	var warn bytes.Buffer
	missing := filepath.Join(t.TempDir(), "absent.json")
	got, errs := Resolve([]Option{WithConfigFile(missing)}, nil, &warn)
	want.ConfigFile = missing
	if got != want || errs != nil || warn.Len() != 0 {
		t.Errorf("Resolve with nothing set = %+v, %v, warnings %q; want the defaults, no problem", got, errs, warn.String())
	}
}

// TestResolvePrecedence runs every key through every combination of layers:
// the highest layer that gives the key wins, exactly, and no other key moves.
func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	type row struct {
		name    string
		jsonKey string
		jsonVal string // JSON text
		envVar  string
		envVal  string
		opt     Option
		set     func(*Settings, any)
		want    [4]any // from the default, the file, the env, the option
	}
	dir := func(s *Settings, v any) { s.Dir = v.(string) }
	useJSON := func(s *Settings, v any) { s.JSON = v.(bool) }
	name := func(s *Settings, v any) { s.Name = v.(string) }
	level := func(s *Settings, v any) { s.Level = v.(zerolog.Level) }
	maxSize := func(s *Settings, v any) { s.MaxSize = v.(int64) }
	backups := func(s *Settings, v any) { s.BackupCount = v.(int) }
	maxAge := func(s *Settings, v any) { s.MaxAge = v.(int) }
	compress := func(s *Settings, v any) { s.Compress = v.(bool) }
	groupReadable := func(s *Settings, v any) { s.GroupReadable = v.(bool) }
	rotateEvery := func(s *Settings, v any) { s.RotateEvery = v.(string) }
	rotateLocal := func(s *Settings, v any) { s.RotateLocal = v.(bool) }
	queue := func(s *Settings, v any) { s.QueueSize = v.(int) }
	timeline := func(s *Settings, v any) { s.TimelineCap = v.(int) }
	maxBuffer := func(s *Settings, v any) { s.MaxBuffer = v.(int64) }
	files := func(s *Settings, v any) { s.Files = v.(bool) }
	rows := []row{
		{"dir", "base_log_dir", `"from-json"`, "LOGCREST_DIR", "from-env", WithDir("from-opt"), dir,
			[4]any{"logs", "from-json", "from-env", "from-opt"}},
		{"dir/paths", "base_log_dir", `"/var/log/a b"`, "LOGCREST_DIR", " spaced ", WithDir("./rel"), dir,
			[4]any{"logs", "/var/log/a b", " spaced ", "./rel"}},
		{"json/yes", "use_json", `false`, "LOGCREST_JSON", "yes", WithJSON(false), useJSON,
			[4]any{true, false, true, false}},
		{"json/off", "use_json", `false`, "LOGCREST_JSON", " OFF ", WithJSON(true), useJSON,
			[4]any{true, false, false, true}},
		{"json/0", "use_json", `true`, "LOGCREST_JSON", "0", WithJSON(true), useJSON,
			[4]any{true, true, false, true}},
		{"json/On", "use_json", `false`, "LOGCREST_JSON", "On", WithJSON(false), useJSON,
			[4]any{true, false, true, false}},
		{"json/1", "use_json", `false`, "LOGCREST_JSON", "1", WithJSON(false), useJSON,
			[4]any{true, false, true, false}},
		{"json/FALSE", "use_json", `true`, "LOGCREST_JSON", "FALSE", WithJSON(true), useJSON,
			[4]any{true, true, false, true}},
		{"json/No", "use_json", `true`, "LOGCREST_JSON", "No", WithJSON(true), useJSON,
			[4]any{true, true, false, true}},
		{"json/TRUE", "use_json", `false`, "LOGCREST_JSON", "TRUE", WithJSON(false), useJSON,
			[4]any{true, false, true, false}},
		{"name", "log_name", `"from-json"`, "LOGCREST_NAME", "from-env", WithName("from-opt"), name,
			[4]any{"app_logger", "from-json", "from-env", "from-opt"}},
		{"name/unicode", "log_name", `"caf\u00e9.svc"`, "LOGCREST_NAME", "checkout:v2", WithName("a.b-c_d"), name,
			[4]any{"app_logger", "café.svc", "checkout:v2", "a.b-c_d"}},
		{"level/names", "log_level", `"info"`, "LOGCREST_LEVEL", "Warning", WithLevel(" ERROR "), level,
			[4]any{zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel, zerolog.ErrorLevel}},
		{"level/numbers", "log_level", `20`, "LOGCREST_LEVEL", "40", WithLevel("-1"), level,
			[4]any{zerolog.DebugLevel, zerolog.InfoLevel, zerolog.ErrorLevel, zerolog.TraceLevel}},
		{"level/mixed", "log_level", `"5"`, "LOGCREST_LEVEL", "critical", WithLevel("trc"), level,
			[4]any{zerolog.DebugLevel, zerolog.PanicLevel, zerolog.FatalLevel, zerolog.TraceLevel}},
		{"level/between", "log_level", `25`, "LOGCREST_LEVEL", " 11 ", WithLevel("debug"), level,
			[4]any{zerolog.DebugLevel, zerolog.WarnLevel, zerolog.InfoLevel, zerolog.DebugLevel}},
		{"max_size", "max_log_size", `1000`, "LOGCREST_MAX_SIZE", "2000", WithMaxSize(3000), maxSize,
			[4]any{int64(67108864), int64(1000), int64(2000), int64(3000)}},
		{"max_size/extremes", "max_log_size", `5e6`, "LOGCREST_MAX_SIZE", " 9223372036854775807 ", WithMaxSize(1), maxSize,
			[4]any{int64(67108864), int64(5000000), int64(math.MaxInt64), int64(1)}},
		{"max_size/float", "max_log_size", `1048576.0`, "LOGCREST_MAX_SIZE", "+1", WithMaxSize(math.MaxInt64), maxSize,
			[4]any{int64(67108864), int64(1048576), int64(1), int64(math.MaxInt64)}},
		{"max_size/units", "max_log_size", `"10 MiB"`, "LOGCREST_MAX_SIZE", "512kb", WithMaxSize(1), maxSize,
			[4]any{int64(67108864), int64(10 << 20), int64(512 << 10), int64(1)}},
		{"max_size/units-gib", "max_log_size", `"2gib"`, "LOGCREST_MAX_SIZE", " 7B ", WithMaxSize(2), maxSize,
			[4]any{int64(67108864), int64(2 << 30), int64(7), int64(2)}},
		{"max_size/string-bytes", "max_log_size", `" 123456 "`, "LOGCREST_MAX_SIZE", "1T", WithMaxSize(3), maxSize,
			[4]any{int64(67108864), int64(123456), int64(1 << 40), int64(3)}},
		{"max_size/decimal-unit", "max_log_size", `"1.5G"`, "LOGCREST_MAX_SIZE", "0.5 MB", WithMaxSize(4), maxSize,
			[4]any{int64(67108864), int64(3 << 29), int64(1 << 19), int64(4)}},
		{"max_buffer/units", "max_buffer_bytes", `"256KiB"`, "LOGCREST_MAX_BUFFER", "128 MB", WithMaxBuffer(4096), maxBuffer,
			[4]any{int64(64 << 20), int64(256 << 10), int64(128 << 20), int64(4096)}},
		{"max_buffer/number", "max_buffer_bytes", `1048576`, "LOGCREST_MAX_BUFFER", "3m", WithMaxBuffer(1), maxBuffer,
			[4]any{int64(64 << 20), int64(1 << 20), int64(3 << 20), int64(1)}},
		{"files/off", "files", `"off"`, "LOGCREST_FILES", "on", WithFiles(false), files,
			[4]any{true, false, true, false}},
		{"files/No", "files", `"No"`, "LOGCREST_FILES", "FALSE", WithFiles(true), files,
			[4]any{true, false, false, true}},
		{"files/0", "files", `0`, "LOGCREST_FILES", "1", WithFiles(false), files,
			[4]any{true, false, true, false}},
		{"files/bool", "files", `false`, "LOGCREST_FILES", " yes ", WithFiles(false), files,
			[4]any{true, false, true, false}},
		{"json/string-off", "use_json", `" OFF "`, "LOGCREST_JSON", "true", WithJSON(false), useJSON,
			[4]any{true, false, true, false}},
		{"json/1", "use_json", `1`, "LOGCREST_JSON", "no", WithJSON(true), useJSON,
			[4]any{true, true, false, true}},
		{"compress/string-yes", "compress", `"yes"`, "LOGCREST_COMPRESS", "0", WithCompress(true), compress,
			[4]any{false, true, false, true}},
		{"group_readable/string-on", "group_readable", `"on"`, "LOGCREST_GROUP_READABLE", "false", WithGroupReadable(true), groupReadable,
			[4]any{false, true, false, true}},
		{"backup_count", "backup_count", `1`, "LOGCREST_BACKUP_COUNT", "0", WithBackupCount(7), backups,
			[4]any{16, 1, 0, 7}},
		{"backup_count/zero", "backup_count", `0`, "LOGCREST_BACKUP_COUNT", "12", WithBackupCount(0), backups,
			[4]any{16, 0, 12, 0}},
		{"max_age", "max_age", `7`, "LOGCREST_MAX_AGE", "30", WithMaxAge(90), maxAge,
			[4]any{0, 7, 30, 90}},
		{"max_age/zero", "max_age", `0`, "LOGCREST_MAX_AGE", " 14 ", WithMaxAge(0), maxAge,
			[4]any{0, 0, 14, 0}},
		{"max_age/float", "max_age", `3.0`, "LOGCREST_MAX_AGE", "+5", WithMaxAge(math.MaxInt), maxAge,
			[4]any{0, 3, 5, math.MaxInt}},
		{"compress/on", "compress", `true`, "LOGCREST_COMPRESS", "off", WithCompress(true), compress,
			[4]any{false, true, false, true}},
		{"compress/yes", "compress", `false`, "LOGCREST_COMPRESS", " YES ", WithCompress(false), compress,
			[4]any{false, false, true, false}},
		{"compress/1", "compress", `true`, "LOGCREST_COMPRESS", "1", WithCompress(false), compress,
			[4]any{false, true, true, false}},
		{"group_readable/on", "group_readable", `true`, "LOGCREST_GROUP_READABLE", "off", WithGroupReadable(true), groupReadable,
			[4]any{false, true, false, true}},
		{"group_readable/yes", "group_readable", `false`, "LOGCREST_GROUP_READABLE", " Yes ", WithGroupReadable(false), groupReadable,
			[4]any{false, false, true, false}},
		{"group_readable/1", "group_readable", `true`, "LOGCREST_GROUP_READABLE", "1", WithGroupReadable(false), groupReadable,
			[4]any{false, true, true, false}},
		{"rotate_every", "rotate_every", `"day"`, "LOGCREST_ROTATE_EVERY", " Hour ", WithRotateEvery("DAY"), rotateEvery,
			[4]any{"", "day", "hour", "day"}},
		{"rotate_every/off", "rotate_every", `" OFF "`, "LOGCREST_ROTATE_EVERY", "day", WithRotateEvery("off"), rotateEvery,
			[4]any{"", "", "day", ""}},
		{"rotate_every/empty", "rotate_every", `"hour"`, "LOGCREST_ROTATE_EVERY", "off", WithRotateEvery(""), rotateEvery,
			[4]any{"", "hour", "", ""}},
		{"rotate_local", "rotate_local", `true`, "LOGCREST_ROTATE_LOCAL", "off", WithRotateLocal(true), rotateLocal,
			[4]any{false, true, false, true}},
		{"rotate_local/yes", "rotate_local", `"no"`, "LOGCREST_ROTATE_LOCAL", " yes ", WithRotateLocal(false), rotateLocal,
			[4]any{false, false, true, false}},
		{"queue_size", "max_queue_size", `10`, "LOGCREST_QUEUE_SIZE", "-5", WithQueueSize(100), queue,
			[4]any{0, 10, -5, 100}},
		{"queue_size/unbounded", "max_queue_size", `-1`, "LOGCREST_QUEUE_SIZE", "64", WithQueueSize(0), queue,
			[4]any{0, -1, 64, 0}},
		{"timeline_cap", "timeline_cap", `5`, "LOGCREST_TIMELINE_CAP", "6", WithTimelineCap(7), timeline,
			[4]any{1000, 5, 6, 7}},
		{"timeline_cap/one", "timeline_cap", `1`, "LOGCREST_TIMELINE_CAP", "1000000", WithTimelineCap(1), timeline,
			[4]any{1000, 1, 1000000, 1}},
	}
	layerNames := []string{"default", "file", "env", "env>file", "option", "option>file", "option>env", "option>env>file"}
	for _, r := range rows {
		for mask, lname := range layerNames {
			withFile, withEnv, withOpt := mask&1 != 0, mask&2 != 0, mask&4 != 0
			t.Run(r.name+"/"+lname, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), "none.json")
				if withFile {
					path = configFile(t, fmt.Sprintf(`{%q: %s}`, r.jsonKey, r.jsonVal))
				}
				e := env{}
				if withEnv {
					e[r.envVar] = r.envVal
				}
				opts := []Option{WithConfigFile(path)}
				if withOpt {
					opts = append(opts, r.opt)
				}
				value := r.want[0]
				switch {
				case withOpt:
					value = r.want[3]
				case withEnv:
					value = r.want[2]
				case withFile:
					value = r.want[1]
				}
				want := Defaults()
				want.ConfigFile = path
				r.set(&want, value)

				var warn bytes.Buffer
				got, errs := Resolve(opts, e.get, &warn)
				if got != want {
					t.Errorf("Resolve =\n %+v\nwant\n %+v", got, want)
				}
				if errs != nil || warn.Len() != 0 {
					t.Errorf("unexpected problems %v, warnings %q", errs, warn.String())
				}
			})
		}
	}
}

// TestResolveAllLayersAtOnce sets every key in every layer: the options win
// everywhere.
func TestResolveAllLayersAtOnce(t *testing.T) {
	t.Parallel()
	path := configFile(t, `{"base_log_dir":"fd","use_json":false,"log_name":"fn","log_level":"info",
		"max_log_size":10,"backup_count":1,"max_queue_size":2,"max_buffer_bytes":1000,"timeline_cap":3,"files":false,"console":"JSON","flow_records":"failed",
		"max_age":2,"compress":true,"group_readable":true,
		"detail":"full","buffer_level":"info","slow_flow":250,"flow_buffer_bytes":"8KiB","flow_buffer_records":9,"max_held_bytes":"1MB","sample_routine":10,"console_level":2}`)
	e := env{
		"LOGCREST_DIR": "ed", "LOGCREST_JSON": "true", "LOGCREST_NAME": "en", "LOGCREST_LEVEL": "warn",
		"LOGCREST_MAX_SIZE": "20", "LOGCREST_BACKUP_COUNT": "4", "LOGCREST_QUEUE_SIZE": "5", "LOGCREST_MAX_BUFFER": "2000", "LOGCREST_TIMELINE_CAP": "6",
		"LOGCREST_FILES": "on", "LOGCREST_CONSOLE": " off ", "LOGCREST_FLOW_RECORDS": "ALL", "LOGCREST_MAX_AGE": "4", "LOGCREST_COMPRESS": "false",
		"LOGCREST_GROUP_READABLE": "no",
		"LOGCREST_DETAIL":         " Buffered", "LOGCREST_BUFFER_LEVEL": "trace", "LOGCREST_SLOW_FLOW": "2s", "LOGCREST_FLOW_BUFFER": "4096",
		"LOGCREST_FLOW_BUFFER_RECORDS": "7", "LOGCREST_MAX_HELD": "2MiB", "LOGCREST_SAMPLE_ROUTINE": "100",
		"LOGCREST_CONSOLE_LEVEL": " Error ",
	}
	var console bytes.Buffer
	opts := []Option{
		WithConfigFile(path), WithDir("od"), WithJSON(false), WithName("on"), WithLevel("error"),
		WithMaxSize(30), WithBackupCount(7), WithQueueSize(8), WithMaxBuffer(3000), WithTimelineCap(9), WithFiles(false), WithConsoleFormat("Text"), WithFlowRecords("failed"),
		WithConsole(&console), WithCloseTimeout(time.Second), WithMaxAge(8), WithCompress(true), WithGroupReadable(true),
		WithDetail("FULL"), WithBufferLevel("debug"), WithSlowFlow(0), WithFlowBuffer(100, 3), WithMaxHeld(5000), WithSampling(3), WithConsoleLevel("INFO"),
	}
	want := Settings{Dir: "od", JSON: false, Name: "on", Level: zerolog.ErrorLevel, MaxSize: 30, BackupCount: 7,
		MaxAge: 8, Compress: true, GroupReadable: true, QueueSize: 8, MaxBuffer: 3000, Console: &console, TimelineCap: 9, CloseTimeout: time.Second, ConfigFile: path,
		Files: false, ConsoleFmt: "text", ConsoleLevel: "info", FlowRecords: "failed",
		Detail: "full", BufferLevel: zerolog.DebugLevel, SlowFlow: 0, FlowBuffer: 100, FlowBufferRec: 3, MaxHeld: 5000, SampleRoutine: 3, Redact: true}
	var warn bytes.Buffer
	got, errs := Resolve(opts, e.get, &warn)
	if got != want || errs != nil || warn.Len() != 0 {
		t.Errorf("Resolve = %+v, %v, %q\nwant %+v", got, errs, warn.String(), want)
	}

	// Without the options the environment wins everywhere.
	want = Settings{Dir: "ed", JSON: true, Name: "en", Level: zerolog.WarnLevel, MaxSize: 20, BackupCount: 4,
		MaxAge: 4, Compress: false, GroupReadable: false, QueueSize: 5, MaxBuffer: 2000, Console: os.Stdout, TimelineCap: 6, CloseTimeout: 5 * time.Second, ConfigFile: path,
		Files: true, ConsoleFmt: "off", ConsoleLevel: "error", FlowRecords: "all",
		Detail: "buffered", BufferLevel: zerolog.TraceLevel, SlowFlow: 2 * time.Second, FlowBuffer: 4096, FlowBufferRec: 7, MaxHeld: 2 << 20, SampleRoutine: 100, Redact: true}
	got, errs = Resolve(opts[:1], e.get, &warn)
	if got != want || errs != nil || warn.Len() != 0 {
		t.Errorf("Resolve = %+v, %v, %q\nwant %+v", got, errs, warn.String(), want)
	}

	// Without the environment the file wins everywhere.
	want = Settings{Dir: "fd", JSON: false, Name: "fn", Level: zerolog.InfoLevel, MaxSize: 10, BackupCount: 1,
		MaxAge: 2, Compress: true, GroupReadable: true, QueueSize: 2, MaxBuffer: 1000, Console: os.Stdout, TimelineCap: 3, CloseTimeout: 5 * time.Second, ConfigFile: path,
		Files: false, ConsoleFmt: "json", ConsoleLevel: "2", FlowRecords: "failed",
		Detail: "full", BufferLevel: zerolog.InfoLevel, SlowFlow: 250 * time.Millisecond, FlowBuffer: 8 << 10, FlowBufferRec: 9, MaxHeld: 1 << 20, SampleRoutine: 10, Redact: true}
	got, errs = Resolve(opts[:1], env{}.get, &warn)
	if got != want || errs != nil || warn.Len() != 0 {
		t.Errorf("Resolve = %+v, %v, %q\nwant %+v", got, errs, warn.String(), want)
	}
}

// nilWriter is a writer type whose nil pointer must not be used.
type nilWriter struct{ bytes.Buffer }

// TestResolveOptionOnlySettings covers the settings that only an option
// sets: console, close timeout and config file.
func TestResolveOptionOnlySettings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var typedNil *nilWriter
	for _, c := range []struct {
		name string
		opts []Option
		want func(*Settings)
	}{
		{"console/default", nil, func(s *Settings) { s.Console = os.Stdout }},
		{"console/buffer", []Option{WithConsole(&buf)}, func(s *Settings) { s.Console = &buf }},
		{"console/stderr", []Option{WithConsole(os.Stderr)}, func(s *Settings) { s.Console = os.Stderr }},
		{"console/nil", []Option{WithConsole(nil)}, func(s *Settings) { s.Console = nil }},
		{"console/typed-nil", []Option{WithConsole(typedNil)}, func(s *Settings) { s.Console = nil }},
		{"console/last-wins", []Option{WithConsole(nil), WithConsole(&buf)}, func(s *Settings) { s.Console = &buf }},
		{"close_timeout/default", nil, func(s *Settings) { s.CloseTimeout = 5 * time.Second }},
		{"close_timeout/set", []Option{WithCloseTimeout(250 * time.Millisecond)}, func(s *Settings) { s.CloseTimeout = 250 * time.Millisecond }},
		{"close_timeout/huge", []Option{WithCloseTimeout(math.MaxInt64)}, func(s *Settings) { s.CloseTimeout = math.MaxInt64 }},
		{"nil option ignored", []Option{nil, WithName("x"), nil}, func(s *Settings) { s.Name = "x" }},
		{"last option wins", []Option{WithName("first"), WithMaxSize(1), WithName("second")}, func(s *Settings) { s.Name, s.MaxSize = "second", 1 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := configFile(t, `{"log_level":"warn"}`)
			want := Defaults()
			want.ConfigFile = path
			want.Level = zerolog.WarnLevel
			c.want(&want)
			var warn bytes.Buffer
			got, errs := Resolve(append([]Option{WithConfigFile(path)}, c.opts...), env{}.get, &warn)
			if got != want || errs != nil || warn.Len() != 0 {
				t.Errorf("Resolve = %+v, %v, %q\nwant %+v", got, errs, warn.String(), want)
			}
		})
	}
}

// TestResolveConfigFileLocation: by default ./log_config.json is read;
// WithConfigFile("") reads none; a missing file is silent.
func TestResolveConfigFileLocation(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "log_config.json"), []byte(`{"log_name":"from-cwd"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var warn bytes.Buffer

	s, errs := Resolve(nil, nil, &warn)
	if s.Name != "from-cwd" || s.ConfigFile != "log_config.json" || errs != nil {
		t.Errorf("default file: Name %q, ConfigFile %q, problems %v", s.Name, s.ConfigFile, errs)
	}
	s, errs = Resolve([]Option{WithConfigFile("")}, nil, &warn)
	if s.Name != "app_logger" || s.ConfigFile != "" || errs != nil {
		t.Errorf("no file: Name %q, ConfigFile %q, problems %v", s.Name, s.ConfigFile, errs)
	}
	for _, missing := range []string{"other.json", filepath.Join("no", "such", "dir", "x.json")} {
		s, errs = Resolve([]Option{WithConfigFile(missing)}, nil, &warn)
		if s.Name != "app_logger" || s.ConfigFile != missing || errs != nil {
			t.Errorf("missing %q: Name %q, ConfigFile %q, problems %v", missing, s.Name, s.ConfigFile, errs)
		}
	}
	if warn.Len() != 0 {
		t.Errorf("warnings: %q", warn.String())
	}
}

// badCase is one bad input: exactly one warning naming needle and saying
// using, the key at its default, everything else applied.
type badCase struct {
	name   string
	file   string                    // config file content, written when not ""
	path   func(t *testing.T) string // or a special config path
	env    env                       // on top of LOGCREST_TIMELINE_CAP=42
	opts   []Option                  // after WithConfigFile and WithQueueSize(7)
	needle string                    // the key, variable or option the warning names
	using  string                    // what the warning says is used instead
	want   func(*Settings)           // what else applies, on top of the base
	cause  func(error) bool          // optional: what the error wraps
	inFile bool                      // the warning is about the config file
}

// fileValue builds a bad-value case for one config file key, with a good
// sibling key that must still apply.
func fileValue(key, val, using string) badCase {
	sibling, apply := `"log_name":"svc"`, func(s *Settings) { s.Name = "svc" }
	if key == "log_name" {
		sibling, apply = `"backup_count":9`, func(s *Settings) { s.BackupCount = 9 }
	}
	c := badCase{
		name:   "file/" + key + "=" + val,
		file:   fmt.Sprintf(`{%q:%s,%s}`, key, val, sibling),
		needle: key,
		using:  using,
		want:   apply,
		inFile: true,
	}
	if key == "timeline_cap" { // let the file layer decide
		c.env = env{"LOGCREST_TIMELINE_CAP": ""}
		c.want = func(s *Settings) { apply(s); s.TimelineCap = 1000 }
	}
	return c
}

func envValue(name, val, using string) badCase {
	c := badCase{name: "env/" + name + "=" + val, env: env{name: val}, needle: name, using: using}
	if name == "LOGCREST_TIMELINE_CAP" {
		c.want = func(s *Settings) { s.TimelineCap = 1000 }
	}
	return c
}

func optValue(name string, opt Option, using string) badCase {
	c := badCase{name: "option/" + name, opts: []Option{opt}, needle: name, using: using}
	return c
}

// fileWhole builds a case where the whole file is ignored.
func fileWhole(name, content string) badCase {
	return badCase{name: "whole-file/" + name, file: content, needle: "config file", using: "ignoring the file", inFile: true}
}

func TestResolveBadInput(t *testing.T) {
	t.Parallel()
	isSyntax := func(err error) bool { var se *json.SyntaxError; return errors.As(err, &se) }
	cases := []badCase{
		// Config file: wrong type or bad value for each key.
		fileValue("base_log_dir", `5`, `using "logs"`),
		fileValue("base_log_dir", `""`, `using "logs"`),
		fileValue("base_log_dir", `null`, `using "logs"`),
		fileValue("base_log_dir", `["a"]`, `using "logs"`),
		fileValue("base_log_dir", `"a\u0000b"`, `using "logs"`),
		fileValue("use_json", `null`, `using true`),
		fileValue("use_json", `"maybe"`, `using true`),
		fileValue("use_json", `2`, `using true`),
		fileValue("use_json", `1.0`, `using true`),
		fileValue("use_json", `"y"`, `using true`),
		fileValue("files", `"none"`, `using true`),
		fileValue("files", `-1`, `using true`),
		fileValue("files", `[]`, `using true`),
		fileValue("compress", `"gzip"`, `using false`),
		fileValue("group_readable", `2`, `using false`),
		fileValue("max_log_size", `"5XB"`, `using 67108864`),
		fileValue("max_log_size", `"0MB"`, `using 67108864`),
		fileValue("max_log_size", `"-5MB"`, `using 67108864`),
		fileValue("max_log_size", `"5 M B"`, `using 67108864`),
		fileValue("max_log_size", `"1e6"`, `using 67108864`),
		fileValue("max_log_size", `"1.5"`, `using 67108864`),
		fileValue("max_log_size", `"8388608TiB"`, `using 67108864`),
		fileValue("max_log_size", `"MB"`, `using 67108864`),
		fileValue("max_log_size", `""`, `using 67108864`),
		fileValue("max_log_size", `{"MB":5}`, `using 67108864`),
		fileValue("max_buffer_bytes", `"64 mebibytes"`, `using 67108864`),
		fileValue("max_buffer_bytes", `"0.1B"`, `using 67108864`),
		fileValue("console", `"xml"`, `using "text"`),
		fileValue("flow_records", `"some"`, `using "all"`),
		fileValue("console", `true`, `using "text"`),
		fileValue("max_buffer_bytes", `0`, `using 67108864`),
		fileValue("max_buffer_bytes", `"big"`, `using 67108864`),
		fileValue("log_name", `7`, `using "app_logger"`),
		fileValue("log_name", `""`, `using "app_logger"`),
		fileValue("log_name", `"a/b"`, `using "app_logger"`),
		fileValue("log_name", `"a\\b"`, `using "app_logger"`),
		fileValue("log_name", `".."`, `using "app_logger"`),
		fileValue("log_name", `"x..y"`, `using "app_logger"`),
		fileValue("log_name", `"x\u0000y"`, `using "app_logger"`),
		fileValue("log_name", `"x\ny"`, `using "app_logger"`),
		fileValue("log_name", `"x\u007fy"`, `using "app_logger"`),
		fileValue("log_name", `"x\u0085y"`, `using "app_logger"`),
		fileValue("log_name", `"`+strings.Repeat("n", 201)+`"`, `using "app_logger"`),
		fileValue("log_name", `{"a":1}`, `using "app_logger"`),
		fileValue("log_level", `"loud"`, `using debug`),
		fileValue("log_level", `""`, `using debug`),
		fileValue("log_level", `2.5`, `using debug`),
		fileValue("log_level", `99`, `using debug`),
		fileValue("log_level", `-7`, `using debug`),
		fileValue("log_level", `true`, `using debug`),
		fileValue("log_level", `{}`, `using debug`),
		fileValue("log_level", `1e400`, `using debug`),
		fileValue("max_log_size", `"big"`, `using 67108864`),
		fileValue("max_log_size", `0`, `using 67108864`),
		fileValue("max_log_size", `-1`, `using 67108864`),
		fileValue("max_log_size", `2.5`, `using 67108864`),
		fileValue("max_log_size", `1e30`, `using 67108864`),
		fileValue("max_log_size", `9223372036854775808`, `using 67108864`),
		fileValue("max_log_size", `-9223372036854775809`, `using 67108864`),
		fileValue("max_log_size", `[]`, `using 67108864`),
		fileValue("max_log_size", `false`, `using 67108864`),
		fileValue("backup_count", `2.5`, `using 16`),
		fileValue("backup_count", `-1`, `using 16`),
		fileValue("backup_count", `"3"`, `using 16`),
		fileValue("backup_count", `1e20`, `using 16`),
		fileValue("backup_count", `1e-2`, `using 16`),
		fileValue("max_age", `-1`, `using 0`),
		fileValue("max_age", `"7"`, `using 0`),
		fileValue("max_age", `1.5`, `using 0`),
		fileValue("max_age", `1e30`, `using 0`),
		fileValue("max_age", `true`, `using 0`),
		fileValue("compress", `null`, `using false`),
		fileValue("group_readable", `"0640"`, `using false`),
		fileValue("max_queue_size", `"x"`, `using 7 from WithQueueSize`),
		fileValue("max_queue_size", `1.5`, `using 7 from WithQueueSize`),
		fileValue("max_queue_size", `1e19`, `using 7 from WithQueueSize`),
		fileValue("timeline_cap", `0`, `using 1000`),
		fileValue("timeline_cap", `-3`, `using 1000`),
		fileValue("timeline_cap", `"many"`, `using 1000`),
		fileValue("timeline_cap", `0.5`, `using 1000`),
		fileValue("detail", `"verbose"`, `using "buffered"`),
		fileValue("detail", `true`, `using "buffered"`),
		fileValue("buffer_level", `"warn"`, `using debug`),
		fileValue("buffer_level", `"loud"`, `using debug`),
		fileValue("slow_flow", `"-1s"`, `using 1s`),
		fileValue("slow_flow", `"fast"`, `using 1s`),
		fileValue("slow_flow", `-5`, `using 1s`),
		fileValue("flow_buffer_bytes", `"0"`, `using 65536`),
		fileValue("flow_buffer_bytes", `"lots"`, `using 65536`),
		fileValue("flow_buffer_bytes", `"2GiB"`, `is more than 1073741824 (1 GiB), using 65536`),
		fileValue("flow_buffer_records", `0`, `using 512`),
		fileValue("flow_buffer_records", `"many"`, `using 512`),
		fileValue("max_held_bytes", `"0"`, `using 33554432`),
		fileValue("max_held_bytes", `-1`, `using 33554432`),
		fileValue("sample_routine", `0`, `using 1`),
		fileValue("sample_routine", `1.5`, `using 1`),
		{
			inFile: true, name: "file/unknown key", file: `{"max_size":1,"log_name":"svc"}`,
			needle: `unknown key "max_size"`, using: "ignoring it", want: func(s *Settings) { s.Name = "svc" },
		},
		{
			inFile: true, name: "file/unknown key with newline", file: `{"a\nlogcrest: warning: forged":1,"log_name":"svc"}`,
			needle: `unknown key "a\nlogcrest`, using: "ignoring it", want: func(s *Settings) { s.Name = "svc" },
		},

		// Config file ignored whole.
		fileWhole("syntax error", `{"log_name": "svc"`),
		fileWhole("syntax error inside", `{"log_name": svc}`),
		fileWhole("array", `[{"log_name":"svc"}]`),
		fileWhole("string", `"log_name"`),
		fileWhole("number", `42`),
		fileWhole("null", `null`),
		fileWhole("trailing garbage", `{"log_name":"svc"} trailing`),
		fileWhole("two objects", `{"log_name":"svc"} {}`),
		fileWhole("comment", "// settings\n{\"log_name\":\"svc\"}"),
		fileWhole("trailing comma", `{"log_name":"svc",}`),
		fileWhole("blank", " \n\t "),
		fileWhole("binary", "\x00\x01\x02{"),
		{
			inFile: true, name: "whole-file/syntax is wrapped", file: `{"log_name":"svc"`, needle: "byte", using: "ignoring the file",
			cause: isSyntax,
		},
		{
			name: "whole-file/empty", needle: "is empty", using: "ignoring the file",
			path: func(t *testing.T) string { return configFile(t, "") },
		},
		{
			name: "whole-file/directory", needle: "is a directory", using: "ignoring the file",
			path: func(t *testing.T) string { return t.TempDir() },
		},
		{
			name: "whole-file/too large", needle: "larger than", using: "ignoring the file",
			path: func(t *testing.T) string {
				return configFile(t, `{"log_name":"svc"}`+strings.Repeat(" ", maxConfigFileSize))
			},
		},
		{
			name: "whole-file/unreadable", needle: "permission denied", using: "ignoring the file",
			cause: func(err error) bool { return errors.Is(err, fs.ErrPermission) },
			path: func(t *testing.T) string {
				path := configFile(t, `{"log_name":"svc"}`)
				if err := os.Chmod(path, 0); err != nil {
					t.Fatal(err)
				}
				if _, err := os.ReadFile(path); err == nil {
					t.Skip("running with privileges that read a mode 000 file; the directory case covers unreadable files")
				}
				return path
			},
		},

		// Environment.
		envValue("LOGCREST_DIR", "a\x00b", `using "logs"`),
		envValue("LOGCREST_JSON", "maybe", "using true"),
		envValue("LOGCREST_JSON", "2", "using true"),
		envValue("LOGCREST_JSON", "y", "using true"),
		envValue("LOGCREST_JSON", "truee", "using true"),
		envValue("LOGCREST_NAME", "../etc", `using "app_logger"`),
		envValue("LOGCREST_NAME", "a/b", `using "app_logger"`),
		envValue("LOGCREST_NAME", "x\nlogcrest: warning: forged", `using "app_logger"`),
		envValue("LOGCREST_NAME", "tab\there", `using "app_logger"`),
		envValue("LOGCREST_NAME", "bad\xffutf8", `using "app_logger"`),
		envValue("LOGCREST_LEVEL", "loud", "using debug"),
		envValue("LOGCREST_LEVEL", "99", "using debug"),
		envValue("LOGCREST_LEVEL", "2.0", "using debug"),
		envValue("LOGCREST_LEVEL", strings.Repeat("A", 10000), "using debug"),
		envValue("LOGCREST_LEVEL", "info\r\nlogcrest: warning: forged", "using debug"),
		envValue("LOGCREST_MAX_SIZE", "big", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "0", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "-5", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "1.5", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "1e6", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "5XB", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "5 M B", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "0MB", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "-5MB", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "+5MB", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "1..5MB", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", ".MB", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "8388608 TiB", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "5MB\nlogcrest: warning: forged", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", strings.Repeat("9", 100)+"MB", "using 67108864"),
		envValue("LOGCREST_MAX_BUFFER", "lots", "using 67108864"),
		envValue("LOGCREST_MAX_BUFFER", "0.5B", "using 67108864"),
		envValue("LOGCREST_FILES", "none", "using true"),
		envValue("LOGCREST_MAX_SIZE", "99999999999999999999", "using 67108864"),
		envValue("LOGCREST_MAX_SIZE", "   ", "using 67108864"),
		envValue("LOGCREST_BACKUP_COUNT", "-1", "using 16"),
		envValue("LOGCREST_BACKUP_COUNT", "x", "using 16"),
		envValue("LOGCREST_BACKUP_COUNT", "0x10", "using 16"),
		envValue("LOGCREST_MAX_AGE", "-3", "using 0"),
		envValue("LOGCREST_MAX_AGE", "7d", "using 0"),
		envValue("LOGCREST_MAX_AGE", "1.5", "using 0"),
		envValue("LOGCREST_COMPRESS", "maybe", "using false"),
		envValue("LOGCREST_COMPRESS", "gzip", "using false"),
		envValue("LOGCREST_GROUP_READABLE", "0640", "using false"),
		envValue("LOGCREST_GROUP_READABLE", "group", "using false"),
		envValue("LOGCREST_QUEUE_SIZE", "lots", "using 7 from WithQueueSize"),
		envValue("LOGCREST_FILES", "maybe", "using true"),
		envValue("LOGCREST_CONSOLE", "yaml", `using "text"`),
		envValue("LOGCREST_FLOW_RECORDS", "none", `using "all"`),
		envValue("LOGCREST_MAX_BUFFER", "-1", "using 67108864"),
		envValue("LOGCREST_QUEUE_SIZE", "-99999999999999999999", "using 7 from WithQueueSize"),
		envValue("LOGCREST_TIMELINE_CAP", "0", "using 1000"),
		envValue("LOGCREST_TIMELINE_CAP", "none", "using 1000"),
		envValue("LOGCREST_DETAIL", "verbose", `using "buffered"`),
		envValue("LOGCREST_BUFFER_LEVEL", "warn", "using debug"),
		envValue("LOGCREST_BUFFER_LEVEL", "error", "using debug"),
		envValue("LOGCREST_SLOW_FLOW", "-1s", "using 1s"),
		envValue("LOGCREST_SLOW_FLOW", "fast", "using 1s"),
		envValue("LOGCREST_FLOW_BUFFER", "0", "using 65536"),
		envValue("LOGCREST_FLOW_BUFFER", "2GiB", "is more than 1073741824 (1 GiB), using 65536"),
		envValue("LOGCREST_FLOW_BUFFER_RECORDS", "0", "using 512"),
		envValue("LOGCREST_FLOW_BUFFER_RECORDS", "-3", "using 512"),
		envValue("LOGCREST_MAX_HELD", "0", "using 33554432"),
		envValue("LOGCREST_MAX_HELD", "huge", "using 33554432"),
		envValue("LOGCREST_SAMPLE_ROUTINE", "0", "using 1"),
		envValue("LOGCREST_SAMPLE_ROUTINE", "1/4", "using 1"),

		// Options.
		optValue("WithDir", WithDir(""), `using "logs"`),
		optValue("WithName", WithName(""), `using "app_logger"`),
		optValue("WithName", WithName("a/b"), `using "app_logger"`),
		optValue("WithName", WithName(".."), `using "app_logger"`),
		optValue("WithName", WithName("a\x00"), `using "app_logger"`),
		optValue("WithLevel", WithLevel("loud"), "using debug"),
		optValue("WithLevel", WithLevel(""), "using debug"),
		optValue("WithLevel", WithLevel("7"), "using debug"),
		optValue("WithMaxSize", WithMaxSize(-1), "using 67108864"),
		optValue("WithMaxSize", WithMaxSize(0), "using 67108864"),
		optValue("WithMaxSize", WithMaxSize(math.MinInt64), "using 67108864"),
		optValue("WithBackupCount", WithBackupCount(-1), "using 16"),
		optValue("WithBackupCount", WithBackupCount(math.MinInt), "using 16"),
		optValue("WithMaxAge", WithMaxAge(-1), "using 0"),
		optValue("WithMaxAge", WithMaxAge(math.MinInt), "using 0"),
		optValue("WithCloseTimeout", WithCloseTimeout(-time.Second), "using 5s"),
		optValue("WithCloseTimeout", WithCloseTimeout(0), "using 5s"),
		optValue("WithDetail", WithDetail("verbose"), `using "buffered"`),
		optValue("WithBufferLevel", WithBufferLevel("warn"), "using debug"),
		optValue("WithSlowFlow", WithSlowFlow(-time.Second), "using 1s"),
		optValue("WithMaxHeld", WithMaxHeld(0), "using 33554432"),
		{
			// The good half of WithFlowBuffer is kept.
			name: "option/WithFlowBuffer bytes", opts: []Option{WithFlowBuffer(0, 5)}, needle: "WithFlowBuffer",
			using: "using 65536", want: func(s *Settings) { s.FlowBufferRec = 5 },
		},
		{
			name: "option/WithFlowBuffer records", opts: []Option{WithFlowBuffer(4096, 0)}, needle: "WithFlowBuffer",
			using: "using 512", want: func(s *Settings) { s.FlowBuffer = 4096 },
		},
		optValue("WithSampling", WithSampling(0), "using 1"),
		{
			name: "option/WithTimelineCap", opts: []Option{WithTimelineCap(0)}, needle: "WithTimelineCap",
			using: "using 1000", want: func(s *Settings) { s.TimelineCap = 1000 },
		},
		// A bad option means the default, not the environment's value.
		{
			name: "option/bad over good env", opts: []Option{WithMaxSize(-1)}, env: env{"LOGCREST_MAX_SIZE": "100"},
			needle: "WithMaxSize", using: "using 67108864",
		},
		{
			name: "env/bad over good file", file: `{"backup_count":5}`, env: env{"LOGCREST_BACKUP_COUNT": "many"},
			needle: "LOGCREST_BACKUP_COUNT", using: "using 16",
		},
		{
			name: "option/bad max age over good env", opts: []Option{WithMaxAge(-7)}, env: env{"LOGCREST_MAX_AGE": "30"},
			needle: "WithMaxAge", using: "using 0",
		},
		{
			name: "env/bad compress under good option", opts: []Option{WithCompress(true)}, env: env{"LOGCREST_COMPRESS": "zip"},
			needle: "LOGCREST_COMPRESS", using: "using true from WithCompress", want: func(s *Settings) { s.Compress = true },
		},
		{
			name: "file/bad group_readable under good env", file: `{"group_readable":"sometimes"}`, env: env{"LOGCREST_GROUP_READABLE": "on"},
			needle: "group_readable", using: "using true from LOGCREST_GROUP_READABLE", want: func(s *Settings) { s.GroupReadable = true },
		},
		// A bad value a higher layer overrides is reported with the value used.
		{
			name: "env/bad under good option", opts: []Option{WithMaxSize(100)}, env: env{"LOGCREST_MAX_SIZE": "big"},
			needle: "LOGCREST_MAX_SIZE", using: "using 100 from WithMaxSize", want: func(s *Settings) { s.MaxSize = 100 },
		},
		{
			inFile: true, name: "file/bad under good env", file: `{"log_level":"loud"}`, env: env{"LOGCREST_LEVEL": "error"},
			needle: "log_level", using: "using error from LOGCREST_LEVEL", want: func(s *Settings) { s.Level = zerolog.ErrorLevel },
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "none.json")
			switch {
			case c.path != nil:
				path = c.path(t)
			case c.file != "":
				path = configFile(t, c.file)
			}
			e := env{"LOGCREST_TIMELINE_CAP": "42"}
			for k, v := range c.env {
				e[k] = v
			}
			opts := append([]Option{WithConfigFile(path), WithQueueSize(7)}, c.opts...)
			want := Defaults()
			want.ConfigFile, want.TimelineCap, want.QueueSize = path, 42, 7
			if c.want != nil {
				c.want(&want)
			}

			var warn bytes.Buffer
			got, errs := Resolve(opts, e.get, &warn)
			if got != want {
				t.Errorf("Resolve =\n %+v\nwant\n %+v", got, want)
			}
			checkValid(t, got)
			lines := warningLines(t, warn.String())
			if len(lines) != 1 {
				t.Fatalf("want exactly one warning line, got %d: %q", len(lines), warn.String())
			}
			line := lines[0]
			if !strings.Contains(line, c.needle) {
				t.Errorf("warning does not name %q: %q", c.needle, line)
			}
			if !strings.Contains(line, c.using) {
				t.Errorf("warning does not say %q: %q", c.using, line)
			}
			if c.inFile || c.path != nil {
				if !strings.Contains(line, strconv.Quote(path)) {
					t.Errorf("warning does not name the file %q: %q", path, line)
				}
			}
			if len(line) > 400 {
				t.Errorf("warning is %d bytes long: %q", len(line), line)
			}
			if len(errs) != 1 {
				t.Fatalf("want one problem, got %v", errs)
			}
			if msg := strings.TrimPrefix(line, warnPrefix); errs[0].Error() != "logcrest: "+msg {
				t.Errorf("problem %q does not match warning %q", errs[0], line)
			}
			if c.cause != nil && !c.cause(errs[0]) {
				t.Errorf("problem %#v does not wrap the expected cause", errs[0])
			}
		})
	}
}

// TestResolveSeveralProblems: each problem is one line and one error, in
// order; the joined error holds them all; the rest still applies.
func TestResolveSeveralProblems(t *testing.T) {
	t.Parallel()
	path := configFile(t, `{"zzz":1,"aaa":2,"max_log_size":"big","log_name":"svc","backup_count":-2}`)
	e := env{"LOGCREST_JSON": "perhaps", "LOGCREST_DIR": "envdir", "LOGCREST_LEVEL": ""}
	var warn bytes.Buffer
	s, errs := Resolve([]Option{WithConfigFile(path), WithLevel("loud"), WithTimelineCap(5)}, e.get, &warn)
	lines := warningLines(t, warn.String())
	needles := []string{`unknown key "aaa"`, `unknown key "zzz"`, "LOGCREST_JSON", "WithLevel", "max_log_size", "backup_count"}
	if len(lines) != len(needles) || len(errs) != len(needles) {
		t.Fatalf("want %d warnings and problems, got %d lines %q and %d problems", len(needles), len(lines), warn.String(), len(errs))
	}
	for i, n := range needles {
		if !strings.Contains(lines[i], n) || !strings.Contains(errs[i].Error(), n) {
			t.Errorf("problem %d: want %q, got line %q, error %q", i, n, lines[i], errs[i])
		}
	}
	joined := errors.Join(errs...)
	if got := strings.Count(joined.Error(), "\n") + 1; got != len(needles) {
		t.Errorf("joined error has %d lines, want %d: %q", got, len(needles), joined)
	}
	want := Defaults()
	want.ConfigFile, want.Dir, want.Name, want.TimelineCap = path, "envdir", "svc", 5
	if s != want {
		t.Errorf("Resolve =\n %+v\nwant\n %+v", s, want)
	}
}

// TestMaxAgeDuration: max_age days become the duration RotatingFile takes,
// 0 staying "no limit", and a number of days past what a time.Duration holds
// capped rather than wrapped to a negative or short age.
func TestMaxAgeDuration(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		days int
		want time.Duration
	}{
		{0, 0},
		{1, 24 * time.Hour},
		{7, 7 * 24 * time.Hour},
		{int(maxAgeDays), time.Duration(maxAgeDays) * 24 * time.Hour},
		{int(maxAgeDays) + 1, time.Duration(maxAgeDays) * 24 * time.Hour},
		{math.MaxInt, time.Duration(maxAgeDays) * 24 * time.Hour},
	} {
		if got := (Settings{MaxAge: c.days}).maxAgeDuration(); got != c.want {
			t.Errorf("maxAgeDuration(%d days) = %v, want %v", c.days, got, c.want)
		}
	}
	if d := (Settings{MaxAge: math.MaxInt}).maxAgeDuration(); d <= 100*365*24*time.Hour {
		t.Errorf("a huge max age became %v", d)
	}
}

// TestResolveLongConfigPath: the config file is named in full, however long.
func TestResolveLongConfigPath(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 100), strings.Repeat("e", 100))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "log_config.json")
	if err := os.WriteFile(path, []byte(`{"backup_count":-1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	Resolve([]Option{WithConfigFile(path)}, nil, &warn)
	if !strings.Contains(warn.String(), strconv.Quote(path)+": backup_count: -1 is negative, using 16\n") {
		t.Errorf("warning does not name the whole path: %q", warn.String())
	}
}

// TestResolveRotateEveryBadValues: a rotate_every that is not hour, day or
// off, in any layer, gives one warning naming the key (or option) and the
// value, and the default (rotation by size alone) is used; a bad
// rotate_local likewise.
func TestResolveRotateEveryBadValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		env  env
		opts []Option
		want string
	}{
		{"file", `{"rotate_every": "weekly"}`, nil, nil, `rotate_every: "weekly" is not one of hour, day, off, using ""`},
		{"file number", `{"rotate_every": 24}`, nil, nil, `rotate_every`},
		{"env", `{}`, env{"LOGCREST_ROTATE_EVERY": "24h"}, nil, `LOGCREST_ROTATE_EVERY: "24h" is not one of hour, day, off, using ""`},
		{"option", `{}`, nil, []Option{WithRotateEvery("minute")}, `WithRotateEvery: "minute" is not one of hour, day, off, using ""`},
		{"rotate_local env", `{}`, env{"LOGCREST_ROTATE_LOCAL": "local"}, nil, `LOGCREST_ROTATE_LOCAL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := configFile(t, tc.file)
			var warn bytes.Buffer
			got, _ := Resolve(append([]Option{WithConfigFile(path)}, tc.opts...), tc.env.get, &warn)
			lines := strings.Split(strings.TrimSuffix(warn.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "logcrest: warning: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("warnings %q, want one line holding %q", warn.String(), tc.want)
			}
			if got.RotateEvery != "" || got.RotateLocal || got.rotateEvery() != 0 || got.rotateZone() != nil {
				t.Errorf("RotateEvery %q, RotateLocal %v: want the defaults", got.RotateEvery, got.RotateLocal)
			}
		})
	}
}

// TestFileSinkRotatesByTheSettings: the file sinks open their
// RotatingFile with RotateEvery and RotateZone from the settings.
func TestFileSinkRotatesByTheSettings(t *testing.T) {
	for _, tc := range []struct {
		every string
		local bool
		want  time.Duration
		zone  *time.Location
	}{
		{"", false, 0, nil}, {"hour", false, time.Hour, nil}, {"day", true, 24 * time.Hour, time.Local},
	} {
		s := Defaults()
		s.RotateEvery, s.RotateLocal = tc.every, tc.local
		fs := openFileSink(filepath.Join(t.TempDir(), "app.log"), s)
		if fs.opt.RotateEvery != tc.want || fs.opt.RotateZone != tc.zone {
			t.Errorf("rotate_every %q, rotate_local %v: RotateEvery %v, RotateZone %v; want %v, %v",
				tc.every, tc.local, fs.opt.RotateEvery, fs.opt.RotateZone, tc.want, tc.zone)
		}
		if fs.f == nil {
			t.Fatalf("rotate_every %q: the file was not opened", tc.every)
		}
		if err := fs.f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestResolveWarnOutput: with no writer, Resolve warns through Warnf's output.
func TestResolveWarnOutput(t *testing.T) {
	var buf bytes.Buffer
	defer SetWarnOutput(&buf)()
	_, errs := Resolve([]Option{WithConfigFile(""), WithMaxSize(-1)}, nil, nil)
	if len(errs) != 1 || !strings.Contains(buf.String(), "logcrest: warning: WithMaxSize: -1 is not positive, using 67108864\n") {
		t.Errorf("problems %v, output %q", errs, buf.String())
	}
}

// TestResolveSizeUnits: a size reads the same in the environment and in the
// config file (as a string; a JSON number is bytes, as ever): a plain number
// is bytes, K, M, G, T count in 1024s however written (K, KB, KiB, any
// case, space before the unit allowed), decimals with a unit round down to
// a whole byte. A bad size is one warning naming the setting and quoting
// the value, and the default is used.
func TestResolveSizeUnits(t *testing.T) {
	t.Parallel()
	const bad = "not a size"
	for _, c := range []struct {
		in   string
		want int64
		err  string // "" when valid
	}{
		{"67108864", 67108864, ""},
		{" 42 ", 42, ""},
		{"+1", 1, ""},
		{"5MB", 5 << 20, ""},
		{"5MiB", 5 << 20, ""},
		{"5M", 5 << 20, ""},
		{"5 MB", 5 << 20, ""},
		{"5mb", 5 << 20, ""},
		{"5mib", 5 << 20, ""},
		{" 5\tMb ", 5 << 20, ""},
		{"512KB", 512 << 10, ""},
		{"512k", 512 << 10, ""},
		{"512 KiB", 512 << 10, ""},
		{"1GiB", 1 << 30, ""},
		{"1gb", 1 << 30, ""},
		{"1G", 1 << 30, ""},
		{"2TB", 2 << 40, ""},
		{"1tib", 1 << 40, ""},
		{"100B", 100, ""},
		{"100 b", 100, ""},
		{"1.5GiB", 3 << 29, ""},
		{"1.5KB", 1536, ""},
		{"0.5M", 1 << 19, ""},
		{".5M", 1 << 19, ""},
		{"5.M", 5 << 20, ""},
		{"1.0001KB", 1024, ""}, // 1024.1024 bytes: rounded down
		{"007MB", 7 << 20, ""},
		{"8388607TiB", 8388607 << 40, ""},
		{"8388607.99999999999999TiB", 9223372036854775807, ""}, // rounded down to the largest int64
		{"8388608TiB", 0, "out of range"},
		{"99999999999999999999", 0, "out of range"},
		{"5XB", 0, bad},
		{"5 M B", 0, bad},
		{"5MBs", 0, bad},
		{"MB", 0, bad},
		{".MB", 0, bad},
		{"1..5MB", 0, bad},
		{"1.2.3MB", 0, bad},
		{"-5MB", 0, bad},
		{"+5MB", 0, bad},
		{"5-MB", 0, bad},
		{"1e6", 0, bad},
		{"0x10", 0, bad},
		{"5 000 000", 0, bad},
		{"big", 0, bad},
		{"1.5", 0, "not a whole number"},
		{strings.Repeat("1", 65) + "KB", 0, bad},
	} {
		got, err := parseSize(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("parseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("parseSize(%q) = %d, %v; want an error saying %q", c.in, got, err, c.err)
		}
		if c.err != "" && err != nil && !strings.Contains(err.Error(), quote(c.in)) {
			t.Errorf("parseSize(%q): the error %q does not quote the value", c.in, err)
		}
		// The config file takes the same text, as a string, with the same result.
		raw, _ := json.Marshal(c.in)
		if jgot, jerr := jsonSize(raw); jgot != got || (jerr == nil) != (err == nil) {
			t.Errorf("jsonSize(%s) = %d, %v; the environment gives %d, %v", raw, jgot, jerr, got, err)
		}
	}

	// Through Resolve, the exact warning: the setting, the value, the default.
	var warn bytes.Buffer
	s, errs := Resolve([]Option{WithConfigFile("")},
		env{"LOGCREST_MAX_SIZE": "5XB", "LOGCREST_MAX_BUFFER": "64 MiB"}.get, &warn)
	want := warnPrefix + `LOGCREST_MAX_SIZE: "5XB" is not a size (bytes, or a number and a unit: 512KB, 5MB, 1.5GiB; ` +
		"K, M, G, T count in 1024s), using 67108864\n"
	if warn.String() != want || len(errs) != 1 || s.MaxSize != 67108864 || s.MaxBuffer != 64<<20 {
		t.Errorf("Resolve: MaxSize %d, MaxBuffer %d, problems %v, warnings\n%q\nwant\n%q", s.MaxSize, s.MaxBuffer, errs, warn.String(), want)
	}
	path := configFile(t, `{"max_log_size":"10MB","max_buffer_bytes":[1],"files":"off"}`)
	warn.Reset()
	s, errs = Resolve([]Option{WithConfigFile(path)}, nil, &warn)
	want = warnPrefix + "config file " + strconv.Quote(path) +
		`: max_buffer_bytes: an array is not a size (a number of bytes, or a string such as "5MB"), using 67108864` + "\n"
	if warn.String() != want || len(errs) != 1 || s.MaxSize != 10<<20 || s.Files {
		t.Errorf("Resolve: MaxSize %d, Files %v, problems %v, warnings\n%q\nwant\n%q", s.MaxSize, s.Files, errs, warn.String(), want)
	}
}

// TestResolveBoolWordsInEveryLayer: every word the environment takes for a
// boolean, the config file takes too, as a string (any case, space around
// it) or, for 0 and 1, a number; true and false stay as they are. A word
// refused by one layer is refused by the other, with the same list.
func TestResolveBoolWordsInEveryLayer(t *testing.T) {
	t.Parallel()
	words := map[string]bool{
		"true": true, "1": true, "yes": true, "on": true, "TRUE": true, " Yes ": true, "On": true,
		"false": false, "0": false, "no": false, "off": false, "OFF": false, " No ": false, "False": false,
	}
	for w, want := range words {
		ev, eerr := envBool(w)
		raw, _ := json.Marshal(w)
		jv, jerr := jsonBool(raw)
		if eerr != nil || jerr != nil || ev != want || jv != want {
			t.Errorf("%q: env %v, %v; json string %v, %v; want %v", w, ev, eerr, jv, jerr, want)
		}
	}
	for raw, want := range map[string]bool{`true`: true, `false`: false, `1`: true, `0`: false} {
		if v, err := jsonBool(json.RawMessage(raw)); err != nil || v != want {
			t.Errorf("json %s = %v, %v; want %v", raw, v, err, want)
		}
	}
	for _, w := range []string{"none", "maybe", "y", "n", "2", "-1", "enabled", "", "of f", "1.0"} {
		_, eerr := envBool(w)
		raw, _ := json.Marshal(w)
		_, jerr := jsonBool(raw)
		if eerr == nil || jerr == nil || !strings.Contains(jerr.Error(), boolWords) {
			t.Errorf("%q: env error %v, json error %v; want both refused, listing %q", w, eerr, jerr, boolWords)
		}
	}
	for _, raw := range []string{`2`, `-1`, `1.0`, `1e0`, `null`, `[]`, `{}`} {
		if _, err := jsonBool(json.RawMessage(raw)); err == nil {
			t.Errorf("json %s accepted as a boolean", raw)
		}
	}
	// Each boolean key, off through the file as the environment says it.
	for _, key := range []struct {
		json string
		get  func(Settings) bool
	}{
		{"use_json", func(s Settings) bool { return s.JSON }},
		{"files", func(s Settings) bool { return s.Files }},
	} {
		var warn bytes.Buffer
		s, errs := Resolve([]Option{WithConfigFile(configFile(t, fmt.Sprintf(`{%q:"off"}`, key.json)))}, nil, &warn)
		if key.get(s) || errs != nil || warn.Len() != 0 {
			t.Errorf(`{%q:"off"}: %v, problems %v, warnings %q`, key.json, key.get(s), errs, warn.String())
		}
		s, _ = Resolve([]Option{WithConfigFile(configFile(t, fmt.Sprintf(`{%q:"on"}`, key.json)))}, nil, &warn)
		if !key.get(s) {
			t.Errorf(`{%q:"on"} resolved to false`, key.json)
		}
	}
}

func TestResolveWholeNumber(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want int64
		err  string // "" when valid
	}{
		{"0", 0, ""},
		{"-0", 0, ""},
		{"0.000", 0, ""},
		{"0e-99999999999999999999", 0, ""},
		{"0e99999999999999999999", 0, ""},
		{"7", 7, ""},
		{"-7", -7, ""},
		{"5e6", 5000000, ""},
		{"5E+6", 5000000, ""},
		{"3.0", 3, ""},
		{"1.50e1", 15, ""},
		{"100e-2", 1, ""},
		{"0.00012e5", 12, ""},
		{"9223372036854775807", math.MaxInt64, ""},
		{"-9223372036854775808", math.MinInt64, ""},
		{"92233720368547758070e-1", math.MaxInt64, ""},
		{"9.223372036854775807e18", math.MaxInt64, ""},
		{"2.5", 0, "not a whole number"},
		{"1e-1", 0, "not a whole number"},
		{"12345e-3", 0, "not a whole number"},
		{"1.000000000000000000000001", 0, "not a whole number"},
		{"1e-99999999999999999999", 0, "not a whole number"},
		{"1e-1073741825", 0, "not a whole number"},
		{"9223372036854775808", 0, "out of range"},
		{"-9223372036854775809", 0, "out of range"},
		{"1e19", 0, "out of range"},
		{"1e30", 0, "out of range"},
		{"1e1073741825", 0, "out of range"},
		{"1e99999999999999999999", 0, "out of range"},
		{"100000000000000000000000000000000000000", 0, "out of range"},
	} {
		got, err := wholeNumber(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("wholeNumber(%s) = %d, %v; want %d", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("wholeNumber(%s) = %d, %v; want an error saying %q", c.in, got, err, c.err)
		}
	}
}

func TestConfigWarnf(t *testing.T) {
	var buf bytes.Buffer
	restore := SetWarnOutput(&buf)
	Warnf("plain %d", 1)
	Warnf("hostile %s", "a\nlogcrest: warning: forged\r\x00\u2028\u0085\x7f\xff end")
	want := "logcrest: warning: plain 1\n" +
		`logcrest: warning: hostile a\nlogcrest: warning: forged\r\x00\u2028\u0085\x7f\xff end` + "\n"
	if buf.String() != want {
		t.Errorf("got  %q\nwant %q", buf.String(), want)
	}

	// Restore puts the previous output back; nested outputs unwind in order.
	var inner bytes.Buffer
	restoreInner := SetWarnOutput(&inner)
	Warnf("to inner")
	restoreInner()
	Warnf("to outer")
	restore()
	if inner.String() != "logcrest: warning: to inner\n" || !strings.HasSuffix(buf.String(), "logcrest: warning: to outer\n") {
		t.Errorf("inner %q, outer %q", inner.String(), buf.String())
	}

	// nil discards.
	defer SetWarnOutput(nil)()
	Warnf("dropped")
}

// TestConfigWarnfConcurrent: lines from many goroutines never interleave
// (the buffer is not safe for concurrent use; the race detector checks the
// lock).
func TestConfigWarnfConcurrent(t *testing.T) {
	var buf bytes.Buffer
	defer SetWarnOutput(&buf)()
	const goroutines, each = 16, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				Warnf("goroutine %d line %d %s", g, i, strings.Repeat("x", 100))
			}
		})
	}
	wg.Wait()
	lines := warningLines(t, buf.String())
	if len(lines) != goroutines*each {
		t.Fatalf("got %d lines, want %d", len(lines), goroutines*each)
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, strings.Repeat("x", 100)) || strings.Count(l, "goroutine") != 1 {
			t.Fatalf("mixed line: %q", l)
		}
	}
}

func TestConfigQuoteCaps(t *testing.T) {
	t.Parallel()
	for _, s := range []string{strings.Repeat("a", 1000), strings.Repeat("é", 1000), strings.Repeat("\n", 1000)} {
		q := quote(s)
		if !strings.HasSuffix(q, `"...`) || len(q) > 4*maxShown+8 || strings.Contains(q, "\n") {
			t.Errorf("quote of %d bytes = %q", len(s), q)
		}
	}
	if q := quote(`short"one`); q != `"short\"one"` {
		t.Errorf("quote = %s", q)
	}
}

// checkResolved checks the invariants every Resolve keeps, whatever its
// input: valid settings, one well-formed line per problem.
func checkResolved(t *testing.T, s Settings, errs []error, out string) {
	t.Helper()
	checkValid(t, s)
	lines := warningLines(t, out)
	if len(lines) != len(errs) {
		t.Fatalf("%d warning lines for %d problems: %q", len(lines), len(errs), out)
	}
	for i, err := range errs {
		if strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("problem %d holds a raw line break: %q", i, err)
		}
		if err.Error() != "logcrest: "+strings.TrimPrefix(lines[i], warnPrefix) {
			t.Errorf("problem %q does not match its line %q", err, lines[i])
		}
	}
}

func FuzzResolveJSON(f *testing.F) {
	for _, seed := range []string{
		`{"base_log_dir":"logs","use_json":true,"log_name":"svc","log_level":"info","max_log_size":1024,"backup_count":2,"max_queue_size":10,"timeline_cap":5}`,
		`{"max_log_size":"big","use_json":"yes","backup_count":2.5}`,
		`{"max_age":7,"compress":true}`,
		`{"max_age":-1,"compress":"yes"}`,
		`{"group_readable":true}`,
		`{"group_readable":"0640"}`,
		`{"log_name":"../x","log_level":25}`,
		`{"unknown":1}`,
		`[1,2]`,
		`{"log_name":"a"} trailing`,
		``,
		`{"max_log_size":"5MB","max_buffer_bytes":"512 KiB","files":"off","use_json":"yes","compress":1}`,
		`{"max_log_size":"1.5gib","max_buffer_bytes":"5XB","files":"none","group_readable":"OFF"}`,
		`{"max_log_size":"8388608TiB","max_buffer_bytes":{"MB":1},"files":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "log_config.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var warn bytes.Buffer
		s, errs := Resolve([]Option{WithConfigFile(path)}, nil, &warn)
		checkResolved(t, s, errs, warn.String())
		if s.ConfigFile != path {
			t.Errorf("ConfigFile = %q", s.ConfigFile)
		}
	})
}

// envVars are the LOGCREST_* variables, in the order FuzzResolveEnv takes
// them.
var envVars = []string{
	"LOGCREST_DIR", "LOGCREST_JSON", "LOGCREST_NAME", "LOGCREST_LEVEL",
	"LOGCREST_MAX_SIZE", "LOGCREST_BACKUP_COUNT", "LOGCREST_QUEUE_SIZE", "LOGCREST_TIMELINE_CAP",
}

func FuzzResolveEnv(f *testing.F) {
	f.Add("logs", "true", "svc", "info", "1024", "2", "10", "5")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("a\x00b", "maybe", "../x", "loud", "big", "-1", "lots", "0")
	f.Add("/tmp/x", " OFF ", "x\nlogcrest: warning: forged", " 25 ", "99999999999999999999", " 3 ", "-5", "1e3")
	f.Add("logs", "off", "svc", "info", "5MB", "2", "10", "5")
	f.Add("logs", "No", "svc", "warn", " 1.5 GiB ", "2", "10", "5")
	f.Add("logs", "none", "svc", "warn", "5XB", "2", "10", "5")
	f.Add("logs", "1", "svc", "warn", "8388608TiB", "2", "10", "5")
	f.Fuzz(func(t *testing.T, dir, useJSON, name, level, maxSize, backups, queue, timeline string) {
		values := []string{dir, useJSON, name, level, maxSize, backups, queue, timeline}
		e := env{}
		for i, v := range values {
			e[envVars[i]] = v
		}
		var warn bytes.Buffer
		s, errs := Resolve([]Option{WithConfigFile("")}, e.get, &warn)
		checkResolved(t, s, errs, warn.String())
		// A level that parses is the level resolved.
		if l, err := ParseLevel(level); err == nil && s.Level != l {
			t.Errorf("LOGCREST_LEVEL=%q resolved to %v, ParseLevel says %v", level, s.Level, l)
		}
		// A size that parses to a positive number of bytes is the size resolved.
		if n, err := parseSize(maxSize); err == nil && n > 0 && s.MaxSize != n {
			t.Errorf("LOGCREST_MAX_SIZE=%q resolved to %d, parseSize says %d", maxSize, s.MaxSize, n)
		}
		// A valid name is taken as it is.
		if name != "" && checkName(name) == nil && s.Name != name {
			t.Errorf("LOGCREST_NAME=%q resolved to %q", name, s.Name)
		}
	})
}

// TestRedactSettings: the redaction settings through the layers, and a bad
// expression refused with one warning and the default (none).
func TestRedactSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log_config.json")
	if err := os.WriteFile(path, []byte(`{"redact":"off","redact_keys":["ssn","-pwd"],"redact_patterns":["a+b","c[0-9]"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	s, errs := Resolve([]Option{WithConfigFile(path)}, env{}.get, &warn)
	if s.Redact || s.RedactKeys != "ssn,-pwd" || s.RedactPatterns != "(?:a+b)|(?:c[0-9])" || errs != nil {
		t.Errorf("from the file: %+v, %v, %q", s, errs, warn.String())
	}
	e := env{"LOGCREST_REDACT": "yes", "LOGCREST_REDACT_HASH_KEY": "k", "LOGCREST_REDACT_PATTERNS": "x("}
	warn.Reset()
	s, errs = Resolve([]Option{WithConfigFile(path)}, e.get, &warn)
	if !s.Redact || s.RedactHashKey != "k" || s.RedactPatterns != "" || len(errs) != 1 {
		t.Errorf("from the environment: %+v, %v", s, errs)
	}
	lines := strings.Split(strings.TrimSuffix(warn.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "logcrest: warning: LOGCREST_REDACT_PATTERNS: \"x(\" is not a regular expression") ||
		!strings.HasSuffix(lines[0], `, using ""`) {
		t.Errorf("warnings %q, want one line about LOGCREST_REDACT_PATTERNS, using the default", warn.String())
	}
	warn.Reset()
	s, errs = Resolve([]Option{WithConfigFile(""), WithRedactPatterns(".*")}, env{}.get, &warn)
	if s.RedactPatterns != "" || len(errs) != 1 || !strings.Contains(warn.String(), "WithRedactPatterns: \".*\" matches the empty text, using \"\"") {
		t.Errorf("an expression matching the empty text: %+v, %q", s, warn.String())
	}
}
