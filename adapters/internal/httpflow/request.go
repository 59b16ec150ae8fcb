package httpflow

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"

	"github.com/logcrest/logcrest/adapters/internal/bound"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/schema"
	"github.com/logcrest/logcrest/internal/w3c"
)

// flowIDKey is adapters.FlowIDHeader in canonical form, the key of the
// header map.
const flowIDKey = "X-Flow-Id"

// Request is the flow of one HTTP request, begun by Config.Begin and ended
// by End. Its life, in every adapter:
//
//	q := cfg.Begin(w, r)              // flow_start; X-Flow-ID on w
//	defer func() { q.End(recover(), httpflow.Result{Route: ...}) }()
//	next(q.Writer(), r.WithContext(q.Context()))
//
// The records it writes and the outcome of the flow are the ones package
// adapters documents for its users: flow_start and flow_end with method,
// path, request_id and client_ip (see adapters.WithTrustedProxies),
// flow_end adding http_status, bytes, route, the fields of
// adapters.WithFlowFields and logcrest.SetFlowField; method, path and route bounded
// (adapters.MaxMethodLen, MaxPathLen, MaxRouteLen); a status of 500 or more
// fails the flow with the first failed step's error, the handler's own
// (Result.Err, when the framework gave one) kept beside it as
// returned_error, or with the handler's error when no step failed; a client
// that went away (the request's context cancelled before the handler
// returned) adds "client_gone": true, and a status of 500 or more then,
// with no failed step and no handler error but the cancellation, ends the
// flow "cancelled", not failed: nothing reaches the error stream; a panic
// fails it with http_status 500, the panic value as flow_error, the stack
// and no bytes (the recovery mounted outside the adapter answers after
// flow_end is written), and is raised again; a panic with http.ErrAbortHandler is an
// abort ("aborted": true, no stack, http_status only if a status had gone
// out), raised again too; a hijacked connection adds "hijacked": true;
// everything else succeeds, 4xx included.
//
// When r already belongs to the flow of an outer LogCrest adapter (a gin
// engine mounted under logcresthttp.Middleware, say), Begin starts nothing:
// the Request joins the outer one, reports its route to it, and writes no
// record; the outer adapter's flow_end covers the request once.
type Request struct {
	ctx   requestContext
	rw    ResponseWriter
	span  *flow.Span
	outer *Request // the request flow this one joined, or nil

	// flow_start, and again on flow_end
	method, path, requestID string
	methodCut, pathCut      bool
	clientIP                string // a substring of RemoteAddr or X-Forwarded-For
	traceFlags              string // of an adopted traceparent: 2 lowercase hex digits, else ""

	// flow_end
	route             string
	status            int
	bytes             int64
	aborted, hijacked bool
	clientGone        bool // the request's context was cancelled before the handler returned
	panicked          bool // bytes unknown: the recovery answers after flow_end
	ended             bool
	rpc               *RPC // what an RPC interceptor inside reported (SetRPC), or nil

	flowIDValue [1]string // backs the X-Flow-ID header value

	frame flow.Frame // the flow's span: one allocation for the Request and its flow
}

// startFields and endFields are a Request seen as the fields it adds to
// flow_start and flow_end (flow.Fields). Converting a *Request to them, and
// them to an interface, allocates nothing.
type (
	startFields Request
	endFields   Request
)

// AddFields adds the request's fields to flow_start.
func (f *startFields) AddFields(w *flow.FieldWriter) { (*Request)(f).startFields(w) }

// AddFields adds the response's fields to flow_end.
func (f *endFields) AddFields(w *flow.FieldWriter) { (*Request)(f).endFields(w) }

// requestKey is the context key under which a request's context answers
// its *Request.
type requestKey struct{}

// requestContext is the context of a request's handler: the flow's context
// plus the Request, in one allocation with it.
type requestContext struct {
	context.Context
	q *Request
}

// Value returns the Request for requestKey and defers every other key to
// the flow's context.
func (c *requestContext) Value(key any) any {
	if key == (requestKey{}) {
		return c.q
	}
	return c.Context.Value(key)
}

// String names the context for fmt, like the standard library's contexts.
func (c *requestContext) String() string { return "adapters.Request(" + c.q.span.FlowID() + ")" }

