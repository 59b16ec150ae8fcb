package logcresthttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	lt "github.com/logcrest/logcrest/adapters/internal/logtest"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// TestClientGoneIsNotAFailure: a client with a 50 ms timeout calls a
// handler whose step outlasts it. A step that then returns nil is "ok" and
// the request a success; a step that returns the cancellation is
// "cancelled", and so is the request the handler answers 500 because of it.
// Either way flow_end says "client_gone": true and nothing reaches the
// error file: a client that went away is not a server failure.
func TestClientGoneIsNotAFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		cancel   bool // the step returns the cancellation
		end      map[string]any
		exit     string // the step's exit record
		timeline string // the step's status in the timeline
	}{
		{
			name: "the step returns nil",
			end: map[string]any{
				"flow_status": "success", "level": "info", "message": "flow finished",
				"http_status": 200.0, "client_gone": true, "steps": 1.0,
			},
			exit: "step finished", timeline: "ok",
		},
		{
			name: "the step returns the cancellation", cancel: true,
			end: map[string]any{
				"flow_status": "cancelled", "level": "info", "message": "flow cancelled",
				"http_status": 500.0, "client_gone": true, "steps": 1.0,
			},
			exit: "step cancelled", timeline: "cancelled",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := lt.Start(t)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
				err := logcrest.Run(r.Context(), "slow_step", func(ctx context.Context) error {
					select {
					case <-ctx.Done(): // the client gave up
					case <-time.After(5 * time.Second):
						return nil // it did not: client_gone is missing below
					}
					if tc.cancel {
						return fmt.Errorf("load order: %w", ctx.Err())
					}
					return nil
				})
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			done := make(chan struct{})
			h := logcresthttp.Handler(mux, c.Option())
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(done) // after the middleware wrote flow_end
				h.ServeHTTP(w, r)
			}))
			defer srv.Close()

			client := &http.Client{Timeout: 50 * time.Millisecond, Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			if resp, err := client.Get(srv.URL + "/slow"); err == nil {
				_ = resp.Body.Close()
				t.Fatalf("the client got %d, want it to give up first", resp.StatusCode)
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the handler had not returned 5 s after the client gave up")
			}
			o := c.Finish(t)

			if len(o.Errors) != 0 {
				t.Errorf("%d records in the error file, want none: %v", len(o.Errors), o.Errors)
			}
			fe := lt.One(t, o.Flows, map[string]any{"flow_type": "flow_end"})
			lt.WantFields(t, fe, tc.end)
			lt.WantAbsent(t, fe, "failed_at", "flow_error", "returned_error", "step")
			if fns, statuses := lt.Timeline(t, fe); fmt.Sprint(fns, statuses) != fmt.Sprint([]string{"slow_step"}, []string{tc.timeline}) {
				t.Errorf("timeline %v %v, want [slow_step] [%s]", fns, statuses, tc.timeline)
			}
			exit := lt.One(t, o.Success, map[string]any{"fn": "slow_step", "message": tc.exit})
			lt.WantFields(t, exit, map[string]any{"level": "info", "status": tc.timeline, "flow_id": fe["flow_id"]})
			lt.WantAbsent(t, exit, "error", "error_type")
		})
	}
}
