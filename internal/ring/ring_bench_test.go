package ring

import (
	"io"
	"testing"
)

var ringRecord = []byte(`{"level":"info","logger":"app_logger","user":"ada","attempt":12345,"message":"charged card"}` + "\n")

// BenchmarkRingWrite is the caller's cost of handing one record to a ring
// whose sink is free (io.Discard): the lock, the copy and the wake-up.
func BenchmarkRingWrite(b *testing.B) {
	r := New(io.Discard, Options{})
	defer r.Close(0)
	b.ReportAllocs()
	b.SetBytes(int64(len(ringRecord)))
	for i := 0; i < b.N; i++ {
		r.Write(ringRecord)
	}
}

// BenchmarkRingWriteParallel is BenchmarkRingWrite from every P at once.
func BenchmarkRingWriteParallel(b *testing.B) {
	r := New(io.Discard, Options{})
	defer r.Close(0)
	b.ReportAllocs()
	b.SetBytes(int64(len(ringRecord)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Write(ringRecord)
		}
	})
}

// BenchmarkCopy is the floor: copying the record into a reused buffer.
func BenchmarkCopy(b *testing.B) {
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(ringRecord)))
	for i := 0; i < b.N; i++ {
		if len(buf)+len(ringRecord) > cap(buf) {
			buf = buf[:0]
		}
		buf = append(buf, ringRecord...)
	}
}
