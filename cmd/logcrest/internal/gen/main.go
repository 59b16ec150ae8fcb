// Command gen writes a log folder of a given size with LogCrest, the way a
// busy HTTP service would, for benchmarking the logcrest command:
//
//	go run ./cmd/logcrest/internal/gen -dir /tmp/bench/logs -size 1G
//
// Requests go through the net/http adapter (in-process, no network): an
// order lookup (two steps and a log call), a checkout (concurrent steps, a
// nested flow, a failure now and then) and a 404 now and then. Files rotate
// at -max-size and every backup is kept, gzipped with -compress. It prints
// the flow ID and trace ID of a request written halfway through, and the
// bytes written:
//
//	flow_id=ord-123456-0a1b2c3d
//	trace_id=4bf92f3577b34da6a3ce929d0e0e4736
//	bytes=1073741824
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

func main() {
	dir := flag.String("dir", "logs", "log folder to write")
	size := flag.String("size", "1G", "bytes to write: 1G, 200M, 500K or a number")
	name := flag.String("name", "svc", "logger name")
	maxSize := flag.String("max-size", "32M", "size at which a file rotates")
	compress := flag.Bool("compress", false, "gzip the backups")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "goroutines sending requests")
	flag.Parse()
	total, err := parseSize(*size)
	if err != nil {
		fail(err)
	}
	fileSize, err := parseSize(*maxSize)
	if err != nil {
		fail(err)
	}
	p, err := logcrest.New(logcrest.WithDir(*dir), logcrest.WithName(*name), logcrest.WithConsole(nil),
		logcrest.WithConfigFile(""), logcrest.WithMaxSize(fileSize), logcrest.WithBackupCount(100000),
		logcrest.WithCompress(*compress), logcrest.WithLevel("debug"))
	if err != nil {
		fail(err)
	}
	h := logcresthttp.Handler(routes(), adapters.WithPipeline(p))

	var reqs atomic.Int64
	var written atomic.Int64
	var target struct {
		sync.Once
		flowID, traceID string
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := reqs.Add(1)
				req := request(rng, n)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if written.Load() >= total/2 && strings.HasPrefix(req.URL.Path, "/checkout") {
					target.Do(func() {
						target.flowID = rec.Header().Get("X-Flow-ID")
						target.traceID = rec.Header().Get("X-Trace-ID")
					})
				}
			}
		}()
	}
	start := time.Now()
	for {
		time.Sleep(200 * time.Millisecond)
		_ = p.Flush()
		n := folderSize(*dir)
		written.Store(n)
		if n >= total {
			break
		}
	}
	close(stop)
	wg.Wait()
	if err := p.Close(); err != nil {
		fail(err)
	}
	if target.flowID == "" {
		fail(errors.New("no target flow recorded"))
	}
	fmt.Printf("flow_id=%s\ntrace_id=%s\nbytes=%d\nrequests=%d\nseconds=%.1f\n",
		target.flowID, target.traceID, folderSize(*dir), reqs.Load(), time.Since(start).Seconds())
}

// routes is the service: its handlers log and run steps as a real one
// would.
func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := r.PathValue("id")
		logcrest.Log(ctx).Info().Str("order", id).Str("user", "u-"+id[len(id)-3:]).Msg("loading order")
		_ = logcrest.Run(ctx, "load_order", func(ctx context.Context) error { return nil })
		_ = logcrest.Run(ctx, "render", func(ctx context.Context) error { return nil })
		_ = logcrest.SetFlowField(ctx, "order", id)
		fmt.Fprintf(w, "order %s", id)
	})
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		w.Header().Set("X-Trace-ID", logcrest.TraceID(ctx))
		_ = logcrest.SetFlowField(ctx, "user_id", r.Header.Get("X-User"))
		if err := logcrest.Run(ctx, "validate_cart", func(ctx context.Context) error {
			logcrest.Log(ctx).Debug().Int("items", 3).Msg("cart checked")
			return nil
		}); err != nil {
			http.Error(w, "bad cart", http.StatusBadRequest)
			return
		}
		var wg sync.WaitGroup
		for _, fn := range []string{"fetch_stock", "fetch_price"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = logcrest.Run(ctx, fn, func(ctx context.Context) error { return nil })
			}()
		}
		wg.Wait()
		err := logcrest.RunFlow(ctx, "payment", func(ctx context.Context) error { // nested: a step
			return logcrest.Run(ctx, "charge_card", func(ctx context.Context) error {
				if r.Header.Get("X-Fail") != "" {
					return errors.New("card declined")
				}
				return nil
			})
		})
		if err != nil {
			logcrest.Log(ctx).Warn().Err(err).Msg("payment refused")
			http.Error(w, "payment failed", http.StatusBadGateway)
			return
		}
		fmt.Fprint(w, "ok")
	})
	return mux
}

// request returns the n-th request: mostly order lookups, a checkout in
// four, one in fifty a 404; one checkout in thirty fails.
func request(rng *rand.Rand, n int64) *http.Request {
	var r *http.Request
	switch k := rng.IntN(100); {
	case k < 2:
		r = httptest.NewRequest(http.MethodGet, "/nothing/here", nil)
	case k < 27:
		r = httptest.NewRequest(http.MethodPost, "/checkout", nil)
		r.Header.Set("X-User", "u-"+strconv.Itoa(rng.IntN(100000)))
		if rng.IntN(30) == 0 {
			r.Header.Set("X-Fail", "1")
		}
	default:
		r = httptest.NewRequest(http.MethodGet, "/orders/"+strconv.FormatInt(100000+n, 10)+"?token=secret", nil)
	}
	r.Header.Set("X-Request-ID", "req-"+strconv.FormatInt(n, 10))
	return r
}

func folderSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q: want 1G, 200M, 500K or a number of bytes", s)
	}
	return int64(n * float64(mult)), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
