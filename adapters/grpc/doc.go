// Package logcrestgrpc makes every grpc-go call a LogCrest flow, as the
// HTTP adapters do every request, and every call a flow makes a step of it.
//
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(logcrestgrpc.UnaryServerInterceptor()),
//		grpc.ChainStreamInterceptor(logcrestgrpc.StreamServerInterceptor()),
//	)
//	conn, err := grpc.NewClient(target,
//		grpc.WithChainUnaryInterceptor(logcrestgrpc.UnaryClientInterceptor()),
//		grpc.WithChainStreamInterceptor(logcrestgrpc.StreamClientInterceptor()), ...)
//
// # Server calls
//
// Each call is a flow named "rpc_call". Its label is the call's
// x-request-id metadata when there is exactly one and it is valid
// (adapters.ValidRequestID), so the flow ID reads "<request-id>-<hex8>",
// else a bare "<hex8>"; its trace is that of one valid traceparent in the
// metadata, else a new one. The flow ID is answered in the x-flow-id
// header, set before the handler runs. flow_start and flow_end carry
// rpc_system ("grpc"), rpc_service and rpc_method (of the full method
// "/pkg.Service/Method", which is also the flow's route, so per-route
// sampling and `logcrest stats` group by it), request_id, peer (the
// client's address, at most 64 bytes, peer_truncated when cut) and
// trace_flags of an adopted traceparent; flow_end adds route, grpc_code (the
// status's name, "NotFound") and grpc_status_code (its number, 5),
// client_gone, total_ms and the flow's outcome. A unary call's flow ends
// when the handler returns; a stream's when its handler returns.
//
// The status code decides the outcome, as an HTTP status's hundreds do:
//
//	code                                                  flow_status  like
//	OK                                                    success      2xx
//	InvalidArgument NotFound AlreadyExists                success      4xx: the caller's request was wrong,
//	PermissionDenied Unauthenticated FailedPrecondition                 not allowed or too frequent;
//	OutOfRange ResourceExhausted Aborted                                the server worked
//	Unknown Internal Unavailable DataLoss Unimplemented   failed       5xx: the server failed the call
//	DeadlineExceeded                                      failed       a timeout: the call took too long
//	Canceled                                              cancelled    the client went away (client_gone)
//
// DeadlineExceeded fails the flow, as a passed deadline fails a step
// elsewhere in LogCrest: the caller did not get its answer in time, and the
// slow server is what the error stream should show. A client that gives up
// at its deadline resets the stream, which the server may see as a plain
// cancellation just before its own deadline (the client's plus the
// request's transit): a call cancelled less than 250 ms before its deadline
// is recorded as DeadlineExceeded, not Canceled. ResourceExhausted (a rate
// limit or quota said no) and Aborted (a conflict the caller retries) are
// the caller's: like 429 and 409, they do not fail the flow. A handler's
// error without a status is what grpc-go answers for it: Canceled or
// DeadlineExceeded for a context's error, Unknown for any other.
//
// A failed flow's flow_error is the handler's error; a call that failed
// is on the error stream once.
//
// # Panics
//
// grpc-go does not recover a handler's panic: the process dies. The
// interceptor does not change that by default: it records the panic (a
// failed flow_end with the panic value as flow_error and the stack, no
// grpc_code, on disk before anything goes on) and raises it again, so the
// server crashes as it would without LogCrest, or a recovery interceptor
// chained outside this one (go-grpc-middleware's recovery) answers. With
// WithRecovery the interceptor answers codes.Internal ("panic: <value>")
// itself and flow_end carries grpc_code "Internal".
//
// # Client calls
//
// A call sent from inside a LogCrest flow or step (its context) is a step
// of it named "grpc /pkg.Service/Method"; its exit record carries
// rpc_system, rpc_service, rpc_method, grpc_code and grpc_status_code. A
// server-fault code fails the step, Canceled ends it cancelled, the other
// codes are successes (the caller's code decides what they mean to its own
// flow). The call carries a traceparent (the flow's trace, the step as
// parent) and an x-request-id with the caller's flow ID (when it is a
// valid request ID), so a LogCrest server's flow is labelled
// "<caller-flow-id>-<hex8>" in the same trace: the rule of
// logcresthttp.Transport. Metadata the caller set is never overridden: a
// traceparent or x-request-id already in the outgoing metadata goes as it
// is. A call outside any flow is sent as it is, with no step and nothing
// added.
//
// # Module
//
// This package is a module of its own (github.com/logcrest/logcrest/adapters/grpc),
// so that the main module requires no gRPC: a service that speaks only
// HTTP never downloads or builds grpc-go and its dependencies. It shares
// the engine of the HTTP adapters (internal packages of the main module,
// which a nested module may import). Its go.mod requires the oldest
// grpc-go it supports (v1.81.1), and the project's CI tests it with the
// newest too.
package logcrestgrpc
