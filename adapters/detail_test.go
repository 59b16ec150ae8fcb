package adapters_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/logcresttest"
)

// Trace IDs whose sampling decision is known whatever the rate (see
// WithSampling: the last 56 bits against 2^56/n): all zero is kept at any
// rate, all ones is left out at any rate above 1.
const (
	traceKept    = "4bf92f3577b34da6a300000000000000"
	traceSampled = "4bf92f3577b34da6a3ffffffffffffff"
)

// TestBufferedDetailPerRequest: with the defaults (buffered detail) and the
// pipeline at info, for each adapter, a routine request writes its
// handler's info record and its flow_end only; a failing one and one that
// panics write everything they held (flow_start, the step records, the
// handler's debug record), marked, in seq order, before flow_end, which says
// why and how many.
func TestBufferedDetailPerRequest(t *testing.T) {
	t.Parallel()
	t.Cleanup(closeIdle)
	for _, ad := range allAdapters() {
		t.Run(ad.name, func(t *testing.T) {
			t.Parallel()
			rec := logcresttest.New(t, logcrest.WithName(logName), logcrest.WithLevel("info"))
			srv := httptest.NewServer(ad.build(newApp(), options(adapters.WithPipeline(rec.Pipeline()))...))
			defer srv.Close()

			routine := get(t, srv.URL+"/orders/7", "")
			failed := get(t, srv.URL+"/fail", "")
			boom := get(t, srv.URL+"/boom", "")
			if err := rec.Pipeline().Flush(); err != nil {
				t.Fatal(err)
			}

			// Routine: the info record and flow_end, nothing held.
			got := rec.Flow(routine)
			if msgs := messages(got); !slices.Equal(msgs, []string{"handling order", "flow finished"}) {
				t.Errorf("routine request: records %q, want the handler's info record and flow_end", msgs)
			}
			if end, ok := rec.FlowEnd(routine); !ok || end["detail"] != nil || end["buffered_records"] != nil ||
				end.Str("route") != ad.orders || end.Num("http_status") != 200 || end.Str("method") != "GET" {
				t.Errorf("routine flow_end = %v, want route %s, status 200, no detail", end, ad.orders)
			}

			// Failed: everything held, then flow_end.
			checkKept(t, rec.Flow(failed), "failed", []string{"flow started", "step started", "step failed", "flow failed"})
			checkKept(t, rec.Flow(boom), "failed", []string{"flow started", "step started", "step finished", "flow failed", "flow failed"})

			st := rec.Pipeline().Stats().Detail
			if st.HeldBytes != 0 || st.Held != st.Written+st.Dropped+st.Evicted {
				t.Errorf("Detail = %+v: every held record written, dropped or evicted, none still held", st)
			}
			// The routine request held flow_start, two steps' records and
			// a debug record: 6 dropped.
			if st.Dropped != 6 {
				t.Errorf("Detail.Dropped = %d, want 6 (the routine request's flow_start, 4 step records, 1 debug)", st.Dropped)
			}
		})
	}
}

// checkKept checks the records of a flow that kept its detail: msgs in seq
// order, every held one marked and before flow_end, which has detail reason
// and the count of records marked. (A flow whose own code failed writes its
// error record after flow_end.)
func checkKept(t *testing.T, recs []logcresttest.Record, reason string, msgs []string) {
	t.Helper()
	slices.SortFunc(recs, func(a, b logcresttest.Record) int { return int(a.Num("seq") - b.Num("seq")) })
	if got := messages(recs); !slices.Equal(got, msgs) {
		t.Errorf("records by seq %q, want %q", got, msgs)
	}
	marked, endAt := 0, -1
	for i, r := range recs {
		if r.Str("flow_type") == "flow_end" {
			endAt = i
		}
		if r.Num("seq") != float64(i+1) {
			t.Errorf("record %d has seq %v, want %d: %v", i, r["seq"], i+1, r)
		}
		if r["buffered"] == true {
			marked++
			if endAt >= 0 {
				t.Errorf("a held record after flow_end: %v", r)
			}
			if r.Level() != "info" && r.Level() != "debug" {
				t.Errorf("a %s record was held: %v", r.Level(), r)
			}
		}
	}
	if endAt < 0 {
		t.Fatalf("no flow_end among %q", messages(recs))
	}
	end := recs[endAt]
	if end.Str("detail") != reason || end.Num("buffered_records") != float64(marked) || marked == 0 {
		t.Errorf("flow_end = %v, want last, detail %q, buffered_records %d", end, reason, marked)
	}
}

func messages(recs []logcresttest.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Message()
	}
	return out
}

// get requests url with the trace ID traceID in a traceparent ("" for
// none) and returns the flow ID the response names.
func get(t *testing.T, url, traceID string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if traceID != "" {
		req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	id := resp.Header.Get(adapters.FlowIDHeader)
	if id == "" {
		t.Fatalf("GET %s: no flow ID", url)
	}
	return id
}

// TestRouteSampling: a route given a rate of its own by WithRouteSampling
// is sampled at it, from the trace ID of the request's traceparent, and
// the other routes at WithSampling's rate (1: all); a failed request is
// never left out; a kept routine flow_end says its rate.
func TestRouteSampling(t *testing.T) {
	t.Parallel()
	t.Cleanup(closeIdle)
	for _, ad := range allAdapters() {
		t.Run(ad.name, func(t *testing.T) {
			t.Parallel()
			rec := logcresttest.New(t, logcrest.WithName(logName),
				logcrest.WithRouteSampling(map[string]int{"/orders/{id}": 50, "/orders/:id": 50}))
			srv := httptest.NewServer(ad.build(newApp(), options(adapters.WithPipeline(rec.Pipeline()))...))
			defer srv.Close()

			kept := get(t, srv.URL+"/orders/1", traceKept)
			left := get(t, srv.URL+"/orders/2", traceSampled)
			other := get(t, srv.URL+"/created", traceSampled)
			failed := get(t, srv.URL+"/fail", traceSampled)
			if err := rec.Pipeline().Flush(); err != nil {
				t.Fatal(err)
			}
			if end, ok := rec.FlowEnd(kept); !ok || end.Num("sample_rate") != 50 {
				t.Errorf("kept routine flow_end = %v (found %v), want sample_rate 50", end, ok)
			}
			if end, ok := rec.FlowEnd(left); ok {
				t.Errorf("a routine request sampled out wrote its flow_end: %v", end)
			}
			if end, ok := rec.FlowEnd(other); !ok || end["sample_rate"] != nil {
				t.Errorf("another route's flow_end = %v (found %v), want it, without sample_rate", end, ok)
			}
			if end, ok := rec.FlowEnd(failed); !ok || end.Str("detail") != "failed" || end["sample_rate"] != nil {
				t.Errorf("failed flow_end = %v (found %v), want it, detail failed", end, ok)
			}
			if n := rec.Pipeline().Stats().Detail.SampledOut; n != 1 {
				t.Errorf("Detail.SampledOut = %d, want 1", n)
			}
		})
	}
}
