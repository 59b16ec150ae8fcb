// Package rpcflow is what the RPC adapters (adapters/grpc,
// adapters/connect) share: a server call as a flow (Config.Begin, Call.End),
// a client call as a step (BeginOut, Out.End), the status codes and their
// classes, and the bounds on what a call can put in a record. It imports no
// RPC framework: each adapter turns its framework's metadata, peer and
// errors into the plain values used here, so the root module never requires
// grpc-go or connect.
package rpcflow

import (
	"context"
	"errors"
	"runtime/debug"
	"strings"
	"time"

	"github.com/logcrest/logcrest/adapters/internal/bound"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/adapters/internal/httpflow"
	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
	"github.com/logcrest/logcrest/internal/schema"
	"github.com/logcrest/logcrest/internal/w3c"
)

// FlowName is the name (fn) of an RPC server call's flow.
const FlowName = "rpc_call"

// MaxPeerLen is the most bytes of the peer address a record keeps.
const MaxPeerLen = 64

// DeadlineSlack is how close to its deadline a cancelled server call is
// taken for one that ran out of time (see Call.End).
const DeadlineSlack = 250 * time.Millisecond

// Header and metadata keys, lowercase as gRPC metadata keys are (HTTP
// header lookups are case-insensitive).
const (
	RequestIDKey   = "x-request-id"
	TraceparentKey = "traceparent"
	FlowIDKey      = "x-flow-id"
)

// Systems: the value of rpc_system.
const (
	SystemGRPC    = "grpc"
	SystemGRPCWeb = "grpc_web"
	SystemConnect = "connect"
)

// Code is a status code, numbered as gRPC numbers them; Connect's codes
// have the same numbers.
type Code uint32

// The codes the classes name.
const (
	OK                 Code = 0
	Canceled           Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16
)

var codeNames = [...]string{
	"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
	"NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted",
	"FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
	"Internal", "Unavailable", "DataLoss", "Unauthenticated",
}

// String is the gRPC name of the code ("NotFound"), or "Code(<n>)" for a
// number gRPC does not define.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Code(" + itoa(uint64(c)) + ")"
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

// Class is what a code says of the call: the classes decide a flow's
// outcome, as an HTTP status's hundreds do.
type Class uint8

// The classes.
const (
	// ClassOK: the call succeeded.
	ClassOK Class = iota
	// ClassClient: the call worked and the server said no (the caller's
	// request was wrong, not allowed, or came too often): the flow
	// succeeds, as a 4xx does.
	ClassClient
	// ClassServer: the server failed the call: the flow fails, as a 5xx
	// does.
	ClassServer
	// ClassCancelled: the caller called the call off: the flow ends
	// "cancelled".
	ClassCancelled
)

// ClassOf returns the class of c: Canceled is ClassCancelled;
// InvalidArgument, NotFound, AlreadyExists, PermissionDenied,
// ResourceExhausted, FailedPrecondition, Aborted, OutOfRange and
// Unauthenticated are ClassClient; Unknown, DeadlineExceeded,
// Unimplemented, Internal, Unavailable, DataLoss and any code gRPC does not
// define are ClassServer.
func ClassOf(c Code) Class {
	switch c {
	case OK:
		return ClassOK
	case Canceled:
		return ClassCancelled
	case InvalidArgument, NotFound, AlreadyExists, PermissionDenied, ResourceExhausted,
		FailedPrecondition, Aborted, OutOfRange, Unauthenticated:
		return ClassClient
	}
	return ClassServer
}

// Config is one interceptor's settings, resolved once.
type Config struct {
	Pipe     *core.Pipeline
	Skip     func(fullMethod string) bool
	flowOpts []flow.Option
}

// NewConfig returns the Config of an interceptor writing to pipe (nil: the
// default pipeline) at level, skipping the calls skip returns true for.
func NewConfig(pipe *core.Pipeline, level zerolog.Level, skip func(string) bool) *Config {
	return &Config{Pipe: pipe, Skip: skip, flowOpts: []flow.Option{flow.AtLevel(level)}}
}

// Skipped reports whether the call of fullMethod is served with no flow.
func (c *Config) Skipped(fullMethod string) bool { return c.Skip != nil && c.Skip(fullMethod) }

// In is what a server knows of a call when it arrives.
type In struct {
	System     string
	FullMethod string
	// RequestIDs and Traceparents are the values of the x-request-id and
	// traceparent metadata; one valid value is used, two or more are
	// ignored as ambiguous.
	RequestIDs   []string
	Traceparents []string
	Peer         string
}

