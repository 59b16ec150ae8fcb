//go:build unix

package bench_test

import "syscall"

// processUsage returns the CPU time (user + system) and the context switches
// (voluntary + involuntary) of the whole process, every thread, live or
// exited, from getrusage(RUSAGE_SELF). (/proc/self/status counts the
// context switches of the main thread alone.)
func processUsage() (cpuNanos, ctxSwitches int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1, -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), int64(ru.Nvcsw) + int64(ru.Nivcsw)
}
