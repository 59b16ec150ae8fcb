package logcrest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/logcrest/logcrest"
)

// The examples write into a temporary folder with the console off, then
// print the records the files hold, with the random IDs and timings left
// out so the output is stable.

func exampleSetup() (dir string) {
	dir, err := os.MkdirTemp("", "logcrest-example-")
	if err != nil {
		panic(err)
	}
	if err := logcrest.Configure(logcrest.WithDir(dir), logcrest.WithName("shop"), logcrest.WithConsole(nil), logcrest.WithLevel("debug"), logcrest.WithJSON(true)); err != nil {
		panic(err)
	}
	return dir
}

var hex8 = regexp.MustCompile(`[0-9a-f]{8}$`)

// exampleShow closes the pipeline and prints one line per record of each
// file: its message and the fields worth showing.
func exampleShow(dir string) {
	if err := logcrest.Close(); err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	for _, stream := range []string{"success", "error", "flows"} {
		f, err := os.Open(filepath.Join(dir, stream, "shop.log"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var r map[string]any
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				panic(err)
			}
			line := []string{stream + ":", fmt.Sprint(r["level"]), fmt.Sprintf("%q", r["message"])}
			for _, k := range []string{"fn", "status", "error", "result", "flow_id", "flow_status", "steps", "timeline", "failed_at", "step", "flow_error", "buffered", "detail", "buffered_records"} {
				v, ok := r[k]
				if !ok {
					continue
				}
				switch k {
				case "flow_id":
					v = hex8.ReplaceAllString(v.(string), "<hex8>")
				case "timeline":
					var fns []string
					for _, e := range v.([]any) {
						e := e.(map[string]any)
						fns = append(fns, fmt.Sprintf("%s:%s", e["fn"], e["status"]))
					}
					v = strings.Join(fns, ",")
				}
				line = append(line, fmt.Sprintf("%s=%v", k, v))
			}
			fmt.Println(strings.Join(line, " "))
		}
		f.Close()
	}
}

func chargeCard(ctx context.Context, amount float64) (err error) {
	ctx, span := logcrest.Step(ctx, "charge_card")
	defer span.End(&err)
	if amount > 1000 {
		return errors.New("amount over the card limit")
	}
	logcrest.Log(ctx).Debug().Float64("amount", amount).Msg("charged")
	return nil
}

// A step times a function and records its outcome; the deferred End sees
// the named error result (and any panic).
func ExampleStep() {
	dir := exampleSetup()
	ctx := context.Background()

	_ = chargeCard(ctx, 99.99)
	_ = chargeCard(ctx, 5000)

	exampleShow(dir)
	// Output:
	// success: info "step started" fn=charge_card
	// success: debug "charged" fn=charge_card
	// success: info "step finished" fn=charge_card status=ok
	// success: info "step started" fn=charge_card
	// error: error "step failed" fn=charge_card status=error error=amount over the card limit
}

// Run is Step and End around a function.
func ExampleRun() {
	dir := exampleSetup()

	err := logcrest.Run(context.Background(), "send_receipt", func(ctx context.Context) error {
		logcrest.Log(ctx).Info().Str("to", "ada@example.com").Msg("receipt sent")
		return nil
	})

	exampleShow(dir)
	fmt.Println("err:", err)
	// Output:
	// success: info "step started" fn=send_receipt
	// success: info "receipt sent" fn=send_receipt
	// success: info "step finished" fn=send_receipt status=ok
	// err: <nil>
}

// Call returns the function's result; LogResult records it, which is never
// done by default.
func ExampleCall() {
	dir := exampleSetup()

	discount, _ := logcrest.Call(context.Background(), "calculate_discount", func(ctx context.Context) (float64, error) {
		return 100 * (1 - 0.2), nil
	}, logcrest.LogResult())

	exampleShow(dir)
	fmt.Println("discount:", discount)
	// Output:
	// success: info "step started" fn=calculate_discount
	// success: info "step finished" fn=calculate_discount status=ok result=80
	// discount: 80
}

