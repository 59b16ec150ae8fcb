package main

// The track service of the fixture: LogCrest's production default
// (detail=buffered) with sampling 1 in 4 of routine flows. A failed
// request logs debug records and runs steps, all held in its flow's
// memory and written at its end, after the step's failure record; routine
// requests leave their flow_end alone, and only those whose trace is
// sampled in, each with "sample_rate":4. The trace IDs are chosen (sent
// as traceparent) so that which flows sampling keeps is the same on every
// run.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// trackSampling is the track service's sampling of routine flows: 1 in 4.
const trackSampling = 4

// trackRequests are the track service's requests in order: the label
// (X-Request-ID), the path, and whether its trace is sampled in (its low
// 56 bits under 2^56/4).
var trackRequests = []struct {
	id, method, path string
	in               bool
}{
	{"track-fail", "POST", "/track/charge", false}, // failed: kept whatever its trace
	{"track-ok", "GET", "/track/1", true},
	{"track-out1", "GET", "/track/2", false},
	{"track-s1", "GET", "/track/3", true},
	{"track-out2", "GET", "/track/4", false},
	{"track-out3", "GET", "/track/5", false},
	{"track-s2", "GET", "/track/6", true},
	{"track-out4", "GET", "/track/7", false},
}

// trackTraceparent is the traceparent of the i-th request: sampled in
// when its trace's low 56 bits are small, out when they are large.
func trackTraceparent(i int, in bool) string {
	low := uint64(0x10 + i)
	if !in {
		low |= 0xf0 << 48
	}
	return fmt.Sprintf("00-%016x%016x-%016x-01", 0x5ca1ab1e00000000+uint64(i), low, 0xcafe0000+uint64(i))
}

// writeTrackFixture runs the track service into root/raw/track and
// writes its normalised copy into root/norm/track, adding its flow IDs to
// fx's.
func writeTrackFixture(fx *fixture, root string) error {
	fx.raw.track = filepath.Join(root, "raw", "track")
	fx.norm.track = filepath.Join(root, "norm", "track")
	track, err := logcrest.New(logcrest.WithDir(fx.raw.track), logcrest.WithName("track"), logcrest.WithConsole(nil),
		logcrest.WithConfigFile(""), logcrest.WithSampling(trackSampling))
	if err != nil {
		return err
	}
	srv := httptest.NewServer(logcresthttp.Handler(trackMux(), adapters.WithPipeline(track)))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	raw := map[string]string{}
	for i, rq := range trackRequests {
		req, _ := http.NewRequest(rq.method, srv.URL+rq.path, nil)
		req.Header.Set("X-Request-ID", rq.id)
		req.Header.Set("traceparent", trackTraceparent(i, rq.in))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		raw[rq.id] = resp.Header.Get("X-Flow-ID")
	}
	client.CloseIdleConnections()
	if err := track.Close(); err != nil {
		return err
	}
	n, err := newNormaliser([]string{fx.raw.track}, 0x1000)
	if err != nil {
		return err
	}
	if err := n.copyTree(fx.raw.track, fx.norm.track); err != nil {
		return err
	}
	for k, v := range raw {
		fx.rawIDs[k] = v
		fx.normIDs[k] = n.apply(v)
	}
	return nil
}

// trackMux serves GET /track/{id} (a step and a debug record: routine)
// and POST /track/charge (debug records in two steps, the second failed:
// 502).
func trackMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /track/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = logcrest.Run(r.Context(), "load_item", func(ctx context.Context) error {
			logcrest.Log(ctx).Debug().Str("item", r.PathValue("id")).Msg("cache miss")
			return nil
		})
		fmt.Fprint(w, "item")
	})
	mux.HandleFunc("POST /track/charge", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logcrest.Log(ctx).Info().Msg("charging the cart")
		_ = logcrest.Run(ctx, "load_cart", func(ctx context.Context) error {
			logcrest.Log(ctx).Debug().Int("items", 2).Msg("cart loaded")
			return nil
		})
		err := logcrest.Run(ctx, "charge", func(ctx context.Context) error {
			logcrest.Log(ctx).Debug().Str("gateway", "acme-pay").Msg("calling the gateway")
			return errors.New("card declined")
		})
		if err != nil {
			http.Error(w, "payment failed", http.StatusBadGateway)
		}
	})
	return mux
}
