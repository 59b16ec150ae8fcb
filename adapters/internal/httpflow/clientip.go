package httpflow

import (
	"net/http"
	"net/netip"
	"strings"
)

// forwardedFor is the canonical X-Forwarded-For header key.
const forwardedFor = "X-Forwarded-For"

// clientIP returns the client address of r for client_ip: the peer address
// of the connection (RemoteAddr without its port) or, when the peer is a
// trusted proxy, the rightmost X-Forwarded-For address that is not one.
// The result is a substring of RemoteAddr or of the header, so it costs no
// allocation, and it is always a valid IP address (or "").
func (c *Config) clientIP(r *http.Request) string {
	peer := hostOf(r.RemoteAddr)
	addr, err := netip.ParseAddr(peer)
	if err != nil {
		return ""
	}
	if len(c.opts.TrustedProxies) == 0 || !c.trusted(addr) {
		return peer
	}
	values := r.Header[forwardedFor]
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			j := strings.LastIndexByte(v, ',')
			hop := strings.TrimSpace(v[j+1:])
			v = v[:max(j, 0)]
			if j < 0 {
				v = ""
			}
			a, err := netip.ParseAddr(hostOf(hop))
			if err != nil {
				return peer // a hop that is not an address: believe no further
			}
			if !c.trusted(a) {
				return hostOf(hop)
			}
		}
	}
	return peer
}

// trusted reports whether a is one of the trusted proxies.
func (c *Config) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hostOf returns the address of "host:port", "[v6]:port", "[v6]" or a bare
// address, without the port and brackets.
func hostOf(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return s
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.IndexByte(s, ':') == i {
		return s[:i] // one colon: IPv4 (or a name) with a port
	}
	return s
}
