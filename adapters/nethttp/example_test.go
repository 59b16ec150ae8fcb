package logcresthttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

func ExampleMiddleware() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context() // carries the request's flow
		logcrest.Log(ctx).Info().Str("order", r.PathValue("id")).Msg("loading order")
		err := logcrest.Run(ctx, "load_order", func(ctx context.Context) error { return nil })
		if err != nil {
			http.Error(w, "cannot load the order", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "order %s", r.PathValue("id"))
	})
	health := func(r *http.Request) bool { return r.URL.Path == "/healthz" }
	handler := logcresthttp.Middleware(adapters.WithSkip(health))(mux)

	// In a program: http.ListenAndServe(":8080", handler).
	req := httptest.NewRequest(http.MethodGet, "/orders/42?token=never-logged", nil)
	req.Header.Set("X-Request-ID", "checkout-7f3a")
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, req)

	_ = logcrest.Close()
	fmt.Println(w.Code, strings.HasPrefix(w.Header().Get("X-Flow-ID"), "checkout-7f3a-"))
	fmt.Println(logtest.Summary(logtest.FlowEnd(dir)))
	// Output:
	// 200 true
	// route=/orders/{id} http_status=200 flow_status=success timeline=[load_order]
}

func ExampleHandler() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil))

	mux := http.NewServeMux()
	mux.HandleFunc("POST /payments", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gateway down", http.StatusBadGateway)
	})

	// In a program: http.ListenAndServe(":8080", logcresthttp.Handler(mux)).
	w := httptest.NewRecorder()
	logcresthttp.Handler(mux).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/payments", nil))

	_ = logcrest.Close()
	fmt.Println(logtest.Summary(logtest.FlowEnd(dir)))
	// Output:
	// route=/payments http_status=502 flow_status=failed timeline=[]
}
