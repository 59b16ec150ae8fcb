//go:build unix

package adapters_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
	logcrestecho "github.com/logcrest/logcrest/adapters/echo"
	logcrestgin "github.com/logcrest/logcrest/adapters/gin"
	"github.com/logcrest/logcrest/adapters/internal/logtest"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
)

// TestPrivacy holds the promise "nothing private leaks": secrets planted in
// step and flow arguments and results, in Authorization and Cookie headers,
// in query strings and in form bodies, driven through steps, flows and the
// four HTTP adapters, reach no byte of any file under the log folder
// (success, error, flows, rotated backups) nor the console, in any encoding
// a logger could give them; unless opted in with Args or LogResult, and
// then only on the records of the step that opted in. Every file LogCrest
// writes is 0600 and every folder it creates 0700, with the umask at 0.
//
// The umask is the process's: TestPrivacy itself runs alone, never with
// t.Parallel; its two runs, each with a pipeline of its own, run in
// parallel with each other.
func TestPrivacy(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	t.Run("no opt-in: no secret anywhere", func(t *testing.T) {
		t.Parallel()
		r := runPrivacy(t, "p1", false)
		for _, l := range r.leaks(nil) {
			t.Errorf("LEAK %s", l)
		}
	})

	// The same run with one step that opts in: the detector above finds
	// exactly the two opted-in secrets, on that step's records only.
	t.Run("opt-in on one step: exactly its argument and result", func(t *testing.T) {
		t.Parallel()
		r := runPrivacy(t, "p2", true)
		core := r.secrets["core"]
		allowed := []*secret{core.arg, core.result}
		for _, l := range r.leaks(allowed) {
			t.Errorf("LEAK %s", l)
		}
		for _, s := range allowed {
			var files, console []hit
			for _, h := range r.hits(s) {
				if h.where == "console" {
					console = append(console, h)
				} else {
					files = append(files, h)
				}
			}
			if len(files) != 1 || !strings.HasPrefix(files[0].where, filepath.Join("app", "success")+string(filepath.Separator)) {
				t.Fatalf("%s: found on %d file lines %v, want exactly one line in the success file", s.name, len(files), files)
			}
			if len(console) != 1 || !strings.Contains(console[0].line, "opted_in") {
				t.Errorf("%s: found on %d console lines %v, want exactly the opted-in step's", s.name, len(console), console)
			}
			var rec record
			if err := json.Unmarshal([]byte(files[0].line), &rec); err != nil {
				t.Fatalf("%s: %v", files[0].where, err)
			}
			want, got := map[string]any{"fn": "opted_in"}, any(nil)
			if s == core.arg {
				want["message"] = "step started"
				args, _ := rec["args"].(map[string]any)
				got = args["password"]
			} else {
				want["message"] = "step finished"
				got = rec["result"]
			}
			wantFields(t, rec, want)
			if got != s.value {
				t.Errorf("%s: the record holds %q, want the secret %q", s.name, got, s.value)
			}
		}
	})
}

// A secret is one planted value.
type secret struct {
	name  string // kind/scope, for reports
	value string
	core  string // its random-looking run of letters and digits
}

// forms are the ways s could be written by a logger: raw, JSON-escaped
// (with and without HTML escaping), Go-quoted, URL-escaped, base64 (a
// []byte through encoding/json), and the core alone, which catches any
// other escaping or a cut.
func (s *secret) forms() []string {
	js := func(html bool) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(s.value)
		return strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)[1:]
	}
	q := strconv.Quote(s.value)
	qa := strconv.QuoteToASCII(s.value)
	out := []string{
		s.value, js(false), js(true), q[1 : len(q)-1], qa[1 : len(qa)-1],
		url.QueryEscape(s.value), url.PathEscape(s.value),
		base64.StdEncoding.EncodeToString([]byte(s.value)),
		base64.URLEncoding.EncodeToString([]byte(s.value)),
		s.core,
	}
	slices.Sort(out)
	out = slices.Compact(out)
	// Longest first: a report names the most complete form found.
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// scopeSecrets are the secrets of one scope: the steps and flows driven
// directly ("core"), or one adapter.
type scopeSecrets struct {
	authz, cookie, query, form, arg, result *secret
}

