package core

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestRouteSamplingSetting: per-route rates through the three layers, in
// canonical form, and every bad value warned about and replaced by none.
func TestRouteSamplingSetting(t *testing.T) {
	t.Parallel()
	none := filepath.Join(t.TempDir(), "none.json")
	for _, c := range []struct {
		name string
		file string // config file content, "" for none
		env  string // LOGCREST_SAMPLE_ROUTES, "" for unset
		opt  map[string]int
		want string
		warn string // a fragment of the warning, "" for none
	}{
		{name: "option", opt: map[string]int{"/b": 3, "/a/{id}": 10}, want: "/a/{id}=10,/b=3"},
		{name: "env", env: " /healthz = 100 , /orders/{id}=5 ", want: "/healthz=100,/orders/{id}=5"},
		{name: "json object", file: `{"sample_routes": {"/x": 7, "/y": 1}}`, want: "/x=7,/y=1"},
		{name: "json string", file: `{"sample_routes": "/x=7"}`, want: "/x=7"},
		{name: "option wins", opt: map[string]int{"/o": 2}, env: "/e=3", file: `{"sample_routes": "/f=4"}`, want: "/o=2"},
		{name: "env zero rate", env: "/a=0", warn: `"/a=0" is not route=rate`},
		{name: "env no rate", env: "/a", warn: `"/a" is not route=rate`},
		{name: "env word rate", env: "/a=many", warn: `"/a=many" is not route=rate`},
		{name: "json bad rate", file: `{"sample_routes": {"/a": -1}}`, warn: `route "/a": -1 is not a whole rate`},
		{name: "json array", file: `{"sample_routes": [1]}`, warn: "an array is not an object of route: rate"},
		{name: "option zero rate", opt: map[string]int{"/a": 0}, warn: `"/a=0" is not route=rate`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := none
			if c.file != "" {
				path = configFile(t, c.file)
			}
			e := env{}
			if c.env != "" {
				e["LOGCREST_SAMPLE_ROUTES"] = c.env
			}
			opts := []Option{WithConfigFile(path)}
			if c.opt != nil {
				opts = append(opts, WithRouteSampling(c.opt))
			}
			var warn bytes.Buffer
			got, _ := Resolve(opts, e.get, &warn)
			if got.SampleRoutes != c.want {
				t.Errorf("SampleRoutes = %q, want %q", got.SampleRoutes, c.want)
			}
			switch {
			case c.warn == "" && warn.Len() != 0:
				t.Errorf("unexpected warning %q", warn.String())
			case c.warn != "" && (!strings.Contains(warn.String(), c.warn) || !strings.HasPrefix(warn.String(), "logcrest: warning:")):
				t.Errorf("warning %q, want one naming %q", warn.String(), c.warn)
			}
		})
	}
}

// TestSampleRatePerRoute: the policy gives a route its own rate, any other
// route (and none) the pipeline's.
func TestSampleRatePerRoute(t *testing.T) {
	s := Defaults()
	s.SampleRoutine, s.SampleRoutes = 4, "/healthz=100,/x=1"
	p := policyOf(&s)
	for route, want := range map[string]int{"/healthz": 100, "/x": 1, "/other": 4, "": 4} {
		if got := p.SampleRate(route); got != want {
			t.Errorf("SampleRate(%q) = %d, want %d", route, got, want)
		}
	}
}
