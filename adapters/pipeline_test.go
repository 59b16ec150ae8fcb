package adapters_test

import (
	"testing"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
)

// TestDefaultPipeline: through each adapter, a middleware given no pipeline
// writes the request's flow, its steps and its Log(ctx) records to the
// default pipeline (logcrest.Default()), exactly as the conformance table's
// first row wants them; a middleware given WithPipeline, serving the same
// request meanwhile, writes all of that to its pipeline and nothing to the
// default. The default pipeline is the process's: this test runs alone,
// never with t.Parallel.
func TestDefaultPipeline(t *testing.T) {
	row := &conformance[0]
	for _, ad := range allAdapters() {
		t.Run(ad.name, func(t *testing.T) {
			dflt := logtest.StartDefault(t)
			own := start(t)
			viaDefault := serveTable(t, ad, []*conformanceRow{row})[0]
			viaOwn := serveTable(t, ad, []*conformanceRow{row}, own.Option())[0]
			o := dflt.Finish(t)
			oo := own.Finish(t)

			viaDefault.check(t, ad, o.Flows, o.Logs())
			viaOwn.check(t, ad, oo.Flows, oo.Logs())
			if len(o.Flows) != 2 || len(oo.Flows) != 2 {
				t.Errorf("%d flow records in the default pipeline, %d in the middleware's own; want 2 and 2",
					len(o.Flows), len(oo.Flows))
			}
			ownID := viaOwn.header.Get(adapters.FlowIDHeader)
			if got := where(o.Logs(), map[string]any{"flow_id": ownID}); len(got) != 0 {
				t.Errorf("%d records of the request given WithPipeline in the default pipeline: %v", len(got), got)
			}
		})
	}
}
