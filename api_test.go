package logcrest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The golden API file: every exported identifier of every package a user can
// import from this module, one per line, in the spirit of Go's own api/
// folder. TestAPI fails when the public surface changes, so that an internal
// change can never grow (or shrink) it unnoticed; a change to the file is a
// deliberate edit, reviewed with the code that made it.

// apiFile is the golden file, relative to the module root.
const apiFile = "api/logcrest.txt"

// apiUpdateEnv, set to 1, makes TestAPI rewrite apiFile instead of comparing
// (as -update-api does), for `go test ./...` runs where a flag of this
// package would be refused by the others.
const apiUpdateEnv = "LOGCREST_UPDATE_API"

var updateAPI = flag.Bool("update-api", false, "rewrite "+apiFile+" from the packages' exported identifiers")

// TestAPI lists the public surface of the module and compares it with
// api/logcrest.txt.
func TestAPI(t *testing.T) {
	got, err := publicAPI()
	if err != nil {
		t.Fatal(err)
	}
	if *updateAPI || os.Getenv(apiUpdateEnv) == "1" {
		if err := os.MkdirAll(filepath.Dir(apiFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(apiFile, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d exported identifiers", apiFile, len(got))
		return
	}
	b, err := os.ReadFile(apiFile)
	if err != nil {
		t.Fatalf("%v\nto create it: go test -run '^TestAPI$' -update-api .", err)
	}
	want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	added, removed := setDiff(got, want), setDiff(want, got)
	if len(added)+len(removed) == 0 {
		return
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "the public API differs from %s (%d identifiers now, %d in the file):\n", apiFile, len(got), len(want))
	for _, l := range removed {
		fmt.Fprintf(&msg, "-%s\n", l)
	}
	for _, l := range added {
		fmt.Fprintf(&msg, "+%s\n", l)
	}
	fmt.Fprintf(&msg, "if the change is meant, update the file and review it with the code:\n"+
		"\tgo test -run '^TestAPI$' -update-api .   (or %s=1 go test -run '^TestAPI$' .)", apiUpdateEnv)
	t.Error(msg.String())
}

// setDiff returns the lines of a that are not in b, in a's order.
func setDiff(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, l := range b {
		in[l] = true
	}
	var out []string
	for _, l := range a {
		if !in[l] {
			out = append(out, l)
		}
	}
	return out
}

// listedPackage is what TestAPI reads of `go list -json`.
type listedPackage struct {
	ImportPath string
	Name       string
	Export     string
	GoFiles    []string
	DepOnly    bool
	Module     *struct{ Path string }
}

// publicAPI returns the sorted lines of the API file: the exported
// identifiers of every package of this module that is neither a command nor
// under an internal/ folder, as the compiler's export data describes them.
func publicAPI() ([]string, error) {
	var lines []string
	for _, dir := range apiModules {
		l, err := moduleAPI(dir)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", dir, err)
		}
		lines = append(lines, l...)
	}
	sort.Strings(lines)
	return lines, nil
}

// apiModules are the folders of the modules users import: the root and
// the nested modules that keep a dependency (OpenTelemetry, grpc-go,
// Connect) out of the root's go.mod. Their public names are one surface.
var apiModules = []string{".", "otel", "adapters/grpc", "adapters/connect"}

// rootModule qualifies the root package's names in every module's lines.
const rootModule = "github.com/logcrest/logcrest"

// moduleAPI returns the lines of the public packages of the module in dir.
func moduleAPI(dir string) ([]string, error) {
	goTool, err := exec.LookPath("go") // go test puts its own go first on PATH
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(goTool, "list", "-e", "-export", "-deps",
		"-json=ImportPath,Name,Export,GoFiles,DepOnly,Module", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.Bytes())
	}
	exports := map[string]string{}
	var targets []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		exports[p.ImportPath] = p.Export
		if isPublic(p) {
			targets = append(targets, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	var lines []string
	for _, p := range targets {
		pkg, err := imp.Import(p.ImportPath)
		if err != nil {
			return nil, err
		}
		lines = append(lines, packageAPI(pkg, rootModule)...)
	}
	return lines, nil
}

// isPublic reports whether a user of the module can import p.
func isPublic(p listedPackage) bool {
	if p.DepOnly || p.Module == nil || p.Name == "main" || len(p.GoFiles) == 0 {
		return false
	}
	rel := strings.TrimPrefix(p.ImportPath, p.Module.Path)
	return !strings.Contains(rel+"/", "/internal/")
}

// packageAPI returns one line for each exported identifier of pkg: its
// funcs, types, consts and vars, the methods of its exported types (promoted
// ones and those of an aliased type included: a user can call them) and
// their exported struct fields and interface methods.
func packageAPI(pkg *types.Package, modPath string) []string {
	qual := func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		if p.Path() == modPath {
			return "logcrest"
		}
		if rel, ok := strings.CutPrefix(p.Path(), modPath+"/"); ok {
			return rel
		}
		return p.Path()
	}
	prefix := "pkg " + pkg.Path() + ", "
	str := func(t types.Type) string { return types.TypeString(t, qual) }
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, prefix+fmt.Sprintf(format, args...)) }
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch obj := obj.(type) {
		case *types.Func:
			add("func %s%s", name, strings.TrimPrefix(str(obj.Type()), "func"))
		case *types.Const:
			add("const %s %s", name, str(obj.Type()))
		case *types.Var:
			add("var %s %s", name, str(obj.Type()))
		case *types.TypeName:
			lines = append(lines, typeAPI(prefix, obj, str)...)
		}
	}
	return lines
}

