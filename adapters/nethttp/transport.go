package logcresthttp

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/logcrest/logcrest/adapters/internal/bound"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/schema"
	"github.com/logcrest/logcrest/internal/w3c"
)

// maxHostLen is the most bytes of the URL host (with its port) an outbound
// step records, in its name and its host field: room for the longest DNS
// name (253 bytes), a port and then some. A longer host is cut at a
// character boundary and the exit record says "host_truncated": true.
const maxHostLen = 300

// Canonical forms of the header keys the transport sets.
var (
	traceparentKey = adapters.TraceparentHeader
	requestIDKey   = http.CanonicalHeaderKey(adapters.DefaultRequestIDHeader)
)

// Transport returns an http.RoundTripper that makes each request sent from
// inside a LogCrest flow or step a step of its own, and carries the trace
// and the flow ID to the service it calls, so that service's LogCrest flow
// joins them. base sends the requests; nil means http.DefaultTransport (as
// it is when Transport is called).
//
//	client := &http.Client{Transport: logcresthttp.Transport(nil)} // once, shared
//	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/stock/A-1", nil)
//	resp, err := client.Do(req) // ctx: a handler's r.Context(), or any step's
//
// For a request whose context carries a step or flow (flow.FromContext),
// RoundTrip:
//
//   - starts a step under it named "http <METHOD> <host>" ("http GET
//     api.example.com", "http POST 10.0.0.7:8443"): the URL host, with its
//     port when the URL has one, and never the path, so that step names stay
//     few however many orders or users the paths name. The method is cut at
//     adapters.MaxMethodLen bytes and the host at 300 (longer than any DNS
//     name). The step writes to the pipeline of the flow it is in and takes
//     its place in the flow's timeline, like any step;
//   - sends a clone of the request (Request.Clone with the step's context;
//     the caller's request, header map included, is never modified, as the
//     RoundTripper contract requires) with a W3C traceparent header
//     "00-<trace_id>-<span_id>-01": the trace of the flow, the outbound
//     step's own span ID as the parent ID, and the flags 01 (sampled):
//     LogCrest records every flow and step, whatever the flags of a
//     traceparent the caller's flow adopted, and says so. tracestate is
//     left as the caller set it;
//   - adds X-Request-ID (adapters.DefaultRequestIDHeader) with the caller's
//     flow ID, when the request is inside a flow and the flow ID is a valid
//     request ID (adapters.ValidRequestID: at most adapters.MaxRequestIDLen
//     bytes; a flow ID grows by 9 bytes at each hop, so after six or so
//     hops it is left out, and the trace ID alone links the services). A
//     LogCrest middleware on the other side then takes the caller's flow ID
//     as its label ("checkout-3a7e2b1f-9c0d4e5f"), the trace ID as its
//     trace_id and the outbound step's span ID as its parent_span_id (one
//     configured with another WithRequestIDHeader takes the trace only);
//   - never overrides a header the caller set: a traceparent or
//     X-Request-ID already on the request, in any letter case, is sent as
//     it is, and only a missing one is added;
//   - ends the step when base's RoundTrip returns, that is once the
//     response headers are in. The exit record carries method, host, path
//     (the URL path only: the query string, where tokens live, is never
//     recorded; cut at adapters.MaxPathLen bytes with "path_truncated":
//     true, as method_truncated and host_truncated mark the others),
//     http_status when a response came, and ms: the time to the response
//     headers (connecting, sending the request, waiting for the answer),
//     not the time to read the body, which the caller does afterwards.
//
// A transport error fails the step, with the error as error and its Go
// type as error_type, and is returned unchanged. A response with a status
// of 500 or more fails the step too, with the error "http 503" (its status
// code) and error_type logcresthttp.statusError; the response is returned
// as it came, and the caller's code decides whether its own flow fails. A
// 4xx is a success of the step, as it is of a flow: the call worked and the
// other side said no. A panic in base fails the step and is raised again.
//
// http.Client wraps a transport error in a *url.Error whose text holds the
// whole URL, query string included: a flow that returns that error as it is
// records it in its flow_error. The step's own records hold the error
// RoundTrip got from base, which for net/http's Transport does not name
// the URL.
//
// A request whose context carries no step or flow is handed to base as it
// is: no step, no record, no header added. Every call of RoundTrip is a
// step, so each redirect http.Client follows, and each retry, is one. Wrap
// a transport once: Transport(Transport(t)) records every request twice,
// the inner step a child of the outer one.
//
// The RoundTripper returned also has CloseIdleConnections, which calls
// base's when base has one, so http.Client.CloseIdleConnections reaches the
// connections base keeps.
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base}
}

