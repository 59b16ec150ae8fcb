package logcrestgrpc

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/logcrest/logcrest/adapters/internal/rpcflow"
)

// UnaryClientInterceptor returns the interceptor that makes each unary
// call sent from inside a LogCrest flow or step a step of it, and carries
// the trace and the flow ID to the server (see the package doc):
//
//	conn, err := grpc.NewClient(target,
//		grpc.WithChainUnaryInterceptor(logcrestgrpc.UnaryClientInterceptor()),
//		grpc.WithChainStreamInterceptor(logcrestgrpc.StreamClientInterceptor()),
//		...)
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx, o := rpcflow.BeginOut(ctx, rpcflow.SystemGRPC, method)
		if o == nil {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		done := false
		defer func() {
			if !done {
				r := recover()
				o.EndPanic(r)
				panic(r)
			}
		}()
		err := invoker(outgoing(ctx, o), method, req, reply, cc, opts...)
		done = true
		o.End(rpcflow.Code(status.Code(err)), err)
		return err
	}
}

// StreamClientInterceptor returns the interceptor that makes each
// streaming call sent from inside a flow a step of it, as
// UnaryClientInterceptor does. The step ends when the stream does as the
// caller sees it: RecvMsg returning an error (io.EOF: OK), or the one
// response of a call whose server does not stream. A stream the caller
// abandons before either stays "running" in the flow's timeline.
func StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		ctx, o := rpcflow.BeginOut(ctx, rpcflow.SystemGRPC, method)
		if o == nil {
			return streamer(ctx, desc, cc, method, opts...)
		}
		cs, err := streamer(outgoing(ctx, o), desc, cc, method, opts...)
		if err != nil {
			o.End(rpcflow.Code(status.Code(err)), err)
			return cs, err
		}
		return &clientStream{ClientStream: cs, out: o, serverStreams: desc.ServerStreams}, nil
	}
}

type clientStream struct {
	grpc.ClientStream
	out           *rpcflow.Out
	serverStreams bool
}

func (s *clientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	switch {
	case errors.Is(err, io.EOF):
		s.out.End(rpcflow.OK, nil)
	case err != nil:
		s.out.End(rpcflow.Code(status.Code(err)), err)
	case !s.serverStreams:
		s.out.End(rpcflow.OK, nil)
	}
	return err
}

// outgoing adds traceparent and x-request-id to ctx's outgoing metadata,
// each only when the caller set none.
func outgoing(ctx context.Context, o *rpcflow.Out) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	var kv []string
	if len(md.Get(rpcflow.TraceparentKey)) == 0 {
		kv = append(kv, rpcflow.TraceparentKey, o.Traceparent())
	}
	if id := o.RequestID(); id != "" && len(md.Get(rpcflow.RequestIDKey)) == 0 {
		kv = append(kv, rpcflow.RequestIDKey, id)
	}
	if kv == nil {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}
