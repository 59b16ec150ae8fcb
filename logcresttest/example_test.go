package logcresttest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	"github.com/logcrest/logcrest/logcresttest"
)

var errDeclined = errors.New("card declined")

// checkout is the handler under test: its second step fails.
func checkout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_ = logcrest.Run(ctx, "validate_cart", func(context.Context) error { return nil })
	if err := logcrest.Run(ctx, "charge_card", func(context.Context) error { return errDeclined }); err != nil {
		http.Error(w, "payment failed", http.StatusBadGateway)
		return
	}
	fmt.Fprint(w, "ok")
}

// Testing that a chi handler's failed request is recorded as a failed flow
// that names the step that failed. In a test, t comes from the test
// function; the Recorder's pipeline is the test's own, so such tests may run
// in parallel.
func Example_chiHandler() {
	t := &testing.T{} // in a real test: func TestCheckout(t *testing.T)
	rec := logcresttest.New(t)
	defer rec.Pipeline().Close() // a real test's cleanup does this

	r := chi.NewRouter()
	r.Use(logcrestchi.Middleware(adapters.WithPipeline(rec.Pipeline())))
	r.Post("/checkout", checkout)

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/checkout", nil))

	end, ok := rec.FlowEnd(w.Header().Get("X-Flow-ID"))
	if !ok {
		fmt.Println("no flow_end")
		return
	}
	fmt.Println(end.Level(), end.Str("flow_status"), end.Num("http_status"))
	fmt.Println("failed at", end.Str("failed_at"), "step", end.Str("step"))
	fmt.Println(end.Str("flow_error"))
	// Output:
	// error failed 502
	// failed at charge_card step 2/2
	// error: card declined
}

// Checking that a failed flow writes the detail it held: by default, as in
// production, a flow's debug records are written only when it fails (or is
// cancelled, slow or kept), marked buffered.
func ExampleRecord_Buffered() {
	t := &testing.T{} // in a real test: func TestImport(t *testing.T)
	rec := logcresttest.New(t)
	defer rec.Pipeline().Close() // a real test's cleanup does this

	_ = logcrest.RunFlow(rec.Context(context.Background()), "import", func(ctx context.Context) error {
		logcrest.Log(ctx).Debug().Int("row", 7).Msg("parsing")
		return errors.New("bad row")
	})
	for _, r := range rec.Records() {
		if r.Buffered() {
			fmt.Println("held:", r.Message(), r.Num("row"))
		}
	}
	fmt.Println("written:", rec.Pipeline().Stats().Detail.Written)
	// Output:
	// held: flow started 0
	// held: parsing 7
	// written: 2
}
