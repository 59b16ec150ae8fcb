package main

// Fixtures written by LogCrest itself: two services, "shop" and "stock",
// each with its own folder. shop runs a flow with concurrent steps and a
// nested flow, a flow failed at a step, a flow failed by itself, and three
// HTTP requests through the net/http adapter, one of which calls stock
// through logcresthttp.Transport (one trace across the two folders). Then
// a normaliser rewrites the volatile parts (IDs, times, durations, the
// port) to fixed values, so the command's output can be compared with
// golden files.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
)

// fixture is one run of the scenario: the folders LogCrest wrote and their
// normalised copies, and the IDs to look for.
type fixture struct {
	raw  struct{ shop, stock, track string }
	norm struct{ shop, stock, track string }
	// Flow IDs (raw and normalised) by label, and the trace of the request
	// that crossed both services.
	rawIDs, normIDs     map[string]string
	rawTrace, normTrace string
}

var sharedFixture *fixture

// writeFixture writes the scenario into root/raw/{shop,stock} and the
// normalised copies into root/norm/{shop,stock}.
func writeFixture(root string) (*fixture, error) {
	fx := &fixture{rawIDs: map[string]string{}}
	fx.raw.shop, fx.raw.stock = filepath.Join(root, "raw", "shop"), filepath.Join(root, "raw", "stock")
	fx.norm.shop, fx.norm.stock = filepath.Join(root, "norm", "shop"), filepath.Join(root, "norm", "stock")

	shop, err := logcrest.New(logcrest.WithDir(fx.raw.shop), logcrest.WithName("shop"), logcrest.WithConsole(nil), logcrest.WithConfigFile(""), logcrest.WithDetail("full"))
	if err != nil {
		return nil, err
	}
	stock, err := logcrest.New(logcrest.WithDir(fx.raw.stock), logcrest.WithName("stock"), logcrest.WithConsole(nil), logcrest.WithConfigFile(""), logcrest.WithDetail("full"))
	if err != nil {
		return nil, err
	}
	ctx := logcrest.NewContext(context.Background(), shop)
	pause := func() { time.Sleep(2 * time.Millisecond) }

	// A flow with two concurrent steps and a nested flow. The goroutines
	// are sequenced so that the records' order (their seq) is the same on
	// every run: fetch_stock starts, fetch_price starts and ends, then
	// fetch_stock ends; the two overlap.
	err = logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
		fx.rawIDs["checkout"] = logcrest.FlowID(ctx)
		if err := logcrest.Run(ctx, "validate", func(ctx context.Context) error { pause(); return nil }); err != nil {
			return err
		}
		_ = logcrest.SetFlowField(ctx, "user_id", "u-1842")
		_ = logcrest.SetFlowField(ctx, "items", 3)
		started, priced := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- logcrest.Run(ctx, "fetch_stock", func(ctx context.Context) error {
				close(started)
				<-priced
				pause()
				return nil
			})
		}()
		<-started
		err := logcrest.Run(ctx, "fetch_price", func(ctx context.Context) error { pause(); return nil })
		close(priced)
		if err := errors.Join(err, <-done); err != nil {
			return err
		}
		return logcrest.RunFlow(ctx, "reserve", func(ctx context.Context) error { // degraded to a step
			logcrest.Log(ctx).Info().Str("sku", "A-1").Msg("reserving")
			return logcrest.Run(ctx, "lock_rows", func(ctx context.Context) error { pause(); return nil })
		})
	})
	if err != nil {
		return nil, err
	}
	// A flow failed at a step.
	_ = logcrest.RunFlow(ctx, "refund", func(ctx context.Context) error {
		fx.rawIDs["refund"] = logcrest.FlowID(ctx)
		if err := logcrest.Run(ctx, "load_order", func(ctx context.Context) error { pause(); return nil }); err != nil {
			return err
		}
		return logcrest.Run(ctx, "charge_back", func(ctx context.Context) error {
			return errors.New("gateway timeout")
		})
	})
	// A flow failed by itself: its error record is "flow failed".
	_ = logcrest.RunFlow(ctx, "nightly", func(ctx context.Context) error {
		fx.rawIDs["nightly"] = logcrest.FlowID(ctx)
		logcrest.Log(ctx).Warn().Int("pending", 12).Msg("queue not empty")
		return errors.New("lock held by another run")
	})

	// HTTP: stock serves /stock/{sku}; shop serves /orders/{id} (which
	// calls stock), /pay (a failed step, 502) and nothing at /missing.
	stockMux := http.NewServeMux()
	stockMux.HandleFunc("GET /stock/{sku}", func(w http.ResponseWriter, r *http.Request) {
		_ = logcrest.Run(r.Context(), "query_db", func(ctx context.Context) error { pause(); return nil })
		fmt.Fprint(w, "3 left")
	})
	stockSrv := httptest.NewServer(logcresthttp.Handler(stockMux, adapters.WithPipeline(stock)))
	defer stockSrv.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: logcresthttp.Transport(transport)}

	shopMux := http.NewServeMux()
	shopMux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_ = logcrest.Run(ctx, "load_order", func(ctx context.Context) error { pause(); return nil })
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, stockSrv.URL+"/stock/A-1", nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		_ = logcrest.SetFlowField(ctx, "tenant", "acme")
		fmt.Fprintf(w, "order %s", r.PathValue("id"))
	})
	shopMux.HandleFunc("POST /pay", func(w http.ResponseWriter, r *http.Request) {
		err := logcrest.Run(r.Context(), "charge_card", func(context.Context) error {
			pause()
			return errors.New("card declined")
		})
		if err != nil {
			http.Error(w, "payment failed", http.StatusBadGateway)
		}
	})
	shopSrv := httptest.NewServer(logcresthttp.Handler(shopMux, adapters.WithPipeline(shop)))
	defer shopSrv.Close()
	plain := &http.Client{Transport: &http.Transport{}}
	defer plain.CloseIdleConnections()
	for _, rq := range []struct{ method, path, id string }{
		{"GET", "/orders/42?token=secret", "ord-1"},
		{"POST", "/pay", "pay-1"},
		{"GET", "/missing", "miss-1"},
	} {
		req, _ := http.NewRequest(rq.method, shopSrv.URL+rq.path, nil)
		req.Header.Set("X-Request-ID", rq.id)
		resp, err := plain.Do(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fx.rawIDs[rq.id] = resp.Header.Get("X-Flow-ID")
	}
	transport.CloseIdleConnections()
	plain.CloseIdleConnections()
	if err := errors.Join(shop.Close(), stock.Close()); err != nil {
		return nil, err
	}

	// The trace of ord-1 reaches stock.
	end, err := findFlowEnd(fx.raw.shop, fx.rawIDs["ord-1"])
	if err != nil {
		return nil, err
	}
	fx.rawTrace = end["trace_id"].(string)

	n, err := newNormaliser([]string{fx.raw.shop, fx.raw.stock}, 0)
	if err != nil {
		return nil, err
	}
	if err := n.copyTree(fx.raw.shop, fx.norm.shop); err != nil {
		return nil, err
	}
	if err := n.copyTree(fx.raw.stock, fx.norm.stock); err != nil {
		return nil, err
	}
	fx.normIDs = map[string]string{}
	for k, v := range fx.rawIDs {
		fx.normIDs[k] = n.apply(v)
	}
	fx.normTrace = n.apply(fx.rawTrace)
	if err := writeTrackFixture(fx, root); err != nil {
		return nil, fmt.Errorf("track: %w", err)
	}
	return fx, nil
}

