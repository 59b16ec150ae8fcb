package httpflow

import (
	"net/http"
	"net/textproto"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/flow"
)

// Config is an adapter instance: its adapters.Options, resolved once when the
// middleware is built, so that serving a request reads them without
// allocating. It is safe for concurrent use and never changes.
type Config struct {
	opts      adapters.Options
	ridHeader string         // canonical form of opts.RequestIDHeader
	flowOpts  []flow.Option  // the options passed to flow.Begin
	pipe      *core.Pipeline // opts.Pipeline, or nil for the default
}

// NewConfig resolves opts (later options win) into a Config. Framework
// adapters call it once per middleware they build.
func NewConfig(opts ...adapters.Option) *Config {
	o := adapters.Options{Level: zerolog.InfoLevel}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.RequestIDHeader == "" {
		o.RequestIDHeader = adapters.DefaultRequestIDHeader
	}
	return &Config{
		opts:      o,
		ridHeader: textproto.CanonicalMIMEHeaderKey(o.RequestIDHeader),
		flowOpts:  []flow.Option{flow.AtLevel(o.Level)},
		pipe:      (*core.Pipeline)(o.Pipeline),
	}
}

// Options returns the options the Config was built with, defaults filled
// in.
func (c *Config) Options() adapters.Options { return c.opts }

// Skip reports whether r is to be served without a flow, as the
// adapters.WithSkip predicate decides.
func (c *Config) Skip(r *http.Request) bool { return c.opts.Skip != nil && c.opts.Skip(r) }
