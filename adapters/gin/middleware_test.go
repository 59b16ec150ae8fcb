package logcrestgin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	lt "github.com/logcrest/logcrest/adapters/internal/logtest"
)

// TestContextCarriesTheFlow: the *gin.Context itself, its request's
// context and its copy all reach the request's flow, whether gin's
// ContextWithFallback is off (its default) or on.
func TestContextCarriesTheFlow(t *testing.T) {
	t.Parallel()
	for _, fallback := range []bool{false, true} {
		c := lt.Start(t)
		r := gin.New()
		r.ContextWithFallback = fallback
		logcrestgin.Instrument(r, c.Option())
		var ids [3]string
		r.GET("/orders/:id", func(c *gin.Context) {
			ids = [3]string{logcrest.FlowID(c), logcrest.FlowID(c.Request.Context()), logcrest.FlowID(c.Copy())}
			logcrest.Log(c).Info().Msg("in the handler")
			_ = logcrest.Run(c, "on_the_context", func(ctx context.Context) error {
				logcrest.Log(ctx).Info().Msg("in a step")
				return nil
			})
			var wg sync.WaitGroup
			wg.Add(1)
			go func(cp *gin.Context) {
				defer wg.Done()
				_ = logcrest.Run(cp, "on_a_copy", func(context.Context) error { return nil })
			}(c.Copy())
			wg.Wait()
			c.String(http.StatusOK, "ok")
		})
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/orders/1", nil))
		o := c.Finish(t)

		id := w.Header().Get(adapters.FlowIDHeader)
		if ids != [3]string{id, id, id} {
			t.Errorf("fallback %v: flow IDs seen in the handler %q, header %q", fallback, ids, id)
		}
		fs, fe := lt.FlowPair(t, o, id)
		fns, _ := lt.Timeline(t, fe)
		if !slices.Equal(fns, []string{"on_the_context", "on_a_copy"}) {
			t.Errorf("fallback %v: timeline %v", fallback, fns)
		}
		for _, msg := range []string{"in the handler", "in a step"} {
			rec := lt.One(t, o.Success, map[string]any{"message": msg})
			lt.WantFields(t, rec, map[string]any{"flow_id": id, "trace_id": fs["trace_id"]})
		}
	}
}

// TestErrors: the status decides the outcome; the last of c.Errors is the
// flow_error of a failed request.
func TestErrors(t *testing.T) {
	t.Parallel()
	c := lt.Start(t)
	r := logcrestgin.Instrument(gin.New(), c.Option())
	r.GET("/two-errors", func(c *gin.Context) {
		_ = c.Error(errors.New("first"))
		_ = c.AbortWithError(http.StatusBadGateway, &UpstreamError{"upstream refused"})
	})
	r.GET("/error-but-ok", func(c *gin.Context) {
		_ = c.Error(errors.New("noted"))
		c.String(http.StatusOK, "fine")
	})
	r.GET("/bad-request", func(c *gin.Context) {
		_ = c.AbortWithError(http.StatusBadRequest, errors.New("bad input"))
	})
	var ids []string
	for _, path := range []string{"/two-errors", "/error-but-ok", "/bad-request", "/none"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		ids = append(ids, w.Header().Get(adapters.FlowIDHeader))
	}
	o := c.Finish(t)

	_, fe := lt.FlowPair(t, o, ids[0])
	lt.WantFields(t, fe, map[string]any{"flow_status": "failed", "http_status": 502.0, "flow_error": "UpstreamError: upstream refused"})
	for i, status := range []float64{200, 400, 404} {
		_, fe = lt.FlowPair(t, o, ids[i+1])
		lt.WantFields(t, fe, map[string]any{"flow_status": "success", "http_status": status})
		lt.WantAbsent(t, fe, "flow_error")
	}
	lt.WantAbsent(t, fe, "route") // the 404
}

// UpstreamError is an exported error type, so flow_error names it.
type UpstreamError struct{ msg string }

func (e *UpstreamError) Error() string { return e.msg }

func TestSkip(t *testing.T) {
	t.Parallel()
	c := lt.Start(t)
	r := logcrestgin.Instrument(gin.New(), c.Option(), adapters.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" }))
	r.GET("/healthz", func(c *gin.Context) {
		if logcrest.FlowID(c) != "" {
			t.Error("a skipped request has a flow")
		}
		c.String(http.StatusOK, "ok")
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	o := c.Finish(t)
	if w.Header().Get(adapters.FlowIDHeader) != "" || len(o.Flows) != 0 {
		t.Errorf("skipped: header %q, %d flow records", w.Header().Get(adapters.FlowIDHeader), len(o.Flows))
	}
}
