package testkit

import (
	"os/exec"
	"strings"
	"testing"
)

// testOnly are the module's test-support packages: ordinary packages that
// only tests may import (adapters/internal/logtest is the adapters'
// harness, itself built on testkit).
var testOnly = map[string]bool{
	"github.com/logcrest/logcrest/internal/testkit":          true,
	"github.com/logcrest/logcrest/adapters/internal/logtest": true,
}

// TestNotImportedByLibraryCode fails when a package of the module, apart
// from the test-support packages themselves, depends on testkit (or
// adapters/internal/logtest) outside its _test.go files: the harness is for
// tests only and must not reach users' binaries.
func TestNotImportedByLibraryCode(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	// go list without -test lists each package's dependencies from its
	// non-test files only.
	out, err := exec.Command("go", "list", "-deps=false", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "github.com/logcrest/logcrest/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list listed %d packages, expected the whole module:\n%s", len(lines), out)
	}
	for _, line := range lines {
		pkg, deps, _ := strings.Cut(line, " ")
		if testOnly[pkg] {
			continue
		}
		for _, d := range strings.Fields(deps) {
			if testOnly[d] {
				t.Errorf("%s imports %s outside its tests; it is test support only", pkg, d)
			}
		}
	}
}

func TestParseLines(t *testing.T) {
	rs := ParseLines[map[string]any](t, "ok", []byte("{\"a\":1}\n{\"b\":\"x\"}\n"))
	if len(rs) != 2 || rs[0]["a"] != 1.0 || rs[1]["b"] != "x" {
		t.Errorf("got %v", rs)
	}
	for _, bad := range []string{`{"a":1,"a":2}`, `{"a":{"b":1,"b":1}}`, `not json`, `null`, `[1]`, `{"a":1} {"b":2}`} {
		ft := &fakeT{TB: t}
		func() {
			defer func() { _ = recover() }()
			ParseLines[map[string]any](ft, "bad", []byte(bad+"\n"))
		}()
		if !ft.failed {
			t.Errorf("ParseLines accepted %q", bad)
		}
	}
}

func TestWantFields(t *testing.T) {
	r := map[string]any{"a": 1.0, "b": "x"}
	WantFields(t, r, map[string]any{"a": 1.0, "b": "x"})
	for _, want := range []map[string]any{{"a": 2.0}, {"c": nil}, {"a": 1}} {
		ft := &fakeT{TB: t}
		WantFields(ft, r, want)
		if !ft.failed {
			t.Errorf("WantFields(%v, %v) passed", r, want)
		}
	}
}

// fakeT records a failure instead of failing the test; Fatalf stops the
// goroutine's call with a panic the caller recovers.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic("fatal") }
