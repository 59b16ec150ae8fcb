// Command gin is a small gin server whose every request is a LogCrest flow:
// GET /orders/:id loads and prices an order in two steps, started from the
// *gin.Context itself, which appear in the request's flow_end timeline;
// GET /healthz is skipped. Run it with `go run ./examples/gin` (PORT sets
// the port, default 8080), then `curl -i localhost:8080/orders/42` and look
// at logs/flows/orders-gin.log. Ctrl-C stops it and writes out every
// record.
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

	"github.com/gin-gonic/gin"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
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

func main() {
	_ = logcrest.Configure(logcrest.WithName("orders-gin"))
	gin.SetMode(gin.ReleaseMode)
	health := func(r *http.Request) bool { return r.URL.Path == "/healthz" }

	r := gin.New()
	r.Use(gin.Recovery())                                // outside LogCrest: panics reach LogCrest first
	logcrestgin.Instrument(r, adapters.WithSkip(health)) // before the routes
	r.GET("/orders/:id", getOrder)
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{Addr: ":" + port, Handler: r, ReadHeaderTimeout: 5 * time.Second}
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
