// Package adapters holds what the four HTTP adapters of LogCrest share: the
// request flow (Config.Begin, Request.End), the options (WithLevel,
// WithSkip, WithRequestIDHeader), request-ID validation, traceparent
// parsing and the one ResponseWriter wrapper.
//
// Each request becomes a flow: flow_start when it arrives (method, path,
// request_id), flow_end when the handler is done (http_status, bytes,
// route, the timeline of every step the handler ran), both in the flows
// file, and an X-Flow-ID response header set before the handler runs. The
// framework packages are glue over this one:
//
//	logcresthttp  github.com/logcrest/logcrest/adapters/nethttp  net/http, ServeMux patterns
//	logcrestchi   github.com/logcrest/logcrest/adapters/chi      chi v5
//	logcrestgin   github.com/logcrest/logcrest/adapters/gin      gin
//	logcrestecho  github.com/logcrest/logcrest/adapters/echo     echo v4
//
// Package adapters imports no web framework; only the framework packages
// do. Options are values given to each middleware: nothing here is a
// package-level setting.
package adapters