// transport is the RoundTripper of Transport.
type transport struct {
	base http.RoundTripper
}

// CloseIdleConnections closes the idle connections of the base transport,
// when it is one that keeps some (http.Transport, say).
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip sends req through the base transport, as a step of the flow or
// step in its context (see Transport).
func (t *transport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	parent := flow.FromContext(req.Context())
	if parent == nil || req.URL == nil {
		return t.base.RoundTrip(req)
	}
	call := newOutbound(req)
	ctx, span := flow.Step(req.Context(), call.name())
	out := req.Clone(ctx)
	if out.Header == nil {
		out.Header = make(http.Header)
	}
	if !hasHeader(out.Header, traceparentKey) {
		out.Header[traceparentKey] = []string{traceparent(span)}
	}
	if id := span.FlowID(); id != "" && adapters.ValidRequestID(id) && !hasHeader(out.Header, requestIDKey) {
		out.Header[requestIDKey] = []string{id}
	}

	ended := false
	defer func() {
		if ended {
			return
		}
		// base panicked (or called runtime.Goexit, which recover does not
		// see): the step fails, and the panic goes on.
		r := recover()
		span.Finish(flow.Outcome{Panic: r, Failed: true, EndFields: call})
		if r != nil {
			panic(r)
		}
	}()
	resp, err = t.base.RoundTrip(out)
	ended = true

	o := flow.Outcome{EndFields: call}
	switch {
	case err != nil:
		o.Err = err
	case resp != nil:
		call.status = resp.StatusCode
		if resp.StatusCode >= http.StatusInternalServerError {
			o.Err = statusError(resp.StatusCode)
		}
	}
	span.Finish(o)
	return resp, err
}

// outbound is one request sent as a step: the fields of its exit record
// (flow.Fields).
type outbound struct {
	method, host, path          string
	methodCut, hostCut, pathCut bool
	status                      int // 0 until a response came
}

// newOutbound takes the fields of req's exit record, bounded.
func newOutbound(req *http.Request) *outbound {
	c := new(outbound)
	method := req.Method
	if method == "" {
		method = http.MethodGet // what net/http sends for ""
	}
	c.method, c.methodCut = bound.Clip(method, adapters.MaxMethodLen)
	host := req.URL.Host
	if host == "" {
		host = req.Host
	}
	c.host, c.hostCut = bound.Clip(host, maxHostLen)
	path := req.URL.Path
	if path == "" {
		path = "/" // what net/http sends for an empty path
	}
	c.path, c.pathCut = bound.Clip(path, adapters.MaxPathLen)
	return c
}

// name is the step's name: "http GET api.example.com".
func (c *outbound) name() string { return "http " + c.method + " " + c.host }

// AddFields adds method, host, path and http_status to the step's exit
// record.
func (c *outbound) AddFields(w *flow.FieldWriter) {
	w.Str(schema.KeyMethod, c.method)
	if c.methodCut {
		w.Bool(schema.KeyMethodTruncated, true)
	}
	w.Str(schema.KeyHost, c.host)
	if c.hostCut {
		w.Bool(schema.KeyHostTruncated, true)
	}
	w.Str(schema.KeyPath, c.path)
	if c.pathCut {
		w.Bool(schema.KeyPathTruncated, true)
	}
	if c.status != 0 {
		w.Int(schema.KeyHTTPStatus, int64(c.status))
	}
}

// statusError is the error of a step whose response had a status of 500 or
// more: "http 503". It is recorded only; RoundTrip returns the response.
type statusError int

// Error returns "http " and the status code.
func (e statusError) Error() string { return "http " + strconv.Itoa(int(e)) }

// traceparent is the W3C traceparent value naming span as the parent of
// the request: version 00, the span's trace ID, its span ID, sampled.
func traceparent(span *flow.Span) string {
	return w3c.Format(span.TraceID(), span.SpanID(), w3c.FlagsSampled)
}

// hasHeader reports whether h has the header key, canonical, under that key
// or under any other letter case (a map entry set directly, h["traceparent"]).
func hasHeader(h http.Header, key string) bool {
	if _, ok := h[key]; ok {
		return true
	}
	for k := range h {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}
