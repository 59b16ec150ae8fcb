package logcrest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"strings"

	"github.com/logcrest/logcrest"
)

// Code that logs through log/slog, a library's or your own, lands in
// LogCrest's records; logged with the context of a step, a record carries
// the step's trace_id, span_id, flow_id and fn.
func ExampleNewSlogHandler() {
	// The example's own default pipeline: JSON records on the console,
	// kept in a buffer to print them below.
	var console strings.Builder
	p, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"), logcrest.WithConsole(&console))
	logcrest.SetDefault(p)
	defer logcrest.SetDefault(nil)

	// (slog.SetDefault also sends the log package's output to the handler;
	// the example puts both back when it is done.)
	prev, logOut, logFlags := slog.Default(), log.Writer(), log.Flags()
	defer func() { slog.SetDefault(prev); log.SetOutput(logOut); log.SetFlags(logFlags) }()

	slog.SetDefault(slog.New(logcrest.NewSlogHandler(nil)))

	_ = logcrest.RunFlow(context.Background(), "checkout", func(ctx context.Context) error {
		return logcrest.Run(ctx, "charge_card", func(ctx context.Context) error {
			// What a library does with the context it is given:
			slog.InfoContext(ctx, "calling the gateway", "gateway", "acme", slog.Int("attempt", 1))
			return nil
		})
	})
	slog.Warn("no context, no IDs")

	_ = p.Close()
	printRecords(console.String(), "fn", "flow_id", "gateway", "attempt")
	// Output:
	// info calling the gateway fn=charge_card flow_id=checkout-<hex8> gateway=acme attempt=1
	// info flow finished flow_id=checkout-<hex8>
	// warn no context, no IDs
}

// A pipeline's handler writes to that pipeline; groups are JSON objects.
func ExamplePipeline_SlogHandler() {
	var console strings.Builder
	p, _ := logcrest.New(logcrest.WithFiles(false), logcrest.WithConsoleFormat("json"), logcrest.WithConsole(&console))

	logger := slog.New(p.SlogHandler(&slog.HandlerOptions{Level: slog.LevelInfo}))
	logger.Debug("below opts.Level: not written")
	logger.With("service", "billing").WithGroup("invoice").Info("sent", "id", "INV-7", slog.Group("total", "amount", 129.95, "currency", "EUR"))

	_ = p.Close()
	for _, line := range strings.Split(strings.TrimSpace(console.String()), "\n") {
		fmt.Println(line[strings.Index(line, `"level"`):]) // without the time
	}
	// Output:
	// "level":"info","logger":"app_logger","service":"billing","invoice":{"id":"INV-7","total":{"amount":129.95,"currency":"EUR"}},"message":"sent"}
}

// printRecords prints each JSON line of records as its level, its message
// and the fields named in keys that it has, the flow ID's random part
// replaced.
func printRecords(records string, keys ...string) {
	for _, line := range strings.Split(strings.TrimSpace(records), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			panic(err)
		}
		out := []string{fmt.Sprint(r["level"]), fmt.Sprint(r["message"])}
		for _, k := range keys {
			v, ok := r[k]
			if !ok {
				continue
			}
			if k == "flow_id" {
				v = hex8.ReplaceAllString(v.(string), "<hex8>")
			}
			out = append(out, fmt.Sprintf("%s=%v", k, v))
		}
		fmt.Println(strings.Join(out, " "))
	}
}
