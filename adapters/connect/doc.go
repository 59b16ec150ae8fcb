// Package logcrestconnect makes every Connect (connectrpc.com/connect)
// call a LogCrest flow, and every call a flow sends a step of it, with one
// interceptor for handlers and clients:
//
//	i := logcrestconnect.NewInterceptor()
//	path, h := examplev1connect.NewOrderServiceHandler(svc, connect.WithInterceptors(i))
//	client := examplev1connect.NewStockServiceClient(http.DefaultClient, url, connect.WithInterceptors(i))
//
// The records, labels, trace propagation and outcomes are those of the
// gRPC adapter (github.com/logcrest/logcrest/adapters/grpc, whose package
// doc has the table of codes): a call is a flow named "rpc_call", labelled
// by a valid X-Request-ID, in the trace of a valid traceparent, answered
// with X-Flow-ID (on the response headers, or on the error's metadata);
// flow_end carries rpc_system ("connect", "grpc" or "grpc_web": the
// protocol the call came in), rpc_service, rpc_method, route (the
// procedure), grpc_code and grpc_status_code, peer, request_id and
// client_gone. The code is the Connect error's (connect.CodeOf, a context's
// error counted as Connect sends it), never the HTTP status: the gRPC and
// gRPC-Web protocols answer HTTP 200 with the status in the trailers.
// Server-fault codes fail the flow, client-fault codes do not, Canceled
// ends it "cancelled". A client's call from inside a flow is a step named
// "<rpc_system> <procedure>", with traceparent and X-Request-ID added unless
// the caller set them (and removed from the caller's request afterwards, so
// reusing it for a retry sends fresh ones).
//
// A handler's panic is recorded (flow_end failed, the panic as flow_error,
// the stack) and raised again: connect.WithRecover answers it, or else
// net/http's server does, as without LogCrest. Such a call's answer has no
// X-Flow-ID (a unary handler has no headers before it returns).
//
// Under LogCrest's HTTP middleware (a Connect handler mounted on a chi,
// gin, echo or net/http router wrapped by logcrestchi.Middleware and the
// like), the interceptor starts no second flow: the request's flow takes
// the call's route, its fields and its outcome, so a gRPC-protocol failure
// answered with HTTP 200 still fails it.
//
// This package is a module of its own, so that the main module requires
// no Connect; its go.mod requires the oldest connect it supports
// (v1.17.0), and the project's CI tests it with the newest too.
package logcrestconnect
