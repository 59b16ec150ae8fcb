package adapters_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
	}
	for _, ad := range allAdapters() {
		for _, tc := range cases {
			t.Run(ad.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				rec := logcresttest.New(t, logcrest.WithName(logName))
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
				if fe.Str("tenant") != "acme" || fe.Str("flow_id") != id || len(fe.Str("big")) != 256 {
					t.Errorf("flow fields: tenant %q, flow_id %q (forged?), big %d bytes", fe.Str("tenant"), fe.Str("flow_id"), len(fe.Str("big")))
				}
				if s := fmt.Sprint(rec.Records()); strings.Contains(s, "secret") || strings.Contains(s, "Bearer") {
					t.Errorf("a header not named was recorded: %s", s)
				}
			})
		}
	}
}
