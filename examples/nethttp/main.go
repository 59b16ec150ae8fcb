// Command nethttp is a small net/http server whose every request is a
// LogCrest flow, with a route for each outcome:
//
//	GET  /orders/{id}      200: load_order and price_order steps; 404 for order 0
//	POST /orders/{id}/pay  500: the charge_card step fails (the gateway is down)
//	GET  /panic            500: the handler panics; recoverer answers
//	GET  /healthz          skipped: no flow, no records
//
// Build it and run the binary (with `go run`, a signal sent to the printed
// PID would reach the go command rather than the server):
//
//	go build -o orders-nethttp ./examples/nethttp && ./orders-nethttp   # -addr :8081
//
// then try every route from another terminal:
//
//	curl -i -H 'X-Request-ID: demo-1' localhost:8081/orders/42
//	curl -i localhost:8081/orders/0
//	curl -i -X POST localhost:8081/orders/42/pay
//	curl -i localhost:8081/panic
//	curl -i localhost:8081/healthz
//
// and stop it with Ctrl-C (SIGINT) or SIGTERM: it finishes the requests in
// flight, closes the pipeline, and logs/flows/orders-nethttp.log holds a
// flow_end per request (logs/error the failed steps, the panic's stack).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
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

var (
	errNoOrder     = errors.New("no such order")
	errGatewayDown = errors.New("payment gateway timeout")
)

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

// chargeCard always fails: the payment gateway of this example is down.
func chargeCard(ctx context.Context, o order) error {
	return logcrest.Run(ctx, "charge_card", func(ctx context.Context) error {
		logcrest.Log(ctx).Info().Str("order", o.ID).Float64("amount", o.Total).Msg("calling the payment gateway")
		return errGatewayDown
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

// payOrder answers 500 when a step fails: flow_end records flow_status
// "failed", failed_at "charge_card" and the step's error as flow_error.
func payOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o, err := loadOrder(ctx, r.PathValue("id"))
	if errors.Is(err, errNoOrder) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err == nil {
		err = chargeCard(ctx, o)
	}
	if err != nil {
		http.Error(w, "payment failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// recoverer answers 500 to a request whose handler panicked. It sits outside
// LogCrest's middleware, which records the panic first (flow_error
// "panic: ...", stack) and raises it again. Without it net/http would
// recover the panic itself, print it and close the connection: the client
// would get no response at all.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v) // net/http drops the connection quietly
				}
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func main() {
	addr := flag.String("addr", ":8081", "address to listen on (:0 picks a free port)")
	flag.Parse()
	_ = logcrest.Configure(logcrest.WithName("orders-nethttp"))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", getOrder)
	mux.HandleFunc("POST /orders/{id}/pay", payOrder)
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("something went badly wrong")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	health := func(r *http.Request) bool { return r.URL.Path == "/healthz" }

	os.Exit(serve(*addr, recoverer(logcresthttp.Middleware(adapters.WithSkip(health))(mux))))
}

// serve serves h on addr until SIGINT or SIGTERM, shuts the server down
// (waiting up to 10 s for the requests in flight), and closes the pipeline
// so that every record is in its file. It returns the exit code.
func serve(addr string, h http.Handler) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := 0
	if err := run(ctx, addr, h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if err := logcrest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	return code
}

func run(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Println("listening on", ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