// FromContext returns the request flow ctx belongs to, begun by any
// LogCrest adapter, or nil when there is none (or ctx is nil).
func FromContext(ctx context.Context) *Request {
	if ctx == nil {
		return nil
	}
	q, _ := ctx.Value(requestKey{}).(*Request)
	return q
}

// Begin starts the flow of request r, whose response goes to w:
//
//   - the flow label is the request ID of the configured header when it is
//     valid (see adapters.ValidRequestID), so the flow ID reads
//     "<request-id>-<hex8>", and a bare "<hex8>" otherwise;
//   - the trace is that of a valid traceparent header (see
//     adapters.ParseTraceparent), else a new one; an adopted trace's flags
//     are recorded as trace_flags;
//   - flow_start is written, and X-Flow-ID is set on w's header map, before
//     Begin returns, so before the handler runs.
//
// The adapter then runs the handler with Writer and Context, and calls End
// from a deferred function. Begin does not consult Skip: adapters ask Skip
// first.
func (c *Config) Begin(w http.ResponseWriter, r *http.Request) *Request {
	parent := r.Context()
	if outer := FromContext(parent); outer != nil {
		q := &Request{outer: outer}
		q.ctx.Context = parent
		q.rw.reset(w)
		return q
	}
	q := new(Request)
	q.rw.reset(w)
	q.method, q.methodCut = bound.Clip(r.Method, adapters.MaxMethodLen)
	if r.URL != nil {
		q.path, q.pathCut = bound.Clip(r.URL.Path, adapters.MaxPathLen)
	}
	q.requestID = c.requestID(r)
	q.clientIP = c.clientIP(r)
	traceID, parentID, flags := traceparent(r)
	q.traceFlags = flags
	ctx, span := flow.BeginIn(&q.frame, parent, flow.FlowSpec{
		Label:        q.requestID,
		Name:         adapters.FlowName,
		TraceID:      traceID,
		ParentSpanID: parentID,
		StartFields:  (*startFields)(q),
		Pipeline:     c.pipe,
	}, c.flowOpts...)
	q.span = span
	q.ctx = requestContext{Context: ctx, q: q}
	if h := w.Header(); h != nil {
		q.flowIDValue[0] = span.FlowID()
		h[flowIDKey] = q.flowIDValue[:] // its own array: no allocation
	}
	if c.opts.FlowFields != nil {
		c.addFlowFields(ctx, r)
	}
	return q
}

// addFlowFields sets the fields adapters.WithFlowFields derives from r on the flow
// in ctx; a field refused (see flow.SetField) is left out.
func (c *Config) addFlowFields(ctx context.Context, r *http.Request) {
	kv := c.opts.FlowFields(r)
	for i := 0; i+1 < len(kv); i += 2 {
		if key, ok := kv[i].(string); ok {
			_ = flow.SetField(ctx, key, kv[i+1])
		}
	}
}

// startFields adds the request's fields to flow_start.
func (q *Request) startFields(w *flow.FieldWriter) { q.requestFields(w) }

// requestFields adds what identifies the request: method, path,
// request_id, client_ip and, when the trace came from a traceparent
// header, its trace_flags ("01": the caller sampled it), on flow_start and
// again on flow_end, so that flow_end answers "what was this request" alone.
func (q *Request) requestFields(w *flow.FieldWriter) {
	w.Str(schema.KeyMethod, q.method)
	if q.methodCut {
		w.Bool(schema.KeyMethodTruncated, true)
	}
	w.Str(schema.KeyPath, q.path)
	if q.pathCut {
		w.Bool(schema.KeyPathTruncated, true)
	}
	if q.requestID != "" {
		w.Str(schema.KeyRequestID, q.requestID)
	}
	if q.clientIP != "" {
		w.Str(schema.KeyClientIP, q.clientIP)
	}
	if q.traceFlags != "" {
		w.Str(schema.KeyTraceFlags, q.traceFlags)
	}
}