// findFlowEnd returns the flow_end of flowID in dir's flows file.
func findFlowEnd(dir, flowID string) (map[string]any, error) {
	var found map[string]any
	err := eachRecord(dir, func(_ string, line []byte) error {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return err
		}
		if m["flow_id"] == flowID && m["flow_type"] == "flow_end" {
			found = m
		}
		return nil
	})
	if err == nil && found == nil {
		err = fmt.Errorf("no flow_end of %s in %s", flowID, dir)
	}
	return found, err
}

// eachRecord calls fn with every line of every file under dir, files in
// name order.
func eachRecord(dir string, fn func(path string, line []byte) error) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".log") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	slices.Sort(paths)
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if err := fn(p, sc.Bytes()); err != nil {
				f.Close()
				return err
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return err
		}
	}
	return nil
}

// The plan: the durations the normalised records claim, per flow and step,
// in ms. origin is the flow's start, from the fixture's base time.
type stepPlan struct{ at, ms float64 }

type flowPlan struct {
	origin, total float64
	steps         map[string]stepPlan
}

var fixtureBase = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

var plans = map[string]flowPlan{
	"checkout": {0, 48, map[string]stepPlan{
		"validate": {0.4, 2.1}, "fetch_stock": {2.7, 30.2}, "fetch_price": {2.9, 17.6},
		"reserve": {33.1, 12.4}, "lock_rows": {34, 9.8},
	}},
	"refund":  {100, 9.3, map[string]stepPlan{"load_order": {0.2, 3.1}, "charge_back": {3.6, 5.2}}},
	"nightly": {200, 1.5, map[string]stepPlan{}},
	"ord-1": {300, 25.4, map[string]stepPlan{
		"load_order": {0.3, 4.2}, "http GET 127.0.0.1:8080": {4.9, 18.7},
	}},
	"stock":  {306.1, 15.2, map[string]stepPlan{"query_db": {1.8, 11.3}}},
	"pay-1":  {400, 7.4, map[string]stepPlan{"charge_card": {0.9, 5.6}}},
	"miss-1": {500, 0.3, map[string]stepPlan{}},
	// The track service (fixture_detail_test.go).
	"track-fail": {600, 12.5, map[string]stepPlan{"load_cart": {0.5, 3.2}, "charge": {4.1, 7.9}}},
	"track-ok":   {700, 3, map[string]stepPlan{"load_item": {0.4, 2.1}}},
	"track-s1":   {800, 5, map[string]stepPlan{"load_item": {0.6, 3.8}}},
	"track-s2":   {900, 40, map[string]stepPlan{"load_item": {0.5, 37.2}}},
}

