package writers

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is left running once
// they are done. Nothing is ignored: no writer of this package may leave one
// behind (RotatingFile starts none at all).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