// tails make the escaped forms differ from the raw one, within what each
// carrier allows (token68, cookie-octet, anything URL-escaped, anything).
var tails = map[string]string{
	"authz":  "._~+/==",
	"cookie": "!/+=?",
	"query":  "/+=&?# é%",
	"form":   "/+=&;é %",
	"arg":    "\"\\<&>\té",
	"result": "'\"\\</>\n&",
}

const coreAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// newSecret derives a fixed, random-looking secret from its phase, kind and
// scope, so that runs are reproducible and every secret distinct.
func newSecret(phase, kind, scope string) *secret {
	sum := sha256.Sum256([]byte("logcrest privacy " + phase + "/" + kind + "/" + scope))
	core := make([]byte, 16)
	for i := range core {
		core[i] = coreAlphabet[int(sum[i])%len(coreAlphabet)]
	}
	return &secret{
		name:  kind + "/" + scope,
		value: "secret-" + kind + "-" + string(core) + tails[kind],
		core:  string(core),
	}
}

// privacyAdapter is one framework serving the privacy routes, its adapter
// given opts.
type privacyAdapter struct {
	name  string
	build func(s *scopeSecrets, opts ...adapters.Option) http.Handler
}

var privacyAdapters = []privacyAdapter{
	{"nethttp", func(s *scopeSecrets, opts ...adapters.Option) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("GET /account", stdPrivate(s))
		mux.Handle("POST /login", stdPrivate(s))
		return logcresthttp.Middleware(opts...)(mux)
	}},
	{"chi", func(s *scopeSecrets, opts ...adapters.Option) http.Handler {
		r := chi.NewRouter()
		r.Use(logcrestchi.Middleware(opts...))
		r.Get("/account", stdPrivate(s))
		r.Post("/login", stdPrivate(s))
		return r
	}},
	{"gin", func(s *scopeSecrets, opts ...adapters.Option) http.Handler {
		r := gin.New()
		logcrestgin.Instrument(r, opts...)
		h := func(c *gin.Context) {
			status, body, err := servePrivate(c, c.Request, s)
			if err != nil {
				_ = c.AbortWithError(status, err)
				return
			}
			c.String(status, body)
		}
		r.GET("/account", h)
		r.POST("/login", h)
		return r
	}},
	{"echo", func(s *scopeSecrets, opts ...adapters.Option) http.Handler {
		e := echo.New()
		e.Logger.SetOutput(io.Discard)
		logcrestecho.Instrument(e, opts...)
		h := func(c echo.Context) error {
			status, body, err := servePrivate(c.Request().Context(), c.Request(), s)
			if err != nil {
				return err // echo answers 500
			}
			return c.String(status, body)
		}
		e.GET("/account", h)
		e.POST("/login", h)
		return e
	}},
}

