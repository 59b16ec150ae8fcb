// Command echo is a small echo server whose every request is a LogCrest
// flow: GET /orders/:id loads and prices an order in two steps, which
// appear in the request's flow_end timeline; an unknown order is an
// *echo.HTTPError 404, handed to echo's error handler once; GET /healthz is
// skipped. Run it with `go run ./examples/echo` (PORT sets the port,
// default 8080), then `curl -i localhost:8080/orders/42` and look at
// logs/flows/orders-echo.log. Ctrl-C stops it and writes out every record.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
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

func getOrder(c echo.Context) error {
	ctx := c.Request().Context() // carries the request's flow
	o, err := loadOrder(ctx, c.Param("id"))
	if errors.Is(err, errNoOrder) {
		return echo.NewHTTPError(http.StatusNotFound, err.Error())
	}
	if err == nil {
		err = priceOrder(ctx, &o)
	}
	if err != nil {
		return err // a 500, and the flow_error of the failed flow
	}
	logcrest.Log(ctx).Info().Str("order", o.ID).Msg("order served")
	return c.JSON(http.StatusOK, o)
}

func main() {
	_ = logcrest.Configure(logcrest.WithName("orders-echo"))
	health := func(r *http.Request) bool { return r.URL.Path == "/healthz" }

	e := echo.New()
	e.HideBanner = true
	e.Use(middleware.Recover())
	logcrestecho.Instrument(e, adapters.WithSkip(health))
	e.GET("/orders/:id", getOrder)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{Addr: ":" + port, Handler: e, ReadHeaderTimeout: 5 * time.Second}
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
