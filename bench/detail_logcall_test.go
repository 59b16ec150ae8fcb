package bench_test

import (
	"context"
	"io"
	"testing"

	"github.com/logcrest/logcrest"
)

// Issue 21's hot path: the caller's cost of a debug record inside a step
// of a flow, the message and ten fields of BenchmarkLogCall.
//
//	Held            the default buffered detail: the record is encoded and
//	                copied into the flow's memory (the flow is ended and a
//	                new one started every detailFlowRecords records,
//	                outside the timer, so that no record is evicted)
//	Written         WithDetail("full"): the same record written, through
//	                the ring to the files
//	ZerologDiscard  zerolog to io.Discard, the reference
func BenchmarkDetailLogCall(b *testing.B) {
	b.Run("Held", func(b *testing.B) { benchDetailCall(b) })
	b.Run("Written", func(b *testing.B) { benchDetailCall(b, logcrest.WithDetail("full")) })
	b.Run("ZerologDiscard", func(b *testing.B) {
		l := zerologFor(io.Discard, false)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			zerologRecord(l.Debug(), i)
		}
	})
}

// detailFlowRecords is how many records a flow of BenchmarkDetailLogCall
// logs before it is ended: under the per-flow default of 512.
const detailFlowRecords = 256

func benchDetailCall(b *testing.B, opts ...logcrest.Option) {
	useLogCrest(b, opts...)
	start := func() (context.Context, func()) {
		ctx, f := logcrest.Flow(context.Background(), "bench")
		ctx, s := logcrest.Step(ctx, "charge_card")
		return ctx, func() { s.End(nil); f.End(nil) }
	}
	ctx, end := start()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%detailFlowRecords == 0 {
			b.StopTimer()
			end()
			ctx, end = start()
			b.StartTimer()
		}
		zerologRecord(logcrest.Log(ctx).Debug(), i)
	}
	b.StopTimer()
	end()
}