func stdPrivate(s *scopeSecrets) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, body, err := servePrivate(r.Context(), r, s)
		if err != nil {
			http.Error(w, "charge failed", status)
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// account is a step result holding secrets, logged as JSON if ever logged.
type account struct {
	User, Token, Session, Password, Bearer, Key string
	Raw                                         []byte
}

// servePrivate is the work of /account and /login on every framework: it
// reads the request's secrets and passes them, through closures only, to
// steps that take them as arguments and return them as results. It
// answers 200 "ok" only when every secret arrived intact, 500 (with an
// error that holds none) when the query asks to fail.
func servePrivate(ctx context.Context, r *http.Request, s *scopeSecrets) (int, string, error) {
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var session string
	if c, err := r.Cookie("session"); err == nil {
		session = c.Value
	}
	token := r.URL.Query().Get("token")
	var password string
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return http.StatusBadRequest, "bad form", nil
		}
		password = r.PostForm.Get("password")
	}
	logcrest.Log(ctx).Info().Str("user", "alice").Msg("serving the account")

	if err := logcrest.Run(ctx, "authorize", func(ctx context.Context) error {
		return useAll(ctx, bearer, session, token)
	}); err != nil {
		return http.StatusInternalServerError, "", err
	}
	acct, err := logcrest.Call(ctx, "load_account", func(context.Context) (account, error) {
		return account{"alice", token, session, password, bearer, s.result.value, []byte(s.result.value)}, nil
	})
	if err != nil {
		return http.StatusInternalServerError, "", err
	}
	if r.Method == http.MethodPost {
		if _, err := checkPassword(ctx, password, s.result.value); err != nil {
			return http.StatusInternalServerError, "", err
		}
	}
	if r.URL.Query().Has("fail") {
		_, err := logcrest.Call(ctx, "charge", func(context.Context) (*account, error) { return &acct, errDeclined })
		return http.StatusInternalServerError, "", err
	}

	var bad []string
	for _, c := range []struct {
		name      string
		got, want string
	}{
		{"authorization", bearer, s.authz.value},
		{"cookie", session, s.cookie.value},
		{"query", token, s.query.value},
		{"result", acct.Key, s.result.value},
	} {
		if c.got != c.want {
			bad = append(bad, c.name)
		}
	}
	if r.Method == http.MethodPost && password != s.form.value {
		bad = append(bad, "form")
	}
	if bad != nil {
		return http.StatusBadRequest, "mangled: " + strings.Join(bad, ","), nil
	}
	return http.StatusOK, "ok", nil
}

// useAll stands for code that takes secrets as arguments.
func useAll(ctx context.Context, vs ...string) error {
	n := 0
	for _, v := range vs {
		n += len(v)
	}
	logcrest.Log(ctx).Debug().Int("checked", len(vs)).Msg("credentials checked")
	if n == 0 {
		return errors.New("no credentials")
	}
	return nil
}

// checkPassword is a step by hand taking a secret argument, and setting a
// secret result that must stay unlogged without LogResult.
func checkPassword(ctx context.Context, password, key string) (ok bool, err error) {
	ctx, span := logcrest.Step(ctx, "check_password")
	defer span.End(&err)
	span.SetResult(key)
	return useAll(ctx, password, key) == nil, nil
}

// explode panics inside a step that holds a secret argument: the stack is
// logged, the argument must not be.
func explode(password string) {
	if password != "" {
		panic(errors.New("validation exploded"))
	}
}

