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
// The walk from the right stops at the first entry that is not an address,
// and the peer is the answer then (nothing left of it can be believed).
//
// The result is always a valid IP address without a zone, or "": an IPv6
// zone ("fe80::1%eth0") names a network interface of whichever host saw the
// address, not the client, and in X-Forwarded-For it is text anyone up the
// chain wrote, of any length and any bytes. Without it an address is at
// most 45 bytes of hex digits, dots and colons. The result is a substring
// of RemoteAddr or of the header, so it costs no allocation.
func (c *Config) clientIP(r *http.Request) string {
	peer, addr, ok := parseHost(r.RemoteAddr)
	if !ok {
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
			h, a, ok := parseHost(hop)
			if !ok {
				return peer // a hop that is not an address: believe no further
			}
			if !c.trusted(a) {
				return h
			}
		}
	}
	return peer
}

// trusted reports whether a (an address without zone) is one of the trusted
// proxies.
func (c *Config) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHost parses the address of s (see hostOf) and drops its IPv6 zone,
// if any: it returns the address as written, up to the zone, and parsed, or
// ok false when s holds no valid address.
func parseHost(s string) (host string, a netip.Addr, ok bool) {
	host = hostOf(s)
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "", netip.Addr{}, false
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host, a = host[:i], a.WithZone("")
	}
	return host, a, true
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
