package logcrestecho_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The pipeline is global: the tests of this package run one after the
// other, never with t.Parallel.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
