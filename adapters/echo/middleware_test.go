package logcrestecho_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/logcrest/logcrest/adapters"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
	lt "github.com/logcrest/logcrest/adapters/internal/logtest"
)

// countingEcho is an echo server whose error handler counts its calls.
func countingEcho(calls *int) *echo.Echo {
	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	handle := e.DefaultHTTPErrorHandler
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		*calls++
		handle(err, c)
	}
	return e
}

// TestErrorHandlerOnce: a returned error reaches echo's HTTPErrorHandler
// exactly once, even under echo's RequestLogger with HandleError (which
// calls it itself when it sees an error), and the flow records the status
// that handler sent.
func TestErrorHandlerOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		write  bool // the handler sent a response before returning the error
		status int
		failed bool
	}{
		{"plain error", errors.New("db down"), false, 500, true},
		{"HTTPError", echo.NewHTTPError(http.StatusConflict, "taken"), false, 409, false},
		{"HTTPError 5xx", echo.NewHTTPError(http.StatusGatewayTimeout), false, 504, true},
		{"wrapped HTTPError (echo does not unwrap)", fmt.Errorf("op: %w", echo.NewHTTPError(http.StatusConflict)), false, 500, true},
		{"error after the response went out", errors.New("late"), true, 200, false},
		{"no error", nil, false, 200, false},
	} {
		for _, withLogger := range []bool{false, true} {
			c := lt.Start(t)
			calls := 0
			e := countingEcho(&calls)
			if withLogger {
				e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
					HandleError:   true,
					LogValuesFunc: func(echo.Context, middleware.RequestLoggerValues) error { return nil },
				}))
			}
			logcrestecho.Instrument(e, c.Option())
			e.GET("/x", func(c echo.Context) error {
				if tc.write {
					_ = c.String(http.StatusOK, "sent")
				}
				return tc.err
			})
			w := httptest.NewRecorder()
			e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
			o := c.Finish(t)

			want := 0
			if tc.err != nil {
				want = 1
			}
			if calls != want || w.Code != tc.status {
				t.Errorf("%s (RequestLogger %v): error handler called %d times, status %d; want %d, %d",
					tc.name, withLogger, calls, w.Code, want, tc.status)
			}
			status := "success"
			if tc.failed {
				status = "failed"
			}
			_, fe := lt.FlowPair(t, o, w.Header().Get(adapters.FlowIDHeader))
			lt.WantFields(t, fe, map[string]any{"http_status": float64(tc.status), "flow_status": status, "route": "/x",
				"bytes": float64(w.Body.Len())})
		}
	}
}

// TestRoute: c.Path() of the matched route, read after the handler so
// that Pre middleware sees it too; none when echo's router found no
// route, but a route's own 404 keeps its route, and so does a RouteNotFound
// handler.
func TestRoute(t *testing.T) {
	t.Parallel()
	c := lt.Start(t)
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }

	pre := echo.New()
	pre.Pre(logcrestecho.Middleware(c.Option()))
	pre.GET("/orders/:id", ok)

	use := echo.New()
	logcrestecho.Instrument(use, c.Option())
	use.GET("/orders/:id", func(echo.Context) error { return echo.ErrNotFound })
	use.GET("/files/*", ok)

	custom := echo.New()
	logcrestecho.Instrument(custom, c.Option())
	custom.GET("/a", ok)
	custom.RouteNotFound("/*", func(c echo.Context) error { return c.String(http.StatusNotFound, "custom") })

	cases := []struct {
		e              *echo.Echo
		method, target string
		route          string
		status         int
	}{
		{pre, "GET", "/orders/1", "/orders/:id", 200},
		{pre, "GET", "/nothing", "", 404},
		{use, "GET", "/orders/1", "/orders/:id", 404},
		{use, "GET", "/files/a/b", "/files/*", 200},
		{use, "GET", "/orders", "", 404},
		{use, "POST", "/orders/1", "/orders/:id", 405},
		{custom, "GET", "/b", "/*", 404},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		tc.e.ServeHTTP(w, httptest.NewRequest(tc.method, tc.target, nil))
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
