// Package logcrestchi makes every request of a chi v5 router a LogCrest
// flow.
//
// For each request the middleware sets the X-Flow-ID response header before
// the handler runs, writes flow_start (method, path, request_id) and
// flow_end (http_status, bytes, route, timeline) to the flows file, and
// hands the handler a request whose context carries the flow, so
// logcrest.Log(r.Context()) and logcrest.Run steps join it. See package
// adapters for every field and rule.
//
// Mount it with Use on the root router, after middleware.Recoverer (so that
// a panic reaches it first, with its stack, and Recoverer still answers
// 500) and before the routes. The flow_end of a panic then has http_status
// 500 and no bytes: Recoverer answers after the flow ended (see
// package adapters):
//
//	r := chi.NewRouter()
//	r.Use(middleware.Recoverer)
//	r.Use(logcrestchi.Middleware())
//	r.Get("/orders/{id}", getOrder)
//
// The route is chi's RoutePattern, read once the handler returned: the
// whole template through mounted sub-routers, "/api/orders/{id}". A 404 at
// the root records no route; one inside a mounted sub-router records the
// mount's pattern ("/api/*"), as chi reports it. Outside a chi router (no
// chi route context) no route is recorded.
package logcrestchi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
)

// Middleware returns chi middleware that makes each request a flow,
// configured by opts (adapters.WithFlowLevel, adapters.WithSkip,
// adapters.WithRequestIDHeader). Each call builds an independent
// instance.
func Middleware(opts ...adapters.Option) func(http.Handler) http.Handler {
	cfg := httpflow.NewConfig(opts...)
	return func(next http.Handler) http.Handler { return cfg.Handler(next, route) }
}

// route is chi's pattern of the route that matched r, "" when none did.
func route(r *http.Request) string {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil || len(rctx.RoutePatterns) == 0 {
		return ""
	}
	return rctx.RoutePattern()
}