// endFields adds the request's and the response's fields to flow_end.
func (q *Request) endFields(w *flow.FieldWriter) {
	q.requestFields(w)
	if q.status != 0 {
		w.Int(schema.KeyHTTPStatus, int64(q.status))
	}
	if !q.panicked {
		w.Int(schema.KeyBytes, q.bytes)
	}
	if q.route != "" {
		route, cut := bound.Clip(q.route, adapters.MaxRouteLen)
		w.Str(schema.KeyRoute, route)
		if cut {
			w.Bool(schema.KeyRouteTruncated, true)
		}
	}
	if q.aborted {
		w.Bool(schema.KeyAborted, true)
	}
	if q.hijacked {
		w.Bool(schema.KeyHijacked, true)
	}
	if q.clientGone {
		w.Bool(schema.KeyClientGone, true)
	}
	if q.rpc != nil {
		q.rpc.AddFields(w)
	}
}

// RPC is what an RPC interceptor running inside the request (a Connect
// handler mounted under a LogCrest HTTP middleware) knows of the call it
// served: its fields, written on the request's flow_end, and its outcome,
// which decides the flow's instead of the HTTP status (the gRPC and
// gRPC-Web protocols answer 200 with the status in the trailers).
type RPC struct {
	// Fields adds the call's fields (service, method, code...) to flow_end.
	Fields flow.Fields
	// Failed, Cancelled and Err are the call's outcome, as in flow.Outcome.
	Failed, Cancelled bool
	Err               error
}

// AddFields adds the call's fields.
func (r *RPC) AddFields(w *flow.FieldWriter) {
	if r.Fields != nil {
		r.Fields.AddFields(w)
	}
}

// SetRPC records the outcome of an RPC served inside the request (see
// RPC); the last one set wins. Call it from the handler's goroutine, before
// End.
func (q *Request) SetRPC(r *RPC) {
	if q.outer != nil {
		q = q.outer
	}
	q.rpc = r
}

// Context returns the context for the handler: the flow's (its span, so
// logcrest.Log, steps and FromContext work from it), descending from the
// request's own context.
func (q *Request) Context() context.Context {
	if q.outer != nil {
		return q.ctx.Context
	}
	return &q.ctx
}

// Writer returns the writer for the handler: the shared ResponseWriter
// wrapping the w given to Begin (or w itself for a Request that joined an
// outer flow, whose adapter already wraps the response).
func (q *Request) Writer() http.ResponseWriter {
	if q.outer != nil {
		return q.rw.w
	}
	return &q.rw
}

// Span returns the flow's span (the outer flow's, for a Request that joined
// one).
func (q *Request) Span() *flow.Span {
	if q.outer != nil {
		return q.outer.span
	}
	return q.span
}

// FlowID returns the flow ID, the value of the X-Flow-ID header.
func (q *Request) FlowID() string { return q.Span().FlowID() }

// SetRoute records route as the request's route template, for code that
// knows it better than the adapter that began the flow (an inner adapter
// does it for an outer one). The first non-empty route set wins over the
// one End is given. Call it from the handler's goroutine, before End.
func (q *Request) SetRoute(route string) {
	if q.outer != nil {
		q = q.outer
	}
	if q.route == "" {
		q.route = route
	}
}

// Result is what an adapter knows once the handler has returned or
// panicked.
type Result struct {
	// Route is the framework's template of the matched route
	// ("/orders/{id}", "/orders/:id"), "" when no route matched.
	Route string
	// Err is the handler's error, for frameworks that have one (echo's
	// returned error, gin's c.Errors): when the status is 500 or more,
	// flow_error if no step failed, else returned_error. It does not decide
	// the outcome; the status does (and a client that went away, see
	// Request).
	Err error
	// Status is the final status, for an adapter that reads it from the
	// framework's own writer rather than Writer; 0 means "take it from
	// Writer" (the implicit 200 when nothing was written).
	Status int
	// Bytes is the body size, with Status.
	Bytes int64
	// Written, with Status, says whether the status had gone out to the
	// client (it matters only for an abort).
	Written bool
}

