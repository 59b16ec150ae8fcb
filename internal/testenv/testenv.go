// Package testenv holds what LogCrest's tests share about the environment
// they run in.
//
// Long tests: `go test ./...`, the README's second command, is meant to
// finish in about a minute on two cores. The load, fault and multi-process
// tests that take longer are marked with [Long]; they are skipped unless
// LOGCREST_LONG_TESTS=1 is set, which .ci/run sets for its -race run, so CI
// runs every one of them on every change. To run them locally:
//
//	LOGCREST_LONG_TESTS=1 go test -count=1 ./...
package testenv

import (
	"os"
	"testing"
)

// LongEnv is the environment variable that turns the long tests on.
const LongEnv = "LOGCREST_LONG_TESTS"

// Long skips t unless the long tests are turned on (LOGCREST_LONG_TESTS=1).
// why says in a few words what makes the test long; it is shown when the
// test is skipped.
func Long(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(LongEnv) != "1" {
		t.Skipf("long test (%s): set %s=1 to run it; .ci/run does", why, LongEnv)
	}
}

// LongEnabled reports whether the long tests are turned on, for a test that
// runs a shorter version of itself by default.
func LongEnabled() bool { return os.Getenv(LongEnv) == "1" }
