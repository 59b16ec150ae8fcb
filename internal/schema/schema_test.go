package schema

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReservedSet pins the keys a flow field may not take: every key
// LogCrest writes in a flow's records, and only those.
func TestReservedSet(t *testing.T) {
	want := []string{
		"aborted", "args", "buffered", "buffered_evicted", "buffered_records", "bytes", "client_gone", "client_ip", "detail", "error", "error_type",
		"failed_at", "flow_error", "flow_id", "flow_status", "flow_type", "fn",
		"grpc_code", "grpc_status_code", "hijacked", "http_status", "label", "level", "logcrest_dup", "logger", "message",
		"method", "method_truncated", "ms", "parent_span_id", "path", "path_truncated",
		"peer", "peer_truncated", "request_id", "result", "returned_error", "route", "route_truncated",
		"rpc_method", "rpc_service", "rpc_system", "sample_rate", "seq",
		"span_id", "stack", "status", "step", "steps", "time", "timeline",
		"timeline_truncated", "total_ms", "trace_flags", "trace_id",
	}
	got := ReservedKeys()
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("reserved keys:\n got %q\nwant %q", got, want)
	}
	for _, k := range want {
		if !Reserved(k) {
			t.Errorf("Reserved(%q) = false", k)
		}
	}
	for _, k := range []string{"user_id", "tenant", "host", "", "Flow_ID"} {
		if Reserved(k) {
			t.Errorf("Reserved(%q) = true", k)
		}
	}
}

// TestBackupNameRoundTrip: the name BackupName gives is split and parsed
// back to its prefix and millisecond, for prefixes holding dashes, dots
// and a line feed, and for an empty prefix.
func TestBackupNameRoundTrip(t *testing.T) {
	ms := time.Date(2026, 3, 4, 5, 6, 7, 891e6, time.UTC).UnixMilli()
	for _, prefix := range []string{"app", "my-app-2", "a.b", "two\nlines", ""} {
		name := BackupName(prefix, LogExt, ms)
		p, stamp, ok := SplitBackupName(name, LogExt)
		if !ok || p != prefix || stamp != "2026-03-04T05-06-07.891" {
			t.Fatalf("SplitBackupName(%q) = %q, %q, %v", name, p, stamp, ok)
		}
		if got, ok := BackupMs(stamp); !ok || got != ms {
			t.Fatalf("BackupMs(%q) = %d, %v; want %d", stamp, got, ok, ms)
		}
	}
}

// TestSplitBackupNameMatchesReader: SplitBackupName accepts exactly the
// names the logcrest command's pattern accepted before it used this
// package: "<name>-<digits in the layout's shape>.log[.gz]" with a
// non-empty name.
func TestSplitBackupNameMatchesReader(t *testing.T) {
	old := regexp.MustCompile(`(?s)^(.+)-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log(\.gz)?$`)
	names := []string{
		"app-2026-03-04T05-06-07.891.log", "app-2026-03-04T05-06-07.891.log.gz",
		"a-b-2026-03-04T05-06-07.891.log", "x\ny-2026-03-04T05-06-07.891.log",
		"-2026-03-04T05-06-07.891.log", "2026-03-04T05-06-07.891.log",
		"app-2026-03-04T05-06-07.89.log", "app-2026-03-04T05-06-07.8911.log",
		"app-2026-03-04T05:06:07.891.log", "app-2026-03-04t05-06-07.891.log",
		"app-2026-13-44T25-66-67.891.log", "app-2026-03-04T05-06-07.891.txt",
		"app-2026-03-04T05-06-07.891.log.gz.gz", "app_2026-03-04T05-06-07.891.log",
		"app.log", "app-x026-03-04T05-06-07.891.log", "app-2026-03-04T05-06-07,891.log",
		"app-٢026-03-04T05-06-07.891.log",
	}
	for _, n := range names {
		m := old.FindStringSubmatch(n)
		base, gz := n, false
		if b, ok := cutGz(n); ok {
			base, gz = b, true
		}
		p, _, ok := SplitBackupName(base, LogExt)
		ok = ok && p != ""
		if ok != (m != nil) || (ok && (p != m[1] || gz != (m[2] != ""))) {
			t.Errorf("%q: SplitBackupName gives %q, %v (gz %v); the pattern %q", n, p, ok, gz, m)
		}
	}
}

func cutGz(n string) (string, bool) {
	if len(n) > len(GzExt) && n[len(n)-len(GzExt):] == GzExt {
		return n[:len(n)-len(GzExt)], true
	}
	return n, false
}

// TestBackupMsRejectsImpossibleTimes: a stamp of the right shape that is
// no time (month 13) is not a backup of the writers' (they parse it).
func TestBackupMsRejectsImpossibleTimes(t *testing.T) {
	if _, ok := BackupMs("2026-13-04T05-06-07.891"); ok {
		t.Fatal("month 13 parsed")
	}
}

// TestKnownIsEveryKeyConstant: Known holds exactly the Key constants of
// keys.go, so a key added there cannot be missed by the readers' tag
// checks.
func TestKnownIsEveryKeyConstant(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "keys.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			for i, name := range spec.(*ast.ValueSpec).Names {
				if !strings.HasPrefix(name.Name, "Key") {
					continue
				}
				n++
				v, err := constValue(spec.(*ast.ValueSpec), i)
				if err != nil {
					t.Fatalf("%s: %v", name.Name, err)
				}
				if !Known(v) {
					t.Errorf("%s = %q is not Known", name.Name, v)
				}
			}
		}
	}
	if n != len(known) {
		t.Errorf("%d Key constants, %d Known keys", n, len(known))
	}
	for k := range known {
		if k == "" || strings.Trim(k, "abcdefghijklmnopqrstuvwxyz_") != "" {
			t.Errorf("key %q is not lowercase snake case", k)
		}
	}
}

// constValue evaluates the i-th value of spec: a string literal, or
// Key<Name> + TruncatedSuffix.
func constValue(spec *ast.ValueSpec, i int) (string, error) {
	switch e := spec.Values[i].(type) {
	case *ast.BasicLit:
		return strconv.Unquote(e.Value)
	case *ast.BinaryExpr:
		x, _ := e.X.(*ast.Ident)
		y, _ := e.Y.(*ast.Ident)
		if x != nil && y != nil && y.Name == "TruncatedSuffix" {
			base := map[string]string{"KeyMethod": KeyMethod, "KeyPath": KeyPath, "KeyRoute": KeyRoute, "KeyHost": KeyHost}[x.Name]
			if base != "" {
				return base + TruncatedSuffix, nil
			}
		}
	}
	return "", fmt.Errorf("unexpected expression %T", spec.Values[i])
}
