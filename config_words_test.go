package logcrest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/testkit"
)

// TestConfigFileTakesUnitsAndWords: log_config.json takes a size with a
// unit and the environment's words for a boolean, with no problem reported.
// {"files":"off"} writes no folder and sends every record to the console;
// {"max_log_size":"1KB"} rotates at 1024 bytes: every file read back, no
// file over it, every record once.
func TestConfigFileTakesUnitsAndWords(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, content string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "log_config.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("files off", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "logs")
		var console testkit.Buffer
		p, err := logcrest.New(logcrest.WithConfigFile(write(t, `{"files":"off","console":"json"}`)),
			logcrest.WithDir(dir), logcrest.WithConsole(&console))
		if err != nil {
			t.Fatal(err)
		}
		p.Log(context.Background()).Info().Msg("to the console only")
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf(`{"files":"off"}: the log folder was made (stat: %v)`, err)
		}
		var r map[string]any
		if err := json.Unmarshal(bytes.TrimSpace(console.Bytes()), &r); err != nil || r["message"] != "to the console only" {
			t.Errorf("console %q (%v), want the one JSON record", console.String(), err)
		}
	})

	t.Run("max_log_size 1KB", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		const n = 60
		p, err := logcrest.New(logcrest.WithConfigFile(write(t, `{"max_log_size":"1KB","backup_count":100,"log_name":"units"}`)),
			logcrest.WithDir(dir), logcrest.WithConsole(nil))
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			p.Log(context.Background()).Info().Int("i", i).Str("pad", strings.Repeat("x", 60)).Msg("record")
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(dir, "success", "units*.log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			info, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() > 1024 {
				t.Errorf("%s is %d bytes, over the 1KB (1024 bytes) max_log_size", filepath.Base(f), info.Size())
			}
		}
		if len(files) < 5 {
			t.Errorf("%d files for %d records of about 160 bytes: 1KB did not rotate at 1024 bytes", len(files), n)
		}
		seen := map[string]int{}
		for _, r := range testkit.ReadStream[stepRecord](t, dir, "success", "units") {
			seen[fmt.Sprint(r["i"])]++
		}
		for i := range n {
			if seen[fmt.Sprint(i)] != 1 {
				t.Errorf("record %d found %d times, want once", i, seen[fmt.Sprint(i)])
			}
		}
	})
}
