package writers

import (
	"io"
	"testing"

	"github.com/rs/zerolog"
)

// benchRecord is a typical record: fixed fields, IDs, a few scalars and a
// nested array, as zerolog writes it.
var benchRecord = []byte(sample + "\n")

func BenchmarkTextFormatter(b *testing.B) {
	for _, c := range []struct {
		name string
		f    TextFormatter
	}{{"plain", TextFormatter{}}, {"color", TextFormatter{Color: true}}} {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.SetBytes(int64(len(benchRecord)))
			for b.Loop() {
				dst = c.f.Append(dst[:0], benchRecord)
			}
		})
	}
}

// requestRecords are the seven records one request of a chi server writes
// to the console, as LogCrest encodes them: flow_start, the entry and exit
// records of two steps (the second nested in the first), a log record made
// inside a step, and flow_end with its timeline. The IDs and timings are
// those of a real run.
var requestRecords = [][]byte{
	[]byte(`{"time":"2026-12-02T07:07:49.156644Z","level":"info","logger":"app_logger","trace_id":"6b6707f8c964ec81901be7aa2660a717","span_id":"526b727130663f07","flow_id":"2982c9b1","seq":1,"flow_type":"flow_start","method":"GET","path":"/api/orders/42","request_id":"c0a8012e-5f3d-4b1a-9e2f-7d6c5b4a3f21","client_ip":"192.0.2.1","message":"flow started"}` + "\n"),
	[]byte(`{"time":"2026-12-02T07:07:49.156711Z","level":"info","logger":"app_logger","trace_id":"6b6707f8c964ec81901be7aa2660a717","span_id":"d25b7cfd22c0027d","flow_id":"2982c9b1","seq":2,"fn":"validate_cart","parent_span_id":"526b727130663f07","message":"step started"}` + "\n"),
	[]byte(`{"time":"2026-12-02T07:07:49.156724Z","level":"info","logger":"app_logger","trace_id":"6b6707f8c964ec81901be7aa2660a717","span_id":"e66498ee53732123","flow_id":"2982c9b1","seq":3,"fn":"charge_card","parent_span_id":"d25b7cfd22c0027d","message":"step started"}` + "\n"),
	[]byte(`{"time":"2026-12-02T07:07:49.156745Z","level":"info","logger":"app_logger","trace_id":"6b6707f8c964ec81901be7aa2660a717","span_id":"e66498ee53732123","flow_id":"2982c9b1","fn":"charge_card","card":"visa","amount":99.5,"seq":4,"message":"charging"}` + "\n"),
	[]byte(`{"time":"2026-12-02T07:07:49.156746Z","level":"info","logger":"app_logger","trace_id":"6b6707f8c964ec81901be7aa2660a717","span_id":"e66498ee53732123","flow_id":"2982c9b1","seq":5,"fn":"charge_card","parent_span_id":"d25b7cfd22c0027d","ms":0.022,"status":"ok","message":"step finished"}` + "\n"),
	[]byte(`{"time":"2026-12-02T07:07:49.156752Z","level":"info","logger":"app_logger","trace_id":"6b6707f8c964ec81901be7aa2660a717","span_id":"d25b7cfd22c0027d","flow_id":"2982c9b1","seq":6,"fn":"validate_cart","parent_span_id":"526b727130663f07","ms":0.041,"status":"ok","message":"step finished"}` + "\n"),
	[]byte(`{"time":"2026-12-02T07:07:49.156769Z","level":"info","logger":"app_logger","trace_id":"6b6707f8c964ec81901be7aa2660a717","span_id":"526b727130663f07","flow_id":"2982c9b1","seq":7,"flow_type":"flow_end","flow_status":"success","total_ms":0.125,"steps":2,"timeline":[{"fn":"validate_cart","at_ms":0.067,"ms":0.041,"status":"ok"},{"fn":"charge_card","at_ms":0.08,"ms":0.022,"parent":1,"status":"ok"}],"method":"GET","path":"/api/orders/42","request_id":"c0a8012e-5f3d-4b1a-9e2f-7d6c5b4a3f21","client_ip":"192.0.2.1","http_status":200,"bytes":2,"route":"/api/orders/{id}","message":"flow finished"}` + "\n"),
}

// BenchmarkTextFormatterRecords formats the records of one request into one
// batch, as the console ring does; one op is one request (seven records).
func BenchmarkTextFormatterRecords(b *testing.B) {
	n := 0
	for _, rec := range requestRecords {
		n += len(rec)
	}
	for _, c := range []struct {
		name string
		f    TextFormatter
	}{{"plain", TextFormatter{}}, {"color", TextFormatter{Color: true}}} {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, 0, 16<<10)
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				dst = dst[:0]
				for _, rec := range requestRecords {
					dst = c.f.Append(dst, rec)
				}
			}
		})
	}
}

// BenchmarkZerologConsoleWriter renders the same record with zerolog's own
// console writer, for comparison.
func BenchmarkZerologConsoleWriter(b *testing.B) {
	w := zerolog.ConsoleWriter{Out: io.Discard, NoColor: true}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRecord)))
	for b.Loop() {
		if _, err := w.Write(benchRecord); err != nil {
			b.Fatal(err)
		}
	}
}
