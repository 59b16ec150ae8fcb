package logcresthttp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	nethttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/internal/core"
)

// routineBytes runs n routine requests (two steps, one info record each)
// through the middleware on a pipeline with the default settings, files in
// a temp folder and no console, and returns the bytes each stream's folder
// got per request and the size flows/ takes gzipped per request.
func routineBytes(t *testing.T, n int) (perStream map[string]float64, flowsGz float64) {
	t.Helper()
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithConsole(nil), logcrest.WithConfigFile(""))
	if err != nil {
		t.Fatal(err)
	}
	h := nethttp.Middleware(adapters.WithPipeline(p))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_ = logcrest.Run(ctx, "load_order", func(ctx context.Context) error { return nil })
		_ = logcrest.Run(ctx, "render", func(ctx context.Context) error { return nil })
		logcrest.Log(ctx).Info().Str("order", "42").Msg("order served")
		w.WriteHeader(http.StatusOK)
	}))
	for range n {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/orders/42", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	perStream = map[string]float64{}
	var flows []byte
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		perStream[filepath.Dir(rel)] += float64(len(data)) / float64(n)
		if filepath.Dir(rel) == "flows" {
			flows = append(flows, data...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(flows)
	_ = zw.Close()
	return perStream, float64(gz.Len()) / float64(n)
}

// TestDefaultRetentionKeepsHalfAnHourAt1000PerSecond: the claim of
// docs/configuration.md ("Retention"), computed from measured bytes. A
// routine request (two steps, one info record) writes its flow_end alone
// to flows/ under buffered detail; the rotated files the defaults keep
// (BackupCount full files of MaxSize, the live one on top) must hold at
// least 30 minutes of it at 1,000 requests/s, within 1.1 GiB a stream.
func TestDefaultRetentionKeepsHalfAnHourAt1000PerSecond(t *testing.T) {
	const rate, wantMinutes = 1000.0, 30.0
	per, gz := routineBytes(t, 2000)
	d := core.Defaults()
	kept := float64(d.BackupCount) * float64(d.MaxSize) // the live file's share is a bonus
	budget := float64(d.BackupCount+1) * float64(d.MaxSize)
	for _, stream := range []string{"flows", "success"} {
		if per[stream] <= 0 {
			t.Fatalf("%s/ got no bytes: %v", stream, per)
		}
		minutes := kept / (per[stream] * rate) / 60
		t.Logf("%s/: %.0f B a routine request; the defaults keep %.1f min at %.0f requests/s", stream, per[stream], minutes, rate)
		if minutes < wantMinutes {
			t.Errorf("%s/ keeps %.1f min at %.0f requests/s (%.0f B a request), want >= %.0f", stream, minutes, rate, per[stream], wantMinutes)
		}
	}
	if per["error"] != 0 {
		t.Errorf("error/ got %.1f B a routine request, want 0", per["error"])
	}
	if budget > 1.1*(1<<30) {
		t.Errorf("a stream may take %.0f MiB, over the 1.1 GiB budget", budget/(1<<20))
	}
	t.Logf("flows/ gzipped: %.0f B a request (compress on keeps ~%.0fx longer per disk byte)", gz, per["flows"]/gz)
}
