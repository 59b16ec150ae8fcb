// Package logcrestgin makes every request of a gin engine a LogCrest flow.
//
// For each request the middleware sets the X-Flow-ID response header before
// the handlers run, writes flow_start (method, path, request_id) and
// flow_end (http_status, bytes, route, timeline) to the flows file, and
// makes the flow reachable from the handlers three ways: the *gin.Context
// itself (logcrest.Log(c), logcrest.Run(c, ...), with gin's default
// ContextWithFallback=false), c.Request.Context(), and c.Copy() for
// goroutines. See package adapters for every field and rule.
//
// Mount it with Use after gin.Recovery (gin.Default has it) and before the
// routes, or call Instrument, which does just that. The flow_end of a
// panic then has http_status 500 and no bytes: the recovery answers after
// the flow ended (see package adapters):
//
//	r := logcrestgin.Instrument(gin.Default())
//	r.GET("/orders/:id", getOrder)
//
// The route is c.FullPath() ("/orders/:id"); the status and bytes are those
// of gin's own writer; the last of c.Errors is the handler's error of a
// request that ends with a status of 500 or more: its flow_error when no
// step failed, else its returned_error.
package logcrestgin

import (
	"github.com/gin-gonic/gin"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
	"github.com/logcrest/logcrest/internal/flow"
)

// Middleware returns gin middleware that makes each request a flow,
// configured by opts (adapters.WithFlowLevel, adapters.WithSkip,
// adapters.WithRequestIDHeader). Each call builds an independent
// instance.
func Middleware(opts ...adapters.Option) gin.HandlerFunc {
	cfg := httpflow.NewConfig(opts...)
	return func(c *gin.Context) {
		if cfg.Skip(c.Request) {
			c.Next()
			return
		}
		q := cfg.Begin(c.Writer, c.Request)
		if ctx := q.Context(); ctx != c.Request.Context() {
			c.Request = c.Request.WithContext(ctx)
		}
		// gin.Context.Value answers string keys from c.Keys and, with
		// ContextWithFallback off, nothing else: flow.ContextKey is a string
		// so that logcrest.Log(c) and logcrest.Run(c, ...) find the span.
		c.Set(flow.ContextKey, q.Span())
		defer func() {
			w := c.Writer
			q.End(recover(), httpflow.Result{
				Route:   c.FullPath(),
				Err:     lastError(c),
				Status:  w.Status(),
				Bytes:   int64(max(w.Size(), 0)),
				Written: w.Written(),
			})
		}()
		c.Next()
	}
}

// lastError is the last error the handlers attached to c, unwrapped from
// *gin.Error so that flow_error names the handler's own error type.
func lastError(c *gin.Context) error {
	if last := c.Errors.Last(); last != nil && last.Err != nil {
		return last.Err
	}
	return nil
}

// Instrument adds Middleware(opts...) to every route of engine registered
// after the call, and to its 404 and 405 handlers, and returns engine. Call
// it before defining routes: gin copies the middleware list into each route
// when it is registered.
func Instrument(engine *gin.Engine, opts ...adapters.Option) *gin.Engine {
	engine.Use(Middleware(opts...))
	return engine
}
