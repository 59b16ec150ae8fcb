package bench_test

import (
	"io"
	"log"
	"os"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestMain silences the standard library's global logger: zerolog's diode
// reports "Diode set collision" through it, in the middle of the benchmark
// result lines that run.sh parses. No benchmark here measures that logger.
// gin runs in release mode, as in production. Run again by BenchmarkServer
// with BENCH_SERVER_CHILD set, the binary serves instead of testing.
func TestMain(m *testing.M) {
	if variant := os.Getenv(serverChildEnv); variant != "" {
		os.Exit(serveChild(variant))
	}
	log.SetOutput(io.Discard)
	gin.SetMode(gin.ReleaseMode) // no route listing on stdout
	os.Exit(m.Run())
}
