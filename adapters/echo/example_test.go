package logcrestecho_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/logcrest/logcrest"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

func ExampleMiddleware() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil))

	e := echo.New()
	e.Use(middleware.Recover())
	e.Use(logcrestecho.Middleware())
	e.GET("/orders/:id", func(c echo.Context) error {
		ctx := c.Request().Context() // carries the request's flow
		logcrest.Log(ctx).Info().Str("order", c.Param("id")).Msg("loading order")
		if err := logcrest.Run(ctx, "load_order", func(ctx context.Context) error { return nil }); err != nil {
			return err // handed to echo's error handler once, by the middleware
		}
		return c.String(http.StatusOK, "order "+c.Param("id"))
	})

	// In a program: e.Start(":8080").
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/orders/42", nil))

	_ = logcrest.Close()
	fmt.Println(w.Code, w.Header().Get("X-Flow-ID") != "")
	fmt.Println(logtest.Summary(logtest.FlowEnd(dir)))
	// Output:
	// 200 true
	// route=/orders/:id http_status=200 flow_status=success timeline=[load_order]
}

func ExampleInstrument() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil))

	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	logcrestecho.Instrument(e)
	e.POST("/payments", func(c echo.Context) error {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "gateway down")
	})

	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/payments", nil))

	_ = logcrest.Close()
	fmt.Println(w.Code)
	fmt.Println(logtest.Summary(logtest.FlowEnd(dir)))
	// Output:
	// 503
	// route=/payments http_status=503 flow_status=failed timeline=[]
}
