package logcrestchi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/logcrest/logcrest"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

func ExampleMiddleware() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil))

	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(logcrestchi.Middleware())
	r.Route("/api", func(r chi.Router) {
		r.Get("/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context() // carries the request's flow
			logcrest.Log(ctx).Info().Str("order", chi.URLParam(r, "id")).Msg("loading order")
			_ = logcrest.Run(ctx, "load_order", func(ctx context.Context) error { return nil })
			fmt.Fprintf(w, "order %s", chi.URLParam(r, "id"))
		})
	})

	// In a program: http.ListenAndServe(":8080", r).
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/orders/42", nil))

	_ = logcrest.Close()
	fmt.Println(w.Code, w.Header().Get("X-Flow-ID") != "")
	fmt.Println(logtest.Summary(logtest.FlowEnd(dir)))
	// Output:
	// 200 true
	// route=/api/orders/{id} http_status=200 flow_status=success timeline=[load_order]
}
