package adapters_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
)

// maxLine is the longest line a flow record of the flood test may have:
// short path, bounded method, two steps.
const maxLine = 2048

// TestMethodFloodIsBounded reproduces the flood through the HTTP method:
// after one ordinary request, requests whose method is a 900 KiB token
// (net/http accepts it: the request line only has to fit the 1 MB header
// limit) used to write 900 KiB flow_start records, and 8 of them, past the
// default 5 MiB rotation size, rotated the ordinary flow out of the live
// flows file. Through each adapter, the method is recorded cut to
// MaxMethodLen bytes with method_truncated, every line any file or the
// console got stays short, and the ordinary flow is still in the live file.
func TestMethodFloodIsBounded(t *testing.T) {
	t.Parallel()
	const floods = 8
	method := "FLOOD" + strings.Repeat("X", 900<<10)
	for _, ad := range allAdapters() {
		t.Run(ad.name, func(t *testing.T) {
			t.Parallel()
			c := start(t)
			srv := httptest.NewServer(ad.build(newApp(), c.Option()))
			srv.Config.ErrorLog = discardLog()
			tr := &http.Transport{DisableKeepAlives: true}
			client := &http.Client{Transport: tr}
			t.Cleanup(tr.CloseIdleConnections)

			send := func(method, rid string) int {
				t.Helper()
				req, err := http.NewRequest(method, srv.URL+"/orders/1", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-Request-ID", rid)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", rid, err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				return resp.StatusCode
			}
			if got := send(http.MethodGet, "before-flood"); got != http.StatusOK {
				t.Fatalf("the ordinary request got %d", got)
			}
			statuses := make([]int, floods)
			for i := range statuses {
				statuses[i] = send(method, "flood-"+itoa(i))
			}
			srv.Close()
			o := c.Finish(t)

			fs := one(t, o.Flows, map[string]any{"flow_type": "flow_start", "request_id": "before-flood"})
			wantFields(t, fs, map[string]any{"method": "GET", "path": "/orders/1"})
			wantAbsent(t, fs, "method_truncated", "path_truncated")
			_, fe := flowPair(t, o, fs["flow_id"].(string))
			wantFields(t, fe, map[string]any{"http_status": 200.0, "bytes": 7.0, "route": ad.orders})

			for i, status := range statuses {
				fs := one(t, o.Flows, map[string]any{"flow_type": "flow_start", "request_id": "flood-" + itoa(i)})
				wantFields(t, fs, map[string]any{
					"method": method[:adapters.MaxMethodLen], "method_truncated": true, "path": "/orders/1",
				})
				wantAbsent(t, fs, "path_truncated")
				_, fe := flowPair(t, o, fs["flow_id"].(string))
				wantFields(t, fe, map[string]any{"http_status": float64(status)})
				wantFields(t, fe, map[string]any{"method": fs["method"], "method_truncated": true})
				wantAbsent(t, fe, "route_truncated")
			}
			if len(o.Flows) != 2*(floods+1) {
				t.Errorf("%d flow records, want %d", len(o.Flows), 2*(floods+1))
			}
			if strings.Contains(o.Raw, method[:adapters.MaxMethodLen+1]) {
				t.Error("more of the method than MaxMethodLen bytes reached a file or the console")
			}
			for line := range strings.Lines(o.Raw) {
				if len(line) > maxLine {
					t.Errorf("a line of %d bytes, want at most %d: %.200s...", len(line), maxLine, line)
				}
			}
		})
	}
}

// TestBoundsAreExact: every registered method is recorded whole (the
// longest, UPDATEREDIRECTREF, and the WebDAV ones), so is a method of
// exactly MaxMethodLen bytes; one byte more is cut and marked, between
// characters for a method that is not ASCII (only a request built in
// process can carry one). The route is bounded the same way by
// MaxRouteLen, however the adapter learns it.
func TestBoundsAreExact(t *testing.T) {
	t.Parallel()
	c := start(t)
	var route string
	cfg := httpflow.NewConfig(c.Option())
	h := cfg.Handler(http.HandlerFunc(ok), func(*http.Request) string { return route })
	setRoute := cfg.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpflow.FromContext(r.Context()).SetRoute("/set/" + strings.Repeat("s", adapters.MaxRouteLen))
		ok(w, r)
	}), patternRoute)

	serveMethod := func(method string) string {
		req := httptest.NewRequest(http.MethodGet, "/m", nil)
		req.Method = method
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Header().Get(adapters.FlowIDHeader)
	}
	exact := strings.Repeat("M", adapters.MaxMethodLen)
	nonASCII := "X" + strings.Repeat("é", adapters.MaxMethodLen/2) // the cut falls inside an é
	whole := []string{"UPDATEREDIRECTREF", "BASELINE-CONTROL", "VERSION-CONTROL", "PROPFIND", exact}
	wholeIDs := make([]string, len(whole))
	for i, m := range whole {
		wholeIDs[i] = serveMethod(m)
	}
	longID := serveMethod(exact + "M")
	nonASCIIID := serveMethod(nonASCII)

	route = strings.Repeat("r", adapters.MaxRouteLen)
	exactRouteID := serveMethod(http.MethodGet)
	route = "/" + strings.Repeat("é", adapters.MaxRouteLen/2)
	longRouteID := serveMethod(http.MethodGet)
	setRouteID := serve(setRoute, "/set").Header().Get(adapters.FlowIDHeader)
	o := c.Finish(t)

	for i, m := range whole {
		fs, _ := flowPair(t, o, wholeIDs[i])
		wantFields(t, fs, map[string]any{"method": m})
		wantAbsent(t, fs, "method_truncated")
	}
	fs, _ := flowPair(t, o, longID)
	wantFields(t, fs, map[string]any{"method": exact, "method_truncated": true})
	fs, _ = flowPair(t, o, nonASCIIID)
	wantFields(t, fs, map[string]any{"method": nonASCII[:adapters.MaxMethodLen-1], "method_truncated": true})

	_, fe := flowPair(t, o, exactRouteID)
	wantFields(t, fe, map[string]any{"route": strings.Repeat("r", adapters.MaxRouteLen)})
	wantAbsent(t, fe, "route_truncated")
	_, fe = flowPair(t, o, longRouteID)
	wantFields(t, fe, map[string]any{"route": route[:adapters.MaxRouteLen-1], "route_truncated": true})
	_, fe = flowPair(t, o, setRouteID)
	wantFields(t, fe, map[string]any{
		"route": ("/set/" + strings.Repeat("s", adapters.MaxRouteLen))[:adapters.MaxRouteLen], "route_truncated": true,
	})
}