// driveCore runs steps and flows directly, from ctx (which carries the
// run's pipeline), with s.arg and s.result as their arguments and results,
// in every shape the API offers; with optIn, one step opts in to both.
func driveCore(t *testing.T, ctx context.Context, s *scopeSecrets, optIn bool) {
	t.Helper()
	arg, result := s.arg.value, s.result.value

	// A step outside any flow.
	if _, err := checkPassword(ctx, arg, result); err != nil {
		t.Fatal(err)
	}
	if _, err := logcrest.Call(ctx, "standalone_call", func(context.Context) (string, error) { return result, nil }); err != nil {
		t.Fatal(err)
	}

	err := logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
		if err := logcrest.Run(ctx, "hash_password", func(ctx context.Context) error {
			return useAll(ctx, arg)
		}); err != nil {
			return err
		}
		tok, err := logcrest.Call(ctx, "issue_token", func(context.Context) (string, error) { return result, nil })
		if err != nil {
			return err
		}
		creds, err := logcrest.Call(ctx, "load_credentials", func(context.Context) (account, error) {
			return account{User: "alice", Password: arg, Token: tok, Raw: []byte(result)}, nil
		})
		if err != nil {
			return err
		}
		if _, err := logcrest.Call(ctx, "load_pointer", func(context.Context) (*account, error) { return &creds, nil }); err != nil {
			return err
		}
		if _, err := logcrest.Call(ctx, "load_map", func(context.Context) (map[string]any, error) {
			return map[string]any{"password": arg, "token": []string{result}}, nil
		}, logcrest.AtLevel(zerolog.DebugLevel)); err != nil {
			return err
		}
		if _, err := logcrest.Call(ctx, "load_bytes", func(context.Context) ([]byte, error) { return []byte(result), nil }); err != nil {
			return err
		}
		// A nested flow degrades to a step of this one.
		if err := logcrest.RunFlow(ctx, "inner", func(ctx context.Context) error {
			return logcrest.Run(ctx, "inner_step", func(ctx context.Context) error { return useAll(ctx, arg) })
		}); err != nil {
			return err
		}
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() {
				_, _ = logcrest.Call(ctx, "parallel_"+strconv.Itoa(i), func(ctx context.Context) (string, error) {
					return result, useAll(ctx, arg)
				})
			})
		}
		wg.Wait()
		if optIn {
			v, err := logcrest.Call(ctx, "opted_in", func(context.Context) (string, error) { return result, nil },
				logcrest.Args("password", arg), logcrest.LogResult())
			if err != nil || v != result {
				return fmt.Errorf("opted_in: %q, %v", v, err)
			}
		}
		logcrest.Log(ctx).Info().Str("user", "alice").Msg("checked out")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A failed flow: a step fails returning the secret, another panics
	// holding it.
	err = logcrest.RunFlow(ctx, "refund", func(ctx context.Context) error {
		_, err := logcrest.Call(ctx, "refund_card", func(context.Context) (string, error) { return result, errDeclined })
		func() {
			defer func() { _ = recover() }()
			_ = logcrest.Run(ctx, "validate", func(context.Context) error { explode(arg); return nil })
		}()
		return err
	})
	if !errors.Is(err, errDeclined) {
		t.Fatalf("refund: %v", err)
	}

	// A flow by hand, which sets a result it has no use for.
	func() {
		var err error
		ctx, span := logcrest.Flow(ctx, "by_hand")
		defer span.End(&err)
		span.SetResult(result)
		err = useAll(ctx, arg)
	}()
}

// privacyRequest is one request sent to every adapter.
type privacyRequest struct {
	method, path string // path: before the query string
	query        string // extra query parameters
	form         bool   // a POST form with the password
	status       int
}

var privacyRequests = []privacyRequest{
	{http.MethodGet, "/account", "&x=1", false, http.StatusOK},
	{http.MethodPost, "/login", "", true, http.StatusOK},
	{http.MethodGet, "/account", "&fail=1", false, http.StatusInternalServerError},
	{http.MethodGet, "/missing", "", false, http.StatusNotFound},
}

// driveAdapter sends every privacy request, secrets in its headers, query
// string and form body, to the adapter (given opts) behind a real server.
func driveAdapter(t *testing.T, ad privacyAdapter, s *scopeSecrets, opts ...adapters.Option) {
	t.Helper()
	srv := httptest.NewServer(ad.build(s, opts...))
	srv.Config.ErrorLog = discardLog()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i, pr := range privacyRequests {
		var body io.Reader
		if pr.form {
			body = strings.NewReader(url.Values{"password": {s.form.value}, "user": {"alice"}}.Encode())
		}
		target := srv.URL + pr.path + "?token=" + url.QueryEscape(s.query.value) + pr.query
		req, err := http.NewRequest(pr.method, target, body)
		if err != nil {
			t.Fatal(err)
		}
		if pr.form {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Authorization", "Bearer "+s.authz.value)
		req.Header.Set("Cookie", "session="+s.cookie.value+"; theme=dark")
		req.Header.Set("X-Request-ID", "privacy-"+ad.name+"-"+strconv.Itoa(i))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s %s: %v", ad.name, pr.method, pr.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != pr.status || pr.status == http.StatusOK && string(b) != "ok" {
			t.Errorf("%s %s %s%s: %d %q, want %d", ad.name, pr.method, pr.path, pr.query, resp.StatusCode, b, pr.status)
		}
		if resp.Header.Get("X-Flow-ID") == "" {
			t.Errorf("%s %s %s: no X-Flow-ID: not a flow", ad.name, pr.method, pr.path)
		}
	}
}