func processCheckout(ctx context.Context, amount float64) (err error) {
	ctx, span := logcrest.Flow(ctx, "checkout")
	defer span.End(&err)
	if err := logcrest.Run(ctx, "validate_payment", func(context.Context) error { return nil }); err != nil {
		return err
	}
	return chargeCard(ctx, amount)
}

// A flow is the entry point of a business operation: every step under it
// joins its timeline, reported by flow_end in the flows file.
func ExampleFlow() {
	dir := exampleSetup()
	ctx := context.Background()

	_ = processCheckout(ctx, 99.99)
	_ = processCheckout(ctx, 5000)

	exampleShow(dir)
	// Output:
	// success: info "step started" fn=validate_payment flow_id=checkout-<hex8> buffered=true
	// success: info "step finished" fn=validate_payment status=ok flow_id=checkout-<hex8> buffered=true
	// success: info "step started" fn=charge_card flow_id=checkout-<hex8> buffered=true
	// error: error "step failed" fn=charge_card status=error error=amount over the card limit flow_id=checkout-<hex8>
	// flows: info "flow finished" flow_id=checkout-<hex8> flow_status=success steps=2 timeline=validate_payment:ok,charge_card:ok
	// flows: info "flow started" flow_id=checkout-<hex8> buffered=true
	// flows: error "flow failed" flow_id=checkout-<hex8> flow_status=failed steps=2 timeline=validate_payment:ok,charge_card:error failed_at=charge_card step=2/2 flow_error=error: amount over the card limit detail=failed buffered_records=4
}

// RunFlow is Flow and End around a function; an empty label gives a bare
// hex flow ID.
func ExampleRunFlow() {
	dir := exampleSetup()

	var id string
	_ = logcrest.RunFlow(context.Background(), "", func(ctx context.Context) error {
		id = logcrest.FlowID(ctx)
		return logcrest.Run(ctx, "nightly_report", func(context.Context) error { return nil })
	})

	exampleShow(dir)
	fmt.Println("flow ID is 8 hex digits:", hex8.MatchString(id) && len(id) == 8)
	// Output:
	// flows: info "flow finished" flow_id=<hex8> flow_status=success steps=1 timeline=nightly_report:ok
	// flow ID is 8 hex digits: true
}

// A flow holds its debug records and its step records, and writes them
// only when it fails, is slow or is kept: KeepDetail keeps one the service
// chooses (a debug header it honours, one tenant). The first request is
// routine and writes its info record and flow_end; the second is kept and
// writes everything, marked buffered, in order, before its flow_end.
func ExampleKeepDetail() {
	dir := exampleSetup()
	handle := func(ctx context.Context, debug bool) error {
		return logcrest.RunFlow(ctx, "order", func(ctx context.Context) error {
			if debug {
				_ = logcrest.KeepDetail(ctx)
			}
			logcrest.Log(ctx).Info().Msg("order received")
			return logcrest.Run(ctx, "load_order", func(ctx context.Context) error {
				logcrest.Log(ctx).Debug().Int("rows", 3).Msg("query done")
				return nil
			})
		})
	}
	_ = handle(context.Background(), false)
	_ = handle(context.Background(), true)

	exampleShow(dir)
	// Output:
	// success: info "order received" fn=order flow_id=order-<hex8>
	// success: info "order received" fn=order flow_id=order-<hex8>
	// success: info "step started" fn=load_order flow_id=order-<hex8> buffered=true
	// success: debug "query done" fn=load_order flow_id=order-<hex8> buffered=true
	// success: info "step finished" fn=load_order status=ok flow_id=order-<hex8> buffered=true
	// flows: info "flow finished" flow_id=order-<hex8> flow_status=success steps=1 timeline=load_order:ok
	// flows: info "flow started" flow_id=order-<hex8> buffered=true
	// flows: info "flow finished" flow_id=order-<hex8> flow_status=success steps=1 timeline=load_order:ok detail=kept buffered_records=4
}
