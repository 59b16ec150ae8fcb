package ring

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is left running once
// they are done. Nothing is ignored: a ring's background goroutine must have
// exited once it is closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