// privacyRun is what one run left behind.
type privacyRun struct {
	secrets map[string]*scopeSecrets
	all     []*secret
	files   map[string][]byte // by path under the log root
	console string
}

// runPrivacy plants and drives the secrets of phase through a pipeline of
// its own writing under a fresh log folder, closes it, and checks the permissions and that the run
// left the records it should have (so that finding no secret means
// something).
func runPrivacy(t *testing.T, phase string, optIn bool) *privacyRun {
	r := &privacyRun{secrets: map[string]*scopeSecrets{}}
	for _, scope := range []string{"core", "nethttp", "chi", "gin", "echo"} {
		ss := &scopeSecrets{}
		for kind, p := range map[string]**secret{
			"authz": &ss.authz, "cookie": &ss.cookie, "query": &ss.query,
			"form": &ss.form, "arg": &ss.arg, "result": &ss.result,
		} {
			*p = newSecret(phase, kind, scope)
		}
		r.secrets[scope] = ss
		r.all = append(r.all, ss.authz, ss.cookie, ss.query, ss.form, ss.arg, ss.result)
	}

	// The folder does not exist yet: LogCrest creates both levels.
	root := filepath.Join(t.TempDir(), "logs")
	console := &logtest.Buffer{}
	p, err := logcrest.New(logcrest.WithDir(filepath.Join(root, "app")), logcrest.WithName(logName),
		logcrest.WithConsole(console), logcrest.WithLevel("debug"),
		logcrest.WithMaxSize(8<<10), logcrest.WithBackupCount(1000),
		logcrest.WithDetail("full"), // every step's records, to search them all
		// Redaction off: this test proves what LogCrest leaves out by
		// itself and what opting in writes; masking is
		// TestRedactionEveryExit's (otel).
		logcrest.WithRedaction(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	before := p.Stats()

	driveCore(t, logcrest.NewContext(context.Background(), p), r.secrets["core"], optIn)
	for _, ad := range privacyAdapters {
		driveAdapter(t, ad, r.secrets[ad.name], adapters.WithPipeline(p))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	after := p.Stats()
	if d, w := after.Dropped-before.Dropped, after.WriteErrors-before.WriteErrors; d != 0 || w != 0 {
		t.Fatalf("%d records dropped, %d write errors: the files are not all that was logged", d, w)
	}
	r.console = console.String()

	// Every byte of every file, and every mode.
	r.files = map[string][]byte{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case info.IsDir():
			if info.Mode().Perm() != 0o700 || info.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
				t.Errorf("folder %s has mode %v, want 0700", rel, info.Mode())
			}
		case info.Mode().IsRegular():
			if info.Mode().Perm() != 0o600 || info.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
				t.Errorf("file %s has mode %v, want 0600", rel, info.Mode())
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			r.files[rel] = b
		default:
			t.Errorf("%s is neither a file nor a folder: %v", rel, info.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.checkCoverage(t, optIn)
	return r
}

// checkCoverage checks that the three streams, rotated backups included,
// hold what the run logged: every step, every flow.
func (r *privacyRun) checkCoverage(t *testing.T, optIn bool) {
	t.Helper()
	backups := map[string]int{}
	exits := map[string]int{}
	flowEnds := 0
	for rel, b := range r.files {
		stream, name := filepath.Dir(rel), filepath.Base(rel)
		if name != logName+".log" {
			backups[stream]++
		}
		for line := range bytes.Lines(b) {
			var rec record
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatalf("%s: a line is not JSON: %v", rel, err)
			}
			if m := rec["message"]; m == "step finished" || m == "step failed" {
				fn, _ := rec["fn"].(string)
				exits[fn]++
			}
			if rec["flow_type"] == "flow_end" {
				flowEnds++
			}
		}
	}
	for _, stream := range []string{"success", "error", "flows"} {
		if _, ok := r.files[filepath.Join("app", stream, logName+".log")]; !ok {
			t.Errorf("no %s file", stream)
		}
	}
	if backups[filepath.Join("app", "success")] == 0 || backups[filepath.Join("app", "flows")] == 0 {
		t.Errorf("rotated backups by folder %v: want some in success and flows, to be read too", backups)
	}
	n := len(privacyAdapters)
	want := map[string]int{
		"check_password": 1 + n, "standalone_call": 1, "hash_password": 1, "issue_token": 1,
		"load_credentials": 1, "load_pointer": 1, "load_map": 1, "load_bytes": 1, "inner": 1, "inner_step": 1,
		"parallel_0": 1, "parallel_1": 1, "parallel_2": 1, "refund_card": 1, "validate": 1,
		"authorize": 3 * n, "load_account": 3 * n, "charge": n,
	}
	if optIn {
		want["opted_in"] = 1
	}
	for fn, c := range want {
		if exits[fn] != c {
			t.Errorf("step %s ended %d times in the files, want %d", fn, exits[fn], c)
		}
	}
	if w := 3 + n*len(privacyRequests); flowEnds != w {
		t.Errorf("%d flow_end records, want %d", flowEnds, w)
	}
	if strings.Count(r.console, "\n") < 100 {
		t.Errorf("the console got %d lines only", strings.Count(r.console, "\n"))
	}
}

// hit is a line holding a secret.
type hit struct {
	secret string // its name, or "?" for a bare "secret-" prefix
	form   string // the form found
	where  string // file under the log root, or "console"
	lineNo int
	line   string
}

func (h hit) String() string {
	line := h.line
	if len(line) > 600 {
		line = line[:600] + "…"
	}
	return fmt.Sprintf("%s (as %q) in %s line %d: %s", h.secret, h.form, h.where, h.lineNo, line)
}

// lines calls fn for every line of every file, then of the console.
func (r *privacyRun) lines(fn func(where string, n int, line string)) {
	names := make([]string, 0, len(r.files))
	for rel := range r.files {
		names = append(names, rel)
	}
	slices.Sort(names)
	for _, rel := range names {
		for i, l := range strings.Split(string(r.files[rel]), "\n") {
			fn(rel, i+1, l)
		}
	}
	for i, l := range strings.Split(r.console, "\n") {
		fn("console", i+1, l)
	}
}

// hits returns the lines holding s in any form.
func (r *privacyRun) hits(s *secret) []hit {
	var out []hit
	forms := s.forms()
	r.lines(func(where string, n int, line string) {
		for _, f := range forms {
			if strings.Contains(line, f) {
				out = append(out, hit{s.name, f, where, n, line})
				return
			}
		}
	})
	return out
}

// leaks returns every line holding a secret other than allowed, in any
// form, and every line where "secret-" remains once the allowed secrets'
// forms are taken out.
func (r *privacyRun) leaks(allowed []*secret) []hit {
	var out []hit
	for _, s := range r.all {
		if !slices.Contains(allowed, s) {
			out = append(out, r.hits(s)...)
		}
	}
	r.lines(func(where string, n int, line string) {
		rest := line
		for _, s := range allowed {
			for _, f := range s.forms() {
				rest = strings.ReplaceAll(rest, f, "")
			}
		}
		if strings.Contains(rest, "secret-") && !slices.ContainsFunc(out, func(h hit) bool {
			return h.where == where && h.lineNo == n
		}) {
			out = append(out, hit{"?", "secret-", where, n, line})
		}
	})
	return out
}
