package logcrest_test

// Pipelines as values: two in one process, in parallel; SetLevel reaching
// loggers already handed out; the level over HTTP; SetDefault; and the
// container mode (no files, JSON on stdout) from a child process.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/internal/testkit"
)

// TestTwoPipelinesInParallel runs independent pipelines side by side, each
// with flows of steps on several goroutines and HTTP requests through the
// net/http adapter: each pipeline's files hold exactly its own records.
func TestTwoPipelinesInParallel(t *testing.T) {
	for _, name := range []string{"alpha", "beta"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName(name), logcrest.WithConsole(nil),
				logcrest.WithMaxSize(64<<10), logcrest.WithBackupCount(1000))
			if err != nil {
				t.Fatal(err)
			}
			ctx := logcrest.NewContext(context.Background(), p)
			const goroutines, flows = 4, 100
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range flows {
						_ = logcrest.RunFlow(ctx, name, func(ctx context.Context) error {
							p.Log(ctx).Info().Int("g", g).Int("i", i).Msg("in flow")
							return logcrest.Run(ctx, "step", func(context.Context) error { return nil })
						})
					}
				}()
			}
			srv := httptest.NewServer(logcresthttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logcrest.Log(r.Context()).Info().Msg("served")
			}), adapters.WithPipeline(p)))
			const requests = 50
			for range requests {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/r", nil)
				req.Header.Set("X-Request-ID", name)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			srv.Close()
			wg.Wait()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}

			ends := 0
			for _, r := range testkit.ReadStream[stepRecord](t, dir, "flows", name) {
				if r["logger"] != name || !strings.HasPrefix(fmt.Sprint(r["flow_id"]), name+"-") {
					t.Fatalf("flow record of another pipeline: %v", r)
				}
				if r["flow_type"] == "flow_end" {
					ends++
				}
			}
			if want := goroutines*flows + requests; ends != want {
				t.Errorf("%d flow_end records, want %d", ends, want)
			}
			var inFlow, served int
			for _, r := range testkit.ReadStream[stepRecord](t, dir, "success", name) {
				if r["logger"] != name {
					t.Fatalf("record of another pipeline: %v", r)
				}
				switch r["message"] {
				case "in flow":
					inFlow++
				case "served":
					served++
				}
			}
			if inFlow != goroutines*flows || served != requests {
				t.Errorf("success file: %d in-flow and %d served records, want %d and %d", inFlow, served, goroutines*flows, requests)
			}
			if st := p.Stats(); st.Dropped+st.Failed != 0 || st.Buffered != 0 {
				t.Errorf("Stats = %+v, want nothing lost", st)
			}
		})
	}
}

// TestSetLevelReachesHeldLoggers: a logger handed out before SetLevel, held
// by a goroutine, and a step's logger follow the new level at once.
func TestSetLevelReachesHeldLoggers(t *testing.T) {
	var console testkit.Buffer
	p, err := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsole(&console),
		logcrest.WithConsoleFormat("json"), logcrest.WithLevel("info"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	held := p.Log(context.Background())
	ctx, span := logcrest.Step(logcrest.NewContext(context.Background(), p), "job")
	stepLog := logcrest.Log(ctx)
	held.Debug().Msg("debug 1")
	stepLog.Debug().Msg("debug 1 in step")

	p.SetLevel(zerolog.DebugLevel)
	done := make(chan struct{})
	go func() {
		defer close(done)
		held.Debug().Msg("debug 2")
	}()
	<-done
	stepLog.Debug().Msg("debug 2 in step")
	p.SetLevel(zerolog.WarnLevel)
	held.Info().Msg("info 3")
	held.Warn().Msg("warn 3")
	span.End(nil)
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(console.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("console line %q is not JSON: %v", line, err)
		}
		msgs = append(msgs, fmt.Sprint(r["message"]))
	}
	// "step started" was at info under info; "step finished" at info under warn is hidden.
	want := "step started|debug 2|debug 2 in step|warn 3"
	if got := strings.Join(msgs, "|"); got != want {
		t.Errorf("records = %q, want %q", got, want)
	}
	if p.Level() != zerolog.WarnLevel {
		t.Errorf("Level() = %v", p.Level())
	}
}

