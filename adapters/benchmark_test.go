package adapters_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/internal/flow"
)

// BenchmarkAdapters measures the per-request cost each adapter adds to its
// router, in process (httptest.NewRecorder and ServeHTTP, no network), next
// to zerolog's hlog chain — NewHandler, RequestIDHandler, AccessHandler —
// on the same router. Subtract bare from the others for the added cost:
//
//	bare        the router and a handler writing "ok"
//	logcrest    the LogCrest adapter: flow_start and flow_end for each
//	            request, console off, files in a temporary folder (written
//	            by LogCrest's background goroutine; max size 1 GiB, so that
//	            like hlog-file it measures writing, not rotating)
//	hlog        hlog's chain, its logger writing to io.Discard
//	hlog-file   hlog's chain, its logger writing to a file (synchronously,
//	            as zerolog does)
//
// gin and echo take hlog as the net/http middleware it is, around the
// engine.
func BenchmarkAdapters(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	routers := []struct {
		name      string
		bare      func() http.Handler
		logcrest  func() http.Handler
		aroundAll bool // hlog wraps the router from outside
		withHlog  func(mw []func(http.Handler) http.Handler) http.Handler
	}{
		{"nethttp", benchMux, func() http.Handler { return logcresthttp.Middleware()(benchMux()) }, true, nil},
		{"chi", func() http.Handler { return benchChi() }, func() http.Handler { return benchChi(logcrestchi.Middleware()) }, false,
			func(mw []func(http.Handler) http.Handler) http.Handler { return benchChi(mw...) }},
		{"gin", func() http.Handler { return benchGin() }, func() http.Handler { return benchGin(logcrestgin.Middleware()) }, true, nil},
		{"echo", func() http.Handler { return benchEcho() }, func() http.Handler { return benchEcho(logcrestecho.Middleware()) }, true, nil},
	}
	for _, rt := range routers {
		hlogged := func(w io.Writer) http.Handler {
			chain := hlogChain(w)
			if rt.aroundAll {
				h := rt.bare()
				for i := len(chain) - 1; i >= 0; i-- {
					h = chain[i](h)
				}
				return h
			}
			return rt.withHlog(chain)
		}
		b.Run(rt.name+"/bare", func(b *testing.B) { runRequests(b, rt.bare()) })
		b.Run(rt.name+"/logcrest", func(b *testing.B) {
			benchPipeline(b)
			runRequests(b, rt.logcrest())
			b.StopTimer()
			_ = logcrest.Flush()
		})
		b.Run(rt.name+"/hlog", func(b *testing.B) { runRequests(b, hlogged(io.Discard)) })
		b.Run(rt.name+"/hlog-file", func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "hlog.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			runRequests(b, hlogged(f))
		})
	}
}

// benchPipeline configures LogCrest for a benchmark: console off, files in
// a temporary folder, too large to rotate; closed when the benchmark ends.
func benchPipeline(b *testing.B) {
	err := logcrest.Configure(logcrest.WithDir(b.TempDir()), logcrest.WithConsole(nil), logcrest.WithMaxSize(1<<30))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = logcrest.Close() })
}

// runRequests serves GET /orders/42 through h, once per iteration.
func runRequests(b *testing.B, h http.Handler) {
	req := httptest.NewRequest(http.MethodGet, "/orders/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// hlogChain is the request logging zerolog's hlog documents: a logger in
// the context, a request ID (generated, returned in a header) and an access
// record per request with the method, path, status, size and duration.
func hlogChain(w io.Writer) []func(http.Handler) http.Handler {
	l := zerolog.New(w).With().Timestamp().Logger()
	return []func(http.Handler) http.Handler{
		hlog.NewHandler(l),
		hlog.RequestIDHandler("req_id", "Request-Id"),
		hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
			hlog.FromRequest(r).Info().
				Str("method", r.Method).
				Str("path", r.URL.Path).
				Int("status", status).
				Int("size", size).
				Dur("duration", d).
				Msg("")
		}),
	}
}

func benchOK(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }

func benchMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", benchOK)
	return mux
}

func benchChi(mw ...func(http.Handler) http.Handler) http.Handler {
	r := chi.NewRouter()
	r.Use(mw...)
	r.Get("/orders/{id}", benchOK)
	return r
}

func benchGin(mw ...gin.HandlerFunc) http.Handler {
	r := gin.New()
	r.Use(mw...)
	r.GET("/orders/:id", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return r
}

func benchEcho(mw ...echo.MiddlewareFunc) http.Handler {
	e := echo.New()
	e.Use(mw...)
	e.GET("/orders/:id", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	return e
}

// BenchmarkRequestFlow splits the cost of a request's flow: "flow" is
// package flow alone (Begin and Finish with the same fields, no HTTP),
// "adapter" adds the shared glue (request ID, traceparent, header, the
// writer wrapper, the request context), both without a router.
func BenchmarkRequestFlow(b *testing.B) {
	benchPipeline(b)
	req := httptest.NewRequest(http.MethodGet, "/orders/42", nil)

	b.Run("flow", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, span := flow.Begin(req.Context(), flow.FlowSpec{Name: adapters.FlowName, StartFields: benchStart{}})
			span.Finish(flow.Outcome{EndFields: benchEnd{}})
		}
	})
	b.Run("adapter", func(b *testing.B) {
		cfg := httpflow.NewConfig()
		w := httptest.NewRecorder()
		b.ReportAllocs()
		for b.Loop() {
			q := cfg.Begin(w, req)
			r := req.WithContext(q.Context())
			_, _ = io.WriteString(q.Writer(), "ok")
			q.End(nil, httpflow.Result{Route: r.Pattern})
		}
	})
	_ = logcrest.Flush()
}

type benchStart struct{}

func (benchStart) AddFields(w *flow.FieldWriter) { w.Str("method", "GET").Str("path", "/orders/42") }

type benchEnd struct{}

func (benchEnd) AddFields(w *flow.FieldWriter) {
	w.Int("http_status", 200).Int("bytes", 2).Str("route", "/orders/{id}")
}
