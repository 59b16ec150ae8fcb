package main

// Golden output of show, flows and stats on the normalised fixture. Run
// with -update to rewrite testdata/*.golden, then read the diff.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixedNow is the "now" --since counts back from in the golden runs: a
// second after the fixture's last flow.
const fixedNow = "2026-03-14T09:26:54Z"

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -run '%s' -update rewrites it)\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

func TestGolden(t *testing.T) {
	fx := fixtureFor(t)
	shop, stock, track := fx.norm.shop, fx.norm.stock, fx.norm.track
	cases := []struct {
		name string
		args []string
	}{
		// A flow with concurrent steps and a nested flow (degraded to a step).
		{"show_checkout", []string{"show", fx.normIDs["checkout"], "--dir", shop, "--width", "110"}},
		// A flow failed at its second step.
		{"show_refund", []string{"show", fx.normIDs["refund"], "--dir", shop, "--width", "110"}},
		// A flow failed by itself: its error record is "flow failed".
		{"show_nightly", []string{"show", fx.normIDs["nightly"], "--dir", shop, "--width", "110"}},
		// A request that failed at a step (502).
		{"show_request", []string{"show", fx.normIDs["pay-1"], "--dir", shop, "--width", "110"}},
		// One trace, two services: stock's flow under shop's outbound step.
		{"show_trace", []string{"show", fx.normTrace, "--dir", shop, "--dir", stock, "--width", "120"}},
		{"flows", []string{"flows", "--dir", shop, "--dir", stock}},
		{"flows_failed", []string{"flows", "--failed", "--dir", shop}},
		{"flows_json", []string{"flows", "--json", "--status", "5xx,404", "--dir", shop}},
		{"flows_since", []string{"flows", "--since", "700ms", "--now", fixedNow, "--min-ms", "1", "--dir", shop}},
		{"stats", []string{"stats", "--dir", shop, "--dir", stock}},
		{"stats_json", []string{"stats", "--json", "--route", "/orders/*", "--dir", shop}},
		// The track service, in the default detail=buffered mode with
		// sampling 1 in 4: a failed request whose held records were
		// written at its end, after its step's failure record; a routine
		// request kept by sampling, of which only flow_end was written.
		{"show_buffered", []string{"show", fx.normIDs["track-fail"], "--dir", track, "--width", "110"}},
		{"show_sampled", []string{"show", fx.normIDs["track-s1"], "--dir", track, "--width", "110"}},
		{"flows_sampled", []string{"flows", "--dir", track}},
		{"flows_sampled_json", []string{"flows", "--json", "--dir", track}},
		{"stats_sampled", []string{"stats", "--dir", track}},
		{"stats_sampled_json", []string{"stats", "--json", "--dir", track}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCmd(t, "", nil, c.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			// The fixture's folder is a temporary one.
			checkGolden(t, c.name, strings.ReplaceAll(r.stdout, filepath.Dir(filepath.Dir(shop)), "$ROOT"))
		})
	}
}
