package bench_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scenario 6: a server under load. Each variant of serverVariants (bare,
// logcrest-files, logcrest-console, hlog-lumberjack, zap-file, slog-file)
// runs as a real HTTP server in a child process, the test binary run again
// with BENCH_SERVER_CHILD set, listening on 127.0.0.1. The benchmark is the
// load generator: serverConns keep-alive connections, one goroutine each,
// sending GET /users/42/charge one request after another and checking each
// answer. b.N is the number of requests, split across the connections.
//
// The child's stdout is a pipe that the benchmark drains (counting lines),
// as a container runtime would: it is where logcrest-console's console
// goes. A second listener in the child, outside every middleware, answers
// what the process has used (serverSnapshot); the benchmark takes one
// after the warm-up and one after the measured requests and reports:
//
//	req/s       requests answered per second of wall time (ns/op is its
//	            inverse: wall time per request, all connections at once)
//	cpu-µs/req  CPU time (user + system) of the child, every goroutine,
//	            the loggers' background writers included
//	p50-µs      the median and the 99th percentile of the requests'
//	p99-µs      latencies, as the client sees them
//	allocs/req  heap allocations in the child
//	B/req       bytes the child allocated on the heap (what paces its GC)
//	writes/req  write-type system calls of the child (files and sockets:
//	            bare makes about one, its response)
//	wbytes/req  bytes those calls wrote
//	disk-B/req  growth of the files under the child's folder (a logger
//	            still buffering at the end of the window counts in the next)
//	ctxsw/req   context switches of the child
//	gc/kreq     garbage collections per 1,000 requests
//
// The load generator shares the machine with the server, so req/s and the
// latencies are those of this machine with a client on it; cpu-µs/req is
// the server's alone. A metric the platform cannot measure (writes off
// Linux, CPU and context switches off Unix) is left out.
//
// The child of a variant is started on the first run of its sub-benchmark,
// warmed up with serverWarmup requests and kept for the later runs: go test
// runs each sub-benchmark with b.N = 1 first, and -count repeats it in a
// row (run.sh runs go test once a run instead, which interleaves the
// variants). When the sub-benchmark is done the child is stopped, which
// closes its logger, and the lines in its files (and, for
// logcrest-console, on its stdout) are counted: fewer than the requests
// answered times the variant's records per request fails the benchmark, as
// a logger that dropped records would not have done the same work.
//
// Run it with a fixed request count:
//
//	go test -run '^$' -bench '^BenchmarkServer$' -benchtime 60000x
//
// BENCH_SERVER_CONNS sets the connections (default 32);
// BENCH_SERVER_CPUPROFILE=<path> (and BENCH_SERVER_BLOCKPROFILE,
// BENCH_SERVER_MUTEXPROFILE, BENCH_SERVER_ALLOCPROFILE) makes each child write a profile of its last
// measured window to <path>.<variant>.
func BenchmarkServer(b *testing.B) {
	conns := serverConns(b)
	for _, v := range serverVariants {
		dir := b.TempDir()
		var child *serverChild
		b.Run(v.name, func(b *testing.B) {
			if child == nil {
				var err error
				if child, err = startServerChild(v, dir, conns); err != nil {
					b.Fatal(err)
				}
			}
			benchServer(b, child)
		})
		if child != nil {
			if err := child.stopAndVerify(); err != nil {
				b.Errorf("%s: %v", v.name, err)
			} else if msg := bytes.TrimSpace(child.stderr.Bytes()); len(msg) > 0 {
				b.Logf("%s: the server wrote to stderr: %s", v.name, msg)
			}
		}
		_ = os.RemoveAll(dir) // now, not at the end: a variant leaves up to a few hundred MB of records
	}
}

const (
	serverDefaultConns = 32
	serverWarmup       = 2000 // requests before the first measured run of a child
)

// serverConns is BENCH_SERVER_CONNS, else serverDefaultConns.
func serverConns(b *testing.B) int {
	s := os.Getenv("BENCH_SERVER_CONNS")
	if s == "" {
		return serverDefaultConns
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("BENCH_SERVER_CONNS=%q: want a positive number of connections", s)
	}
	return n
}

// benchServer measures b.N requests to the child and reports the metrics.
func benchServer(b *testing.B, c *serverChild) {
	c.prepare(b.N)
	before, err := c.admin("start")
	if err != nil {
		b.Fatal(err)
	}
	diskBefore, err := dirBytes(c.dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	err = c.run()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	after, err := c.admin("stop")
	if err != nil {
		b.Fatal(err)
	}
	diskAfter, err := dirBytes(c.dir)
	if err != nil {
		b.Fatal(err)
	}

	n := float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "req/s")
	if before.CPUNanos >= 0 && after.CPUNanos >= 0 {
		b.ReportMetric(float64(after.CPUNanos-before.CPUNanos)/1e3/n, "cpu-µs/req")
	}
	lat := c.latencies()
	b.ReportMetric(percentile(lat, 50).Seconds()*1e6, "p50-µs")
	b.ReportMetric(percentile(lat, 99).Seconds()*1e6, "p99-µs")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/req")
	b.ReportMetric(float64(after.AllocBytes-before.AllocBytes)/n, "B/req")
	if before.WriteCalls >= 0 && after.WriteCalls >= 0 {
		b.ReportMetric(float64(after.WriteCalls-before.WriteCalls)/n, "writes/req")
		b.ReportMetric(float64(after.WriteBytes-before.WriteBytes)/n, "wbytes/req")
	}
	b.ReportMetric(float64(diskAfter-diskBefore)/n, "disk-B/req")
	if before.CtxSwitches >= 0 && after.CtxSwitches >= 0 {
		b.ReportMetric(float64(after.CtxSwitches-before.CtxSwitches)/n, "ctxsw/req")
	}
	b.ReportMetric(float64(after.GCs-before.GCs)*1000/n, "gc/kreq")
}

// percentile is the nearest-rank p-th percentile of sorted, 0 when empty.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100 // ceil(len*p/100), the rank, from 1
	return sorted[max(i, 1)-1]
}

