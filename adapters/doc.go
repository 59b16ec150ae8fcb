// Package adapters is what you configure LogCrest's HTTP middleware with:
// the options every adapter takes (WithFlowLevel, WithSkip,
// WithRequestIDHeader, WithPipeline, WithTrustedProxies, WithFlowFields),
// the names of the headers it reads and sets (FlowIDHeader,
// DefaultRequestIDHeader, TraceparentHeader), the bounds on what a request
// can put in a record (MaxMethodLen, MaxPathLen, MaxRouteLen,
// MaxRequestIDLen), and the header checks it applies (ValidRequestID,
// ParseTraceparent). The middleware itself is in the framework packages,
// one per framework, each taking these options:
//
//	logcresthttp  github.com/logcrest/logcrest/adapters/nethttp  net/http, ServeMux patterns
//	logcrestchi   github.com/logcrest/logcrest/adapters/chi      chi v5
//	logcrestgin   github.com/logcrest/logcrest/adapters/gin      gin
//	logcrestecho  github.com/logcrest/logcrest/adapters/echo     echo v4
//
// For example:
//
//	r.Use(logcrestchi.Middleware(
//		adapters.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" }),
//		adapters.WithRequestIDHeader("X-Correlation-ID"),
//	))
//
// Each request becomes a flow named FlowName: flow_start when it arrives,
// flow_end when the handler is done, both in the flows file, and an X-Flow-ID response
// header set before the handler runs, so 404s, errors and panics that a
// recovery middleware answers carry it too. The flow ID is the request ID
// of the configured header when it is valid, "<request-id>-<hex8>", and a
// bare "<hex8>" otherwise; the trace is that of a valid traceparent header,
// else a new one. A request ID or traceparent header sent twice is ignored.
//
// Records: flow_start has method, path (the URL path: never the query
// string), request_id (when a valid one came in) and client_ip (see
// WithTrustedProxies); flow_end has them too, so it stands alone, plus
// http_status, bytes and route (when a route matched), the fields of
// WithFlowFields and logcrest.SetFlowField, and the flow's outcome. Method, path
// and route are bounded (MaxMethodLen, MaxPathLen, MaxRouteLen; a cut one
// is marked method_truncated, path_truncated, route_truncated). The
// outcome:
//
//   - a status of 500 or more fails the flow. When a step failed, failed_at
//     and flow_error are that step's, and the handler's own error, if the
//     framework gave one (echo's returned error, gin's c.Errors) and it is
//     another, is kept as returned_error; when none did, flow_error is the
//     handler's error. Either way one record reaches the error stream: the
//     step's "step failed", or else the flow's "flow failed";
//   - a client that went away (net/http cancels the request's context when
//     the connection closes) adds "client_gone": true to flow_end and is not
//     a server failure: the outcome is the handler's, a 2xx-4xx succeeds,
//     and a status of 500 or more answered only because of the cancellation
//     (no step failed, and the handler's error, if any, is
//     context.Canceled) ends the flow "cancelled", at info level, with
//     nothing in the error stream. A deadline that passed is a timeout and
//     fails as any error does;
//   - a panic fails it with http_status 500, the panic value as flow_error
//     and the stack, and no bytes, and is raised again for the framework's
//     recovery: flow_end is written as the panic passes through the
//     adapter, before the recovery middleware mounted outside it (echo's
//     Recover, gin.Recovery, chi's Recoverer) sends its response, so the
//     size of the body the client gets is not known then; rather than a
//     false count, bytes is left out;
//   - a panic with http.ErrAbortHandler (the handler giving up on the
//     response, as httputil.ReverseProxy does) is an abort, not a crash: the
//     flow fails with "aborted": true and flow_error
//     "error: net/http: abort Handler", no stack, http_status only if a
//     status had gone out; it is raised again so net/http drops the
//     connection silently;
//   - everything else succeeds, 4xx included, with its http_status.
//
// A hijacked connection adds "hijacked": true, and http_status only if one
// was written before the hijack. Adapters nest: a request that already
// belongs to the flow of an outer LogCrest middleware (a gin engine mounted
// under logcresthttp.Middleware, say) starts no second flow; the inner
// adapter reports its route to the outer one.
//
// Package adapters imports no web framework; only the framework packages
// do. Options are values given to each middleware: nothing here is a
// package-level setting.
package adapters
