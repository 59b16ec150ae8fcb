// Package rpc holds the tests that cross the RPC adapters: a trace from
// HTTP (chi) through gRPC to Connect, and the benchmark of a unary gRPC
// call against a bare server and go-grpc-middleware's logging interceptor.
// It is a module of its own so that neither adapter module requires the
// other, nor go-grpc-middleware, and it runs with the newest versions of
// grpc-go and connect known here (the adapters' own modules hold their
// floors).
package rpc
