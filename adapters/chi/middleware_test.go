package logcrestchi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	lt "github.com/logcrest/logcrest/adapters/internal/logtest"
)

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }

// TestRoute: chi's whole template through mounted sub-routers and groups;
// none for a 404 at the root, nor outside a chi router.
func TestRoute(t *testing.T) {
	t.Parallel()
	c := lt.Start(t)
	api := chi.NewRouter()
	api.Get("/orders/{id}", ok)
	api.Get("/files/*", ok)
	r := chi.NewRouter()
	r.Use(logcrestchi.Middleware(c.Option()))
	r.Mount("/api", api)
	r.With(func(next http.Handler) http.Handler { return next }).Get("/inline/{a}-{b}", ok)
	outside := logcrestchi.Middleware(c.Option())(http.HandlerFunc(ok))

	cases := []struct {
		h              http.Handler
		method, target string
		route          string
		status         int
	}{
		{r, "GET", "/api/orders/42", "/api/orders/{id}", 200},
		{r, "GET", "/api/files/a/b.txt", "/api/files/*", 200},
		{r, "GET", "/inline/x-y", "/inline/{a}-{b}", 200},
		{r, "GET", "/nothing", "", 404},
		// Inside a mounted sub-router that matches nothing, chi's pattern is
		// that of the mount.
		{r, "POST", "/api/orders/42", "/api/*", 405},
		{r, "GET", "/api/nothing", "/api/*", 404},
		{outside, "GET", "/x", "", 200},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		tc.h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.target, nil))
		if w.Code != tc.status || w.Header().Get(adapters.FlowIDHeader) == "" {
			t.Errorf("%s %s: %d, X-Flow-ID %q", tc.method, tc.target, w.Code, w.Header().Get(adapters.FlowIDHeader))
		}
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
		lt.WantFields(t, fe, map[string]any{"http_status": float64(cases[i].status)})
	}
}
