package logcrestgrpc

import (
	"strings"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters/internal/rpcflow"
	"github.com/logcrest/logcrest/internal/core"
)

// Option is one setting of an interceptor. Each interceptor keeps its own:
// there is no package-level setting.
type Option func(*options)

type options struct {
	pipe    *logcrest.Pipeline
	level   zerolog.Level
	skip    func(fullMethod string) bool
	recover bool
}

// WithPipeline makes the interceptor write its flows and steps to p, and
// puts p in each call's context, so the handler's steps and
// logcrest.Log(ctx) records go there too. Without it: the default pipeline.
func WithPipeline(p *logcrest.Pipeline) Option { return func(o *options) { o.pipe = p } }

// WithFlowLevel sets the level of flow_start and of a successful flow_end
// (default info). A failed flow_end is always at error level.
func WithFlowLevel(l zerolog.Level) Option { return func(o *options) { o.level = l } }

// WithSkip sets a predicate asked first for every call, with its full
// method ("/pkg.Service/Method"): a call it returns true for is served with
// no flow, no record and no x-flow-id header. SkipHealthAndReflection is
// one. A nil fn skips nothing.
func WithSkip(fn func(fullMethod string) bool) Option { return func(o *options) { o.skip = fn } }

// WithRecovery makes the server interceptors turn a handler's panic into
// the status codes.Internal ("panic: <value>") answered to the client,
// instead of raising it again (the default, which lets grpc-go crash the
// process as it would without LogCrest, or a recovery interceptor chained
// outside this one answer). Either way flow_end records the panic with its
// stack first.
func WithRecovery() Option { return func(o *options) { o.recover = true } }

// SkipHealthAndReflection reports whether fullMethod belongs to the gRPC
// health service (grpc.health.v1.Health) or to server reflection
// (grpc.reflection.v1 and v1alpha): give it to WithSkip.
func SkipHealthAndReflection(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(fullMethod, "/grpc.reflection.v1.ServerReflection/") ||
		strings.HasPrefix(fullMethod, "/grpc.reflection.v1alpha.ServerReflection/")
}

type config struct {
	*rpcflow.Config
	recover bool
}

func newConfig(opts []Option) *config {
	o := options{level: zerolog.InfoLevel}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return &config{
		Config:  rpcflow.NewConfig((*core.Pipeline)(o.pipe), o.level, o.skip),
		recover: o.recover,
	}
}
