package adapters_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"

	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

// The pipeline is global: the tests of this package run one after the
// other, never with t.Parallel.

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	goleak.VerifyTestMain(m)
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
