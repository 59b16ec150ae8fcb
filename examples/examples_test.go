// Package examples_test runs each example server as a user would: it builds
// the binary, starts it on a free port in an empty folder, requests every
// route, stops it with SIGINT, and reads the files it left.
package examples_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/testkit"
)

// server is one example server: its package folder, the name it logs under,
// and the prefix of its order routes.
type server struct {
	pkg, name, prefix string
}

var servers = []server{
	{"nethttp", "orders-nethttp", ""},
	{"chi", "orders-chi", "/api"},
	{"gin", "orders-gin", ""},
	{"echo", "orders-echo", ""},
}

// request is one request to a server and what its flow_end must say.
type request struct {
	method, path string
	status       int    // the response's, and flow_end's http_status
	flowStatus   string // "" for a request that makes no flow (health check)
	failedAt     string
	flowError    string // the prefix of flow_end's flow_error
}

func requests(prefix string) []request {
	return []request{
		{"GET", prefix + "/orders/42", 200, "success", "", ""},
		{"GET", prefix + "/orders/0", 404, "success", "", ""},
		{"POST", prefix + "/orders/42/pay", 500, "failed", "charge_card", ""},
		{"GET", prefix + "/panic", 500, "failed", "http_request", "panic: something went badly wrong"},
		{"GET", "/healthz", 200, "", "", ""},
	}
}

func TestExampleServers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops the servers with SIGINT")
	}
	goTool, err := exec.LookPath("go") // go test puts its own go first on PATH
	if err != nil {
		t.Skip("no go command to build the examples with")
	}
	bin := t.TempDir()
	// The builds are bounded by the test's deadline; the servers by seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-10*time.Second))
	}
	t.Cleanup(cancel)
	for _, s := range servers {
		t.Run(s.pkg, func(t *testing.T) {
			t.Parallel()
			exe := filepath.Join(bin, s.name)
			build := exec.CommandContext(ctx, goTool, "build", "-o", exe, "./"+s.pkg)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build ./examples/%s: %v\n%s", s.pkg, err, out)
			}
			runServer(t, s, exe)
		})
	}
}

// runServer runs exe in an empty folder, requests its routes, stops it
// with SIGINT and checks its exit and its files.
func runServer(t *testing.T, s server, exe string) {
	dir := t.TempDir()
	cmd := exec.Command(exe, "-addr", "127.0.0.1:0")
	cmd.Dir = dir
	for _, kv := range os.Environ() { // the example's own defaults, not the caller's LOGCREST_*
		if !strings.HasPrefix(kv, "LOGCREST_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stdout := newOutput()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout, &stderr)
		}
	}()

	var addr string
	select {
	case addr = <-stdout.addr:
	case err := <-exited:
		stopped = true
		t.Fatalf("exited before listening (%v)\nstdout:\n%s\nstderr:\n%s", err, stdout, &stderr)
	case <-time.After(10 * time.Second):
		t.Fatal(`no "listening on" line in 10 s`)
	}

	client := &http.Client{Timeout: 5 * time.Second}
	reqs := requests(s.prefix)
	byFlow := map[string]request{}
	for _, r := range reqs {
		req, err := http.NewRequest(r.method, "http://"+addr+r.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != r.status {
			t.Errorf("%s %s: status %d, want %d", r.method, r.path, resp.StatusCode, r.status)
		}
		id := resp.Header.Get("X-Flow-ID")
		switch {
		case r.flowStatus == "" && id != "":
			t.Errorf("%s %s: X-Flow-ID %q on a skipped route", r.method, r.path, id)
		case r.flowStatus != "" && id == "":
			t.Errorf("%s %s: no X-Flow-ID", r.method, r.path)
		case id != "":
			byFlow[id] = r
		}
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
		stopped = true
	case <-time.After(15 * time.Second):
		t.Fatal("still running 15 s after SIGINT")
	}
	if err != nil {
		t.Errorf("exit after SIGINT: %v, want status 0\nstderr:\n%s", err, &stderr)
	}
	if !strings.Contains(stdout.String(), "shutting down") {
		t.Errorf("no shutting down line in stdout:\n%s", stdout)
	}

	// One flow_end per request that makes a flow, telling its outcome.
	ends := map[string]map[string]any{}
	for _, rec := range testkit.ReadFile[map[string]any](t, filepath.Join(dir, "logs", "flows", s.name+".log"), false) {
		if rec["flow_type"] != "flow_end" {
			continue
		}
		id, _ := rec["flow_id"].(string)
		if _, dup := ends[id]; dup {
			t.Errorf("two flow_end records for %s", id)
		}
		ends[id] = rec
	}
	if len(ends) != len(byFlow) {
		t.Errorf("%d flow_end records, want %d (one per request but the health check)", len(ends), len(byFlow))
	}
	for id, r := range byFlow {
		end, ok := ends[id]
		if !ok {
			t.Errorf("%s %s: no flow_end for flow %s", r.method, r.path, id)
			continue
		}
		if end["http_status"] != float64(r.status) || end["flow_status"] != r.flowStatus {
			t.Errorf("%s %s: flow_end http_status %v, flow_status %v; want %d, %s", r.method, r.path, end["http_status"], end["flow_status"], r.status, r.flowStatus)
		}
		if r.failedAt != "" && end["failed_at"] != r.failedAt {
			t.Errorf("%s %s: failed_at %v, want %s", r.method, r.path, end["failed_at"], r.failedAt)
		}
		flowErr, _ := end["flow_error"].(string)
		if r.flowStatus == "failed" && (flowErr == "" || !strings.HasPrefix(flowErr, r.flowError)) {
			t.Errorf("%s %s: flow_error %q, want it to start with %q", r.method, r.path, flowErr, r.flowError)
		}
		if path, _ := end["path"].(string); path != "" && path != r.path {
			t.Errorf("%s %s: flow_end path %q", r.method, r.path, path)
		}
	}
	// The failed charge_card step is in the error file.
	failed := 0
	for _, rec := range testkit.ReadFile[map[string]any](t, filepath.Join(dir, "logs", "error", s.name+".log"), false) {
		if rec["fn"] == "charge_card" && rec["status"] == "error" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed charge_card step records in the error file, want 1", failed)
	}
}

// output collects a server's stdout and sends the address of its
// "listening on ADDR" line on addr, once.
type output struct {
	mu   sync.Mutex
	b    bytes.Buffer
	addr chan string
	sent bool
}

func newOutput() *output { return &output{addr: make(chan string, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b.Write(p)
	if !o.sent {
		for line := range strings.Lines(o.b.String()) {
			if a, ok := strings.CutPrefix(line, "listening on "); ok && strings.HasSuffix(a, "\n") {
				o.addr <- strings.TrimSpace(a)
				o.sent = true
				break
			}
		}
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