// A serverChild is a running child process serving one variant, and the
// load generator's connections to it.
type serverChild struct {
	variant   serverVariant
	dir       string
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	stderr    bytes.Buffer // read after cmd.Wait only
	adminAddr string       // the admin listener
	client    *http.Client // for the admin endpoint only

	conns []*loadConn

	// The stdout drain: the lines after the "listening" line, and the
	// error that ended it, valid once drained is closed.
	drained      chan struct{}
	consoleLines int64
	drainErr     error

	stopOnce sync.Once
	stopErr  error
}

// startServerChild starts the child of v writing under dir, opens conns
// connections to it and warms it up.
func startServerChild(v serverVariant, dir string, conns int) (*serverChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c := &serverChild{
		variant: v,
		dir:     dir,
		cmd:     exec.Command(exe),
		client:  &http.Client{Timeout: time.Minute},
		drained: make(chan struct{}),
	}
	c.cmd.Env = append(childEnv(), serverChildEnv+"="+v.name, serverDirEnv+"="+dir)
	c.cmd.Stderr = &c.stderr
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}

	// The first line says where the child listens; a child that has not
	// said it in 30 s is killed, which ends the read.
	out := bufio.NewReaderSize(stdout, 64<<10)
	kill := time.AfterFunc(30*time.Second, func() { _ = c.cmd.Process.Kill() })
	line, err := out.ReadString('\n')
	kill.Stop()
	var addr string
	if err == nil {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "listening" {
			addr, c.adminAddr = f[1], f[2]
		} else {
			err = fmt.Errorf("first line %q, want \"listening <addr> <admin>\"", line)
		}
	}
	go func() {
		c.consoleLines, c.drainErr = countNewlines(out)
		close(c.drained)
	}()
	if err != nil {
		return nil, c.fail(fmt.Errorf("server child %s: %w", v.name, err))
	}

	request := []byte("GET " + chargePath + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	for range conns {
		lc, err := dialLoad(addr, request)
		if err != nil {
			return nil, c.fail(err)
		}
		c.conns = append(c.conns, lc)
	}
	c.prepare(serverWarmup)
	if err := c.run(); err != nil {
		return nil, c.fail(fmt.Errorf("warm-up: %w", err))
	}
	return c, nil
}

// childEnv is the benchmark's environment without LOGCREST_* variables (a
// variant's settings are all in its code) and without serverChildEnv.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOGCREST_") && !strings.HasPrefix(kv, serverChildEnv+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// fail stops the child after err and returns err with what the child said
// on stderr.
func (c *serverChild) fail(err error) error {
	if stopErr := c.stop(); stopErr != nil {
		return errors.Join(err, stopErr)
	}
	if s := strings.TrimSpace(c.stderr.String()); s != "" {
		return fmt.Errorf("%w; stderr: %s", err, s)
	}
	return err
}

