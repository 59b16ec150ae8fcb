package logcresthttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// A client whose requests, sent with a flow's context, are steps of the flow
// and carry its trace and flow ID to the service they call, where the
// LogCrest middleware joins them. Full detail writes the step records of
// these routine flows, which the example reads (by default a routine flow
// keeps only its flow_end).
func ExampleTransport() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName(logtest.Name), logcrest.WithConsole(nil),
		logcrest.WithDetail("full"))

	// The service called: each of its requests is a flow.
	stock := httptest.NewServer(logcresthttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "3 left")
	})))

	// Once, for the whole program (nil: over http.DefaultTransport).
	client := &http.Client{Transport: logcresthttp.Transport(nil)}

	var flowID string
	_ = logcrest.RunFlow(context.Background(), "checkout", func(ctx context.Context) error {
		flowID = logcrest.FlowID(ctx)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, stock.URL+"/stock/A-1?token=never-logged", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req) // a step of checkout: "http GET <host:port>"
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	})

	client.CloseIdleConnections()
	stock.Close()
	_ = logcrest.Close()

	// What the two services wrote (in this example, to the same files).
	host := strings.TrimPrefix(stock.URL, "http://")
	var step, checkout, served logtest.Record
	logs, _ := logtest.ReadStream(dir, "success")
	for _, r := range logs {
		if r["message"] == "step finished" {
			step = r // the call's exit record
		}
	}
	flows, _ := logtest.ReadStream(dir, "flows")
	for _, r := range flows {
		switch {
		case r["flow_type"] == "flow_end" && r["flow_id"] == flowID:
			checkout = r
		case r["flow_type"] == "flow_end" && r["request_id"] == flowID:
			served = r // the stock service's flow
		}
	}
	fmt.Println(step["fn"] == "http GET "+host, step["method"], step["path"], step["http_status"])
	fmt.Println(logtest.Summary(checkout) == "route=<nil> http_status=<nil> flow_status=success timeline=[http GET "+host+"]")
	fmt.Println(served["trace_id"] == checkout["trace_id"], served["parent_span_id"] == step["span_id"],
		strings.HasPrefix(fmt.Sprint(served["flow_id"]), flowID+"-"))
	// Output:
	// true GET /stock/A-1 200
	// true
	// true true true
}
