package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// The same application, written natively for each framework: every route
// does the same work through the framework's own idiom, so that one table
// of expectations holds for the four adapters.
//
//	/orders/{id}   Log(ctx) + steps load_order and render; 200 "order <id>"
//	/empty         writes nothing (the implicit 200)
//	/created       201 without a body
//	/fail          step charge fails (ConnectionError); the handler's error becomes a 500
//	/declined      step charge_card fails; the handler's own, other error becomes a 500
//	/slow          step slow_step waits until the client has gone, returns nil; 200
//	/slow-cancel   the same step returns the cancellation; the handler answers 500
//	/unavailable   a handler error with status 503
//	/teapot        a handler error with status 418
//	/boom          panics inside the handler, after a step
//	/abort         panics with http.ErrAbortHandler
//	/stream        writes, flushes, waits for the client to read, writes again
//	/rc            http.ResponseController on the writer the handler got
//	/work/{n}      two goroutines each run a step (the load test)
//	/healthz       skipped by the WithSkip option: no flow
//	anything else  the framework's 404

// ConnectionError is an exported error type, so flow_error names it.
type ConnectionError struct{ msg string }

func (e *ConnectionError) Error() string { return e.msg }

// app holds what the handlers share with the test.
type app struct {
	streamRead  chan struct{} // the client read the first chunk
	errHandlers atomic.Int64  // calls of echo's HTTPErrorHandler
}

func newApp() *app { return &app{streamRead: make(chan struct{}, 1)} }

// options are the adapter options every test server uses, then extra (the
// test's pipeline).
func options(extra ...adapters.Option) []adapters.Option {
	return append([]adapters.Option{adapters.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" })}, extra...)
}

func (a *app) order(ctx context.Context, id string) error {
	logcrest.Log(ctx).Info().Str("order", id).Msg("handling order")
	// Who it was: a field of the flow, set from the handler, for flow_end.
	if err := logcrest.SetFlowField(ctx, "user_id", "u-"+id); err != nil {
		return err
	}
	if err := logcrest.Run(ctx, "load_order", func(ctx context.Context) error {
		logcrest.Log(ctx).Debug().Msg("loading")
		return nil
	}); err != nil {
		return err
	}
	return logcrest.Run(ctx, "render", func(context.Context) error { return nil })
}

var errGateway = &ConnectionError{"gateway timeout"}

func (a *app) charge(ctx context.Context) error {
	return logcrest.Run(ctx, "charge", func(context.Context) error { return errGateway })
}

// errDeclined is the error of the failing charge_card step.
var errDeclined = errors.New("card declined")

// declined runs step charge_card, which fails with errDeclined, and returns the handler's
// own error about it, another error than the step's (gin's c.Error, echo's
// returned error).
func (a *app) declined(ctx context.Context) error {
	_ = logcrest.Run(ctx, "charge_card", func(context.Context) error { return errDeclined })
	return fmt.Errorf("order %s: status %d", "13", http.StatusInternalServerError)
}

// slow runs step slow_step, which waits for the client to go away (the
// request's context cancelled; the row's client gives up first), then
// returns nil, or with cancel the cancellation. ctx must be the request's
// context.
func (a *app) slow(ctx context.Context, cancel bool) error {
	return logcrest.Run(ctx, "slow_step", func(ctx context.Context) error {
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			return nil // the client never left: the row's client_gone check fails
		}
		if cancel {
			return fmt.Errorf("load order: %w", ctx.Err())
		}
		return nil
	})
}

// slowHandler is /slow and /slow-cancel in net/http form.
func (a *app) slowHandler(cancel bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.slow(r.Context(), cancel); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "done")
	}
}

func (a *app) boom(ctx context.Context) {
	_ = logcrest.Run(ctx, "before_boom", func(context.Context) error { return nil })
	panic("boom")
}

// work runs steps a-<n> and b-<n> from two goroutines; ctx2 is the context
// for the second (a copy, for gin).
func (a *app) work(ctx, ctx2 context.Context, n string) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = logcrest.Run(ctx, "a-"+n, func(context.Context) error { return nil })
	}()
	go func() {
		defer wg.Done()
		_ = logcrest.Run(ctx2, "b-"+n, func(context.Context) error { return nil })
	}()
	wg.Wait()
}

