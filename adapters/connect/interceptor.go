package logcrestconnect

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"

	"connectrpc.com/connect"
	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters/internal/rpcflow"
	"github.com/logcrest/logcrest/internal/core"
)

// Option is one setting of an Interceptor.
type Option func(*options)

type options struct {
	pipe  *logcrest.Pipeline
	level zerolog.Level
	skip  func(procedure string) bool
}

// WithPipeline makes the interceptor write its flows and steps to p (and
// the handler's steps and logcrest.Log(ctx) records, which follow the
// flow). Without it: the default pipeline.
func WithPipeline(p *logcrest.Pipeline) Option { return func(o *options) { o.pipe = p } }

// WithFlowLevel sets the level of flow_start and of a successful flow_end
// (default info). A failed flow_end is always at error level.
func WithFlowLevel(l zerolog.Level) Option { return func(o *options) { o.level = l } }

// WithSkip sets a predicate asked first for every call a handler serves,
// with its procedure ("/pkg.Service/Method"): a call it returns true for is
// served with no flow, no record and no X-Flow-ID header (health checks:
// SkipHealthAndReflection). A nil fn skips nothing.
func WithSkip(fn func(procedure string) bool) Option { return func(o *options) { o.skip = fn } }

// SkipHealthAndReflection reports whether procedure belongs to the gRPC
// health service or to server reflection: give it to WithSkip.
func SkipHealthAndReflection(procedure string) bool {
	return strings.HasPrefix(procedure, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(procedure, "/grpc.reflection.v1.ServerReflection/") ||
		strings.HasPrefix(procedure, "/grpc.reflection.v1alpha.ServerReflection/")
}

// Interceptor is a connect.Interceptor for handlers and clients alike: a
// call a handler serves is a flow, a call a client sends from inside a flow
// is a step of it (see the package doc). It is safe for concurrent use.
type Interceptor struct {
	cfg *rpcflow.Config
}

var _ connect.Interceptor = (*Interceptor)(nil)

// NewInterceptor returns an Interceptor with opts, for
// connect.WithInterceptors on handlers and clients:
//
//	path, h := examplev1connect.NewOrderServiceHandler(svc,
//		connect.WithInterceptors(logcrestconnect.NewInterceptor()))
func NewInterceptor(opts ...Option) *Interceptor {
	o := options{level: zerolog.InfoLevel}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return &Interceptor{cfg: rpcflow.NewConfig((*core.Pipeline)(o.pipe), o.level, o.skip)}
}

// Header keys, canonical.
var (
	requestIDKey   = http.CanonicalHeaderKey(rpcflow.RequestIDKey)
	traceparentKey = http.CanonicalHeaderKey(rpcflow.TraceparentKey)
	flowIDKey      = http.CanonicalHeaderKey(rpcflow.FlowIDKey)
)

// system is rpc_system for a Connect protocol name.
func system(protocol string) string {
	switch protocol {
	case connect.ProtocolGRPC:
		return rpcflow.SystemGRPC
	case connect.ProtocolGRPCWeb:
		return rpcflow.SystemGRPCWeb
	}
	return rpcflow.SystemConnect
}

// codeOf is the code Connect sends for err: its own, Canceled or
// DeadlineExceeded for a context's error, else Unknown.
func codeOf(err error) rpcflow.Code {
	var ce *connect.Error
	switch {
	case err == nil:
		return rpcflow.OK
	case errors.As(err, &ce):
		return rpcflow.Code(ce.Code())
	case errors.Is(err, context.Canceled):
		return rpcflow.Canceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return rpcflow.DeadlineExceeded
	}
	return rpcflow.Unknown
}

// errGoexit stands for the "panic" of a handler that called
// runtime.Goexit, which recover does not see.
var errGoexit = errors.New("logcrestconnect: the handler called runtime.Goexit")

func (i *Interceptor) begin(ctx context.Context, spec connect.Spec, p connect.Peer, h http.Header) *rpcflow.Call {
	return i.cfg.Begin(ctx, &rpcflow.In{
		System:       system(p.Protocol),
		FullMethod:   spec.Procedure,
		RequestIDs:   h[requestIDKey],
		Traceparents: h[traceparentKey],
		Peer:         p.Addr,
	})
}

// panicked ends the flow of a handler that panicked with r and raises r
// again (connect.WithRecover, or net/http, recovers it).
func panicked(ctx context.Context, q *rpcflow.Call, r any) {
	if r == nil {
		q.End(ctx, rpcflow.Unknown, errGoexit, nil, nil, false)
		return
	}
	q.End(ctx, 0, nil, r, debug.Stack(), false)
	panic(r)
}

// WrapUnary makes a unary call a flow (handler) or a step (client).
func (i *Interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (resp connect.AnyResponse, err error) {
		spec := req.Spec()
		if spec.IsClient {
			return unaryClient(ctx, req, next)
		}
		if i.cfg.Skipped(spec.Procedure) {
			return next(ctx, req)
		}
		q := i.begin(ctx, spec, req.Peer(), req.Header())
		done := false
		defer func() {
			if !done {
				panicked(ctx, q, recover())
			}
		}()
		resp, err = next(q.Context(), req)
		done = true
		code := codeOf(err)
		q.End(ctx, code, err, nil, nil, false)
		if q.Joined() {
			return resp, err // the HTTP middleware answered X-Flow-ID
		}
		if err != nil {
			return nil, withFlowID(err, code, q.FlowID())
		}
		if resp != nil {
			resp.Header().Set(flowIDKey, q.FlowID())
		}
		return resp, nil
	}
}

// withFlowID returns err carrying the X-Flow-ID header: a *connect.Error
// in its chain gets it in its metadata; any other error becomes the
// *connect.Error Connect would have sent for it.
func withFlowID(err error, code rpcflow.Code, id string) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		ce = connect.NewError(connect.Code(code), err)
		err = ce
	}
	ce.Meta().Set(flowIDKey, id)
	return err
}

