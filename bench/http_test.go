package bench_test

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// Scenario 3: the per-request cost of request logging and tracing, in
// process (httptest.NewRecorder and ServeHTTP, no network), for each router:
// one route, GET /orders/{id}, answering 200 with a small JSON body.
//
//	Bare        the router alone: what every other row is measured against
//	LogCrest    the LogCrest adapter (logcresthttp, logcrestchi, logcrestgin,
//	            logcrestecho): a flow per request, flow_start and flow_end
//	            through the whole pipeline into files (console off)
//	Hlog        zerolog's hlog chain around the router: NewHandler,
//	            RequestIDHandler, AccessHandler logging one access record, to
//	            io.Discard; the reference for "added" cost
//	HlogFile    the same chain, its records written to a file (an *os.File,
//	            synchronously, as a zerolog logger writes): the peer that,
//	            like LogCrest, actually keeps its records
//	ChiLogger   chi's middleware.Logger (its RequestLogger with the default
//	            formatter), output to io.Discard
//	GinLogger   gin's Logger(), output to io.Discard
//	EchoRequestLogger  echo's RequestLoggerWithConfig whose LogValuesFunc
//	            writes one zerolog record to io.Discard
//	OTelHTTP    otelhttp around the router, SDK tracer with a batch
//	            processor and a discarding exporter
//	OTelGin     otelgin middleware, same tracer
//
// Peer loggers write to io.Discard (but HlogFile); LogCrest writes real
// files.

const (
	orderPath = "/orders/42"
	orderBody = `{"id":"42","status":"paid"}`
)

// serveLoop times one request after another through h. Before timing, one
// request checks that the setup answers the route.
func serveLoop(b *testing.B, h http.Handler) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, orderPath, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Body.String() != orderBody {
		b.Fatalf("setup answers %d %q, want 200 %q", w.Code, w.Body.String(), orderBody)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	b.StopTimer()
}

// hlogChain is the chain of zerolog's README: a logger in the request
// context, a request ID, and one access record per request.
func hlogChain(next http.Handler) http.Handler { return hlogChainTo(io.Discard, next) }

// hlogFileChain is hlogChain writing to a file in a temporary folder.
func hlogFileChain(b *testing.B, next http.Handler) http.Handler {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "access.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Close() })
	return hlogChainTo(f, next)
}

// hlogChainTo is hlogChain with its logger writing to w.
func hlogChainTo(w io.Writer, next http.Handler) http.Handler {
	l := zerolog.New(w).With().Timestamp().Str("logger", loggerName).Logger()
	h := hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		hlog.FromRequest(r).Info().
			Str("method", r.Method).
			Stringer("url", r.URL).
			Int("status", status).
			Int("size", size).
			Dur("duration", d).
			Msg("")
	})(next)
	h = hlog.RequestIDHandler("req_id", "Request-Id")(h)
	return hlog.NewHandler(l)(h)
}

func orderHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, orderBody)
}