// stream writes two chunks with a flush between and waits for the client
// to have read the first before writing the second: the body is
// "chunk-1\nchunk-2\n" only if the flush went through every wrapper.
func (a *app) stream(w io.Writer, flush func()) {
	_, _ = io.WriteString(w, "chunk-1\n")
	flush()
	select {
	case <-a.streamRead:
		_, _ = io.WriteString(w, "chunk-2\n")
	case <-time.After(5 * time.Second):
		_, _ = io.WriteString(w, "not flushed\n")
	}
}

// rc uses http.ResponseController on w: both calls reach the connection
// only if every wrapper unwraps to net/http's writer.
func rc(w http.ResponseWriter) string {
	c := http.NewResponseController(w)
	if err := c.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
		return "SetWriteDeadline: " + err.Error()
	}
	if err := c.EnableFullDuplex(); err != nil {
		return "EnableFullDuplex: " + err.Error()
	}
	return "rc ok"
}

// recoverer stands for an application's recovery middleware around plain
// net/http and chi: it answers 500 to a panic and lets
// http.ErrAbortHandler through, as chi's Recoverer does, without printing.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { //nolint:errorlint // the sentinel itself, as net/http compares it
					panic(p)
				}
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// adapterUnderTest builds the application on one framework with its
// LogCrest adapter, given options() and opts (the test's pipeline; none:
// the default pipeline).
type adapterUnderTest struct {
	name   string
	orders string // the route template of /orders/{id}, as the framework writes it
	work   string // the route template of /work/{n}
	build  func(a *app, opts ...adapters.Option) http.Handler
}

func allAdapters() []adapterUnderTest {
	return []adapterUnderTest{
		{"nethttp", "/orders/{id}", "/work/{n}", buildNetHTTP},
		{"chi", "/orders/{id}", "/work/{n}", buildChi},
		{"gin", "/orders/:id", "/work/:n", buildGin},
		{"echo", "/orders/:id", "/work/:n", buildEcho},
	}
}

// std is the application's handlers in net/http form, for the mux and
// chi; param reads a path parameter.
func (a *app) std(param func(r *http.Request, name string) string) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/orders/{id}": func(w http.ResponseWriter, r *http.Request) {
			id := param(r, "id")
			if err := a.order(r.Context(), id); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = io.WriteString(w, "order "+id)
		},
		"/empty": func(http.ResponseWriter, *http.Request) {},
		"/created": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusCreated)
		},
		"/fail": func(w http.ResponseWriter, r *http.Request) {
			if err := a.charge(r.Context()); err != nil {
				http.Error(w, "charge failed", http.StatusInternalServerError)
			}
		},
		"/declined": func(w http.ResponseWriter, r *http.Request) {
			if err := a.declined(r.Context()); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		},
		"/slow":        a.slowHandler(false),
		"/slow-cancel": a.slowHandler(true),
		"/unavailable": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		},
		"/teapot": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "short and stout", http.StatusTeapot)
		},
		"/boom":  func(_ http.ResponseWriter, r *http.Request) { a.boom(r.Context()) },
		"/abort": func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) },
		"/stream": func(w http.ResponseWriter, _ *http.Request) {
			a.stream(w, func() { w.(http.Flusher).Flush() })
		},
		"/rc": func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, rc(w)) },
		"/work/{n}": func(w http.ResponseWriter, r *http.Request) {
			n := param(r, "n")
			a.work(r.Context(), r.Context(), n)
			_, _ = io.WriteString(w, n)
		},
		"/healthz": func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") },
	}
}

func buildNetHTTP(a *app, opts ...adapters.Option) http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range a.std(func(r *http.Request, name string) string { return r.PathValue(name) }) {
		mux.Handle("GET "+pattern, h)
	}
	return recoverer(logcresthttp.Middleware(options(opts...)...)(mux))
}

func buildChi(a *app, opts ...adapters.Option) http.Handler {
	r := chi.NewRouter()
	r.Use(recoverer)
	r.Use(logcrestchi.Middleware(options(opts...)...))
	for pattern, h := range a.std(chi.URLParam) {
		r.Get(pattern, h)
	}
	return r
}

