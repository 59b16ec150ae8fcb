// Command results turns the output of `go test -bench` for the bench module
// into RESULTS.md: one table per scenario with the median of every metric
// over the runs (-count) and the ratio to the scenario's reference, the
// machine, the date and the command that reproduces it.
//
//	go run ./cmd/results -in out/raw.txt -out RESULTS.md -nproc "$(nproc)" -go "$(go version)" -command ./run.sh
//
// It reads the standard benchmark format: a line per run, the name (with its
// -GOMAXPROCS suffix), the iteration count, then value-unit pairs. A result
// line that something printed into (the name on one line, the figures on
// the next) is joined back.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	var (
		out     = flag.String("out", "RESULTS.md", "file to write")
		nproc   = flag.String("nproc", "", "output of nproc")
		goVer   = flag.String("go", "", "output of go version")
		command = flag.String("command", "./run.sh", "the command that reproduces the results")
		counts  = flag.String("counts", "", "a note on the -count and -benchtime used")
		conns   = flag.String("server-conns", "", "the load generator's connections of BenchmarkServer (BENCH_SERVER_CONNS)")
		inputs  multiFlag
	)
	flag.Var(&inputs, "in", "raw go test -bench output (repeatable; - for stdin)")
	flag.Parse()
	if len(inputs) == 0 {
		inputs = multiFlag{"-"}
	}

	set := newResults()
	for _, in := range inputs {
		if err := readInput(set, in); err != nil {
			fail(err)
		}
	}
	if len(set.order) == 0 {
		fail(fmt.Errorf("no benchmark results in %s", strings.Join(inputs, ", ")))
	}
	m := machine{nproc: *nproc, goVersion: *goVer, cpu: cpuModel(set.cpu), command: *command, counts: *counts, serverConns: *conns}
	tail := keptTail(*out)
	f, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	w := bufio.NewWriter(f)
	render(w, set, m, time.Now().UTC())
	if tail != "" {
		_, _ = w.WriteString("\n" + tail)
	}
	if err := w.Flush(); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

// keptMarker starts the part of RESULTS.md written by hand (sections of
// benchmarks run.sh does not run), which a new run keeps as it is.
const keptMarker = "<!-- kept by cmd/results: written by hand below -->"

// keptTail is the part of the file at path from keptMarker on, "" when
// the file or the marker is missing.
func keptTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if i := strings.Index(string(b), keptMarker); i >= 0 {
		return string(b[i:])
	}
	return ""
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "results:", err)
	os.Exit(1)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// results holds every sample of every metric of every benchmark, by name
// without the GOMAXPROCS suffix, in the order first seen.
type results struct {
	order   []string
	samples map[string]map[string][]float64
	cpu     string // the "cpu:" header of go test
}

func newResults() *results { return &results{samples: make(map[string]map[string][]float64)} }

func (r *results) add(name, unit string, v float64) {
	m, ok := r.samples[name]
	if !ok {
		m = make(map[string][]float64)
		r.samples[name] = m
		r.order = append(r.order, name)
	}
	m[unit] = append(m[unit], v)
}

// median returns the median of the samples of unit for name, and whether
// there were any.
func (r *results) median(name, unit string) (float64, bool) {
	s := r.samples[name][unit]
	if len(s) == 0 {
		return 0, false
	}
	s = slices.Clone(s)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// runs is the number of samples of ns/op for name.
func (r *results) runs(name string) int { return len(r.samples[name]["ns/op"]) }

var procSuffix = regexp.MustCompile(`-\d+$`)

func readInput(r *results, path string) error {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	return parse(r, in)
}

// parse reads go test -bench output into r.
func parse(r *results, in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	pending := "" // a benchmark name whose figures have not come yet
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok && r.cpu == "" {
			r.cpu = strings.TrimSpace(cpu)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if strings.HasPrefix(fields[0], "Benchmark") {
			if len(fields) == 1 {
				pending = fields[0]
				continue
			}
			pending = ""
			addLine(r, fields[0], fields[1:])
			continue
		}
		if pending != "" && isInt(fields[0]) && len(fields) >= 3 {
			addLine(r, pending, fields)
			pending = ""
		}
	}
	return sc.Err()
}

// addLine records one result line: fields are the iteration count followed
// by value-unit pairs.
func addLine(r *results, name string, fields []string) {
	if len(fields) < 3 || !isInt(fields[0]) {
		return
	}
	name = procSuffix.ReplaceAllString(name, "")
	for i := 1; i+1 < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return
		}
		r.add(name, fields[i+1], v)
	}
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