// normaliser rewrites the volatile parts of records.
type normaliser struct {
	ids   map[string]string // random hex (flow ID suffixes, trace and span IDs) → fixed hex
	plans map[string]string // normalised flow ID → its plan
}

var (
	hex32RE    = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	hex16RE    = regexp.MustCompile(`\b[0-9a-f]{16}\b`)
	hex8RE     = regexp.MustCompile(`\b[0-9a-f]{8}\b`)
	portRE     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	timeRE     = regexp.MustCompile(`"time":"[^"]*"`)
	msRE       = regexp.MustCompile(`"ms":[-+0-9.eE]+`)
	totalMsRE  = regexp.MustCompile(`"total_ms":[-+0-9.eE]+`)
	timelineRE = regexp.MustCompile(`\{"fn":"((?:[^"\\]|\\.)*)","at_ms":[-+0-9.eE]+,"ms":[-+0-9.eE]+`)
)

// newNormaliser reads every record of dirs and works out fixed IDs: flow
// ID suffixes by label, trace IDs by their first flow's label, span IDs by
// flow, step name and occurrence. base offsets the fixed IDs, so folders
// normalised apart do not share them.
func newNormaliser(dirs []string, base int) (*normaliser, error) {
	n := &normaliser{ids: map[string]string{}, plans: map[string]string{}}
	type rec struct {
		Logger, FlowID, TraceID, SpanID, ParentSpanID, Fn, Message, FlowType string
		Seq                                                                  int
	}
	var recs []rec
	for _, d := range dirs {
		err := eachRecord(d, func(_ string, line []byte) error {
			var r struct {
				Logger       string `json:"logger"`
				FlowID       string `json:"flow_id"`
				TraceID      string `json:"trace_id"`
				SpanID       string `json:"span_id"`
				ParentSpanID string `json:"parent_span_id"`
				Fn           string `json:"fn"`
				Message      string `json:"message"`
				FlowType     string `json:"flow_type"`
				Seq          int    `json:"seq"`
			}
			if err := json.Unmarshal(line, &r); err != nil {
				return err
			}
			recs = append(recs, rec{r.Logger, r.FlowID, r.TraceID, r.SpanID, r.ParentSpanID, portRE.ReplaceAllString(r.Fn, "127.0.0.1:8080"), r.Message, r.FlowType, r.Seq})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(recs, func(a, b rec) int {
		if c := strings.Compare(a.FlowID, b.FlowID); c != 0 {
			return c
		}
		return a.Seq - b.Seq
	})

	// Flow IDs, in rounds: a flow whose label holds another flow's ID (a
	// request called with the caller's flow ID as X-Request-ID) after it.
	flowIDs := map[string]bool{}
	for _, r := range recs {
		if r.FlowID != "" {
			flowIDs[r.FlowID] = true
		}
	}
	next := 0
	for round := 0; len(flowIDs) > 0 && round < 4; round++ {
		var ready []string
		for id := range flowIDs {
			label := logread.FlowLabel(id)
			if !hex8RE.MatchString(label) || n.apply(label) != label {
				ready = append(ready, id)
			}
		}
		slices.SortFunc(ready, func(a, b string) int { return strings.Compare(n.apply(a), n.apply(b)) })
		for _, id := range ready {
			suffix := id[len(id)-8:]
			next++
			n.ids[suffix] = fmt.Sprintf("%08x", 0xf1000+base+next)
			delete(flowIDs, id)
		}
	}
	if len(flowIDs) > 0 {
		return nil, fmt.Errorf("flow IDs left unmapped: %v", flowIDs)
	}
	for _, r := range recs {
		if r.FlowID == "" {
			continue
		}
		id := n.apply(r.FlowID)
		switch {
		case r.Logger == "stock":
			n.plans[id] = "stock"
		default:
			n.plans[id] = logread.FlowLabel(id)
		}
	}

	// Traces by their first flow (normalised, sorted); spans by flow, step
	// name and occurrence.
	traceFlow := map[string]string{}
	spanKey := map[string]string{}
	started := map[string]int{}
	for _, r := range recs {
		fid := n.apply(r.FlowID)
		if cur, ok := traceFlow[r.TraceID]; !ok || fid < cur {
			traceFlow[r.TraceID] = fid
		}
		if _, ok := spanKey[r.SpanID]; ok || r.SpanID == "" {
			continue
		}
		switch {
		case r.FlowType != "":
			spanKey[r.SpanID] = fid + "/(flow)"
		case r.Message == "step started" || r.Message == "step finished" || r.Message == "step failed":
			k := fid + "/" + r.Fn
			spanKey[r.SpanID] = fmt.Sprintf("%s#%d", k, started[k])
			started[k]++
		}
	}
	var traces []string
	for t := range traceFlow {
		traces = append(traces, t)
	}
	slices.SortFunc(traces, func(a, b string) int { return strings.Compare(traceFlow[a], traceFlow[b]) })
	for i, t := range traces {
		n.ids[t] = fmt.Sprintf("%032x", 0x7ace0000+base+i+1)
	}
	var spans []string
	for s := range spanKey {
		spans = append(spans, s)
	}
	slices.SortFunc(spans, func(a, b string) int { return strings.Compare(spanKey[a], spanKey[b]) })
	for i, s := range spans {
		n.ids[s] = fmt.Sprintf("%016x", 0x5ba0000+base+i+1)
	}
	return n, nil
}

// apply replaces every known random ID in s by its fixed one.
func (n *normaliser) apply(s string) string {
	for _, re := range []*regexp.Regexp{hex32RE, hex16RE, hex8RE} {
		s = re.ReplaceAllStringFunc(s, func(h string) string {
			if v, ok := n.ids[h]; ok {
				return v
			}
			return h
		})
	}
	return s
}

// line normalises one record: IDs, the port, then the time and durations
// from the plan of its flow.
func (n *normaliser) line(raw []byte) ([]byte, error) {
	s := portRE.ReplaceAllString(n.apply(string(raw)), "127.0.0.1:8080")
	if m := hex32RE.FindString(s); m != "" && !strings.HasPrefix(m, "0000") {
		return nil, fmt.Errorf("unmapped trace ID %s in %s", m, s)
	}
	var r struct {
		FlowID   string `json:"flow_id"`
		FlowType string `json:"flow_type"`
		Fn       string `json:"fn"`
		Message  string `json:"message"`
		Seq      int    `json:"seq"`
	}
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, err
	}
	p, ok := plans[n.plans[r.FlowID]]
	if !ok {
		return nil, fmt.Errorf("no plan for flow %q: %s", r.FlowID, s)
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	at := p.origin
	switch {
	case r.FlowType == "flow_start":
	case r.FlowType == "flow_end" || r.Message == "flow failed":
		at += p.total
		s = totalMsRE.ReplaceAllString(s, `"total_ms":`+num(p.total))
		s = timelineRE.ReplaceAllStringFunc(s, func(m string) string {
			fn := timelineRE.FindStringSubmatch(m)[1]
			sp := p.steps[fn]
			return `{"fn":"` + fn + `","at_ms":` + num(sp.at) + `,"ms":` + num(sp.ms)
		})
		if r.FlowType == "" {
			s = msRE.ReplaceAllString(s, `"ms":`+num(p.total))
		}
	default:
		sp := p.steps[r.Fn]
		at += sp.at
		switch r.Message {
		case "step finished", "step failed":
			at += sp.ms
			s = msRE.ReplaceAllString(s, `"ms":`+num(sp.ms))
		case "step started":
		case "nested flow degraded to a step": // written just before its step starts
			at -= 0.001
		default:
			at += float64(r.Seq) / 1000 // a record logged inside the step
		}
	}
	ts := fixtureBase.Add(time.Duration(at * float64(time.Millisecond))).Format("2006-01-02T15:04:05.000000Z")
	s = timeRE.ReplaceAllString(s, `"time":"`+ts+`"`)
	return []byte(s), nil
}

// copyTree writes the normalised copy of every file under from to to.
func (n *normaliser) copyTree(from, to string) error {
	files := map[string][]byte{}
	err := eachRecord(from, func(p string, line []byte) error {
		out, err := n.line(line)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files[p] = append(append(files[p], out...), '\n')
		return nil
	})
	if err != nil {
		return err
	}
	for p, data := range files {
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// fixtureFor returns the shared fixture, failing the test if it could not
// be written.
func fixtureFor(t *testing.T) *fixture {
	t.Helper()
	if sharedFixture == nil {
		t.Fatal("the fixture was not written (see TestMain)")
	}
	return sharedFixture
}
