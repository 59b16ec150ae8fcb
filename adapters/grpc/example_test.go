package logcrestgrpc_test

import (
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	logcrestgrpc "github.com/logcrest/logcrest/adapters/grpc"
)

// A server whose every call is a flow (health checks left out), and a
// client whose calls are steps of the caller's flow.
func Example() {
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(logcrestgrpc.UnaryServerInterceptor(
			logcrestgrpc.WithSkip(logcrestgrpc.SkipHealthAndReflection))),
		grpc.ChainStreamInterceptor(logcrestgrpc.StreamServerInterceptor(
			logcrestgrpc.WithSkip(logcrestgrpc.SkipHealthAndReflection))),
	)
	// register the services on srv, then:
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(logcrestgrpc.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(logcrestgrpc.StreamClientInterceptor()),
	)
	if err != nil {
		return
	}
	defer conn.Close()
	// Output:
}