// admin posts to the admin endpoint (action "start" or "stop") and returns
// the snapshot it answers.
func (c *serverChild) admin(action string) (serverSnapshot, error) {
	var s serverSnapshot
	resp, err := c.client.Post("http://"+c.adminAddr+"/"+action, "", nil)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return s, fmt.Errorf("admin %s: %s: %s", action, resp.Status, bytes.TrimSpace(msg))
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// prepare splits n requests across the connections and makes room for
// their latencies, so that run allocates nothing.
func (c *serverChild) prepare(n int) {
	k := len(c.conns)
	for i, lc := range c.conns {
		lc.todo = n / k
		if i < n%k {
			lc.todo++
		}
		lc.lat = slices.Grow(lc.lat[:0], lc.todo)
	}
}

// run sends the prepared requests, every connection at once, and returns
// when all are answered; a connection stops at its first error.
func (c *serverChild) run() error {
	errs := make([]error, len(c.conns))
	var wg sync.WaitGroup
	for i, lc := range c.conns {
		wg.Go(func() { errs[i] = lc.run() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// latencies returns the latencies of the last run, sorted.
func (c *serverChild) latencies() []time.Duration {
	var all []time.Duration
	for _, lc := range c.conns {
		all = append(all, lc.lat...)
	}
	slices.Sort(all)
	return all
}

// stop closes the connections and the child's stdin, which makes the child
// shut down and close its logger, and waits for it to exit (killing it
// after a minute). It is safe to call more than once.
func (c *serverChild) stop() error {
	c.stopOnce.Do(func() {
		for _, lc := range c.conns {
			_ = lc.conn.Close()
		}
		_ = c.stdin.Close()
		kill := time.AfterFunc(time.Minute, func() { _ = c.cmd.Process.Kill() })
		defer kill.Stop()
		<-c.drained // the child exited, or closed its stdout
		if err := c.cmd.Wait(); err != nil {
			c.stopErr = fmt.Errorf("server child %s: %w; stderr: %s", c.variant.name, err, bytes.TrimSpace(c.stderr.Bytes()))
		}
	})
	return c.stopErr
}

// stopAndVerify stops the child, then checks that its logger kept every
// record of every request answered: the lines in its files, and on its
// stdout for a console variant, against the records per request; for a
// LogCrest variant every record of its files, against its detail mode and
// sampling (checkLogCrestFiles).
func (c *serverChild) stopAndVerify() error {
	if err := c.stop(); err != nil {
		return err
	}
	if c.drainErr != nil {
		return fmt.Errorf("draining stdout: %w", c.drainErr)
	}
	served := 0
	for _, lc := range c.conns {
		served += lc.served
	}
	lines, err := countFileLines(c.dir)
	if err != nil {
		return err
	}
	var errs []error
	if e := c.variant.logcrest; e != nil {
		if err := checkLogCrestFiles(c.dir, served, *e); err != nil {
			errs = append(errs, err)
		}
	} else if want := int64(served * c.variant.records); lines < want {
		errs = append(errs, fmt.Errorf("%d records in the files after %d requests, want at least %d (%d a request)",
			lines, served, want, c.variant.records))
	}
	if want := int64(served * c.variant.consoleRecords); c.consoleLines < want {
		errs = append(errs, fmt.Errorf("%d lines on stdout after %d requests, want at least %d (%d a request)",
			c.consoleLines, served, want, c.variant.consoleRecords))
	}
	return errors.Join(errs...)
}

// countNewlines reads r to its end and counts the newlines in it.
func countNewlines(r io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// countFileLines counts the lines of every file under dir, without reading
// any whole into memory.
func countFileLines(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		k, err := countNewlines(f)
		n += k
		return err
	})
	return n, err
}

// A loadConn is one keep-alive connection of the load generator: a raw
// HTTP/1.1 client that writes a pre-built request and parses the answer
// with a bufio.Reader, which costs far less CPU than net/http's client
// (on 2 cores, that client would take more CPU than the server it loads).
type loadConn struct {
	conn    net.Conn
	r       *bufio.Reader
	request []byte
	body    []byte          // room for the answer's body
	todo    int             // requests of the next run
	lat     []time.Duration // latencies of the last run
	served  int             // requests answered 200 with the expected body, all runs
}

func dialLoad(addr string, request []byte) (*loadConn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &loadConn{conn: conn, r: bufio.NewReader(conn), request: request, body: make([]byte, 512)}, nil
}

// run sends lc.todo requests one after another, timing each from the write
// of the request to the last byte of the answer.
func (lc *loadConn) run() error {
	for range lc.todo {
		start := time.Now()
		if _, err := lc.conn.Write(lc.request); err != nil {
			return err
		}
		if err := lc.readResponse(); err != nil {
			return err
		}
		lc.lat = append(lc.lat, time.Since(start))
		lc.served++
	}
	return nil
}

var (
	statusOK          = []byte("HTTP/1.1 200 ")
	contentLengthName = []byte("Content-Length")
)

// readResponse reads one answer: the status line, which must be 200, the
// headers up to the blank line, and a body of Content-Length bytes, which
// must be chargedBody. A chunked answer is refused: the handlers set
// Content-Length.
func (lc *loadConn) readResponse() error {
	line, err := lc.r.ReadSlice('\n')
	if err != nil {
		return fmt.Errorf("reading the status line: %w", err)
	}
	if !bytes.HasPrefix(line, statusOK) {
		return fmt.Errorf("status line %q, want 200", bytes.TrimSpace(line))
	}
	size := -1
	for {
		line, err = lc.r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reading the headers: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if ok && bytes.EqualFold(name, contentLengthName) {
			if size, err = parseSize(bytes.TrimSpace(value)); err != nil {
				return err
			}
		}
	}
	if size < 0 || size > len(lc.body) {
		return fmt.Errorf("answer without a usable Content-Length (%d)", size)
	}
	body := lc.body[:size]
	if _, err := io.ReadFull(lc.r, body); err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if string(body) != chargedBody {
		return fmt.Errorf("body %q, want %q", body, chargedBody)
	}
	return nil
}

// parseSize parses a Content-Length value without allocating.
func parseSize(b []byte) (int, error) {
	if len(b) == 0 || len(b) > 9 {
		return 0, fmt.Errorf("Content-Length %q", b)
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("Content-Length %q", b)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}
