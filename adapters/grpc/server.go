package logcrestgrpc

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/logcrest/logcrest/adapters/internal/rpcflow"
)

// UnaryServerInterceptor returns the interceptor that makes each unary
// call a flow (see the package doc for its records and outcome):
//
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(logcrestgrpc.UnaryServerInterceptor()),
//		grpc.ChainStreamInterceptor(logcrestgrpc.StreamServerInterceptor()),
//	)
func UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	cfg := newConfig(opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		if cfg.Skipped(info.FullMethod) {
			return handler(ctx, req)
		}
		q := cfg.begin(ctx, info.FullMethod)
		_ = grpc.SetHeader(ctx, metadata.Pairs(rpcflow.FlowIDKey, q.FlowID()))
		done := false
		defer func() {
			if !done {
				err = cfg.panicked(ctx, q, recover())
			}
		}()
		resp, err = handler(q.Context(), req)
		done = true
		q.End(ctx, serverCode(err), err, nil, nil, false)
		return resp, err
	}
}

// StreamServerInterceptor returns the interceptor that makes each
// streaming call a flow, which ends when the handler returns.
func StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	cfg := newConfig(opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		if cfg.Skipped(info.FullMethod) {
			return handler(srv, ss)
		}
		ctx := ss.Context()
		q := cfg.begin(ctx, info.FullMethod)
		_ = ss.SetHeader(metadata.Pairs(rpcflow.FlowIDKey, q.FlowID()))
		done := false
		defer func() {
			if !done {
				err = cfg.panicked(ctx, q, recover())
			}
		}()
		err = handler(srv, &serverStream{ServerStream: ss, ctx: q.Context()})
		done = true
		q.End(ctx, serverCode(err), err, nil, nil, false)
		return err
	}
}

// serverStream is the handler's stream, whose Context is the flow's.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }

// begin starts the flow of a call arriving with ctx's metadata and peer.
func (c *config) begin(ctx context.Context, fullMethod string) *rpcflow.Call {
	in := rpcflow.In{System: rpcflow.SystemGRPC, FullMethod: fullMethod}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		in.RequestIDs = md[rpcflow.RequestIDKey]
		in.Traceparents = md[rpcflow.TraceparentKey]
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		in.Peer = p.Addr.String()
	}
	return c.Begin(ctx, &in)
}

// errGoexit stands for the "panic" of a handler that called
// runtime.Goexit, which recover does not see.
var errGoexit = errors.New("logcrestgrpc: the handler called runtime.Goexit")

// panicked ends the flow of a handler that panicked with r (nil:
// runtime.Goexit), then raises r again or, with WithRecovery, returns the
// codes.Internal status to answer.
func (c *config) panicked(ctx context.Context, q *rpcflow.Call, r any) error {
	if r == nil {
		q.End(ctx, rpcflow.Unknown, errGoexit, nil, nil, false)
		return nil
	}
	stack := debug.Stack()
	if c.recover {
		q.End(ctx, rpcflow.Internal, nil, r, stack, true)
		return status.Error(codes.Internal, fmt.Sprint("panic: ", r))
	}
	q.End(ctx, 0, nil, r, stack, false)
	panic(r)
}

// serverCode is the status grpc-go answers for a handler's error: its
// status, or for an error without one, Canceled or DeadlineExceeded for a
// context's error and Unknown for any other.
func serverCode(err error) rpcflow.Code {
	if err == nil {
		return rpcflow.OK
	}
	if s, ok := status.FromError(err); ok {
		return rpcflow.Code(s.Code())
	}
	return rpcflow.Code(status.FromContextError(err).Code())
}
