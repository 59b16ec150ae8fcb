package logcrestotel_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/logcrest/logcrest"
	logcrestotel "github.com/logcrest/logcrest/otel"
)

// Every record of a pipeline to an OpenTelemetry log exporter, with no
// file written. A real program gives ExportLogs an OTLP exporter
// (otlploghttp.New(ctx), which sends to a Collector on localhost:4318) and
// keeps or drops the files with logcrest.WithFiles.
func ExampleExportLogs() {
	p, _ := logcrest.New(logcrest.WithName("checkout"), logcrest.WithFiles(false), logcrest.WithConsole(nil))
	exp := &memExporter{} // an sdklog.Exporter
	x, err := logcrestotel.ExportLogs(p, exp, logcrestotel.WithResource(resource.NewSchemaless(
		attribute.String("service.name", "checkout"), attribute.String("service.version", "1.2.3"))))
	if err != nil {
		fmt.Println(err)
		return
	}
	p.Log(context.Background()).Warn().Int("attempt", 3).Msg("card declined")
	_ = p.Close() // hands the exporter what is queued, within the close timeout
	_ = x.Shutdown(context.Background())

	for _, r := range exp.records() {
		svc, _ := r.Resource().Set().Value("service.name")
		fmt.Println(r.Severity(), r.Body().AsString(), svc.AsString())
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			fmt.Println(" ", kv.Key, kv.Value.Type(), kv.Value.String())
			return true
		})
	}
	for _, s := range p.Stats().Sinks {
		fmt.Println(s.Name, "written", s.Written, "dropped", s.Dropped)
	}
	// Output:
	// WARN card declined checkout
	//   logger STRING checkout
	//   attempt INT64 3
	// otlp written 1 dropped 0
}