// typeAPI returns the lines of one exported type name: the type itself, its
// exported fields or interface methods, and its method set.
func typeAPI(prefix string, obj *types.TypeName, str func(types.Type) string) []string {
	name := obj.Name()
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, prefix+fmt.Sprintf(format, args...)) }
	t := types.Unalias(obj.Type())
	switch {
	case obj.IsAlias():
		add("type %s = %s", name, str(t))
	default:
		kind := str(t.Underlying())
		switch t.Underlying().(type) {
		case *types.Struct:
			kind = "struct"
		case *types.Interface:
			kind = "interface"
		}
		add("type %s %s", name, kind)
	}
	switch u := t.Underlying().(type) {
	case *types.Struct:
		for i := range u.NumFields() {
			if f := u.Field(i); f.Exported() {
				if f.Embedded() {
					add("type %s struct, embedded %s", name, str(f.Type()))
				} else {
					add("type %s struct, %s %s", name, f.Name(), str(f.Type()))
				}
			}
		}
	case *types.Interface:
		for i := range u.NumMethods() {
			if m := u.Method(i); m.Exported() {
				add("type %s interface, %s%s", name, m.Name(), strings.TrimPrefix(str(m.Type()), "func"))
			}
		}
		return lines
	}
	if _, ok := t.(*types.Named); !ok {
		return lines
	}
	ms := types.NewMethodSet(types.NewPointer(t))
	for i := range ms.Len() {
		m := ms.At(i).Obj()
		if !m.Exported() {
			continue
		}
		recv := "*" + name
		if _, ptr := ms.At(i).Recv().(*types.Pointer); ptr && !isPointerMethod(t, m.Name()) {
			recv = name
		}
		add("method (%s) %s%s", recv, m.Name(), strings.TrimPrefix(str(m.Type()), "func"))
	}
	return lines
}

// isPointerMethod reports whether exported method name of t needs a
// pointer receiver, that is, whether it is missing from t's value method set.
func isPointerMethod(t types.Type, name string) bool {
	return types.NewMethodSet(t).Lookup(nil, name) == nil
}

// engineOnly are methods and names the engine exports for its sibling
// packages alone. WriteRecord and WriteFlow skip the CR/LF defence of a log
// call, so a program that could reach them could forge lines in the files.
var engineOnly = []string{
	"WriteRecord", "WriteFlow", "WriteUniqueRecord", "WriteUniqueFlow", "WriteWith",
	"AppendHead", "AppendFlowHead", "LoggerOf", "LoggerOn", "SetTraceSource", "SetEndHook",
	"BeginIn", "Claim", "EndRecovered", "ContextKey", "FromContext",
}

// TestAPIReachesNoEngine checks that no importable package hands out the
// engine: no identifier of the public API is one of the engine's own names,
// an internal type is named only as the right side of a type alias, and
// such an alias brings no method or field with it.
func TestAPIReachesNoEngine(t *testing.T) {
	lines, err := publicAPI()
	if err != nil {
		t.Fatal(err)
	}
	aliases := map[string]bool{} // "pkg ..., Name" of aliases of internal types
	for _, l := range lines {
		prefix, decl, _ := strings.Cut(l, ", ")
		if !strings.Contains(decl, "internal/") {
			continue
		}
		name, ok := strings.CutPrefix(decl, "type ")
		name, target, isAlias := strings.Cut(name, " = ")
		if !ok || !isAlias || strings.ContainsAny(target, " (") {
			t.Errorf("an internal type reaches users other than as an alias: %s", l)
			continue
		}
		aliases[prefix+", "+name] = true
	}
	for _, l := range lines {
		prefix, decl, _ := strings.Cut(l, ", ")
		for a := range aliases {
			p, name, _ := strings.Cut(a, ", ")
			if p == prefix && (strings.HasPrefix(decl, "method ("+name+")") ||
				strings.HasPrefix(decl, "method (*"+name+")") ||
				strings.HasPrefix(decl, "type "+name+" struct, ")) {
				t.Errorf("%s aliases an internal type and brings its members: %s", name, l)
			}
		}
		for _, e := range engineOnly {
			if strings.Contains(decl, " "+e+"(") || strings.Contains(decl, ") "+e+"(") ||
				strings.HasSuffix(decl, " "+e) || strings.Contains(decl, " "+e+" ") {
				t.Errorf("the engine's %s is public: %s", e, l)
			}
		}
	}
}
