//go:build !unix

package bench_test

// processUsage cannot tell the process's CPU time or context switches on
// this platform: BenchmarkServer leaves those metrics out.
func processUsage() (cpuNanos, ctxSwitches int64) { return -1, -1 }
