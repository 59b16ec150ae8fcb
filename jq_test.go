package logcrest_test

// The jq one-liners docs/files.md gives for the questions asked on call, run
// over files LogCrest wrote through the net/http adapter: each must be in
// that page word for word and give exactly the answer expected.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

const (
	jqFailed = `jq -c 'select(.flow_type=="flow_end" and .flow_status=="failed") | {method, path, http_status, flow_error}' logs/flows/*.log`
	jqSlow   = `jq -rs 'map(select(.flow_type=="flow_end" and .route)) | group_by(.route) | map({route: .[0].route, n: length, max: (map(.total_ms) | max)}) | sort_by(-.max)[] | "\(.route) \(.n)"' logs/flows/*.log`
	jqFlow   = `jq -cs --arg id "$ID" 'map(select(.flow_id==$id)) | sort_by(.seq)[] | [.seq, .flow_type // .fn, .message]' logs/*/*.log`
)

func TestReadmeJqOneLiners(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq not installed; .ci/run installs it: apt-get install jq")
	}
	readme, err := os.ReadFile("docs/files.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{jqFailed, jqSlow, jqFlow} {
		if !strings.Contains(string(readme), q) {
			t.Errorf("docs/files.md lacks the one-liner\n%s", q)
		}
	}

	dir := t.TempDir()
	if err := logcrest.Configure(logcrest.WithDir(dir+"/logs"), logcrest.WithName("svc"), logcrest.WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = logcrest.Close() })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fast", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /slow/{id}", func(_ http.ResponseWriter, r *http.Request) {
		_ = logcrest.Run(r.Context(), "wait", func(context.Context) error {
			time.Sleep(20 * time.Millisecond)
			return nil
		})
	})
	mux.HandleFunc("POST /pay", func(w http.ResponseWriter, r *http.Request) {
		err := logcrest.Run(r.Context(), "charge_card", func(context.Context) error { return errors.New("declined") })
		if err != nil {
			http.Error(w, "payment failed", http.StatusBadGateway)
		}
	})
	srv := httptest.NewServer(logcresthttp.Handler(mux))
	defer srv.Close()
	var payID string
	for _, req := range []struct{ method, path string }{
		{"GET", "/fast"}, {"GET", "/slow/1"}, {"GET", "/fast"}, {"POST", "/pay"}, {"GET", "/slow/2"},
	} {
		r, _ := http.NewRequest(req.method, srv.URL+req.path+"?token=secret", nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if req.path == "/pay" {
			payID = resp.Header.Get("X-Flow-ID")
		}
	}
	if err := logcrest.Close(); err != nil {
		t.Fatal(err)
	}

	run := func(q string) string {
		t.Helper()
		cmd := exec.Command("sh", "-c", q)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ID="+payID)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", q, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got, want := run(jqFailed), `{"method":"POST","path":"/pay","http_status":502,"flow_error":"error: declined"}`; got != want {
		t.Errorf("failed requests:\n got  %s\n want %s", got, want)
	}
	if got, want := run(jqSlow), "/slow/{id} 2\n/pay 1\n/fast 2"; got != want {
		// /pay's step is faster than /slow's 20 ms but slower than /fast,
		// which does nothing; on a loaded machine they may swap.
		if lines := strings.Split(got, "\n"); len(lines) != 3 || lines[0] != "/slow/{id} 2" {
			t.Errorf("slowest routes:\n got  %s\n want %s", got, want)
		}
	}
	want := `[1,"flow_start","flow started"]
[2,"charge_card","step started"]
[3,"charge_card","step failed"]
[4,"flow_end","flow failed"]`
	if got := run(jqFlow); got != want {
		t.Errorf("one flow in order:\n got  %s\n want %s", got, want)
	}
}
