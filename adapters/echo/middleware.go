// Package logcrestecho makes every request of an echo v4 server a LogCrest
// flow.
//
// For each request the middleware sets the X-Flow-ID response header before
// the handler runs, writes flow_start (method, path, request_id) and
// flow_end (http_status, bytes, route, timeline) to the flows file, and
// puts the flow in c.Request().Context(), so
// logcrest.Log(c.Request().Context()) and logcrest.Run steps join it. See
// package adapters for every field and rule.
//
// Mount it with Use after middleware.Recover (so that a panic reaches it
// first, with its stack, and Recover still answers 500), or call
// Instrument, which does the same. The flow_end of a panic then has
// http_status 500 and no bytes: Recover writes its body after the flow
// ended, so its size is not known (see package adapters):
//
//	e := echo.New()
//	e.Use(middleware.Recover())
//	logcrestecho.Instrument(e)
//	e.GET("/orders/:id", getOrder)
//
// The route is c.Path() ("/orders/:id"); none is recorded when echo's
// router found no route (its 404 handler ran). A handler error is handed to
// echo's HTTPErrorHandler here, exactly once, and the middleware returns
// nil: the flow then records the status that handler sent (an
// *echo.HTTPError's code, 500 for any other error), and middleware mounted
// outside this one sees the request as handled. The response is wrapped by
// the ResponseWriter the four adapters share, beneath echo's own
// *echo.Response, which keeps working as before (c.Response().Unwrap
// reaches the real writer through it).
package logcrestecho

import (
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
)

// Middleware returns echo middleware that makes each request a flow,
// configured by opts (adapters.WithFlowLevel, adapters.WithSkip,
// adapters.WithRequestIDHeader). Each call builds an independent
// instance.
func Middleware(opts ...adapters.Option) echo.MiddlewareFunc {
	cfg := httpflow.NewConfig(opts...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if cfg.Skip(req) {
				return next(c)
			}
			res := c.Response()
			q := cfg.Begin(res.Writer, req)
			if ctx := q.Context(); ctx != req.Context() {
				c.SetRequest(req.WithContext(ctx))
			}
			orig := res.Writer
			res.Writer = q.Writer()
			var handlerErr error
			defer func() {
				res.Writer = orig
				q.End(recover(), httpflow.Result{Route: route(c), Err: handlerErr})
			}()
			if err := next(c); err != nil {
				handlerErr = err
				c.Error(err)
			}
			return nil
		}
	}
}

// notFound identifies echo's own 404 handler, which the router installs
// when no route matched; c.Path() then holds the nearest partial match,
// not a route.
var notFound = reflect.ValueOf(echo.NotFoundHandler).Pointer()

// route is the template of the route echo matched for c, "" when none did.
func route(c echo.Context) string {
	if h := c.Handler(); h == nil || reflect.ValueOf(h).Pointer() == notFound {
		return ""
	}
	return c.Path()
}

// Instrument adds Middleware(opts...) to e with e.Use and returns e. Call
// it after e.Use(middleware.Recover()), if you use it, so that panics pass
// through LogCrest first.
func Instrument(e *echo.Echo, opts ...adapters.Option) *echo.Echo {
	e.Use(Middleware(opts...))
	return e
}
