package logcresthttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/logcrest/logcrest/adapters"
	lt "github.com/logcrest/logcrest/adapters/internal/logtest"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }

// TestRoute: the route is the ServeMux pattern without its method; a host
// stays, it is part of the pattern.
func TestRoute(t *testing.T) {
	t.Parallel()
	c := lt.Start(t)
	mux := http.NewServeMux()
	for _, p := range []string{"GET /orders/{id}", "example.com/static/", "/files/{path...}", "DELETE \t/tabbed/{id}", "/{$}"} {
		mux.HandleFunc(p, ok)
	}
	h := logcresthttp.Handler(mux, c.Option())
	cases := []struct{ method, target, route string }{
		{"GET", "/orders/42", "/orders/{id}"},
		{"GET", "http://example.com/static/app.js", "example.com/static/"},
		{"GET", "/files/a/b/c.txt", "/files/{path...}"},
		{"DELETE", "/tabbed/7", "/tabbed/{id}"},
		{"GET", "/", "/{$}"},
		{"GET", "/nothing/here", ""},
		{"POST", "/orders/42", ""}, // 405: no route ran
	}
	for _, tc := range cases {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.target, nil))
	}
	o := c.Finish(t)
	ends := lt.Where(o.Flows, map[string]any{"flow_type": "flow_end"})
	if len(ends) != len(cases) {
		t.Fatalf("%d flow_end records, want %d", len(ends), len(cases))
	}
	for i, fe := range ends {
		if got, _ := fe["route"].(string); got != cases[i].route {
			t.Errorf("%s %s: route %q, want %q", cases[i].method, cases[i].target, got, cases[i].route)
		}
	}
	lt.WantFields(t, ends[6], map[string]any{"http_status": 405.0, "flow_status": "success"})
}

// TestPanicWithoutRecovery: with no recovery middleware at all, net/http
// recovers the re-raised panic and drops the connection; flow_end is
// written all the same and the server goes on serving.
func TestPanicWithoutRecovery(t *testing.T) {
	t.Parallel()
	c := lt.Start(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("GET /ok", ok)
	srv := httptest.NewServer(logcresthttp.Handler(mux, c.Option()))
	srv.Config.ErrorLog = lt.DiscardLog()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/boom", nil)
	req.Header.Set("X-Request-ID", "boom")
	if resp, err := client.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Errorf("got a response (%d) to a panic without recovery", resp.StatusCode)
	}
	resp, err := client.Get(srv.URL + "/ok")
	if err != nil {
		t.Fatalf("the next request failed: %v", err)
	}
	_ = resp.Body.Close()
	srv.Close()
	o := c.Finish(t)

	fs := lt.One(t, o.Flows, map[string]any{"flow_type": "flow_start", "request_id": "boom"})
	_, fe := lt.FlowPair(t, o, fs["flow_id"].(string))
	lt.WantFields(t, fe, map[string]any{
		"flow_status": "failed", "http_status": 500.0, "route": "/boom", "flow_error": "panic: boom",
		"failed_at": adapters.FlowName,
	})
	if stack, _ := fe["stack"].(string); !strings.Contains(stack, "TestPanicWithoutRecovery") {
		t.Errorf("the stack does not show the handler:\n%s", stack)
	}
	if resp.StatusCode != 200 {
		t.Errorf("the next request got %d", resp.StatusCode)
	}
}
