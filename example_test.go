package logcrest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/logcrest/logcrest"
)

// printFile prints the level, logger and message of every record in one of
// the files LogCrest wrote, in order.
func printFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r["level"], r["logger"], r["message"])
	}
}

func ExampleConfigure() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)

	// Options win over LOGCREST_* env, which wins over ./log_config.json.
	err := logcrest.Configure(
		logcrest.WithDir(dir),
		logcrest.WithName("checkout-svc"),
		logcrest.WithLevel("info"),
		logcrest.WithMaxSize(1<<20),
		logcrest.WithConsole(nil), // no console copy in this example
	)
	if err != nil {
		fmt.Println(err) // a bad value: already warned on stderr, default used
	}
	logcrest.Log(context.Background()).Debug().Msg("below the level")
	logcrest.Log(context.Background()).Info().Msg("service started")
	logcrest.Close() // everything logged is on disk when Close returns

	printFile(filepath.Join(dir, "success", "checkout-svc.log"))
	// Output:
	// info checkout-svc service started
}

func ExampleLog() {
	dir, _ := os.MkdirTemp("", "logcrest-example")
	defer os.RemoveAll(dir)
	_ = logcrest.Configure(logcrest.WithDir(dir), logcrest.WithConsole(nil))

	ctx := context.Background()
	logcrest.Log(ctx).Info().Str("order", "ORD-42").Float64("amount", 99.99).Msg("order placed")
	logcrest.Log(ctx).Error().Err(fmt.Errorf("gateway timeout")).Msg("charge failed")
	logcrest.Close()

	printFile(filepath.Join(dir, "success", "app_logger.log"))
	printFile(filepath.Join(dir, "error", "app_logger.log"))
	// Output:
	// info app_logger order placed
	// error app_logger charge failed
}
