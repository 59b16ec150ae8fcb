package logcrest_test

// The jq one-liners docs/files.md gives for the questions asked on call, run
// over files LogCrest wrote through the net/http adapter: each must be in
// that page word for word and give exactly the answer expected.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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
	// The slowest-routes one-liner must give the order the flow_end
	// records hold (on a loaded machine /fast can outlast /pay, or even
	// /slow's 20 ms, so the order is computed from the files, not assumed).
	if got, want := run(jqSlow), slowestRoutes(t, dir+"/logs/flows"); got != want {
		t.Errorf("slowest routes:\n got  %s\n want %s", got, want)
	}
	want := `[1,"flow_start","flow started"]
[2,"charge_card","step started"]
[3,"charge_card","step failed"]
[4,"flow_end","flow failed"]`
	if got := run(jqFlow); got != want {
		t.Errorf("one flow in order:\n got  %s\n want %s", got, want)
	}
}

// slowestRoutes computes from the flow_end records in the folder what the
// slowest-routes one-liner answers: each route with its count, by its
// largest total_ms, slowest first.
func slowestRoutes(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no flow files in %s: %v", dir, err)
	}
	type route struct {
		name string
		n    int
		max  float64
	}
	byName := map[string]*route{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var rec struct {
				FlowType string  `json:"flow_type"`
				Route    string  `json:"route"`
				TotalMs  float64 `json:"total_ms"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if rec.FlowType != "flow_end" || rec.Route == "" {
				continue
			}
			r := byName[rec.Route]
			if r == nil {
				r = &route{name: rec.Route}
				byName[rec.Route] = r
			}
			r.n++
			r.max = max(r.max, rec.TotalMs)
		}
	}
	var routes []*route
	for _, r := range byName {
		routes = append(routes, r)
	}
	// jq's group_by orders by route and its sort_by is stable: ties
	// keep the order of the names.
	sort.Slice(routes, func(i, j int) bool { return routes[i].name < routes[j].name })
	sort.SliceStable(routes, func(i, j int) bool { return routes[i].max > routes[j].max })
	var out []string
	for _, r := range routes {
		out = append(out, fmt.Sprintf("%s %d", r.name, r.n))
	}
	if len(out) != 3 {
		t.Fatalf("routes in flow_end records: %v, want /fast, /slow/{id} and /pay", out)
	}
	return strings.Join(out, "\n")
}
