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
