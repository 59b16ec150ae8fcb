package rpc_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logcrest/logcrest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestShowThreeServices: the three services of TestThreeServices, each
// writing its own folder, then `logcrest show <trace> --dir shop --dir
// orders --dir stock`: one picture, each callee's flow under the client
// step that called it. The records are normalised (IDs, times,
// durations, ports) before the command reads them, so its output is
// compared with testdata/show_rpc.golden (-update rewrites it).
func TestShowThreeServices(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "logcrest")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bin, "github.com/logcrest/logcrest/cmd/logcrest")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	raw := map[string]string{}
	pipes := map[string]*logcrest.Pipeline{}
	for _, name := range services {
		raw[name] = filepath.Join(root, "raw", name)
		p, err := logcrest.New(logcrest.WithDir(raw[name]), logcrest.WithName(name), logcrest.WithConsole(nil),
			logcrest.WithConfigFile(""), logcrest.WithDetail("full"))
		if err != nil {
			t.Fatal(err)
		}
		pipes[name] = p
	}

	// stock (Connect) ← orders (gRPC) ← shop (HTTP, chi).
	callThreeServices(t, pipes["shop"], pipes["orders"], pipes["stock"])
	// Each service's flow ends before its answer is sent; closing the
	// pipelines writes their records out.
	var errs []error
	for _, name := range services {
		errs = append(errs, pipes[name].Close())
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	norm := normalise(t, raw, filepath.Join(root, "norm"))
	args := []string{"show", norm.trace, "--width", "110", "--color", "never", "--config", ""}
	for _, name := range services {
		args = append(args, "--dir", filepath.Join(root, "norm", name))
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LOGCREST_DIR=", "LOGCREST_NAME=", "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("logcrest %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	got = []byte(strings.ReplaceAll(string(got), root, "ROOT"))

	golden := filepath.Join("testdata", "show_rpc.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("logcrest show differs from %s (-update rewrites it)\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

// services are the three folders, in call order.
var services = []string{"shop", "orders", "stock"}

// plan is what the normalised records of each service's flow claim:
// its start and length (ms after the base time), and its step's.
var plan = map[string]struct{ origin, total, stepAt, stepMs float64 }{
	"shop":   {0, 30, 1.5, 26},
	"orders": {3.2, 21.4, 1.1, 18.2},
	"stock":  {5.6, 12.3, 0, 0},
}

var (
	showBase   = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	hexRE      = regexp.MustCompile(`\b([0-9a-f]{32}|[0-9a-f]{16}|[0-9a-f]{8})\b`)
	portRE     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	timeRE     = regexp.MustCompile(`"time":"[^"]*"`)
	msRE       = regexp.MustCompile(`"ms":[-+0-9.eE]+`)
	totalMsRE  = regexp.MustCompile(`"total_ms":[-+0-9.eE]+`)
	timelineRE = regexp.MustCompile(`"at_ms":[-+0-9.eE]+,"ms":[-+0-9.eE]+`)
)

type normalised struct{ trace string }

// normalise copies every record of raw's folders to out/<service>, with
// IDs numbered in the order they first appear (service by service, file
// by file), loopback ports fixed, and times and durations taken from
// plan.
func normalise(t *testing.T, raw map[string]string, out string) normalised {
	t.Helper()
	ids := map[string]string{}
	fixed := func(s string) string {
		return hexRE.ReplaceAllStringFunc(s, func(h string) string {
			if v, ok := ids[h]; ok {
				return v
			}
			v := fmt.Sprintf("%0*x", len(h), 0x7ace00+len(ids)+1)
			ids[h] = v
			return v
		})
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	var n normalised
	for _, name := range services {
		p := plan[name]
		var files []string
		_ = filepath.WalkDir(raw[name], func(path string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && strings.HasSuffix(path, ".log") {
				files = append(files, path)
			}
			return err
		})
		slices.Sort(files)
		if len(files) == 0 {
			t.Fatalf("%s wrote no log file", name)
		}
		for _, path := range files {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				s := portRE.ReplaceAllString(fixed(sc.Text()), "127.0.0.1:8080")
				var r struct {
					FlowType string `json:"flow_type"`
					Message  string `json:"message"`
					TraceID  string `json:"trace_id"`
					Seq      int    `json:"seq"`
				}
				if err := json.Unmarshal([]byte(s), &r); err != nil {
					t.Fatalf("%s: %v: %s", path, err, s)
				}
				if n.trace == "" {
					n.trace = r.TraceID
				}
				at := p.origin
				switch {
				case r.FlowType == "flow_start":
				case r.FlowType == "flow_end":
					at += p.total
					s = totalMsRE.ReplaceAllString(s, `"total_ms":`+num(p.total))
					s = timelineRE.ReplaceAllString(s, `"at_ms":`+num(p.stepAt)+`,"ms":`+num(p.stepMs))
				case r.Message == "step started":
					at += p.stepAt
				case r.Message == "step finished" || r.Message == "step failed":
					at += p.stepAt + p.stepMs
					s = msRE.ReplaceAllString(s, `"ms":`+num(p.stepMs))
				default:
					at += float64(r.Seq) / 1000
				}
				ts := showBase.Add(time.Duration(at * float64(time.Millisecond))).Format("2006-01-02T15:04:05.000000Z")
				s = timeRE.ReplaceAllString(s, `"time":"`+ts+`"`)
				buf.WriteString(s + "\n")
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(raw[name], path)
			dst := filepath.Join(out, name, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n.trace == "" {
		t.Fatal("no trace ID in the records")
	}
	return n
}
