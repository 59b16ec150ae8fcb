package writers

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is left running once
// they are done, other than the one mill goroutine lumberjack keeps per path
// by design (see LumberjackMillGoroutine).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction(LumberjackMillGoroutine))
}
