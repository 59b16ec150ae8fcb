package httpflow_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

// An adapter for another router is Skip, Begin, the handler with Writer
// and Context, and End deferred with recover() and what the router knows
// of the route.
func ExampleConfig_Begin() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil))

	cfg := httpflow.NewConfig(adapters.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" }))
	middleware := func(next http.Handler, route func(*http.Request) string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cfg.Skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			q := cfg.Begin(w, r) // flow_start, X-Flow-ID
			r = r.WithContext(q.Context())
			defer func() { q.End(recover(), httpflow.Result{Route: route(r)}) }()
			next.ServeHTTP(q.Writer(), r)
		})
	}

	h := middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no stock", http.StatusConflict)
	}), func(*http.Request) string { return "/stock/{sku}" })
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPut, "/stock/A-1", nil))

	_ = logcrest.Close()
	fmt.Println(logtest.Summary(logtest.FlowEnd(dir)))
	// Output:
	// route=/stock/{sku} http_status=409 flow_status=success timeline=[]
}
