package adapters

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/core"
)

// DefaultRequestIDHeader is the request header whose value, when valid,
// becomes the flow label (see WithRequestIDHeader).
const DefaultRequestIDHeader = "X-Request-ID"

// Options are the settings of one adapter instance, the same for the four
// frameworks. Build them with Option values: each middleware starts from
// the defaults (Level info, RequestIDHeader "X-Request-ID", nothing else
// set) and applies its options in order, later ones winning.
type Options struct {
	// Level is the level of flow_start and of a successful flow_end
	// (default info). A failed flow_end is always at error level.
	Level zerolog.Level
	// Skip, when set, is asked first for every request; a request it
	// returns true for is served with no flow, no records and no X-Flow-ID
	// header (health checks, metrics scrapes).
	Skip func(*http.Request) bool
	// RequestIDHeader names the request header read for the request ID
	// (default "X-Request-ID").
	RequestIDHeader string
	// Pipeline is where the request flows go; nil means the default
	// pipeline.
	Pipeline *logcrest.Pipeline
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (see WithTrustedProxies).
	TrustedProxies []netip.Prefix
	// FlowFields derives flow fields from each request (see
	// WithFlowFields).
	FlowFields func(*http.Request) []any
}

// Option is one setting of an adapter instance, passed to an adapter's
// Middleware (or Handler, or Instrument). Options are plain values: each
// middleware keeps its own, there is no package-level setting.
type Option func(*Options)

// WithFlowLevel sets the level of flow_start and of a successful flow_end
// (default zerolog.InfoLevel). Failed flows are always recorded at error
// level.
func WithFlowLevel(l zerolog.Level) Option { return func(o *Options) { o.Level = l } }

// WithPipeline makes the middleware write its flows to p, and puts p in
// each request's context, so the handler's steps, flows and Log(ctx) records
// go there too. Without it the middleware writes to the default pipeline
// (logcrest.Default()) as it is when each request arrives.
func WithPipeline(p *logcrest.Pipeline) Option { return func(o *Options) { o.Pipeline = p } }

// WithSkip sets a predicate asked first for every request: a request it
// returns true for is passed straight to the next handler with no flow, no
// records and no X-Flow-ID header. Use it for health checks and metrics
// endpoints:
//
//	adapters.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" })
//
// fn is called on the request's goroutine and must not retain r. A nil fn
// skips nothing.
func WithSkip(fn func(*http.Request) bool) Option { return func(o *Options) { o.Skip = fn } }

// WithRequestIDHeader sets the name of the request header carrying the
// caller's request ID (default "X-Request-ID"). The name is
// case-insensitive; "" restores the default. Only a valid value (see
// ValidRequestID) is used.
func WithRequestIDHeader(name string) Option {
	return func(o *Options) { o.RequestIDHeader = name }
}

// WithTrustedProxies names the reverse proxies and load balancers in front
// of the service, as CIDR prefixes or addresses ("10.0.0.0/8", "::1").
// client_ip is the peer address of the connection; when the peer is one of
// these, it is instead the rightmost address of X-Forwarded-For that is not
// one of them (the client as the last trusted proxy saw it). Without this
// option X-Forwarded-For is never read: any client can write it; nor is it
// when the peer is not one of these. The walk from the right stops at an
// entry that is not an IP address, and client_ip is then the peer address.
// client_ip is always a valid IP address without its IPv6 zone (at most 45
// bytes): a zone ("fe80::1%eth0") names a network interface of the host
// that saw the address, not the client, and is dropped, also before the
// address is compared with these prefixes. An entry of cidrs that does not
// parse is ignored with a "logcrest: warning:" line.
func WithTrustedProxies(cidrs ...string) Option {
	var prefixes []netip.Prefix
	for _, c := range cidrs {
		p, err := parsePrefix(c)
		if err != nil {
			core.Warnf("adapters.WithTrustedProxies: %q is not an address or CIDR prefix; ignored", c)
			continue
		}
		prefixes = append(prefixes, p)
	}
	return func(o *Options) { o.TrustedProxies = append(o.TrustedProxies, prefixes...) }
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// WithFlowFields derives fields from each request for its flow: fn returns
// key, value pairs ("tenant", r.Header.Get("X-Tenant"), ...), set as with
// logcrest.SetFlowField, so they appear on flow_end, bounded the same way
// (16 fields, 256-byte values; refused keys left out). It runs after the flow
// has begun, on the request's goroutine. No header is recorded unless fn
// names it.
func WithFlowFields(fn func(r *http.Request) []any) Option {
	return func(o *Options) { o.FlowFields = fn }
}
