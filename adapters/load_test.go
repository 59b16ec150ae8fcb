package adapters_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/logcrest/logcrest/adapters"
)

const (
	loadRequests = 1000
	loadInFlight = 50
)

// TestLoad sends 1,000 concurrent requests to each adapter, every handler
// running one step from each of two goroutines, and holds the records to
// the promise of isolation: every X-Flow-ID unique, exactly one flow_start
// and one flow_end per request, every step in its own request's timeline
// and in no other. Run it with -race.
func TestLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("load test")
	}
	for _, ad := range allAdapters() {
		t.Run(ad.name, func(t *testing.T) {
			t.Parallel()
			c := start(t)
			srv := httptest.NewServer(ad.build(newApp(), c.Option()))
			tr := &http.Transport{MaxIdleConns: loadInFlight, MaxIdleConnsPerHost: loadInFlight}
			client := &http.Client{Transport: tr}

			flowIDs := make([]string, loadRequests)
			jobs := make(chan int)
			errs := make(chan error, loadInFlight)
			var wg sync.WaitGroup
			for range loadInFlight {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := range jobs {
						id, err := loadRequest(client, srv.URL, n)
						if err != nil {
							select {
							case errs <- err:
							default:
							}
							continue
						}
						flowIDs[n] = id
					}
				}()
			}
			for n := range loadRequests {
				jobs <- n
			}
			close(jobs)
			wg.Wait()
			tr.CloseIdleConnections()
			srv.Close()
			o := c.Finish(t)
			select {
			case err := <-errs:
				t.Fatal(err)
			default:
			}

			checkLoad(t, ad, o, flowIDs)
		})
	}
}

// loadRequest sends request n, labelled "load-<n>", and returns the flow ID
// the response carried.
func loadRequest(client *http.Client, base string, n int) (string, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/work/"+itoa(n), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Request-ID", "load-"+itoa(n))
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || string(body) != itoa(n) {
		return "", &unexpected{n, resp.StatusCode, string(body)}
	}
	return resp.Header.Get(adapters.FlowIDHeader), nil
}

type unexpected struct {
	n, status int
	body      string
}

func (u *unexpected) Error() string {
	return "request " + itoa(u.n) + ": status " + itoa(u.status) + ", body " + u.body
}

func checkLoad(t *testing.T, ad adapterUnderTest, o *output, flowIDs []string) {
	t.Helper()
	if len(o.Flows) != 2*loadRequests {
		t.Errorf("%d flow records, want %d", len(o.Flows), 2*loadRequests)
	}
	seen := make(map[string]int, loadRequests) // flow ID -> request
	for n, id := range flowIDs {
		if prev, dup := seen[id]; dup {
			t.Fatalf("requests %d and %d got the same X-Flow-ID %q", prev, n, id)
		}
		seen[id] = n
	}
	starts := map[string]record{}
	ends := map[string]record{}
	for _, r := range o.Flows {
		id, _ := r["flow_id"].(string)
		into := starts
		if r["flow_type"] == "flow_end" {
			into = ends
		}
		if _, dup := into[id]; dup {
			t.Fatalf("flow %s has two %s records", id, r["flow_type"])
		}
		into[id] = r
	}
	for n, id := range flowIDs {
		fs, fe := starts[id], ends[id]
		if fs == nil || fe == nil {
			t.Fatalf("request %d (flow %q): flow_start %v, flow_end %v", n, id, fs != nil, fe != nil)
		}
		label := "load-" + itoa(n)
		if fs["request_id"] != label || fe["flow_status"] != "success" || fe["route"] != ad.work {
			t.Fatalf("request %d: flow_start %v, flow_end %v", n, fs, fe)
		}
		fns, statuses := timeline(t, fe)
		slices.Sort(fns)
		if want := []string{"a-" + itoa(n), "b-" + itoa(n)}; !slices.Equal(fns, want) {
			t.Fatalf("request %d: timeline %v, want %v in any order", n, fns, want)
		}
		if !slices.Equal(statuses, []string{"ok", "ok"}) {
			t.Fatalf("request %d: timeline statuses %v", n, statuses)
		}
	}
	// Each step's own records carry its request's flow, and no step
	// appears anywhere twice.
	steps := map[string]int{}
	for _, r := range o.Success {
		fn, _ := r["fn"].(string)
		if r["message"] != "step started" && r["message"] != "step finished" {
			continue
		}
		steps[fn]++
		want := flowIDs[atoi(t, fn[2:])]
		if r["flow_id"] != want {
			t.Fatalf("step %s record in flow %v, want %s", fn, r["flow_id"], want)
		}
	}
	if len(steps) != 2*loadRequests {
		t.Errorf("%d distinct steps, want %d", len(steps), 2*loadRequests)
	}
	for fn, k := range steps {
		if k != 2 {
			t.Errorf("step %s has %d records, want entry and exit", fn, k)
		}
	}
	if len(o.Errors) != 0 {
		t.Errorf("%d error records, first %v", len(o.Errors), o.Errors[0])
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			t.Fatalf("%q is not a request number", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}
