package rpc_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/logcrest/logcrest"
	logcrestgrpc "github.com/logcrest/logcrest/adapters/grpc"
)

// zerologLogger is the zerolog adapter go-grpc-middleware's logging
// interceptor takes (its documentation shows one like it): fields are
// key, value pairs.
func zerologLogger(l zerolog.Logger) logging.Logger {
	return logging.LoggerFunc(func(_ context.Context, lvl logging.Level, msg string, fields ...any) {
		var e *zerolog.Event
		switch lvl {
		case logging.LevelDebug:
			e = l.Debug()
		case logging.LevelWarn:
			e = l.Warn()
		case logging.LevelError:
			e = l.Error()
		default:
			e = l.Info()
		}
		e.Fields(fields).Msg(msg)
	})
}

// BenchmarkUnaryCall is one unary call on loopback, client and server in
// this process, with the server bare, with LogCrest's interceptor (the
// default buffered detail: one flow_end a call, to a file), and with
// go-grpc-middleware's logging interceptor over zerolog (one "finished
// call" record a call, to a file), in the same run:
//
//	go test -run '^$' -bench BenchmarkUnaryCall -benchmem -count 6 ./integration/rpc
//
// The added CPU per call is the difference of each with bare.
func BenchmarkUnaryCall(b *testing.B) {
	echo := func(_ context.Context, in string) (string, error) { return in, nil }
	run := func(b *testing.B, opts ...grpc.ServerOption) {
		conn := grpcServer(b, echo, opts...)
		ctx := context.Background()
		in, out := wrapperspb.String("A-1"), new(wrapperspb.StringValue)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := conn.Invoke(ctx, "/test.v1.Echo/Say", in, out); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { run(b) })
	b.Run("logcrest", func(b *testing.B) {
		p, err := logcrest.New(logcrest.WithDir(b.TempDir()), logcrest.WithConsole(nil))
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		run(b, grpc.ChainUnaryInterceptor(logcrestgrpc.UnaryServerInterceptor(logcrestgrpc.WithPipeline(p))))
	})
	b.Run("grpc-middleware-zerolog", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "calls.log"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		l := zerolog.New(f).With().Timestamp().Logger()
		run(b, grpc.ChainUnaryInterceptor(logging.UnaryServerInterceptor(zerologLogger(l))))
	})
}