// End ends the request's flow and writes flow_end, then raises recovered
// again if it is not nil. Call it from a function deferred right after
// Begin, passing recover() — recover only works in the deferred function
// itself:
//
//	defer func() { q.End(recover(), httpflow.Result{Route: route(r)}) }()
//
// The status, bytes and outcome follow the rules of Request. Only the first
// End of a Request writes anything; a later one only raises recovered.
func (q *Request) End(recovered any, res Result) {
	if q.ended {
		if recovered != nil {
			panic(recovered)
		}
		return
	}
	q.ended = true
	if q.outer != nil {
		if res.Route != "" {
			q.outer.SetRoute(res.Route)
		}
		if recovered != nil {
			panic(recovered)
		}
		return
	}
	if q.route == "" {
		q.route = res.Route
	}
	written := res.Written
	if res.Status != 0 {
		q.status, q.bytes = res.Status, res.Bytes
	} else {
		written = q.rw.wroteHeader
		q.status, q.bytes, q.hijacked = q.rw.status, q.rw.bytes, q.rw.hijacked
		if !written && !q.hijacked {
			q.status = http.StatusOK // what net/http sends for a handler that wrote nothing
		}
	}
	// net/http cancels the request's context when the client closes the
	// connection (or resets its HTTP/2 stream) while the handler runs.
	q.clientGone = errors.Is(q.ctx.Context.Err(), context.Canceled)
	o := flow.Outcome{EndFields: (*endFields)(q), Route: q.route}
	switch {
	case recovered == nil && q.rpc != nil:
		// The RPC's own status decides: a gRPC-protocol failure is
		// answered with HTTP 200.
		o.Failed, o.Cancelled, o.Err = q.rpc.Failed, q.rpc.Cancelled, q.rpc.Err
	case recovered == nil:
		if q.status >= http.StatusInternalServerError {
			// A 5xx answered to a client that left, for no reason but its
			// leaving, is the cancellation, not a server failure; a step
			// that failed still fails the flow (see flow.Outcome).
			if q.clientGone && (res.Err == nil || errors.Is(res.Err, context.Canceled)) {
				o.Cancelled, o.Err = true, res.Err
			} else {
				o.Failed, o.Err = true, res.Err
			}
		}
	case isAbort(recovered):
		q.aborted = true
		o.Failed = true
		o.Err, _ = recovered.(error)
		if !written {
			q.status = 0
		}
	default:
		q.status, q.panicked = http.StatusInternalServerError, true
		o.Panic, o.Stack = recovered, debug.Stack()
	}
	q.span.Finish(o)
	if recovered != nil {
		panic(recovered)
	}
}

// isAbort reports whether a panic value is http.ErrAbortHandler (or wraps
// it).
func isAbort(v any) bool {
	err, ok := v.(error)
	return ok && errors.Is(err, http.ErrAbortHandler)
}

// Handler returns next wrapped in a request flow for each request, as
// net/http-style middleware (a func(http.Handler) http.Handler) does:
// Skip first, then Begin, next with Writer and the request carrying
// Context, and End. route is called once the handler has returned or
// panicked, with the request next was given (the very *http.Request, so a
// field a router sets on it, such as net/http's Pattern, is visible), and
// returns the matched route template or "". It is the whole of
// logcresthttp and logcrestchi but for route.
func (c *Config) Handler(next http.Handler, route func(*http.Request) string) http.Handler {
	return &handler{cfg: c, next: next, route: route}
}

type handler struct {
	cfg   *Config
	next  http.Handler
	route func(*http.Request) string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Skip(r) {
		h.next.ServeHTTP(w, r)
		return
	}
	q := h.cfg.Begin(w, r)
	if ctx := q.Context(); ctx != r.Context() {
		r = r.WithContext(ctx)
	}
	defer func() { q.End(recover(), Result{Route: h.route(r)}) }()
	h.next.ServeHTTP(q.Writer(), r)
}

// requestID returns the request ID r carries in the configured header, or
// "" when it carries none, more than one, or an invalid one.
func (c *Config) requestID(r *http.Request) string {
	v := r.Header[c.ridHeader]
	if len(v) != 1 || !adapters.ValidRequestID(v[0]) {
		return ""
	}
	return v[0]
}

// traceparent returns the trace ID, parent ID and trace flags of the one
// valid traceparent header of r, or "" for all three. Two or more
// traceparent headers make the trace context ambiguous: they are all
// ignored.
func traceparent(r *http.Request) (traceID, parentID, flags string) {
	v := r.Header[adapters.TraceparentHeader]
	if len(v) != 1 {
		return "", "", ""
	}
	traceID, parentID, flags, ok := w3c.Parse(v[0])
	if !ok {
		return "", "", ""
	}
	return traceID, parentID, flags
}