type machine struct {
	nproc, goVersion, cpu, command, counts string
	serverConns                            string // connections of BenchmarkServer's load generator
}

// cpuModel is the first "model name" of /proc/cpuinfo, else what go test
// printed.
func cpuModel(fromTest string) string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return fromTest
}

// A scenario is one table: the benchmarks under prefix, grouped by their
// parent (every name up to its last '/'), each group measured against its
// ref leaf.
type scenario struct {
	title  string
	intro  string
	prefix []string
	ref    string // leaf name of the reference in each group
	kind   int
}

const (
	kindMicro = iota
	kindHTTP
	kindPersist
	kindStall
	kindServer
)

var scenarios = []scenario{
	{
		title: "1. A log call",
		intro: "A message and ten fields (strings, ints, floats, bool, time, error); `Ctx2` adds two context fields to the logger. " +
			"LogCrest runs its whole pipeline into files (console off); `LogCrestInStep` logs inside a step, its ctx carrying trace_id, span_id, flow_id and fn. " +
			"Peers write to `io.Discard`. Reference: zerolog to `io.Discard` (`ZerologDiscard`) in the same group.",
		prefix: []string{"BenchmarkLogCall/", "BenchmarkLogCallParallel/"},
		ref:    "ZerologDiscard",
		kind:   kindMicro,
	},
	{
		title: "2. A step and a flow",
		intro: "`Step`: one step (entry and exit records) inside a running flow. `Flow`: a flow of five steps. " +
			"Reference: an OpenTelemetry SDK span (`OTel`, batch processor, discarding exporter; the flow is a root span with five children). " +
			"`OTelZerolog` adds an entry and an exit zerolog record per span to `io.Discard`.",
		prefix: []string{"BenchmarkStep/", "BenchmarkFlow/"},
		ref:    "OTel",
		kind:   kindMicro,
	},
	{
		title: "1b. log/slog",
		intro: "The same message and ten attributes through `slog.Logger`: LogCrest's handler (`logcrest.NewSlogHandler`, whole pipeline into files; `LogCrestInStep` inside a step) " +
			"against slog's own JSON handler to `io.Discard` (`JSONDiscard`, the reference) and to a file (`JSONFile`); `LogCrestZerolog` is LogCrest's zerolog call for scale.",
		prefix: []string{"BenchmarkSlog/", "BenchmarkSlogParallel/"},
		ref:    "JSONDiscard",
		kind:   kindMicro,
	},
	{
		title: "3. HTTP middleware",
		intro: "One in-process request (`httptest.NewRecorder` + `ServeHTTP`) to `GET /orders/{id}`. " +
			"*Added* is the median ns/op minus that of the bare router; *× Hlog added* divides it by the added ns of hlog's chain logging to `io.Discard`, " +
			"*× HlogFile added* by that of the same chain logging to a file (synchronously, as zerolog writes), on the same router. " +
			"LogCrest writes its flow records to files (two records a request, written by its background goroutine); the other peers log to `io.Discard`.",
		prefix: []string{"BenchmarkHTTP/"},
		ref:    "Hlog",
		kind:   kindHTTP,
	},
	{
		title: "4. Persistence",
		intro: "1,000,000 ten-field records from one goroutine, then close; *lines/s* counts from the first call to the return of close, " +
			"*lost* is records missing from the files afterwards. Reference: zerolog straight into lumberjack (`ZerologLumberjack`). " +
			"`alerted` is what the diode's alert func reported dropped.",
		prefix: []string{"BenchmarkPersist/"},
		ref:    "ZerologLumberjack",
		kind:   kindPersist,
	},
	{
		title: "5. A stalled disk",
		intro: "A sink that sleeps 1 ms every 100 writes; 200,000 calls from one goroutine, each timed. " +
			"Each run reports percentiles of its calls' latencies; the table shows their medians over the runs. *lost* is records the sink never received. " +
			"Reference: zerolog writing straight into the sink (`Direct`).",
		prefix: []string{"BenchmarkStall/"},
		ref:    "Direct",
		kind:   kindStall,
	},
	{
		title: "6. Server under load",
		intro: "A real HTTP server in a child process (chi, `GET /users/{id}/charge`: two steps and one log call, 200 with a small JSON body), " +
			"loaded over loopback by a raw HTTP/1.1 keep-alive client in the benchmark process, on the same machine. " +
			"The logging variants write the same records: an access record (LogCrest: flow_start and flow_end), an entry and an exit record per step, the log call; " +
			"`logcrest-files` writes its files (console off), `logcrest-console` its files and its text console to stdout, a pipe the benchmark drains; " +
			"`hlog-lumberjack` is zerolog's hlog chain into a lumberjack file, `zap-file` zap's production config into a file (sampling off), `slog-file` slog's JSON handler on a file. " +
			"*cpu µs* is the server process's CPU time (user + system, background goroutines included) per request; *added* is that minus `bare`'s, " +
			"*B/req* is what the server allocated on the heap per request, which paces its garbage collector (*gc/kreq*: collections per 1,000 requests). *× hlog added* divides it by `hlog-lumberjack`'s added (for the `-middleware` rows, by `hlog-middleware`'s: the middleware alone, nothing logged by the handler). *p50*, *p99* are the client's latencies; *allocs*, *writes* (write-type system calls, files and sockets), " +
			"*wbytes* and *ctxsw* (context switches) are the server's, per request. A run fails if a logger's files (or console) miss a record.",
		prefix: []string{"BenchmarkServer/"},
		ref:    "hlog-lumberjack",
		kind:   kindServer,
	},
}