// TestLevelHandler reads and sets the level over HTTP, and refuses bad input.
func TestLevelHandler(t *testing.T) {
	p, err := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsole(nil), logcrest.WithLevel("info"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	h := p.LevelHandler()
	do := func(method, body string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, "/level", strings.NewReader(body)))
		return w.Code, strings.TrimSpace(w.Body.String())
	}
	const (
		trailing = `{"error":"the body must be {\"level\":\"\u003clevel\u003e\"} alone: something follows it"}`
		tooLong  = `{"error":"the body must be {\"level\":\"\u003clevel\u003e\"}, at most 1024 bytes"}`
	)
	cases := []struct {
		method, body string
		code         int
		resp         string
	}{
		{http.MethodGet, "", 200, `{"level":"info"}`},
		{http.MethodPut, `{"level":"debug"}`, 200, `{"level":"debug"}`},
		{http.MethodGet, "", 200, `{"level":"debug"}`},
		{http.MethodPut, `{"level":"WARNING"}`, 200, `{"level":"warn"}`},
		{http.MethodPut, `{"level":"loud"}`, 400, `{"error":"unknown level \"loud\""}`},
		{http.MethodPut, `{"level":"debug"}garbage`, 400, trailing},
		{http.MethodPut, `{"level":"debug"}{"level":"info"}`, 400, trailing},
		{http.MethodPut, `{"level":"debug"} ]`, 400, trailing},
		{http.MethodPut, `{"level":"debug"}` + strings.Repeat(" ", 1100) + `x`, 400, tooLong},
		{http.MethodPut, `{"level":"debug"}` + strings.Repeat(" ", 1024-17+1), 400, tooLong},
		{http.MethodGet, "", 200, `{"level":"warn"}`},
		{http.MethodPut, "\t" + `{"level":"error"}` + " \r\n\t" + strings.Repeat(" ", 1024-17-5), 200, `{"level":"error"}`},
		{http.MethodPut, `{"level":"warn"}` + "\n", 200, `{"level":"warn"}`},
		{http.MethodPut, `{"lvl":"debug"}`, 400, `{"error":"the body must be {\"level\":\"\u003clevel\u003e\"}"}`},
		{http.MethodPut, `not json`, 400, `{"error":"the body must be {\"level\":\"\u003clevel\u003e\"}"}`},
		{http.MethodDelete, "", 405, `{"error":"use GET or PUT"}`},
		{http.MethodGet, "", 200, `{"level":"warn"}`},
	}
	for _, c := range cases {
		if code, resp := do(c.method, c.body); code != c.code || resp != c.resp {
			t.Errorf("%s %.60q (%d bytes) = %d %s, want %d %s", c.method, c.body, len(c.body), code, resp, c.code, c.resp)
		}
	}
	if p.Level() != zerolog.WarnLevel {
		t.Errorf("Level() = %v after the bad requests, want warn", p.Level())
	}
}

// TestSetDefault: the package functions follow SetDefault; nil restores
// the built-in default.
func TestSetDefault(t *testing.T) {
	builtin := logcrest.Default()
	var console testkit.Buffer
	p, err := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsole(&console), logcrest.WithConsoleFormat("json"), logcrest.WithDetail("full"))
	if err != nil {
		t.Fatal(err)
	}
	logcrest.SetDefault(p)
	defer logcrest.SetDefault(nil)
	if logcrest.Default() != p {
		t.Fatal("Default() is not the pipeline set")
	}
	logcrest.Log(context.Background()).Info().Msg("to p")
	_ = logcrest.RunFlow(context.Background(), "f", func(context.Context) error { return nil })
	if err := logcrest.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(console.String(), "\n"); n != 3 {
		t.Errorf("the default pipeline got %d records, want 3 (the log call, flow_start, flow_end):\n%s", n, console.String())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	logcrest.SetDefault(nil)
	if logcrest.Default() != builtin {
		t.Error("SetDefault(nil) did not restore the built-in default")
	}
}

// TestContainerMode: LOGCREST_FILES=off LOGCREST_CONSOLE=json gives one JSON
// record per line on stdout, flow records included, and creates no folder.
func TestContainerMode(t *testing.T) {
	if os.Getenv(childEnv) == "container" {
		ctx := context.Background()
		logcrest.Log(ctx).Info().Str("user", "ada").Msg("hello")
		_ = logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
			return logcrest.Run(ctx, "charge", func(context.Context) error { return errors.New("declined") })
		})
		if err := logcrest.Close(); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	var stdout bytes.Buffer
	t.Setenv("LOGCREST_FILES", "off")
	t.Setenv("LOGCREST_CONSOLE", "json")
	t.Setenv("LOGCREST_DETAIL", "full") // every record in the order logged
	t.Setenv("LOGCREST_DIR", filepath.Join(dir, "logs"))
	code, stderr := runChild(t, "TestContainerMode", "container", dir, &stdout)
	if code != 0 || stderr != "" {
		t.Fatalf("child exit %d, stderr %q", code, stderr)
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", line, err)
		}
		if r["logger"] != "app_logger" || r["time"] == nil || r["level"] == nil {
			t.Errorf("record %v lacks time, level or logger", r)
		}
		msgs = append(msgs, fmt.Sprint(r["message"]))
	}
	want := "hello|flow started|step started|step failed|flow failed"
	if got := strings.Join(msgs, "|"); got != want {
		t.Errorf("stdout records = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the log folder was created (stat: %v)", err)
	}
}
