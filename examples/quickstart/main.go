// Command quickstart is the LogCrest tour: it logs at every level, an error
// and some fields, then closes the pipeline so everything is on disk, and
// prints where the files are. Run it with `go run ./examples/quickstart`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/logcrest/logcrest"
)

func main() {
	// Zero configuration works; this only names the service. Env
	// (LOGCREST_*) and ./log_config.json would be read for the rest.
	// A bad setting is never fatal: it was printed as a "logcrest: warning:"
	// line and its key took its default, so the error needs no handling here.
	_ = logcrest.Configure(logcrest.WithName("quickstart"))
	ctx := context.Background()
	log := logcrest.Log(ctx)

	log.Debug().Msg("debug goes to logs/success")
	log.Info().Str("user", "ada").Int("items", 3).Float64("total", 99.99).Msg("order placed")
	log.Warn().Dur("latency", 1500*1e6).Msg("payment provider is slow")
	log.Error().Err(errors.New("gateway timeout")).Str("order", "ORD-42").Msg("charge failed")

	if err := logcrest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	st := logcrest.Stats()
	dir := "logs"
	fmt.Printf("\n%d records written, %d dropped, %d failed; files under %s/{success,error,flows}/quickstart.log\n",
		st.Written, st.Dropped, st.Failed, dir)
}
