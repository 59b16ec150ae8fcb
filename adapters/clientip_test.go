package adapters_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	"github.com/logcrest/logcrest/logcresttest"
)

// TestClientIPAndFlowFields: client_ip is the peer address unless the peer
// is a trusted proxy, and then the rightmost untrusted X-Forwarded-For
// address; a client cannot choose it. WithFlowFields adds the fields it
// derives from the request to flow_end, bounded; no header is recorded
// unless named. The same for the four adapters.
func TestClientIPAndFlowFields(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		trusted []string
		xff     []string // X-Forwarded-For header values
		want    string
	}{
		{"no trusted proxy: the header is ignored", nil, []string{"203.0.113.7"}, "127.0.0.1"},
		{"trusted peer, one hop", []string{"127.0.0.1"}, []string{"203.0.113.7"}, "203.0.113.7"},
		{"trusted chain", []string{"127.0.0.0/8", "10.0.0.0/8"}, []string{"198.51.100.1, 203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"spoofed leftmost entry is not believed", []string{"127.0.0.1"}, []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"two header lines", []string{"127.0.0.1", "10.0.0.0/8"}, []string{"198.51.100.4", "10.0.0.5"}, "198.51.100.4"},
		{"garbage hop stops the walk", []string{"127.0.0.1"}, []string{"203.0.113.7, <script>"}, "127.0.0.1"},
		{"IPv6 hop", []string{"127.0.0.1"}, []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"all trusted: the peer", []string{"127.0.0.1", "10.0.0.0/8"}, []string{"10.0.0.1"}, "127.0.0.1"},
		{"proxies configured, peer not one of them: the header is ignored", []string{"10.0.0.0/8", "::1"}, []string{"203.0.113.7"}, "127.0.0.1"},
	}
	for _, ad := range allAdapters() {
		for _, tc := range cases {
			t.Run(ad.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				rec := logcresttest.New(t, logcrest.WithName(logName), logcrest.WithDetail("full"))
				opts := []adapters.Option{adapters.WithPipeline(rec.Pipeline()),
					adapters.WithFlowFields(func(r *http.Request) []any {
						return []any{"tenant", r.Header.Get("X-Tenant"), "flow_id", "forged", "big", string(make([]byte, 1000))}
					})}
				if tc.trusted != nil {
					opts = append(opts, adapters.WithTrustedProxies(tc.trusted...))
				}
				srv := httptest.NewServer(ad.build(newApp(), opts...))
				defer srv.Close()
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/created", nil)
				req.Header.Set("X-Tenant", "acme")
				req.Header.Set("Authorization", "Bearer secret")
				for _, v := range tc.xff {
					req.Header.Add("X-Forwarded-For", v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				id := resp.Header.Get(adapters.FlowIDHeader)
				fe, ok := rec.FlowEnd(id)
				if !ok {
					t.Fatalf("no flow_end for %q:\n%s", id, rec)
				}
				if fe.Str("client_ip") != tc.want {
					t.Errorf("client_ip %q, want %q", fe.Str("client_ip"), tc.want)
				}
				// big is 1,000 NUL bytes, each written \u0000: the 256-byte cap
				// on the written value (quotes included) keeps (256-2)/6 = 42.
				if fe.Str("tenant") != "acme" || fe.Str("flow_id") != id || len(fe.Str("big")) != 42 || fe["big_truncated"] != true {
					t.Errorf("flow fields: tenant %q, flow_id %q (forged?), big %d bytes, big_truncated %v", fe.Str("tenant"), fe.Str("flow_id"), len(fe.Str("big")), fe["big_truncated"])
				}
				if s := fmt.Sprint(rec.Records()); strings.Contains(s, "secret") || strings.Contains(s, "Bearer") {
					t.Errorf("a header not named was recorded: %s", s)
				}
			})
		}
	}
}

// TestClientIPIsAValidBoundedAddress: client_ip, on flow_start and flow_end
// alike, is always a valid IP address without a zone, at most 45 bytes,
// whatever X-Forwarded-For or the peer address hold. A zone (which names an
// interface of the host that saw the address, and in the header is text of
// any length and bytes) is dropped, also before the trusted-proxy check;
// an entry that is not an address stops the walk and the peer is the
// answer; the header is believed only from a trusted peer. Through the
// four adapters, in process (so the peer address can be any string), every
// line of every file read back.
func TestClientIPIsAValidBoundedAddress(t *testing.T) {
	t.Parallel()
	const hostile = "<script>alert(1)</script>\x1b[2J\x1b]0;PWNED\x07"
	long := strings.Repeat("z", 100<<10) + hostile
	cases := []struct {
		name    string
		trusted []string
		peer    string   // RemoteAddr
		xff     []string // X-Forwarded-For header values
		want    string   // "" for no client_ip
	}{
		{"zone of 100 KiB in the header", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"fe80::1%" + long}, "fe80::1"},
		{"bracketed zone and port in the header", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"198.51.100.1, [fe80::2%eth0]:443"}, "fe80::2"},
		{"short zone in the header", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"fe80::3%eth0"}, "fe80::3"},
		{"zoned hop that is a trusted proxy is walked past", []string{"10.0.0.0/8", "fe80::/10"}, "10.0.0.1:5000", []string{"203.0.113.5, fe80::9%" + long}, "203.0.113.5"},
		{"zone of the peer", nil, "[fe80::4%" + long + "]:5000", []string{"203.0.113.7"}, "fe80::4"},
		{"zoned peer in a trusted prefix", []string{"fe80::/10"}, "[fe80::5%eth0]:5000", []string{"203.0.113.8"}, "203.0.113.8"},
		{"proxies configured, peer not one of them", []string{"10.0.0.0/8", "127.0.0.1"}, "192.0.2.10:5000", []string{"203.0.113.9"}, "192.0.2.10"},
		{"entry with bytes after the address", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"198.51.100.2, 203.0.113.10" + hostile}, "10.0.0.1"},
		{"zone-only entry", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"198.51.100.3, %" + long}, "10.0.0.1"},
		{"empty zone", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"198.51.100.4, fe80::6%"}, "10.0.0.1"},
		{"IPv4 with a zone", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"198.51.100.5, 203.0.113.11%eth0"}, "10.0.0.1"},
		{"longest address", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"}, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"},
		{"field of five hex digits", []string{"10.0.0.0/8"}, "10.0.0.1:5000", []string{"198.51.100.6, 2001:0db80::1"}, "10.0.0.1"},
		{"peer that is not an address", []string{"10.0.0.0/8"}, "peer" + hostile + ":5000", []string{"203.0.113.12"}, ""},
	}
	for _, ad := range allAdapters() {
		t.Run(ad.name, func(t *testing.T) {
			t.Parallel()
			c := start(t)
			ids := make([]string, len(cases))
			for i, tc := range cases {
				opts := []adapters.Option{c.Option()}
				if tc.trusted != nil {
					opts = append(opts, adapters.WithTrustedProxies(tc.trusted...))
				}
				h := ad.build(newApp(), opts...)
				req := httptest.NewRequest(http.MethodGet, "/orders/1", nil)
				req.RemoteAddr = tc.peer
				for _, v := range tc.xff {
					req.Header.Add("X-Forwarded-For", v)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				ids[i] = w.Header().Get(adapters.FlowIDHeader)
			}
			o := c.Finish(t)
			for i, tc := range cases {
				fs, fe := flowPair(t, o, ids[i])
				for _, r := range []record{fs, fe} {
					if tc.want == "" {
						wantAbsent(t, r, "client_ip")
						continue
					}
					got, _ := r["client_ip"].(string)
					if got != tc.want {
						t.Errorf("%s: %s client_ip %.80q (%d bytes), want %q", tc.name, r["flow_type"], got, len(got), tc.want)
						continue
					}
					if a, err := netip.ParseAddr(got); err != nil || a.Zone() != "" || len(got) > 45 {
						t.Errorf("%s: client_ip %q is not a bounded address without zone (%v)", tc.name, got, err)
					}
				}
			}
			if len(o.Flows) != 2*len(cases) {
				t.Errorf("%d flow records, want %d", len(o.Flows), 2*len(cases))
			}
			for _, bad := range []string{"zzzzzzzz", "<script>", "\x1b", `\u001b`, "PWNED"} {
				if strings.Contains(o.Raw, bad) {
					t.Errorf("%q from a request header or peer address reached a file or the console", bad)
				}
			}
			for line := range strings.Lines(o.Raw) {
				if len(line) > maxLine {
					t.Errorf("a line of %d bytes, want at most %d: %.200s...", len(line), maxLine, line)
				}
			}
		})
	}
}
