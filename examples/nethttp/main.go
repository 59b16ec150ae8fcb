// Command nethttp is a small net/http server whose every request is a
// LogCrest flow: GET /orders/{id} loads and prices an order in two steps,
// which appear in the request's flow_end timeline; GET /healthz is skipped.
// Run it with `go run ./examples/nethttp` (PORT sets the port, default
// 8080), then `curl -i -H 'X-Request-ID: demo-1' localhost:8080/orders/42`
// and look at logs/flows/orders-nethttp.log. Ctrl-C stops it and writes
// out every record.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

type order struct {
	ID    string  `json:"id"`
	Total float64 `json:"total"`
}

var errNoOrder = errors.New("no such order")

func loadOrder(ctx context.Context, id string) (order, error) {
	return logcrest.Call(ctx, "load_order", func(ctx context.Context) (order, error) {
		if id == "0" {
			return order{}, errNoOrder
		}
		logcrest.Log(ctx).Debug().Str("order", id).Msg("order found")
		return order{ID: id, Total: 99.99}, nil
	})
}

func priceOrder(ctx context.Context, o *order) error {
	return logcrest.Run(ctx, "price_order", func(context.Context) error {
		o.Total *= 1.2 // VAT
		return nil
	})
}

func getOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context() // carries the request's flow
	o, err := loadOrder(ctx, r.PathValue("id"))
	if errors.Is(err, errNoOrder) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err == nil {
		err = priceOrder(ctx, &o)
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	logcrest.Log(ctx).Info().Str("order", o.ID).Msg("order served")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(o)
}

func main() {
	_ = logcrest.Configure(logcrest.WithName("orders-nethttp"))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", getOrder)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	health := func(r *http.Request) bool { return r.URL.Path == "/healthz" }

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           logcresthttp.Middleware(adapters.WithSkip(health))(mux),
		ReadHeaderTimeout: 5 * time.Second,
	}
	os.Exit(serve(srv))
}

// serve runs srv until SIGINT or SIGTERM, shuts it down, and closes the
// pipeline so that every record is in its file.
func serve(srv *http.Server) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Println("listening on", srv.Addr)
	code := 0
	select {
	case err := <-errc:
		fmt.Fprintln(os.Stderr, err)
		code = 1
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	if err := logcrest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	return code
}
