//go:build linux

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// peakRSS runs the command in a child process with args and returns its
// peak resident memory (VmHWM) and what it printed, within a deadline of
// its own.
func peakRSS(t *testing.T, args ...string) (int64, result) {
	t.Helper()
	a, _ := json.Marshal(args)
	peakFile := filepath.Join(t.TempDir(), "peak")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(a), childPeakEnv+"="+peakFile)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("logcrest %q still running after 30 s", args)
	}
	r := result{cmd.ProcessState.ExitCode(), out.String(), errOut.String()}
	b, err := os.ReadFile(peakFile)
	kb, err2 := strconv.ParseInt(strings.TrimSuffix(string(b), " kB"), 10, 64)
	if err != nil || err2 != nil {
		t.Fatalf("logcrest %q: no peak RSS (%v, %v); exit %d, stderr %s", args, err, err2, r.code, r.stderr)
	}
	return kb << 10, r
}

// writeBomb writes a gzipped backup, about 0.5 % of its inflated size: a
// line of lineSize 'a's, then flow_end records of one flow ID, each with
// its own route and a long error, up to size bytes inflated. It returns
// the number of records.
func writeBomb(t *testing.T, path string, lineSize, size int) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	w := bufio.NewWriterSize(zw, 1<<20)
	a := bytes.Repeat([]byte("a"), 1<<20)
	n := 0
	for n < lineSize {
		w.Write(a)
		n += len(a)
	}
	w.WriteString("\n")
	pad := strings.Repeat("x", 300)
	i := 0
	for ; n < size; i++ {
		k, _ := fmt.Fprintf(w, `{"time":"2026-03-14T09:00:00.000Z","level":"error","logger":"bomb","trace_id":"t","span_id":"s","flow_id":"bomb-0badc0de","seq":%d,"flow_type":"flow_end","flow_status":"failed","total_ms":%d,"steps":1,"method":"GET","route":"/r/%d","flow_error":"%s","message":"flow failed"}`+"\n", i, i%1000, i, pad)
		n += k
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return i
}

// A gzip bomb does not exhaust memory: a backup of under 1 MB that
// inflates to 80 MiB (one line of 40 MiB, then 75,000 records of one
// flow, each its own route) makes flows, show, stats and tail (the bomb
// named as a file) each use at most 64 MiB more than the same command on
// a small folder, measured as the peak RSS of a child process. The long
// line is skipped and reported once, the records past show's and stats'
// bounds are said to be left out. (It takes a few seconds: 80 MiB are
// inflated and, by show, decoded, per command.)
func TestGzipBombMemoryIsBounded(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector multiplies memory use: run without -race")
	}
	fx := fixtureFor(t)
	dir := t.TempDir()
	copyDir(t, fx.norm.shop, dir)
	bomb := filepath.Join(dir, "flows", "shop-2026-03-14T08-00-00.000.log.gz")
	records := writeBomb(t, bomb, 40<<20, 80<<20)
	if info, err := os.Stat(bomb); err != nil || info.Size() > 2<<20 {
		t.Fatalf("the bomb: %v, %d bytes", err, info.Size())
	}
	small := filepath.Join(fx.norm.shop, "flows", "shop.log")
	const bound = 64 << 20
	long := "logcrest: skipped 1 line longer than 1 MiB: " + bomb + " (1)\n"
	for _, c := range []struct {
		args, base []string
		stderr     []string // besides long
		stdout     string
	}{
		{[]string{"flows", "-n", "1", "--json", "--route", "/r/*", "--dir", dir}, []string{"flows", "-n", "1", "--json", "--dir", fx.norm.shop}, nil,
			fmt.Sprintf(`"route":"/r/%d"`, records-1)},
		{[]string{"show", "bomb-0badc0de", "--dir", dir}, []string{"show", fx.normIDs["checkout"], "--dir", fx.norm.shop},
			[]string{fmt.Sprintf("logcrest: warning: %d more records of \"bomb-0badc0de\" not shown: show holds %d records", records-showMaxRecords, showMaxRecords)},
			fmt.Sprintf("records of bomb-0badc0de (%d, in seq order)", showMaxRecords)},
		{[]string{"stats", "--dir", dir}, []string{"stats", "--dir", fx.norm.shop},
			[]string{fmt.Sprintf("logcrest: warning: more than %d routes and labels: the flows of the others are counted under %q\n", statsMaxGroups, otherGroups)},
			otherGroups},
		{[]string{"tail", bomb}, []string{"tail", small}, nil, fmt.Sprintf("route=/r/%d", records-1)},
	} {
		base, r0 := peakRSS(t, c.base...)
		if r0.code != 0 {
			t.Fatalf("%q: exit %d, stderr %s", c.base, r0.code, r0.stderr)
		}
		peak, r := peakRSS(t, c.args...)
		t.Logf("%q: peak RSS %d MiB, on the small folder %d MiB", c.args, peak>>20, base>>20)
		if peak-base > bound {
			t.Errorf("%q: peak RSS %d MiB, %d MiB over the small folder's (bound %d MiB)", c.args, peak>>20, (peak-base)>>20, bound>>20)
		}
		if r.code != 0 || !strings.Contains(r.stdout, c.stdout) {
			t.Errorf("%q: exit %d, no %q in stdout (%d bytes)", c.args, r.code, c.stdout, len(r.stdout))
		}
		if strings.Count(r.stderr, "longer than") != 1 || !strings.Contains(r.stderr, long) {
			t.Errorf("%q: the long line not reported once as %q in\n%s", c.args, long, r.stderr)
		}
		for _, w := range c.stderr {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%q: no %q in\n%s", c.args, w, r.stderr)
			}
		}
	}
}
