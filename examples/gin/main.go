// Command gin is a small gin server whose every request is a LogCrest flow,
// started from the *gin.Context itself, with a route for each outcome:
//
//	GET  /orders/:id      200: load_order and price_order steps; 404 for order 0
//	POST /orders/:id/pay  500: the charge_card step fails (the gateway is down)
//	GET  /panic           500: the handler panics; gin.Recovery answers
//	GET  /healthz         skipped: no flow, no records
//
// Build it and run the binary (with `go run`, a signal sent to the printed
// PID would reach the go command rather than the server):
//
//	go build -o orders-gin ./examples/gin && ./orders-gin   # -addr :8083
//
// then try every route from another terminal:
//
//	curl -i -H 'X-Request-ID: demo-1' localhost:8083/orders/42
//	curl -i localhost:8083/orders/0
//	curl -i -X POST localhost:8083/orders/42/pay
//	curl -i localhost:8083/panic
//	curl -i localhost:8083/healthz
//
// and stop it with Ctrl-C (SIGINT) or SIGTERM: it finishes the requests in
// flight, closes the pipeline, and logs/flows/orders-gin.log holds a
// flow_end per request (logs/error the failed steps, the panic's stack).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
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

func getOrder(c *gin.Context) {
	// The *gin.Context is the request's context: it carries the flow.
	o, err := loadOrder(c, c.Param("id"))
	if errors.Is(err, errNoOrder) {
		c.String(http.StatusNotFound, err.Error())
		return
	}
	if err == nil {
		err = priceOrder(c, &o)
	}
	if err != nil {
		_ = c.AbortWithError(http.StatusInternalServerError, err) // flow_error of the failed flow
		return
	}
	logcrest.Log(c).Info().Str("order", o.ID).Msg("order served")
	c.JSON(http.StatusOK, o)
}

// payOrder answers 500 when a step fails: flow_end records flow_status
// "failed", failed_at "charge_card" and, from c.Errors, the flow_error.
func payOrder(c *gin.Context) {
	o, err := loadOrder(c, c.Param("id"))
	if errors.Is(err, errNoOrder) {
		c.String(http.StatusNotFound, err.Error())
		return
	}
	if err == nil {
		err = chargeCard(c, o)
	}
	if err != nil {
		_ = c.Error(err)
		c.String(http.StatusInternalServerError, "payment failed\n")
		return
	}
	c.Status(http.StatusNoContent)
}

func main() {
	addr := flag.String("addr", ":8083", "address to listen on (:0 picks a free port)")
	flag.Parse()
	_ = logcrest.Configure(logcrest.WithName("orders-gin"))
	gin.SetMode(gin.ReleaseMode)
	health := func(r *http.Request) bool { return r.URL.Path == "/healthz" }

	r := gin.New()
	r.Use(gin.Recovery())                                // outside LogCrest: a panic reaches LogCrest first, with its stack
	logcrestgin.Instrument(r, adapters.WithSkip(health)) // before the routes
	r.GET("/orders/:id", getOrder)
	r.POST("/orders/:id/pay", payOrder)
	r.GET("/panic", func(*gin.Context) { panic("something went badly wrong") })
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })

	os.Exit(serve(*addr, r))
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