func buildGin(a *app, opts ...adapters.Option) http.Handler {
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard))
	logcrestgin.Instrument(r, options(opts...)...)
	// The handlers pass the *gin.Context itself as the context: that is
	// what must carry the flow.
	r.GET("/orders/:id", func(c *gin.Context) {
		id := c.Param("id")
		if err := a.order(c, id); err != nil {
			_ = c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.String(http.StatusOK, "order "+id)
	})
	r.GET("/empty", func(*gin.Context) {})
	r.GET("/created", func(c *gin.Context) { c.Status(http.StatusCreated) })
	r.GET("/fail", func(c *gin.Context) {
		if err := a.charge(c); err != nil {
			_ = c.AbortWithError(http.StatusInternalServerError, err)
		}
	})
	r.GET("/declined", func(c *gin.Context) {
		if err := a.declined(c); err != nil {
			c.String(http.StatusInternalServerError, "declined")
			_ = c.Error(err)
		}
	})
	slow := func(cancel bool) gin.HandlerFunc {
		return func(c *gin.Context) {
			// The request's context: without gin's ContextWithFallback,
			// the *gin.Context is never done.
			if err := a.slow(c.Request.Context(), cancel); err != nil {
				c.String(http.StatusInternalServerError, "cancelled")
				_ = c.Error(err)
				return
			}
			c.String(http.StatusOK, "done")
		}
	}
	r.GET("/slow", slow(false))
	r.GET("/slow-cancel", slow(true))
	r.GET("/unavailable", func(c *gin.Context) {
		c.String(http.StatusServiceUnavailable, "maintenance")
		_ = c.Error(errors.New("maintenance"))
	})
	r.GET("/teapot", func(c *gin.Context) {
		c.String(http.StatusTeapot, "short and stout")
		_ = c.Error(errors.New("teapot"))
	})
	r.GET("/boom", func(c *gin.Context) { a.boom(c) })
	r.GET("/abort", func(*gin.Context) { panic(http.ErrAbortHandler) })
	r.GET("/stream", func(c *gin.Context) { a.stream(c.Writer, c.Writer.Flush) })
	r.GET("/rc", func(c *gin.Context) { c.String(http.StatusOK, rc(c.Writer)) })
	r.GET("/work/:n", func(c *gin.Context) {
		n := c.Param("n")
		a.work(c, c.Copy(), n)
		c.String(http.StatusOK, n)
	})
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return r
}

func buildEcho(a *app, opts ...adapters.Option) http.Handler {
	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	handleErr := e.DefaultHTTPErrorHandler
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		a.errHandlers.Add(1)
		handleErr(err, c)
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}))
	logcrestecho.Instrument(e, options(opts...)...)
	ctx := func(c echo.Context) context.Context { return c.Request().Context() }
	e.GET("/orders/:id", func(c echo.Context) error {
		id := c.Param("id")
		if err := a.order(ctx(c), id); err != nil {
			return err
		}
		return c.String(http.StatusOK, "order "+id)
	})
	e.GET("/empty", func(echo.Context) error { return nil })
	e.GET("/created", func(c echo.Context) error { return c.NoContent(http.StatusCreated) })
	e.GET("/fail", func(c echo.Context) error { return a.charge(ctx(c)) })
	e.GET("/declined", func(c echo.Context) error { return a.declined(ctx(c)) })
	slow := func(cancel bool) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := a.slow(ctx(c), cancel); err != nil {
				return err
			}
			return c.String(http.StatusOK, "done")
		}
	}
	e.GET("/slow", slow(false))
	e.GET("/slow-cancel", slow(true))
	e.GET("/unavailable", func(echo.Context) error {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "maintenance")
	})
	e.GET("/teapot", func(echo.Context) error { return echo.NewHTTPError(http.StatusTeapot, "short and stout") })
	e.GET("/boom", func(c echo.Context) error { a.boom(ctx(c)); return nil })
	e.GET("/abort", func(echo.Context) error { panic(http.ErrAbortHandler) })
	e.GET("/stream", func(c echo.Context) error {
		a.stream(c.Response(), c.Response().Flush)
		return nil
	})
	e.GET("/rc", func(c echo.Context) error { return c.String(http.StatusOK, rc(c.Response())) })
	e.GET("/work/:n", func(c echo.Context) error {
		n := c.Param("n")
		a.work(ctx(c), ctx(c), n)
		return c.String(http.StatusOK, n)
	})
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	return e
}

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }
