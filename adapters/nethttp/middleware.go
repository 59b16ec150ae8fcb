// Package logcresthttp makes every request of a plain net/http server a
// LogCrest flow. It imports nothing outside the standard library and
// LogCrest.
//
// Middleware (or Handler, the same thing in one call) wraps a handler —
// normally the whole *http.ServeMux — and for each request: sets the
// X-Flow-ID response header before the handler runs, writes flow_start
// (method, path, request_id) and flow_end (http_status, bytes, route,
// timeline) to the flows file, and hands the handler a request whose
// context carries the flow, so logcrest.Log(r.Context()) and logcrest.Run
// steps join it. See package adapters for every field and rule.
//
// Mount it outermost, around the mux:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /orders/{id}", getOrder)
//	http.ListenAndServe(":8080", logcresthttp.Handler(mux))
//
// The route is the pattern the ServeMux matched (Request.Pattern, Go 1.22+)
// without its method: "GET /orders/{id}" is recorded as "/orders/{id}". The
// mux sets Pattern on the *http.Request it is given, which this middleware
// reads back once the handler returned; a middleware between the two that
// replaces the request (r.WithContext) hides it. Then wrap the route
// handlers too — mux.Handle("GET /orders/{id}", logcresthttp.Handler(h)) —
// and they report their pattern to the flow the outer middleware began,
// without starting one of their own.
package logcresthttp

import (
	"net/http"
	"strings"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
)

// Middleware returns net/http middleware that makes each request a flow,
// configured by opts (adapters.WithFlowLevel, adapters.WithSkip,
// adapters.WithRequestIDHeader). Each call builds an independent
// instance.
func Middleware(opts ...adapters.Option) func(http.Handler) http.Handler {
	cfg := httpflow.NewConfig(opts...)
	return func(next http.Handler) http.Handler { return cfg.Handler(next, route) }
}

// Handler returns h wrapped so that each request is a flow; it is
// Middleware(opts...)(h). Inside a request that is already a flow (an
// outer LogCrest middleware), it starts none and reports its route to that
// flow.
func Handler(h http.Handler, opts ...adapters.Option) http.Handler {
	return httpflow.NewConfig(opts...).Handler(h, route)
}

// route is the path part of the ServeMux pattern that matched r, "" when
// none did. A pattern is "[METHOD ][HOST]/PATH"; the method is recorded in
// flow_start already.
func route(r *http.Request) string {
	p := r.Pattern
	if i := strings.IndexAny(p, " \t"); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " \t")
	}
	return p
}