// WrapStreamingHandler makes a streaming call a flow, which ends when the
// handler returns.
func (i *Interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) (err error) {
		spec := conn.Spec()
		if i.cfg.Skipped(spec.Procedure) {
			return next(ctx, conn)
		}
		q := i.begin(ctx, spec, conn.Peer(), conn.RequestHeader())
		if !q.Joined() {
			conn.ResponseHeader().Set(flowIDKey, q.FlowID())
		}
		done := false
		defer func() {
			if !done {
				panicked(ctx, q, recover())
			}
		}()
		err = next(q.Context(), conn)
		done = true
		q.End(ctx, codeOf(err), err, nil, nil, false)
		return err
	}
}

// inject adds traceparent and X-Request-ID to h, each only when absent,
// and returns the keys it added.
func inject(h http.Header, o *rpcflow.Out) (added [2]string) {
	if len(h.Values(traceparentKey)) == 0 {
		h.Set(traceparentKey, o.Traceparent())
		added[0] = traceparentKey
	}
	if id := o.RequestID(); id != "" && len(h.Values(requestIDKey)) == 0 {
		h.Set(requestIDKey, id)
		added[1] = requestIDKey
	}
	return added
}

func unaryClient(ctx context.Context, req connect.AnyRequest, next connect.UnaryFunc) (connect.AnyResponse, error) {
	ctx, o := rpcflow.BeginOut(ctx, system(req.Peer().Protocol), req.Spec().Procedure)
	if o == nil {
		return next(ctx, req)
	}
	added := inject(req.Header(), o)
	defer func() {
		// The caller's request is left as it came: a retry with it is a
		// step of its own, with its own traceparent.
		for _, k := range added {
			if k != "" {
				req.Header().Del(k)
			}
		}
	}()
	done := false
	defer func() {
		if !done {
			r := recover()
			o.EndPanic(r)
			panic(r)
		}
	}()
	resp, err := next(ctx, req)
	done = true
	o.End(codeOf(err), err)
	return resp, err
}

// WrapStreamingClient makes a streaming call sent from inside a flow a
// step of it, ended when Receive returns an error (io.EOF: OK) or the
// caller closes the response.
func (i *Interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		sctx, o := rpcflow.BeginOut(ctx, rpcflow.SystemConnect, spec.Procedure)
		if o == nil {
			return next(ctx, spec)
		}
		conn := next(sctx, spec)
		inject(conn.RequestHeader(), o)
		return &clientConn{StreamingClientConn: conn, out: o}
	}
}

type clientConn struct {
	connect.StreamingClientConn
	out *rpcflow.Out
}

func (c *clientConn) Receive(m any) error {
	err := c.StreamingClientConn.Receive(m)
	switch {
	case errors.Is(err, io.EOF):
		c.out.End(rpcflow.OK, nil)
	case err != nil:
		c.out.End(codeOf(err), err)
	}
	return err
}

func (c *clientConn) CloseResponse() error {
	err := c.StreamingClientConn.CloseResponse()
	c.out.End(rpcflow.OK, nil)
	return err
}
