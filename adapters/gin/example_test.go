package logcrestgin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/logcrest/logcrest"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

func ExampleMiddleware() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil))

	r := gin.New()
	r.Use(gin.Recovery(), logcrestgin.Middleware())
	r.GET("/orders/:id", func(c *gin.Context) {
		// The *gin.Context itself carries the request's flow.
		logcrest.Log(c).Info().Str("order", c.Param("id")).Msg("loading order")
		if err := logcrest.Run(c, "load_order", func(ctx context.Context) error { return nil }); err != nil {
			_ = c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.String(http.StatusOK, "order "+c.Param("id"))
	})

	// In a program: r.Run(":8080").
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/orders/42", nil))

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

	r := logcrestgin.Instrument(gin.New()) // before the routes
	r.GET("/orders/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/orders/42", nil))

	_ = logcrest.Close()
	fmt.Println(logtest.Summary(logtest.FlowEnd(dir)))
	// Output:
	// route=/orders/:id http_status=204 flow_status=success timeline=[]
}
