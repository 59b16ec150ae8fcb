package logcrestchi_test

import (
	"testing"

	"go.uber.org/goleak"

	lt "github.com/logcrest/logcrest/adapters/internal/logtest"
)

// Each test has a pipeline of its own (logtest.Start) and runs with
// t.Parallel; logtest.Guard fails the run if one wrote to the default
// pipeline. The examples show the default pipeline.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(lt.Guard(m))
}
