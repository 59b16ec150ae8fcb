package logcrest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
)

func ExampleNew() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)

	// A pipeline of its own: files, level, counters and goroutines.
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("billing"), logcrest.WithConsole(nil))
	if err != nil {
		fmt.Println(err)
	}
	p.Log(context.Background()).Info().Msg("invoice sent")

	// Steps and flows started from a context carrying p write to p.
	ctx := logcrest.NewContext(context.Background(), p)
	_ = logcrest.Run(ctx, "render_pdf", func(context.Context) error { return nil })

	if err := p.Close(); err != nil {
		fmt.Println(err)
	}
	printFile(filepath.Join(dir, "success", "billing.log"))
	// Output:
	// info billing invoice sent
	// info billing step started
	// info billing step finished
}

func ExamplePipeline_SetLevel() {
	var console strings.Builder
	p, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"),
		logcrest.WithConsole(&console), logcrest.WithLevel("info"))
	log := p.Log(context.Background()) // held, e.g. by a long-lived goroutine

	log.Debug().Msg("not written")
	p.SetLevel(zerolog.DebugLevel) // reaches every logger already handed out
	log.Debug().Msg("written")
	_ = p.Close()
	for _, line := range strings.Split(strings.TrimSpace(console.String()), "\n") {
		fmt.Println(line[strings.Index(line, `"level"`):]) // without the time
	}
	// Output:
	// "level":"debug","logger":"app_logger","message":"written"}
}

func ExamplePipeline_LevelHandler() {
	p, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsole(nil), logcrest.WithLevel("info"))
	defer p.Close()

	mux := http.NewServeMux()
	mux.Handle("/debug/level", p.LevelHandler()) // mount where only operators reach it

	put := httptest.NewRequest(http.MethodPut, "/debug/level", strings.NewReader(`{"level":"debug"}`))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, put)
	fmt.Print(w.Body.String())
	fmt.Println(p.Level())
	// Output:
	// {"level":"debug"}
	// debug
}
