package adapters

// FlowIDHeader is the response header that carries a request's flow ID. It
// is set before the handler runs, so 404s, errors and panics that a
// recovery middleware answers carry it too.
const FlowIDHeader = "X-Flow-ID"

// FlowName names every request's flow: it is the fn of records logged with
// logcrest.Log(ctx) in a handler outside any step, and failed_at when the
// handler itself (not one of its steps) panicked or failed.
const FlowName = "http_request"

// The bounds on the request-derived values a flow records, so that a
// request's records have a bounded size however long its request line is
// (net/http accepts a method or a path up to its 1 MB header limit). A
// longer value is cut at a character boundary and the record says so with a
// marker field. A bound counts the value's bytes; a byte JSON must escape
// takes up to 6 in the record. The header values recorded, the request ID
// and the traceparent's IDs, are never cut: an invalid one (a request ID
// longer than MaxRequestIDLen, say) is ignored whole.
const (
	// MaxMethodLen is the most bytes of the request method a flow_start
	// records; a longer method is cut and flow_start says
	// "method_truncated": true. It leaves room beyond the longest method of
	// the IANA HTTP method registry (UPDATEREDIRECTREF, 17 bytes;
	// BASELINE-CONTROL, 16), so no registered method, nor any plausible
	// extension method, is cut.
	MaxMethodLen = 32
	// MaxPathLen is the most bytes of the URL path a flow_start records; a
	// longer path is cut and flow_start says "path_truncated": true.
	MaxPathLen = 2048
	// MaxRouteLen is the most bytes of the route template a flow_end
	// records; a longer route is cut and flow_end says
	// "route_truncated": true. Routes come from the application's code, not
	// the request, in all four frameworks; the bound only guards against a
	// route set from request data (echo's SetPath, say).
	MaxRouteLen = 2048
)