// Call is the flow of one server call, begun by Config.Begin and ended by
// End.
type Call struct {
	span  *flow.Span
	outer *httpflow.Request // the HTTP request flow the call joined, or nil
	ctx   context.Context

	system, route, service, method string
	routeCut                       bool
	requestID, peer, traceFlags    string
	peerCut                        bool

	code       Code
	hasCode    bool
	clientGone bool

	frame flow.Frame
}

type (
	startFields Call
	endFields   Call
)

// AddFields adds the call's fields to flow_start.
func (f *startFields) AddFields(w *flow.FieldWriter) { (*Call)(f).callFields(w) }

// AddFields adds the call's fields and outcome to flow_end.
func (f *endFields) AddFields(w *flow.FieldWriter) { (*Call)(f).endFields(w) }

// Begin starts the flow of a call, labelled by its valid request ID, in
// the trace of its valid traceparent. When ctx belongs to the flow of a
// LogCrest HTTP middleware (a Connect handler mounted under it), no flow
// starts: the call reports to that flow at End.
func (c *Config) Begin(ctx context.Context, in *In) *Call {
	q := new(Call)
	q.system = in.System
	q.route, q.routeCut = bound.Clip(in.FullMethod, adapters.MaxRouteLen)
	q.service, q.method = SplitMethod(q.route)
	if outer := httpflow.FromContext(ctx); outer != nil {
		q.outer, q.ctx = outer, ctx
		outer.SetRoute(q.route)
		return q
	}
	if len(in.RequestIDs) == 1 && adapters.ValidRequestID(in.RequestIDs[0]) {
		q.requestID = in.RequestIDs[0]
	}
	q.peer, q.peerCut = bound.Clip(in.Peer, MaxPeerLen)
	var traceID, parentID string
	if len(in.Traceparents) == 1 {
		if t, p, f, ok := w3c.Parse(in.Traceparents[0]); ok {
			traceID, parentID, q.traceFlags = t, p, f
		}
	}
	q.ctx, q.span = flow.BeginIn(&q.frame, ctx, flow.FlowSpec{
		Label:        q.requestID,
		Name:         FlowName,
		TraceID:      traceID,
		ParentSpanID: parentID,
		StartFields:  (*startFields)(q),
		Pipeline:     c.Pipe,
	}, c.flowOpts...)
	return q
}

// Context is the context for the handler: the flow's.
func (q *Call) Context() context.Context { return q.ctx }

// FlowID is the flow's ID, the value of the x-flow-id answer header (the
// HTTP request's, for a call that joined one).
func (q *Call) FlowID() string {
	if q.outer != nil {
		return q.outer.FlowID()
	}
	return q.span.FlowID()
}

// Joined reports whether the call joined an HTTP request's flow (whose
// middleware set x-flow-id already).
func (q *Call) Joined() bool { return q.outer != nil }

// End ends the call's flow with the handler's result: its status code and
// error, or the panic it raised (recovered, not nil; code is then recorded
// only when hasCode, for an interceptor that turns a panic into a status).
// ctx is the call's context (the one the interceptor got): cancelled when
// the handler returned, the client went away (client_gone), unless its
// deadline had passed or was less than DeadlineSlack away, which is a
// timeout: a client that gives up at its deadline resets the stream, and
// the server, whose own deadline is the client's plus the time the request
// took to arrive, sees that cancellation first; such a call is recorded as
// DeadlineExceeded, not Canceled. End raises nothing: the adapter decides
// what a panic does next. A panic's record is on disk when End returns.
func (q *Call) End(ctx context.Context, code Code, err error, recovered any, stack []byte, hasCode bool) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < DeadlineSlack {
			if code == Canceled {
				code, err = DeadlineExceeded, context.DeadlineExceeded
			}
		} else {
			q.clientGone = errors.Is(ctxErr, context.Canceled)
		}
	}
	q.code, q.hasCode = code, hasCode || recovered == nil
	var o flow.Outcome
	if recovered != nil {
		o.Panic, o.Stack = recovered, stack
		if o.Stack == nil {
			o.Stack = debug.Stack()
		}
	} else {
		switch ClassOf(code) {
		case ClassServer:
			o.Failed, o.Err = true, err
		case ClassCancelled:
			o.Cancelled, o.Err = true, err
		}
	}
	if q.outer != nil {
		q.outer.SetRPC(&httpflow.RPC{Fields: (*rpcFields)(q), Failed: o.Failed, Cancelled: o.Cancelled, Err: o.Err})
		return
	}
	o.EndFields, o.Route = (*endFields)(q), q.route
	q.span.Finish(o)
	if recovered != nil {
		_ = q.span.Pipeline().Sync()
	}
}

