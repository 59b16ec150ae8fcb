package adapters_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
	"github.com/logcrest/logcrest/logcresttest"
)

const (
	incomingTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	incomingParent = "00f067aa0ba902b7"
	traceparent    = "00-" + incomingTrace + "-" + incomingParent + "-01"
	querySecret    = "SECRET-QUERY-TOKEN-91f2"
	routeOrders    = "<orders>" // stands for the framework's template of /orders/{id}
)

var (
	bareFlowID = regexp.MustCompile(`^[0-9a-f]{8}$`)
	hexTrace   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// invalidIDs are request IDs that must be ignored: none may reach a file.
var invalidIDs = map[string]string{
	"200 characters": strings.Repeat("r", 200),
	"65 characters":  strings.Repeat("s", 65),
	"spaces":         "has some spaces",
	"script":         "<script>alert(1)</script>",
	"semicolon":      "abc;def",
	"non-ASCII":      "ordér-1",
}

// conformanceRow is one request and what every adapter must make of it.
type conformanceRow struct {
	name   string
	path   string            // request path, query included
	header map[string]string // request headers
	// clientTimeout, when set, is how long the client waits for the
	// response before it gives up and closes the connection.
	clientTimeout time.Duration

	// The response. status 0: not checked (it is the framework recovery's
	// business, or there is none: the connection is dropped).
	status int
	body   string         // checked when not ""
	flowID *regexp.Regexp // the X-Flow-ID header; nil: none expected

	// The records. noFlow: the request must leave none.
	noFlow      bool
	route       string         // flow_end route: routeOrders, a literal, or "" for none
	start       map[string]any // exact fields of flow_start, beyond method and path
	startAbsent []string
	end         map[string]any // exact fields of flow_end
	endAbsent   []string
	endBy       map[string]map[string]any // extra exact fields of flow_end, by adapter
	endAbsentBy map[string][]string       // extra absent fields of flow_end, by adapter
	timeline    []string                  // fns of the timeline, in order (nil: empty)
	stepStatus  map[string]string         // status of a step other than ok (charge*: error)
	stack       bool                      // flow_end has a stack
	panics      bool                      // the handler panics: bytes are not the client's
	bytesLate   []string                  // adapters whose framework writes the body after the middleware returned
	logs        []string                  // messages of Log(ctx) records that carry the flow ID
	errHandlers int64                     // calls of echo's HTTPErrorHandler
	thenServes  bool                      // the next request is still served
}

var conformance = []conformanceRow{
	{
		name: "200 with a valid request ID, a traceparent and a query string",
		path: "/orders/42?token=" + querySecret + "&x=1",
		header: map[string]string{
			"X-Request-ID": "order-7f3a.b:c_d", "traceparent": traceparent,
		},
		status: 200, body: "order 42",
		flowID: regexp.MustCompile(`^order-7f3a\.b:c_d-[0-9a-f]{8}$`),
		route:  routeOrders,
		start: map[string]any{
			"path": "/orders/42", "request_id": "order-7f3a.b:c_d",
			"trace_id": incomingTrace, "parent_span_id": incomingParent, "trace_flags": "01",
		},
		end:      map[string]any{"flow_status": "success", "http_status": 200.0, "steps": 2.0, "trace_id": incomingTrace, "trace_flags": "01"},
		timeline: []string{"load_order", "render"},
		logs:     []string{"handling order", "loading"},
	},
	{
		name:   "200 without a request ID or traceparent",
		path:   "/orders/7",
		status: 200, body: "order 7", flowID: bareFlowID, route: routeOrders,
		start:       map[string]any{"path": "/orders/7"},
		startAbsent: []string{"request_id", "parent_span_id", "trace_flags"},
		end:         map[string]any{"flow_status": "success", "http_status": 200.0},
		endAbsent:   []string{"trace_flags"},
		timeline:    []string{"load_order", "render"},
		logs:        []string{"handling order"},
	},
	{
		// One span ID in about 66,000 is all decimal, begins as a card
		// number does and passes Luhn: it is an ID all the same.
		name:   "a parent span ID that reads as a card number",
		path:   "/orders/9",
		header: map[string]string{"traceparent": "00-" + incomingTrace + "-4111111111111111-01"},
		status: 200, flowID: bareFlowID, route: routeOrders,
		start:    map[string]any{"trace_id": incomingTrace, "parent_span_id": "4111111111111111", "trace_flags": "01"},
		end:      map[string]any{"flow_status": "success", "trace_id": incomingTrace},
		timeline: []string{"load_order", "render"},
	},
	{
		name:   "an invalid traceparent is ignored",
		path:   "/orders/8",
		header: map[string]string{"traceparent": "00-" + strings.ToUpper(incomingTrace) + "-" + incomingParent + "-01"},
		status: 200, flowID: bareFlowID, route: routeOrders,
		startAbsent: []string{"request_id", "parent_span_id", "trace_flags"},
		end:         map[string]any{"flow_status": "success"},
		endAbsent:   []string{"trace_flags"},
		timeline:    []string{"load_order", "render"},
	},
	{
		name:   "implicit 200",
		path:   "/empty",
		header: map[string]string{"X-Request-ID": "empty"},
		status: 200, body: "", flowID: regexp.MustCompile(`^empty-[0-9a-f]{8}$`), route: "/empty",
		end: map[string]any{"flow_status": "success", "http_status": 200.0, "bytes": 0.0, "steps": 0.0},
	},
	{
		name:   "201 without a body",
		path:   "/created",
		status: 201, flowID: bareFlowID, route: "/created",
		end: map[string]any{"flow_status": "success", "http_status": 201.0, "bytes": 0.0},
	},
	{
		name:   "404",
		path:   "/no/such/route?token=" + querySecret,
		header: map[string]string{"X-Request-ID": "lost"},
		status: 404, flowID: regexp.MustCompile(`^lost-[0-9a-f]{8}$`),
		start:     map[string]any{"path": "/no/such/route", "request_id": "lost"},
		end:       map[string]any{"flow_status": "success", "http_status": 404.0, "steps": 0.0},
		endAbsent: []string{"route", "failed_at", "flow_error"},
		// gin writes its default 404 body after the whole handler chain has
		// returned, middleware included: no middleware can count it.
		endBy:       map[string]map[string]any{"gin": {"bytes": 0.0}},
		bytesLate:   []string{"gin"},
		errHandlers: 1,
	},
	{
		name:   "500 from a handler error after a failed step",
		path:   "/fail",
		header: map[string]string{"X-Request-ID": "fail"},
		status: 500, flowID: regexp.MustCompile(`^fail-[0-9a-f]{8}$`), route: "/fail",
		end: map[string]any{
			"level": "error", "flow_status": "failed", "http_status": 500.0, "failed_at": "charge", "step": "1/1",
			"flow_error": "ConnectionError: gateway timeout",
		},
		endAbsent:   []string{"stack"},
		timeline:    []string{"charge"},
		errHandlers: 1,
	},
	{
		// One failure, one error record: the step's. flow_end names that
		// step and its error; the handler's own other error, where the
		// framework has one, is kept as returned_error.
		name:   "500 from another handler error after a failed step",
		path:   "/declined",
		status: 500, flowID: bareFlowID, route: "/declined",
		end: map[string]any{
			"level": "error", "flow_status": "failed", "http_status": 500.0, "failed_at": "charge_card", "step": "1/1",
			"flow_error": "error: card declined",
		},
		endBy: map[string]map[string]any{
			"gin":  {"returned_error": "error: order 13: status 500"},
			"echo": {"returned_error": "error: order 13: status 500"},
		},
		endAbsentBy: map[string][]string{"nethttp": {"returned_error"}, "chi": {"returned_error"}},
		endAbsent:   []string{"stack", "client_gone"},
		timeline:    []string{"charge_card"},
		errHandlers: 1,
	},
	{
		// The client gives up before the step ends; the step returns nil
		// and the handler answers 200 to no one: a success, marked
		// client_gone, nothing in the error stream.
		name:          "a client that went away while a step that succeeds ran",
		path:          "/slow",
		header:        map[string]string{"X-Request-ID": "slow"},
		clientTimeout: 100 * time.Millisecond,
		route:         "/slow",
		end: map[string]any{
			"level": "info", "flow_status": "success", "http_status": 200.0, "client_gone": true, "steps": 1.0,
		},
		endAbsent: []string{"failed_at", "flow_error", "returned_error", "step"},
		timeline:  []string{"slow_step"},
	},
	{
		// The same, but the step returns the cancellation and the handler
		// answers 500 because of it: cancelled, not failed.
		name:          "a client that went away, and the step returned the cancellation",
		path:          "/slow-cancel",
		header:        map[string]string{"X-Request-ID": "slow-cancel"},
		clientTimeout: 100 * time.Millisecond,
		route:         "/slow-cancel",
		end: map[string]any{
			"level": "info", "flow_status": "cancelled", "message": "flow cancelled", "http_status": 500.0,
			"client_gone": true, "steps": 1.0,
		},
		endAbsent:   []string{"failed_at", "flow_error", "returned_error", "step"},
		timeline:    []string{"slow_step"},
		stepStatus:  map[string]string{"slow_step": "cancelled"},
		errHandlers: 1,
	},
	{
		name:   "503 from a handler error",
		path:   "/unavailable",
		status: 503, flowID: bareFlowID, route: "/unavailable",
		end: map[string]any{
			"level": "error", "flow_status": "failed", "http_status": 503.0, "failed_at": "http_request", "step": "0/0",
		},
		endBy: map[string]map[string]any{
			"gin":  {"flow_error": "error: maintenance"},
			"echo": {"flow_error": "HTTPError: code=503, message=maintenance"},
		},
		errHandlers: 1,
	},
	{
		name:   "418 from a handler error is a success",
		path:   "/teapot",
		status: 418, flowID: bareFlowID, route: "/teapot",
		end:         map[string]any{"level": "info", "flow_status": "success", "http_status": 418.0},
		endAbsent:   []string{"failed_at", "flow_error"},
		errHandlers: 1,
	},
	{
		name:   "panic",
		path:   "/boom",
		header: map[string]string{"X-Request-ID": "boom"},
		status: 500, flowID: regexp.MustCompile(`^boom-[0-9a-f]{8}$`), route: "/boom",
		end: map[string]any{
			"level": "error", "flow_status": "failed", "http_status": 500.0, "failed_at": "http_request",
			"step": "0/1", "flow_error": "panic: boom",
		},
		// The recovery answers after flow_end: the body's size is unknown.
		endAbsent: []string{"bytes"},
		timeline:  []string{"before_boom"},
		stack:     true, panics: true, thenServes: true,
		errHandlers: 1, // echo's Recover hands the re-raised panic to it
	},
	{
		name:   "http.ErrAbortHandler is an abort, not a crash",
		path:   "/abort",
		header: map[string]string{"X-Request-ID": "abort"},
		route:  "/abort",
		end: map[string]any{
			"flow_status": "failed", "aborted": true, "failed_at": "http_request",
			"flow_error": "error: net/http: abort Handler", "bytes": 0.0,
		},
		endAbsent: []string{"stack", "http_status"},
		panics:    true, thenServes: true,
	},
	{
		name:   "streaming flushes through the wrapper",
		path:   "/stream",
		status: 200, body: "chunk-1\nchunk-2\n", flowID: bareFlowID, route: "/stream",
		end: map[string]any{"flow_status": "success", "http_status": 200.0, "bytes": 16.0},
	},
	{
		name:   "http.ResponseController reaches the real writer",
		path:   "/rc",
		status: 200, body: "rc ok", flowID: bareFlowID, route: "/rc",
		end: map[string]any{"flow_status": "success", "http_status": 200.0},
	},
	{
		name:   "skipped by WithSkip",
		path:   "/healthz",
		status: 200, body: "ok", noFlow: true,
	},
}

func init() {
	for name, id := range invalidIDs {
		conformance = append(conformance, conformanceRow{
			name:   "invalid request ID ignored: " + name,
			path:   "/orders/9",
			header: map[string]string{"X-Request-ID": id},
			status: 200, flowID: bareFlowID, route: routeOrders,
			startAbsent: []string{"request_id"},
			end:         map[string]any{"flow_status": "success", "http_status": 200.0},
			timeline:    []string{"load_order", "render"},
		})
	}
}

// exchange is one request of the table and its response.
type exchange struct {
	row     *conformanceRow
	status  int
	header  http.Header
	body    string
	err     error // no response: the connection was dropped
	handled int64 // calls of echo's HTTPErrorHandler during the request
	next    int   // status of the request after, for thenServes
}

// TestConformance runs the table against every adapter. Each row is served
// on a server of its own whose middleware records into a Recorder of its
// own, and its records are checked there; then the whole table is served
// again, in order, on one server writing files, for what only the files
// can tell: the bytes that reached the disk, and which file each record
// went to. The second run also holds every record to the file its kind
// names (logtest.StreamOf), which is how the first run tells a flow record
// from a step's or a log call's.
func TestConformance(t *testing.T) {
	t.Parallel()
	t.Cleanup(closeIdle)
	for _, ad := range allAdapters() {
		t.Run(ad.name, func(t *testing.T) {
			t.Parallel()
			for i := range conformance {
				row := &conformance[i]
				t.Run(row.name, func(t *testing.T) {
					t.Parallel()
					rec := logcresttest.New(t, logcrest.WithName(logName), logcrest.WithLevel("debug"), logcrest.WithDetail("full"))
					xs := serveTable(t, ad, []*conformanceRow{row}, adapters.WithPipeline(rec.Pipeline()))
					flows, logs := recorded(rec)
					xs[0].check(t, ad, flows, logs)
				})
			}
			t.Run("files", func(t *testing.T) {
				t.Parallel()
				c := start(t)
				rows := make([]*conformanceRow, len(conformance))
				for i := range conformance {
					rows[i] = &conformance[i]
				}
				xs := serveTable(t, ad, rows, c.Option())
				o := c.Finish(t)
				checkFiles(t, o, xs)
			})
		})
	}
}

// serveTable serves rows, in order, on one server built by ad with opts,
// each followed by a request that must still be served when the row says
// so, and returns the exchanges.
func serveTable(t *testing.T, ad adapterUnderTest, rows []*conformanceRow, opts ...adapters.Option) []*exchange {
	t.Helper()
	a := newApp()
	srv := httptest.NewUnstartedServer(ad.build(a, opts...))
	srv.Config.ErrorLog = discardLog()
	// The connections the server holds: a request whose client gave up is
	// over, its records written, once its connection is closed.
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			conns.Add(-1)
		}
	}
	srv.Start()
	// No keep-alive: a request whose connection is dropped (an abort)
	// must not be retried by the transport on a reused connection.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	var xs []*exchange
	for _, row := range rows {
		x := &exchange{row: row}
		before := a.errHandlers.Load()
		x.do(t, client, srv.URL, a)
		if row.clientTimeout > 0 {
			waitIdle(t, row.name, &conns)
		}
		x.handled = a.errHandlers.Load() - before
		if row.thenServes {
			resp, err := client.Get(srv.URL + "/orders/after")
			if err != nil {
				t.Fatalf("%s: the next request failed: %v", row.name, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			x.next = resp.StatusCode
		}
		xs = append(xs, x)
	}
	srv.Close()
	return xs
}

// waitIdle waits, for up to 5 s, for the server to have closed every
// connection: the handler of a request whose client gave up has returned.
func waitIdle(t *testing.T, name string, conns *atomic.Int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for conns.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: the server still holds %d connections 5 s after the client gave up", name, conns.Load())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// recorded returns the records of rec split as the files split them: the
// flow records (the flows file) and the others (the success and error
// files). checkFiles holds the files to the same split.
func recorded(rec *logcresttest.Recorder) (flows, logs []record) {
	for _, r := range rec.Records() {
		if logtest.StreamOf(r) == "flows" {
			flows = append(flows, record(r))
		} else {
			logs = append(logs, record(r))
		}
	}
	return flows, logs
}

// checkWaterfall holds a flow_end's timeline to its total_ms: every entry
// starts and ends within the flow, in start order.
func checkWaterfall(t *testing.T, fe record) {
	t.Helper()
	total, _ := fe["total_ms"].(float64)
	tl, _ := fe["timeline"].([]any)
	last := 0.0
	for _, x := range tl {
		e := x.(map[string]any)
		at, ok1 := e["at_ms"].(float64)
		ms, ok2 := e["ms"].(float64)
		if !ok1 || !ok2 || at < last || at+ms > total+0.002 {
			t.Errorf("timeline entry %v outside the flow (total_ms %v) or out of order", e, total)
		}
		last = at
	}
}

// checkErrorRecords: a failed request leaves exactly one error record of
// its flow in the error stream (its failed step's, or the flow's own, with
// the request's fields and, for a panic, the stack); a successful one none.
func checkErrorRecords(t *testing.T, fe record, logs []record) {
	t.Helper()
	errs := where(logs, map[string]any{"flow_id": fe["flow_id"], "level": "error"})
	if fe["flow_status"] != "failed" {
		if len(errs) != 0 {
			t.Errorf("a successful request left %d error records: %v", len(errs), errs)
		}
		return
	}
	if len(errs) != 1 {
		t.Fatalf("a failed request left %d error records, want 1: %v", len(errs), errs)
	}
	e := errs[0]
	switch e["message"] {
	case "step failed":
		if e["fn"] != fe["failed_at"] {
			t.Errorf("error record %v is not the failed step %v", e, fe["failed_at"])
		}
	case "flow failed":
		for _, k := range []string{"method", "path", "client_ip", "http_status", "trace_id", "span_id"} {
			if e[k] != fe[k] {
				t.Errorf("the flow's error record has %s %v, flow_end %v", k, e[k], fe[k])
			}
		}
		if _, panicked := fe["stack"]; panicked {
			if s, _ := e["stack"].(string); !strings.Contains(s, "boom") {
				t.Errorf("the error record of a panic lacks its stack: %v", e)
			}
		}
	default:
		t.Errorf("unexpected error record %v", e)
	}
}

// checkFiles holds what the whole table, served on one server, left in the
// files.
func checkFiles(t *testing.T, o *output, xs []*exchange) {
	t.Run("no query string, no invalid request ID in any file", func(t *testing.T) {
		if strings.Contains(o.Raw, querySecret) || strings.Contains(o.Raw, "token=") {
			t.Error("the query string reached the logs")
		}
		for name, id := range invalidIDs {
			if strings.Contains(o.Raw, id) || name == "script" && strings.Contains(o.Raw, "script") {
				t.Errorf("the invalid request ID (%s) reached the logs", name)
			}
		}
	})
	t.Run("one flow_start and one flow_end per flow", func(t *testing.T) {
		starts := map[string]int{}
		for _, r := range o.Flows {
			id, _ := r["flow_id"].(string)
			switch r["flow_type"] {
			case "flow_start":
				starts[id]++
			case "flow_end":
				starts[id] += 1000
			}
		}
		for id, n := range starts {
			if n != 1001 {
				t.Errorf("flow %s: %d flow_start, %d flow_end", id, n%1000, n/1000)
			}
		}
		for _, r := range append(append([]record(nil), o.Success...), o.Errors...) {
			if _, ok := r["flow_type"]; ok {
				t.Errorf("a flow record outside the flows file: %v", r)
			}
		}
		// The flows are the table's: one per request not skipped, the
		// requests after a row included.
		want := 0
		for _, x := range xs {
			if !x.row.noFlow {
				want++
			}
			if x.row.thenServes {
				want++
			}
			if id := x.header.Get(adapters.FlowIDHeader); id != "" && starts[id] != 1001 {
				t.Errorf("%s: flow %s is not in the flows file", x.row.name, id)
			}
		}
		if len(starts) != want {
			t.Errorf("%d flows in the flows file, want %d", len(starts), want)
		}
	})
	t.Run("one error record per failed request in the error file, none otherwise", func(t *testing.T) {
		for _, fe := range where(o.Flows, map[string]any{"flow_type": "flow_end"}) {
			t.Run(fmt.Sprint(fe["path"]), func(t *testing.T) { checkErrorRecords(t, fe, o.Errors) })
		}
	})
	t.Run("every record in the file of its kind", func(t *testing.T) {
		for _, f := range []struct {
			stream string
			recs   []record
		}{{"flows", o.Flows}, {"success", o.Success}, {"error", o.Errors}} {
			for _, r := range f.recs {
				if got := logtest.StreamOf(r); got != f.stream {
					t.Errorf("a record of the %s file in the %s file: %v", got, f.stream, r)
				}
			}
		}
	})
}

// do sends the row's request and reads the response.
func (x *exchange) do(t *testing.T, client *http.Client, base string, a *app) {
	t.Helper()
	ctx := context.Background()
	if x.row.clientTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, x.row.clientTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+x.row.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range x.row.header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		x.err = err
		return
	}
	defer resp.Body.Close()
	x.status, x.header = resp.StatusCode, resp.Header
	var b []byte
	if x.row.path == "/stream" {
		br := bufio.NewReader(resp.Body)
		first, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		a.streamRead <- struct{}{} // the first chunk arrived: let the handler write the second
		rest, _ := io.ReadAll(br)
		b = append([]byte(first), rest...)
	} else {
		b, err = io.ReadAll(resp.Body)
		if err != nil {
			x.err = err
		}
	}
	x.body = string(b)
}

// check holds the exchange and the records of its request against the row:
// flows are the flow records, logs the others (steps, Log(ctx)).
func (x *exchange) check(t *testing.T, ad adapterUnderTest, flows, logs []record) {
	row := x.row
	if row.status != 0 {
		if x.err != nil {
			t.Fatalf("no response: %v", x.err)
		}
		if x.status != row.status {
			t.Errorf("status %d, want %d", x.status, row.status)
		}
		if row.body != "" && x.body != row.body {
			t.Errorf("body %q, want %q", x.body, row.body)
		}
	}
	if row.thenServes && x.next != http.StatusOK {
		t.Errorf("the request after got %d, want 200", x.next)
	}
	if ad.name == "echo" && x.handled != row.errHandlers {
		t.Errorf("echo's HTTPErrorHandler called %d times, want %d", x.handled, row.errHandlers)
	}

	if row.noFlow {
		if x.header.Get(adapters.FlowIDHeader) != "" {
			t.Errorf("skipped request got X-Flow-ID %q", x.header.Get(adapters.FlowIDHeader))
		}
		if got := where(flows, map[string]any{"path": row.path}); len(got) != 0 {
			t.Errorf("skipped request left %d flow records", len(got))
		}
		if n := len(flows) + len(logs); n != 0 {
			t.Errorf("skipped request left %d records", n)
		}
		return
	}

	// The flow: by the X-Flow-ID header, or by the request ID when the
	// connection was dropped.
	var flowID string
	if x.err == nil {
		flowID = x.header.Get(adapters.FlowIDHeader)
		if row.flowID != nil && !row.flowID.MatchString(flowID) {
			t.Errorf("X-Flow-ID %q does not match %v", flowID, row.flowID)
		}
		if vs := x.header.Values(adapters.FlowIDHeader); len(vs) != 1 {
			t.Errorf("X-Flow-ID sent %d times", len(vs))
		}
	}
	if flowID == "" {
		rid := row.header["X-Request-ID"]
		if rid == "" {
			t.Fatal("no X-Flow-ID and no request ID to find the flow by")
		}
		flowID, _ = one(t, flows, map[string]any{"flow_type": "flow_start", "request_id": rid})["flow_id"].(string)
	}
	fs := one(t, flows, map[string]any{"flow_id": flowID, "flow_type": "flow_start"})
	fe := one(t, flows, map[string]any{"flow_id": flowID, "flow_type": "flow_end"})

	path, _, _ := strings.Cut(row.path, "?")
	wantFields(t, fs, map[string]any{"method": "GET", "path": path, "logger": logName, "message": "flow started"})
	wantFields(t, fs, row.start)
	wantAbsent(t, fs, row.startAbsent...)
	wantAbsent(t, fs, "route", "http_status", "query")
	if tr, _ := fs["trace_id"].(string); !hexTrace.MatchString(tr) || fe["trace_id"] != tr || fe["span_id"] != fs["span_id"] {
		t.Errorf("flow_start trace_id %v span_id %v, flow_end %v %v", fs["trace_id"], fs["span_id"], fe["trace_id"], fe["span_id"])
	}
	if _, adopted := row.start["trace_id"]; !adopted && fs["trace_id"] == incomingTrace {
		t.Error("a trace was adopted from an invalid traceparent")
	}

	wantFields(t, fe, row.end)
	wantFields(t, fe, row.endBy[ad.name])
	wantAbsent(t, fe, row.endAbsent...)
	wantAbsent(t, fe, row.endAbsentBy[ad.name]...)
	// flow_end stands alone: what identifies the request is on it again.
	if fs["client_ip"] != "127.0.0.1" {
		t.Errorf("client_ip %v, want the peer address 127.0.0.1", fs["client_ip"])
	}
	for _, k := range []string{"method", "path", "request_id", "client_ip"} {
		if fe[k] != fs[k] {
			t.Errorf("flow_end %s = %v, flow_start has %v", k, fe[k], fs[k])
		}
	}
	if row.route == routeOrders && fe["flow_status"] == "success" {
		wantFields(t, fe, map[string]any{"user_id": "u-" + strings.TrimPrefix(path, "/orders/")})
	}
	checkWaterfall(t, fe)
	checkErrorRecords(t, fe, logs)
	switch route := row.route; route {
	case "":
		wantAbsent(t, fe, "route")
	case routeOrders:
		wantFields(t, fe, map[string]any{"route": ad.orders})
	default:
		wantFields(t, fe, map[string]any{"route": route})
	}
	if !row.panics && x.err == nil && !slices.Contains(row.bytesLate, ad.name) {
		if got := fe["bytes"]; got != float64(len(x.body)) {
			t.Errorf("bytes %v, the client read %d", got, len(x.body))
		}
	}
	if stack, _ := fe["stack"].(string); row.stack != (stack != "") {
		t.Errorf("stack present %v, want %v", stack != "", row.stack)
	} else if row.stack && !strings.Contains(stack, "boom") {
		t.Errorf("the stack does not show the panicking function:\n%s", stack)
	}
	fns, statuses := timeline(t, fe)
	if !slices.Equal(fns, row.timeline) {
		t.Errorf("timeline %v, want %v", fns, row.timeline)
	}
	if fe["steps"] != float64(len(row.timeline)) {
		t.Errorf("steps %v, want %d", fe["steps"], len(row.timeline))
	}
	for i, s := range statuses {
		if want := row.statusOf(fns[i]); s != want {
			t.Errorf("timeline entry %s has status %s, want %s", fns[i], s, want)
		}
	}

	// Step and Log(ctx) records carry the flow's IDs.
	for _, fn := range row.timeline {
		exit := map[string]string{"ok": "step finished", "error": "step failed", "cancelled": "step cancelled"}[row.statusOf(fn)]
		for _, msg := range []string{"step started", exit} {
			r := one(t, logs, map[string]any{"fn": fn, "message": msg, "flow_id": flowID})
			wantFields(t, r, map[string]any{"trace_id": fs["trace_id"]})
		}
	}
	for _, msg := range row.logs {
		r := one(t, logs, map[string]any{"message": msg, "flow_id": flowID})
		wantFields(t, r, map[string]any{"trace_id": fs["trace_id"]})
	}
}

// statusOf is the status the row expects of step fn: its stepStatus, else
// "error" for the failing charge steps, else "ok".
func (row *conformanceRow) statusOf(fn string) string {
	if s, ok := row.stepStatus[fn]; ok {
		return s
	}
	if strings.HasPrefix(fn, "charge") {
		return "error"
	}
	return "ok"
}
