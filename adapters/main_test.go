package adapters_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"

	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

// Each test has a pipeline of its own (logtest.Start, or a logcresttest
// Recorder) and runs with t.Parallel, but two: TestDefaultPipeline, which
// uses the process-wide default pipeline (logtest.StartDefault), and
// TestPrivacy, which sets the process's umask. logtest.Guard fails the run
// if any other test wrote to the default pipeline.

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	goleak.VerifyTestMain(logtest.Guard(m))
}

type (
	record = logtest.Record
	output = logtest.Output
)

const logName = logtest.Name

var (
	start      = logtest.Start
	where      = logtest.Where
	one        = logtest.One
	wantFields = logtest.WantFields
	wantAbsent = logtest.WantAbsent
	timeline   = logtest.Timeline
	flowPair   = logtest.FlowPair
	discardLog = logtest.DiscardLog
)

// closeIdle drops the keep-alive connections of the default client, whose
// goroutines goleak would otherwise report.
func closeIdle() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() }
