package adapters_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// quietEntry is a chi LogEntry that prints nothing, so that chi's
// Recoverer hands it the panic instead of printing the stack to stderr.
type quietEntry struct{}

func (quietEntry) Write(int, int, http.Header, time.Duration, any) {}
func (quietEntry) Panic(any, []byte)                               {}

// recoveredServers are each framework's own recovery middleware, mounted
// outside LogCrest (given opts) as the adapters' docs say, around a /boom
// that panics and an /ok that writes "ok".
var recoveredServers = []struct {
	name  string
	route string // the route of /boom
	build func(opts ...adapters.Option) http.Handler
}{
	{"echo Recover", "/boom", func(opts ...adapters.Option) http.Handler {
		e := echo.New()
		e.Logger.SetOutput(io.Discard)
		e.Use(echomw.Recover()) // answers {"message":"Internal Server Error"}
		logcrestecho.Instrument(e, opts...)
		e.GET("/boom", func(echo.Context) error { panic("boom") })
		e.GET("/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
		return e
	}},
	{"gin Recovery", "/boom", func(opts ...adapters.Option) http.Handler {
		r := gin.New()
		r.Use(gin.RecoveryWithWriter(io.Discard)) // answers an empty 500
		logcrestgin.Instrument(r, opts...)
		r.GET("/boom", func(*gin.Context) { panic("boom") })
		r.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
		return r
	}},
	{"gin CustomRecovery", "/boom", func(opts ...adapters.Option) http.Handler {
		r := gin.New()
		r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) {
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal"})
		}))
		logcrestgin.Instrument(r, opts...)
		r.GET("/boom", func(*gin.Context) { panic("boom") })
		r.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
		return r
	}},
	{"chi Recoverer", "/boom", func(opts ...adapters.Option) http.Handler {
		r := chi.NewRouter()
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(w, chimw.WithLogEntry(r, quietEntry{}))
			})
		})
		r.Use(chimw.Recoverer) // answers an empty 500
		r.Use(logcrestchi.Middleware(opts...))
		r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
		r.Get("/ok", ok)
		return r
	}},
	{"net/http recovery writing a body", "/boom", func(opts ...adapters.Option) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
		mux.HandleFunc("GET /ok", ok)
		h := logcresthttp.Handler(mux, opts...)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
			}()
			h.ServeHTTP(w, r)
		})
	}},
}

// TestRecoveredPanicRecordsNoBytes reproduces a panic answered by the
// framework's recovery mounted outside LogCrest: echo's Recover sends
// {"message":"Internal Server Error"}, yet flow_end said "bytes": 0,
// because it is written as the panic passes through the adapter, before
// the recovery writes anything. With every framework's recoverer, the
// client gets a 500 and flow_end records http_status 500, the panic and its
// stack, and no bytes rather than a false count; a request that does not
// panic, on the same server, records the bytes the client read.
func TestRecoveredPanicRecordsNoBytes(t *testing.T) {
	t.Parallel()
	for _, s := range recoveredServers {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			c := start(t)
			srv := httptest.NewServer(s.build(c.Option()))
			srv.Config.ErrorLog = discardLog()
			tr := &http.Transport{DisableKeepAlives: true}
			client := &http.Client{Transport: tr}
			t.Cleanup(tr.CloseIdleConnections)

			get := func(path string) (status int, body, flowID string) {
				t.Helper()
				resp, err := client.Get(srv.URL + path)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				return resp.StatusCode, string(b), resp.Header.Get(adapters.FlowIDHeader)
			}
			boomStatus, boomBody, boomID := get("/boom")
			okStatus, okBody, okID := get("/ok")
			srv.Close()
			o := c.Finish(t)

			if boomStatus != http.StatusInternalServerError || okStatus != http.StatusOK || okBody != "ok" {
				t.Fatalf("/boom %d %q, /ok %d %q", boomStatus, boomBody, okStatus, okBody)
			}
			if s.name == "echo Recover" && boomBody != "{\"message\":\"Internal Server Error\"}\n" {
				t.Errorf("echo's Recover sent %q", boomBody)
			}
			_, fe := flowPair(t, o, boomID)
			wantFields(t, fe, map[string]any{
				"flow_status": "failed", "http_status": 500.0, "route": s.route,
				"flow_error": "panic: boom", "failed_at": adapters.FlowName, "level": "error",
			})
			wantAbsent(t, fe, "bytes", "aborted")
			if stack, _ := fe["stack"].(string); stack == "" {
				t.Error("no stack")
			}
			_, fe = flowPair(t, o, okID)
			wantFields(t, fe, map[string]any{
				"flow_status": "success", "http_status": 200.0, "route": "/ok", "bytes": float64(len(okBody)),
			})
		})
	}
}