func BenchmarkHTTP(b *testing.B) {
	b.Run("NetHTTP", func(b *testing.B) {
		mux := func() *http.ServeMux {
			m := http.NewServeMux()
			m.HandleFunc("GET /orders/{id}", orderHandler)
			return m
		}
		b.Run("Bare", func(b *testing.B) { serveLoop(b, mux()) })
		b.Run("LogCrest", func(b *testing.B) {
			useLogCrest(b)
			serveLoop(b, logcresthttp.Middleware()(mux()))
		})
		b.Run("Hlog", func(b *testing.B) { serveLoop(b, hlogChain(mux())) })
		b.Run("HlogFile", func(b *testing.B) { serveLoop(b, hlogFileChain(b, mux())) })
		b.Run("OTelHTTP", func(b *testing.B) {
			serveLoop(b, otelhttp.NewHandler(mux(), "orders", otelhttp.WithTracerProvider(tracerProvider(b))))
		})
	})

	b.Run("Chi", func(b *testing.B) {
		router := func(mw ...func(http.Handler) http.Handler) chi.Router {
			r := chi.NewRouter()
			r.Use(mw...)
			r.Get("/orders/{id}", orderHandler)
			return r
		}
		b.Run("Bare", func(b *testing.B) { serveLoop(b, router()) })
		b.Run("LogCrest", func(b *testing.B) {
			useLogCrest(b)
			serveLoop(b, router(logcrestchi.Middleware()))
		})
		b.Run("Hlog", func(b *testing.B) { serveLoop(b, hlogChain(router())) })
		b.Run("HlogFile", func(b *testing.B) { serveLoop(b, hlogFileChain(b, router())) })
		b.Run("ChiLogger", func(b *testing.B) {
			logger := chimw.RequestLogger(&chimw.DefaultLogFormatter{Logger: log.New(io.Discard, "", log.LstdFlags), NoColor: true})
			serveLoop(b, router(logger))
		})
		b.Run("OTelHTTP", func(b *testing.B) {
			serveLoop(b, router(otelhttp.NewMiddleware("orders", otelhttp.WithTracerProvider(tracerProvider(b)))))
		})
	})

	b.Run("Gin", func(b *testing.B) {
		engine := func(mw ...gin.HandlerFunc) *gin.Engine {
			e := gin.New()
			e.Use(mw...)
			e.GET("/orders/:id", func(c *gin.Context) {
				c.Data(http.StatusOK, "application/json", []byte(orderBody))
			})
			return e
		}
		b.Run("Bare", func(b *testing.B) { serveLoop(b, engine()) })
		b.Run("LogCrest", func(b *testing.B) {
			useLogCrest(b)
			serveLoop(b, engine(logcrestgin.Middleware()))
		})
		b.Run("Hlog", func(b *testing.B) { serveLoop(b, hlogChain(engine())) })
		b.Run("HlogFile", func(b *testing.B) { serveLoop(b, hlogFileChain(b, engine())) })
		b.Run("GinLogger", func(b *testing.B) { serveLoop(b, engine(gin.LoggerWithWriter(io.Discard))) })
		b.Run("OTelGin", func(b *testing.B) {
			serveLoop(b, engine(otelgin.Middleware("orders", otelgin.WithTracerProvider(tracerProvider(b)))))
		})
	})

	b.Run("Echo", func(b *testing.B) {
		server := func(mw ...echo.MiddlewareFunc) *echo.Echo {
			e := echo.New()
			e.Use(mw...)
			e.GET("/orders/:id", func(c echo.Context) error {
				return c.Blob(http.StatusOK, "application/json", []byte(orderBody))
			})
			return e
		}
		b.Run("Bare", func(b *testing.B) { serveLoop(b, server()) })
		b.Run("LogCrest", func(b *testing.B) {
			useLogCrest(b)
			serveLoop(b, server(logcrestecho.Middleware()))
		})
		b.Run("Hlog", func(b *testing.B) { serveLoop(b, hlogChain(server())) })
		b.Run("HlogFile", func(b *testing.B) { serveLoop(b, hlogFileChain(b, server())) })
		b.Run("EchoRequestLogger", func(b *testing.B) {
			l := zerolog.New(io.Discard).With().Timestamp().Str("logger", loggerName).Logger()
			serveLoop(b, server(echomw.RequestLoggerWithConfig(echomw.RequestLoggerConfig{
				LogMethod:  true,
				LogURI:     true,
				LogStatus:  true,
				LogLatency: true,
				LogValuesFunc: func(_ echo.Context, v echomw.RequestLoggerValues) error {
					l.Info().
						Str("method", v.Method).
						Str("uri", v.URI).
						Int("status", v.Status).
						Dur("latency", v.Latency).
						Msg("request")
					return nil
				},
			})))
		})
		b.Run("OTelHTTP", func(b *testing.B) {
			serveLoop(b, otelhttp.NewHandler(server(), "orders", otelhttp.WithTracerProvider(tracerProvider(b))))
		})
	})
}
