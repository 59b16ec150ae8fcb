package logcrestotel_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcresthttp "github.com/logcrest/logcrest/adapters/nethttp"
	"github.com/logcrest/logcrest/internal/testkit"
	logcrestotel "github.com/logcrest/logcrest/otel"
)

// Planted secrets, each where a service would let one slip. Each is unique
// so that a survivor names the way it got out.
const (
	plantPassword = "hunter2-pw-7731"                                                 // a "password" field
	plantAuth     = "Basic YWxhZGRpbjpvcGVuc2VzYW1lLTc3MzI="                          // an Authorization header, as a flow field (adapters.WithFlowFields)
	plantSession  = "sessTok9f8e7d6c5b4a"                                             // a bearer token in a flow field (SetFlowField)
	plantJWT      = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTc3MzMifQ.c2lnbmF0dXJlLTc3MzM" // in an error: flow_error, the error record, the span's status
	plantCard     = "4111 1111 1111 1111"                                             // in a message
	plantNested   = "nested-secret-7734"                                              // {"profile":{"oauth":{"client_secret":...}}}
	plantArr1     = "arrTokA1b2c3d4e5"                                                // an array of bearer tokens
	plantArr2     = "arrTokF6g7h8i9j0"
	plantCustomer = "cust-773512" // the user's expression
)

var plants = []string{plantPassword, plantAuth, plantSession, plantJWT, plantCard, plantNested, plantArr1, plantArr2, plantCustomer}

// spanPlants are the secrets a flow's span carries: its fields, its error.
var spanPlants = []string{plantAuth, plantSession, plantJWT}

// exits runs one HTTP request that plants every secret, through a pipeline
// writing to dir and console, its spans exported to an in-memory
// recorder, and returns each exit's bytes: every file, the console, and
// every span as printed whole.
func exits(t *testing.T, redact bool, consoleFmt string, jsonFiles bool) (out map[string]string, redacted uint64) {
	t.Helper()
	dir := t.TempDir()
	console := &testkit.Buffer{}
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithConsole(console), logcrest.WithConsoleFormat(consoleFmt),
		logcrest.WithJSON(jsonFiles), logcrest.WithDetail("full"), logcrest.WithConfigFile(""),
		logcrest.WithRedaction(redact), logcrest.WithRedactPatterns(`cust-[0-9]{6}`))
	if err != nil {
		t.Fatal(err)
	}
	sr := tracetest.NewSpanRecorder()
	x := logcrestotel.ExportTo(p, sr)
	logs := &memExporter{}
	if _, err := logcrestotel.ExportLogs(p, logs); err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_ = logcrest.SetFlowField(ctx, "session", "Bearer "+plantSession)
		l := p.Log(ctx)
		l.Info().Str("user", "ada").Str("password", plantPassword).Msg("login attempt")
		l.Warn().Msg("charging card " + plantCard + " for customer " + plantCustomer)
		l.Info().RawJSON("profile", []byte(`{"oauth":{"client_secret":"`+plantNested+`"}}`)).
			Strs("grants", []string{"Bearer " + plantArr1, "Bearer " + plantArr2}).Msg("profile")
		err := logcrest.Run(ctx, "verify", func(context.Context) error {
			return errors.New("invalid token " + plantJWT)
		})
		http.Error(w, err.Error(), http.StatusUnauthorized)
		_ = logcrest.RunFlow(ctx, "audit", func(context.Context) error { return err })
	})
	h := logcresthttp.Handler(mux, adapters.WithPipeline(p), adapters.WithFlowFields(func(r *http.Request) []any {
		return []any{"authorization", r.Header.Get("Authorization")}
	}))
	req := httptest.NewRequest(http.MethodPost, "/login", nil)
	req.Header.Set("Authorization", plantAuth)
	h.ServeHTTP(httptest.NewRecorder(), req)

	if err := x.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	out = map[string]string{"console": console.String()}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tracetest.SpanStubsFromReadOnlySpans(sr.Ended()) {
		out["span "+s.Name] = fmt.Sprintf("%+v", s)
	}
	// The OTLP sink: every log record as the exporter got it, body and
	// attributes (nested maps and slices printed whole).
	for i, r := range logs.records() {
		var b strings.Builder
		b.WriteString(r.Body().String())
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			fmt.Fprintf(&b, " %s=%s", kv.Key, kv.Value.String())
			return true
		})
		out[fmt.Sprintf("otlp record %d", i)] = b.String()
	}
	return out, p.Stats().Redacted
}

// TestRedactionEveryExit plants secrets of every kind and checks that not
// one byte of them reaches any exit: the three files (JSON and text), the
// console (text and JSON), the records of logcrestotel.ExportLogs (the OTLP
// sink) and the spans of logcrestotel.ExportTo. With
// redaction off every secret does get out, which shows the test reaches
// every exit it checks.
func TestRedactionEveryExit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		console string
		json    bool
	}{{"text", true}, {"json", false}} {
		t.Run(c.console+" console", func(t *testing.T) {
			out, n := exits(t, true, c.console, c.json)
			if len(out) < 6 { // console, three files, spans, OTLP records
				t.Fatalf("exits: %v", keys(out))
			}
			for where, text := range out {
				for _, s := range plants {
					if strings.Contains(text, s) {
						t.Errorf("%s survived in %s:\n%s", s, where, text)
					}
				}
			}
			all := strings.Join(values(out), "\n")
			if !strings.Contains(all, "[REDACTED]") || n == 0 {
				t.Errorf("Stats().Redacted = %d; the mask is in the output: %v", n, strings.Contains(all, "[REDACTED]"))
			}
			// Everything else is written: the user, the route, the
			// error's words.
			for _, kept := range []string{"ada", "invalid token", "charging card", "login attempt"} {
				if !strings.Contains(all, kept) {
					t.Errorf("%q was lost", kept)
				}
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		out, n := exits(t, false, "json", true)
		var files, spans, otlp strings.Builder
		for where, text := range out {
			if strings.HasPrefix(where, "span ") {
				spans.WriteString(text)
			} else if strings.HasPrefix(where, "otlp ") {
				otlp.WriteString(text)
			} else if where != "console" {
				files.WriteString(text)
			}
		}
		for _, s := range plants {
			if !strings.Contains(files.String(), s) || !strings.Contains(out["console"], s) || !strings.Contains(otlp.String(), s) {
				t.Errorf("with redaction off %s is not in the files, the console and the OTLP records", s)
			}
		}
		for _, s := range spanPlants {
			if !strings.Contains(spans.String(), s) {
				t.Errorf("with redaction off %s is not in the spans", s)
			}
		}
		if n != 0 {
			t.Errorf("Stats().Redacted = %d with redaction off", n)
		}
	})
}

func keys(m map[string]string) (k []string) {
	for key := range m {
		k = append(k, key)
	}
	return k
}

func values(m map[string]string) (v []string) {
	for _, val := range m {
		v = append(v, val)
	}
	return v
}
