package bench_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// The child side of BenchmarkServer: the test binary, run again with
// serverChildEnv set, serves one variant instead of running the tests
// (TestMain calls serveChild).

// Environment of a BenchmarkServer child. The profile variables are read
// from the environment the benchmark was started in, which the child
// inherits.
const (
	serverChildEnv     = "BENCH_SERVER_CHILD"        // the variant to serve
	serverDirEnv       = "BENCH_SERVER_DIR"          // the folder for its logger's files
	serverCPUProfEnv   = "BENCH_SERVER_CPUPROFILE"   // write a CPU profile of the measured window to <path>.<variant>
	serverBlockProfEnv = "BENCH_SERVER_BLOCKPROFILE" // the same for the block profile
	serverMutexProfEnv = "BENCH_SERVER_MUTEXPROFILE" // the same for the mutex profile
	serverAllocProfEnv = "BENCH_SERVER_ALLOCPROFILE" // the allocations profile (since the child started) at the end of the window
)

// serveChild serves variant until its stdin closes or it is sent SIGINT or
// SIGTERM, then closes its logger; it returns the exit code. It prints
// "listening <addr> <admin addr>" as the first line on stdout, before any
// record can reach the console: the parent reads that line and drains the
// rest.
func serveChild(variant string) int {
	if err := runServerChild(variant, os.Getenv(serverDirEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "server child:", err)
		return 1
	}
	return 0
}

func runServerChild(variant, dir string) error {
	v, ok := lookupServerVariant(variant)
	if !ok {
		return fmt.Errorf("unknown variant %q", variant)
	}
	if dir == "" {
		return errors.New(serverDirEnv + " is not set")
	}
	handler, closeLog, err := v.build(dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	prof := &serverProfiles{
		variant: variant,
		cpu:     os.Getenv(serverCPUProfEnv),
		block:   os.Getenv(serverBlockProfEnv),
		mutex:   os.Getenv(serverMutexProfEnv),
		allocs:  os.Getenv(serverAllocProfEnv),
	}
	srv := &http.Server{Handler: handler}
	admin := &http.Server{Handler: prof.adminHandler()}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	go func() { serveErr <- admin.Serve(adminLn) }()
	if _, err := fmt.Printf("listening %s %s\n", ln.Addr(), adminLn.Addr()); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // returns when the parent closes it, or dies
		stop()
	}()
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return err
	}

	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return errors.Join(
		srv.Shutdown(shutdown),
		admin.Shutdown(shutdown),
		prof.stop(),
		closeLog(), // drains and closes LogCrest, closes lumberjack and slog's file, syncs zap
	)
}

// A serverSnapshot is what the child's process has used so far. A field
// the platform cannot tell is -1.
type serverSnapshot struct {
	CPUNanos    int64  `json:"cpu_ns"` // user + system CPU time, every thread
	CtxSwitches int64  `json:"ctxsw"`  // voluntary + involuntary context switches, every thread
	Mallocs     uint64 `json:"mallocs"`
	AllocBytes  uint64 `json:"alloc_bytes"` // bytes allocated on the heap, cumulative
	GCs         uint32 `json:"gcs"`
	WriteCalls  int64  `json:"syscw"` // write-type system calls (/proc/self/io), files and sockets
	WriteBytes  int64  `json:"wchar"` // bytes passed to them
}

func takeSnapshot() serverSnapshot {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := serverSnapshot{Mallocs: ms.Mallocs, AllocBytes: ms.TotalAlloc, GCs: ms.NumGC}
	s.WriteCalls, s.WriteBytes = processWrites()
	s.CPUNanos, s.CtxSwitches = processUsage()
	return s
}

// processWrites reads syscw and wchar from /proc/self/io, which sums every
// thread of the process; -1, -1 where there is no such file.
func processWrites() (calls, bytesWritten int64) {
	calls, bytesWritten = -1, -1
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := bytes.Cut(sc.Bytes(), []byte(": "))
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			continue
		}
		switch string(k) {
		case "syscw":
			calls = n
		case "wchar":
			bytesWritten = n
		}
	}
	return
}

// serverProfiles writes the profiles asked for of the measured window:
// /start (after the warm-up) starts them, /stop writes them to
// <path>.<variant>. Each run of a sub-benchmark overwrites the files of the
// one before, so they hold the last, the one go test reports.
type serverProfiles struct {
	variant                   string
	cpu, block, mutex, allocs string // paths, "" for none

	mu                sync.Mutex
	cpuFile           *os.File
	blockOn, mutexOn  bool
	prevMutexFraction int
}

// adminHandler serves the admin endpoint, on its own listener so that its
// requests never go through the variant's middleware:
//
//	POST /start  start the profiles, then answer a serverSnapshot
//	POST /stop   take a serverSnapshot, then write the profiles and answer it
func (p *serverProfiles) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /start", func(w http.ResponseWriter, _ *http.Request) {
		if err := p.start(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeSnapshot(w, takeSnapshot())
	})
	mux.HandleFunc("POST /stop", func(w http.ResponseWriter, _ *http.Request) {
		s := takeSnapshot()
		if err := p.stop(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeSnapshot(w, s)
	})
	return mux
}

func writeSnapshot(w http.ResponseWriter, s serverSnapshot) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

func (p *serverProfiles) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cpu != "" && p.cpuFile == nil {
		f, err := os.Create(p.cpu + "." + p.variant)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return err
		}
		p.cpuFile = f
	}
	if p.block != "" && !p.blockOn {
		runtime.SetBlockProfileRate(1)
		p.blockOn = true
	}
	if p.mutex != "" && !p.mutexOn {
		p.prevMutexFraction = runtime.SetMutexProfileFraction(1)
		p.mutexOn = true
	}
	return nil
}

// stop ends what start started and writes the profiles; it does nothing
// when none is running.
func (p *serverProfiles) stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		errs = append(errs, p.cpuFile.Close())
		p.cpuFile = nil
	}
	if p.blockOn {
		errs = append(errs, writeProfile("block", p.block+"."+p.variant))
		runtime.SetBlockProfileRate(0)
		p.blockOn = false
	}
	if p.allocs != "" {
		errs = append(errs, writeProfile("allocs", p.allocs+"."+p.variant))
	}
	if p.mutexOn {
		errs = append(errs, writeProfile("mutex", p.mutex+"."+p.variant))
		runtime.SetMutexProfileFraction(p.prevMutexFraction)
		p.mutexOn = false
	}
	return errors.Join(errs...)
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(pprof.Lookup(name).WriteTo(f, 0), f.Close())
}
