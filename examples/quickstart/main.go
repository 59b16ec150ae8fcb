// Command quickstart is the LogCrest tour: it logs at every level, an error
// and some fields, runs the checkout flow of the Python README twice (paid,
// then with the payment gateway down), then closes the pipeline so
// everything is on disk, and prints where the files are. Run it with
// `go run ./examples/quickstart`.
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

	// Steps and flows: each step logs its entry and exit with its duration;
	// the flow writes flow_start and flow_end (with the timeline of its
	// steps) to logs/flows. The second checkout fails at charge_card, step
	// 2/3, with flow_error "GatewayError: gateway timeout".
	shop := checkout{gateway: paymentGateway{}}
	if err := shop.process(ctx, "ORD-42", 99.99); err != nil {
		fmt.Fprintln(os.Stderr, "unexpected:", err)
	}
	shop.gateway.down = true
	if err := shop.process(ctx, "ORD-43", 99.99); err != nil {
		logcrest.Log(ctx).Warn().Err(err).Str("order", "ORD-43").Msg("order left unpaid")
	}

	if err := logcrest.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	st := logcrest.Stats()
	dir := "logs"
	fmt.Printf("\n%d records written, %d dropped, %d failed; files under %s/{success,error,flows}/quickstart.log\n",
		st.Written, st.Dropped, st.Failed, dir)
}

// GatewayError is what the payment gateway returns when it cannot be reached.
type GatewayError struct{ Reason string }

func (e *GatewayError) Error() string { return e.Reason }

type paymentGateway struct{ down bool }

type checkout struct{ gateway paymentGateway }

// process is the flow: the entry point of the business operation. Every step
// called with its ctx joins the flow's timeline.
func (c *checkout) process(ctx context.Context, orderID string, amount float64) (err error) {
	ctx, span := logcrest.Flow(ctx, "checkout", logcrest.Args("order", orderID))
	defer span.End(&err)

	logcrest.Log(ctx).Info().Str("order", orderID).Msg("checking out")
	if err := validatePayment(ctx, amount); err != nil {
		return err
	}
	if err := c.chargeCard(ctx, amount); err != nil {
		// The hold is released in a step of its own: it shows in the
		// timeline after the failure.
		_ = logcrest.Run(ctx, "release_hold", func(context.Context) error { return nil })
		return err
	}
	return nil
}

// validatePayment is a step: Step, then End deferred directly so it sees
// the returned error and any panic.
func validatePayment(ctx context.Context, amount float64) (err error) {
	_, span := logcrest.Step(ctx, "validate_payment", logcrest.Args("amount", amount))
	defer span.End(&err)
	if amount <= 0 {
		return fmt.Errorf("invalid amount %.2f", amount)
	}
	return nil
}

// chargeCard is a step too; its card number is never logged, as no Args
// option names it.
func (c *checkout) chargeCard(ctx context.Context, amount float64) (err error) {
	ctx, span := logcrest.Step(ctx, "charge_card")
	defer span.End(&err)
	if c.gateway.down {
		return &GatewayError{Reason: "gateway timeout"}
	}
	logcrest.Log(ctx).Debug().Float64("amount", amount).Msg("card charged")
	return nil
}