// rpcFields are the call's own fields, for the HTTP flow it joined.
type rpcFields Call

// AddFields adds the call's fields to the HTTP request's flow_end.
func (f *rpcFields) AddFields(w *flow.FieldWriter) {
	q := (*Call)(f)
	w.Str(schema.KeyRPCSystem, q.system)
	w.Str(schema.KeyRPCService, q.service)
	w.Str(schema.KeyRPCMethod, q.method)
	q.codeFields(w)
}

// callFields are on flow_start and flow_end.
func (q *Call) callFields(w *flow.FieldWriter) {
	w.Str(schema.KeyRPCSystem, q.system)
	w.Str(schema.KeyRPCService, q.service)
	w.Str(schema.KeyRPCMethod, q.method)
	if q.requestID != "" {
		w.Str(schema.KeyRequestID, q.requestID)
	}
	if q.peer != "" {
		w.Str(schema.KeyPeer, q.peer)
		if q.peerCut {
			w.Bool(schema.KeyPeerTruncated, true)
		}
	}
	if q.traceFlags != "" {
		w.Str(schema.KeyTraceFlags, q.traceFlags)
	}
}

func (q *Call) endFields(w *flow.FieldWriter) {
	q.callFields(w)
	w.Str(schema.KeyRoute, q.route)
	if q.routeCut {
		w.Bool(schema.KeyRouteTruncated, true)
	}
	q.codeFields(w)
	if q.clientGone {
		w.Bool(schema.KeyClientGone, true)
	}
}

func (q *Call) codeFields(w *flow.FieldWriter) {
	if q.hasCode {
		w.Str(schema.KeyGRPCCode, q.code.String())
		w.Int(schema.KeyGRPCStatusCode, int64(q.code))
	}
}

// SplitMethod splits "/pkg.Service/Method" into "pkg.Service" and
// "Method"; a name of another shape is all service, no method.
func SplitMethod(full string) (service, method string) {
	s := strings.TrimPrefix(full, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// Out is one client call, a step of the flow of its context.
type Out struct {
	span                           *flow.Span
	system, route, service, method string
	code                           Code
	hasCode, ended                 bool
}

// AddFields adds the call's fields to the step's exit record.
func (o *Out) AddFields(w *flow.FieldWriter) {
	w.Str(schema.KeyRPCSystem, o.system)
	w.Str(schema.KeyRPCService, o.service)
	w.Str(schema.KeyRPCMethod, o.method)
	if o.hasCode {
		w.Str(schema.KeyGRPCCode, o.code.String())
		w.Int(schema.KeyGRPCStatusCode, int64(o.code))
	}
}

// BeginOut starts the step of a client call of fullMethod, named
// "<system> <fullMethod>", under the flow or step of ctx; it returns nil
// (and ctx) when ctx has none: the call is then sent as it is.
func BeginOut(ctx context.Context, system, fullMethod string) (context.Context, *Out) {
	if flow.FromContext(ctx) == nil {
		return ctx, nil
	}
	o := &Out{system: system}
	o.route, _ = bound.Clip(fullMethod, adapters.MaxRouteLen)
	o.service, o.method = SplitMethod(o.route)
	ctx, o.span = flow.Step(ctx, system+" "+o.route)
	return ctx, o
}

// Traceparent is the traceparent to send: the flow's trace, the step as
// the parent.
func (o *Out) Traceparent() string {
	return w3c.Format(o.span.TraceID(), o.span.SpanID(), w3c.FlagsSampled)
}

// RequestID is the x-request-id to send: the caller's flow ID, or "" when
// it is not a valid request ID (too long after many hops).
func (o *Out) RequestID() string {
	if id := o.span.FlowID(); adapters.ValidRequestID(id) {
		return id
	}
	return ""
}

// End ends the step with the call's code and error: a server-fault code
// fails it, Canceled ends it cancelled, any other code is a success.
func (o *Out) End(code Code, err error) {
	if o.ended {
		return
	}
	o.ended = true
	o.code, o.hasCode = code, true
	out := flow.Outcome{EndFields: o}
	switch ClassOf(code) {
	case ClassServer:
		out.Err = err
		out.Failed = true
	case ClassCancelled:
		out.Cancelled, out.Err = true, err
	}
	o.span.Finish(out)
}

// EndPanic ends the step of a call whose code panicked.
func (o *Out) EndPanic(r any) {
	if o.ended {
		return
	}
	o.ended = true
	o.span.Finish(flow.Outcome{Panic: r, Failed: true, EndFields: o})
}
