package httpflow_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

// TestMain fails the package's tests if any goroutine is left running once
// they are done, and (logtest.Guard) if a test wrote to the default
// pipeline; the example, which configures it, runs after the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(logtest.Guard(m))
}

var discardLog = logtest.DiscardLog
