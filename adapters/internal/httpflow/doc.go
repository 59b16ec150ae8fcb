// Package httpflow is the request machinery the four HTTP adapters of
// LogCrest share (logcresthttp, logcrestchi, logcrestgin, logcrestecho):
// Config, an adapter instance resolved once from the adapters.Option values
// a middleware is given; Request, the flow of one HTTP request from Begin
// (flow_start, the X-Flow-ID header) to End (flow_end, the outcome);
// ResponseWriter, the one http.ResponseWriter wrapper that records the
// status and the bytes; and the client_ip rules of
// adapters.WithTrustedProxies.
//
// It is for the adapters only, which is why it is internal: users configure
// a middleware with package adapters (its options, constants and header
// validation) and mount one of the framework packages; what the records
// hold is documented there. A framework adapter is glue over this package:
//
//	cfg := httpflow.NewConfig(opts...)  // once per middleware
//	if cfg.Skip(r) { next(w, r); return }
//	q := cfg.Begin(w, r)                // flow_start; X-Flow-ID on w
//	defer func() { q.End(recover(), httpflow.Result{Route: route(r)}) }()
//	next(q.Writer(), r.WithContext(q.Context()))
//
// or, for net/http-style middleware, cfg.Handler(next, route).
//
// Package httpflow imports package adapters, never the reverse, and no web
// framework.
package httpflow
