package bench_test

import (
	"context"
	"testing"

	"github.com/logcrest/logcrest"
)

// BenchmarkLogCallRedact is the caller's cost of one log call (a message
// and ten fields, as BenchmarkLogCall's LogCrest case) with redaction on
// (the default) and off, and on a record holding a secret: the
// redaction runs on each sink's goroutine, so the log call should cost
// the same either way.
func BenchmarkLogCallRedact(b *testing.B) {
	for _, v := range []struct {
		name   string
		on     bool
		secret bool
	}{{"Off", false, false}, {"On", true, false}, {"OnSecret", true, true}} {
		b.Run(v.name, func(b *testing.B) {
			useLogCrest(b, logcrest.WithRedaction(v.on))
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e := logcrest.Log(ctx).Info()
				if v.secret {
					e = e.Str("password", "hunter2")
				}
				zerologRecord(e, i)
			}
			b.StopTimer()
			_ = logcrest.Flush()
		})
	}
}