func (s scenario) names(r *results) []string {
	var out []string
	for _, n := range r.order {
		for _, p := range s.prefix {
			if strings.HasPrefix(n, p) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

func parent(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return ""
}

func render(w io.Writer, r *results, m machine, now time.Time) {
	fmt.Fprintf(w, "# LogCrest benchmark results\n\n")
	fmt.Fprintf(w, "Generated by `bench/cmd/results` from `go test -bench` output; do not edit by hand. ")
	fmt.Fprintf(w, "Every figure is the median over the runs (`-count`); ratios are of medians.\n\n")
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	fmt.Fprintf(w, "| date | %s |\n", now.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "| CPU | %s |\n", orDash(m.cpu))
	fmt.Fprintf(w, "| nproc | %s |\n", orDash(m.nproc))
	fmt.Fprintf(w, "| Go | %s |\n", orDash(m.goVersion))
	if m.counts != "" {
		fmt.Fprintf(w, "| runs | %s |\n", m.counts)
	}
	fmt.Fprintf(w, "| reproduce | `%s` |\n\n", m.command)

	renderTargets(w, r)

	for _, s := range scenarios {
		names := s.names(r)
		if len(names) == 0 {
			continue
		}
		fmt.Fprintf(w, "## %s\n\n%s\n\n", s.title, s.intro)
		switch s.kind {
		case kindMicro:
			microTable(w, r, s, names)
		case kindHTTP:
			httpTable(w, r, s, names)
		case kindPersist:
			persistTable(w, r, s, names)
		case kindStall:
			stallTable(w, r, s, names)
		case kindServer:
			serverTable(w, r, s, names, m)
		}
		fmt.Fprintln(w)
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// get is the median of unit for name, NaN when missing.
func get(r *results, name, unit string) float64 {
	if v, ok := r.median(name, unit); ok {
		return v
	}
	return math.NaN()
}

// us formats nanoseconds as microseconds with one decimal.
func us(ns float64) string { return fmt.Sprintf("%.1f", ns/1000) }

func ratio(v, ref float64) string {
	if math.IsNaN(v) || math.IsNaN(ref) || ref == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", v/ref)
}

// num formats v with thousands separators, with decimals below 100.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case math.Abs(v) < 10 && v != math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 2, 64)
	case math.Abs(v) < 100 && v != math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fixed formats v with prec decimals.
func fixed(v float64, prec int) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func display(name string) string {
	return "`" + strings.TrimPrefix(name, "Benchmark") + "`"
}

func microTable(w io.Writer, r *results, s scenario, names []string) {
	fmt.Fprintf(w, "| benchmark | ns/op | × %s | B/op | allocs/op | runs |\n", s.ref)
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|\n")
	for _, n := range names {
		ns := get(r, n, "ns/op")
		ref := get(r, parent(n)+"/"+s.ref, "ns/op")
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d |\n", display(n), num(ns), ratio(ns, ref),
			num(get(r, n, "B/op")), num(get(r, n, "allocs/op")), r.runs(n))
	}
}

func httpTable(w io.Writer, r *results, s scenario, names []string) {
	fmt.Fprintf(w, "| benchmark | ns/op | added ns | × Hlog added | × HlogFile added | B/op | allocs/op | added allocs | runs |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range names {
		bare := parent(n) + "/Bare"
		ns := get(r, n, "ns/op")
		allocs := get(r, n, "allocs/op")
		added, addedAllocs, vsHlog, vsFile := "—", "—", "—", "—"
		if n != bare {
			b := get(r, bare, "ns/op")
			a := ns - b
			added = num(a)
			addedAllocs = num(allocs - get(r, bare, "allocs/op"))
			if h := get(r, parent(n)+"/"+s.ref, "ns/op") - b; h > 0 {
				vsHlog = ratio(a, h)
			}
			if h := get(r, parent(n)+"/"+s.ref+"File", "ns/op") - b; h > 0 {
				vsFile = ratio(a, h)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", display(n), num(ns), added, vsHlog, vsFile,
			num(get(r, n, "B/op")), num(allocs), addedAllocs, r.runs(n))
	}
}

func persistTable(w io.Writer, r *results, s scenario, names []string) {
	fmt.Fprintf(w, "| benchmark | lines/s | × %s | lost | alerted | s/round | B/op | allocs/op | runs |\n", s.ref)
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range names {
		ls := get(r, n, "lines/s")
		ref := get(r, parent(n)+"/"+s.ref, "lines/s")
		alerted := "—"
		if v, ok := r.median(n, "alerted"); ok {
			alerted = num(v)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.2f | %s | %s | %d |\n", display(n), num(ls), ratio(ls, ref),
			num(get(r, n, "lost")), alerted, get(r, n, "ns/op")/1e9,
			num(get(r, n, "B/op")), num(get(r, n, "allocs/op")), r.runs(n))
	}
}

func stallTable(w io.Writer, r *results, s scenario, names []string) {
	fmt.Fprintf(w, "| benchmark | p50 ns | p99 ns | p99.9 ns | max ns | p99.9 × %s | max × %s | lost | B/op | allocs/op | runs |\n", s.ref, s.ref)
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range names {
		ref := parent(n) + "/" + s.ref
		p999, worst := get(r, n, "p99.9-ns"), get(r, n, "max-ns")
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", display(n),
			num(get(r, n, "p50-ns")), num(get(r, n, "p99-ns")), num(p999), num(worst),
			ratio(p999, get(r, ref, "p99.9-ns")), ratio(worst, get(r, ref, "max-ns")),
			num(get(r, n, "lost")), num(get(r, n, "B/op")), num(get(r, n, "allocs/op")), r.runs(n))
	}
}

// serverTable renders BenchmarkServer: one row a variant, with the server's
// CPU per request added over bare's and its ratio to the reference's added
// CPU.
func serverTable(w io.Writer, r *results, s scenario, names []string, m machine) {
	runs := 0
	for _, n := range names {
		runs = max(runs, r.runs(n))
	}
	conns := "the default 32"
	if m.serverConns != "" {
		conns = m.serverConns
	}
	fmt.Fprintf(w, "Medians of %d runs, %s connections.\n\n", runs, conns)
	fmt.Fprintf(w, "| variant | req/s | cpu µs/req | added cpu µs | × hlog added | p50 µs | p99 µs | allocs/req | B/req | gc/kreq | writes/req | wbytes/req | ctxsw/req | runs |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range names {
		bare := parent(n) + "/bare"
		cpu := get(r, n, "cpu-µs/req")
		added, vsRef := "—", "—"
		if n != bare {
			a := cpu - get(r, bare, "cpu-µs/req")
			added = fixed(a, 1)
			ref := s.ref
			if strings.HasSuffix(n, "-middleware") {
				ref = "hlog-middleware" // the middleware alone, against hlog's chain alone
			}
			if h := get(r, parent(n)+"/"+ref, "cpu-µs/req") - get(r, bare, "cpu-µs/req"); h > 0 {
				vsRef = ratio(a, h)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", display(n),
			num(get(r, n, "req/s")), fixed(cpu, 1), added, vsRef,
			num(get(r, n, "p50-µs")), num(get(r, n, "p99-µs")),
			fixed(get(r, n, "allocs/req"), 1), num(get(r, n, "B/req")), fixed(get(r, n, "gc/kreq"), 2),
			fixed(get(r, n, "writes/req"), 2), num(get(r, n, "wbytes/req")),
			fixed(get(r, n, "ctxsw/req"), 2), r.runs(n))
	}
}

// renderTargets checks the medians against the targets the earlier issues
// set, for the rows that are present.
func renderTargets(w io.Writer, r *results) {
	type row struct{ target, measured, verdict string }
	var rows []row
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	has := func(n string) bool { _, ok := r.samples[n]; return ok }

	for _, g := range []string{"BenchmarkLogCall/Fields10", "BenchmarkLogCall/Ctx2"} {
		lc, ref := g+"/LogCrest", g+"/ZerologDiscard"
		if has(lc) && has(ref) {
			x := get(r, lc, "ns/op") / get(r, ref, "ns/op")
			a := get(r, lc, "allocs/op")
			rows = append(rows, row{
				fmt.Sprintf("`%s`: caller ≤ 1.5× zerolog→io.Discard, 0 allocs", strings.TrimPrefix(g, "Benchmark")),
				fmt.Sprintf("%.2f×, %s allocs", x, num(a)), verdict(x <= 1.5 && a == 0)})
		}
	}
	if n := "BenchmarkStep/LogCrest"; has(n) {
		a := get(r, n, "allocs/op")
		rows = append(rows, row{"`Step/LogCrest`: ≤ 4 allocs", num(a) + " allocs", verdict(a <= 4)})
		if ref := "BenchmarkStep/ZerologRecord"; has(ref) {
			x := get(r, n, "ns/op") / get(r, ref, "ns/op")
			rows = append(rows, row{"`Step/LogCrest`: ≤ 3× one zerolog record to io.Discard (`Step/ZerologRecord`)",
				fmt.Sprintf("%s ns vs %s ns (%.2f×)", num(get(r, n, "ns/op")), num(get(r, ref, "ns/op")), x), verdict(x <= 3)})
		}
	}
	const srv = "BenchmarkServer/"
	if has(srv+"bare") && has(srv+"logcrest-files") && has(srv+"hlog-lumberjack") {
		bare := get(r, srv+"bare", "cpu-µs/req")
		lc := get(r, srv+"logcrest-files", "cpu-µs/req") - bare
		h := get(r, srv+"hlog-lumberjack", "cpu-µs/req") - bare
		rows = append(rows, row{"`Server/logcrest-files`: CPU added per request ≤ 0.5× hlog→lumberjack's added",
			fmt.Sprintf("%s µs vs %s µs (%s)", fixed(lc, 1), fixed(h, 1), ratio(lc, h)), verdict(lc <= 0.5*h)})
		for _, peer := range []string{"zap-file", "slog-file"} {
			if has(srv + peer) {
				p := get(r, srv+peer, "cpu-µs/req") - bare
				rows = append(rows, row{fmt.Sprintf("`Server/logcrest-files`: CPU added per request below `%s`'s", peer),
					fmt.Sprintf("%s µs vs %s µs (%s)", fixed(lc, 1), fixed(p, 1), ratio(lc, p)), verdict(lc < p)})
			}
		}
		if has(srv + "logcrest-middleware") {
			mw := get(r, srv+"logcrest-middleware", "cpu-µs/req") - bare
			measured := fixed(mw, 1) + " µs"
			if has(srv + "hlog-middleware") {
				hm := get(r, srv+"hlog-middleware", "cpu-µs/req") - bare
				measured += fmt.Sprintf(" (hlog's chain alone: %s µs, %s)", fixed(hm, 1), ratio(mw, hm))
			}
			rows = append(rows, row{"`Server/logcrest-middleware`: CPU added per request ≤ 3 µs", measured, verdict(mw <= 3)})
		}
	}
	for _, router := range []string{"NetHTTP", "Chi", "Gin", "Echo"} {
		g := "BenchmarkHTTP/" + router
		if !has(g+"/LogCrest") || !has(g+"/Bare") {
			continue
		}
		bare := get(r, g+"/Bare", "ns/op")
		a := get(r, g+"/LogCrest", "ns/op") - bare
		if router == "NetHTTP" || router == "Chi" {
			x := get(r, g+"/LogCrest", "allocs/op") - get(r, g+"/Bare", "allocs/op")
			rows = append(rows, row{fmt.Sprintf("`HTTP/%s/LogCrest`: ≤ 2 allocs added", router), num(x) + " allocs", verdict(x <= 2)})
		}
		for _, peer := range []struct{ name, sink string }{{"Hlog", "io.Discard"}, {"HlogFile", "a file"}} {
			if has(g + "/" + peer.name) {
				h := get(r, g+"/"+peer.name, "ns/op") - bare
				rows = append(rows, row{fmt.Sprintf("`HTTP/%s/LogCrest`: added ≤ hlog's added, hlog writing to %s", router, peer.sink),
					fmt.Sprintf("%s ns vs %s ns (%s)", num(a), num(h), ratio(a, h)), verdict(a <= h)})
			}
		}
	}
	if lc, ref := "BenchmarkPersist/LogCrest", "BenchmarkPersist/ZerologLumberjack"; has(lc) && has(ref) {
		x := get(r, lc, "lines/s") / get(r, ref, "lines/s")
		lost := get(r, lc, "lost")
		rows = append(rows, row{"`Persist/LogCrest`: lines/s ≥ 2× zerolog→lumberjack, 0 lost",
			fmt.Sprintf("%.2f×, %s lost", x, num(lost)), verdict(x >= 2 && lost == 0)})
	}
	if n := "BenchmarkStall/LogCrestRing"; has(n) {
		p := get(r, n, "p99.9-ns")
		lost := get(r, n, "lost")
		floor := ""
		if f := "BenchmarkStall/Floor"; has(f) {
			floor = fmt.Sprintf(" (the machine's own floor for the timed call: %s µs)", us(get(r, f, "p99.9-ns")))
		}
		rows = append(rows, row{"`Stall/LogCrestRing`: caller p99.9 ≤ 20 µs, 0 lost",
			fmt.Sprintf("%s µs, %s lost%s", us(p), num(lost), floor), verdict(p <= 20000 && lost == 0)})
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "## Targets\n\nThe targets of the earlier issues, checked against the medians below.\n\n")
	fmt.Fprintf(w, "| target | measured | |\n|---|---|---|\n")
	for _, x := range rows {
		fmt.Fprintf(w, "| %s | %s | %s |\n", x.target, x.measured, x.verdict)
	}
	fmt.Fprintln(w)
}
