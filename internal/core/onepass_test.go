package core

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/logcrest/logcrest/internal/jsoncheck"
	"github.com/logcrest/logcrest/internal/schema"
)

// TestOnePassKeepsKeysUniqueAndSecretsMasked: with redaction on (the
// default), the one walk that masks and checks keys hands every record it
// cannot vouch for to the Uniquer, so the file holds each record with its
// keys unique at every depth (read strictly, jsoncheck) and its secrets
// masked: a key repeated deep in raw JSON, one repeated under another
// spelling (an escape), one beside a masked secret, and a clean record
// between them, which is written as it came.
func TestOnePassKeepsKeysUniqueAndSecretsMasked(t *testing.T) {
	dir := t.TempDir()
	p, err := New(WithDir(dir), WithName("svc"), WithJSON(true), WithRedaction(true))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	l := p.Logger()
	l.Info().RawJSON("deep", []byte(`{"a":{"b":1,"b":2}}`)).Msg("deep")
	l.Info().Str("user", "ada").Int("n", 1).Msg("clean")
	l.Info().RawJSON("esc", []byte(`{"k":1,"\u006b":2}`)).Msg("escaped")
	l.Info().Str("password", "hunter2").Str("u", "x").Str("u", "y").Msg("secret")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, StreamSuccess, "svc.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]map[string]any{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if err := jsoncheck.Unique(sc.Bytes()); err != nil {
			t.Errorf("line %s: %v", sc.Bytes(), err)
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %s: %v", sc.Bytes(), err)
		}
		if msg, _ := m["message"].(string); msg != "" {
			got[msg] = m
		}
	}
	if len(got) != 4 {
		t.Fatalf("got records %v, want deep, clean, escaped and secret", got)
	}
	deep := got["deep"]["deep"].(map[string]any)["a"].(map[string]any)
	if deep["b"] != float64(2) || !hasDup(deep, "b", float64(1)) {
		t.Errorf("deep = %v, want b 2 and the 1 under the dup key", deep)
	}
	if c := got["clean"]; c["user"] != "ada" || c["n"] != float64(1) {
		t.Errorf("clean = %v", c)
	}
	esc := got["escaped"]["esc"].(map[string]any)
	if esc["k"] != float64(2) || !hasDup(esc, "k", float64(1)) {
		t.Errorf("escaped = %v, want k 2 and the 1 under the dup key", esc)
	}
	s := got["secret"]
	if s["password"] != "[REDACTED]" || s["u"] != "y" || !hasDup(s, "u", "x") {
		t.Errorf("secret = %v, want the password masked, u y and x under the dup key", s)
	}
}

// hasDup reports whether object m keeps v, displaced from key k, in its
// dup member.
func hasDup(m map[string]any, k string, v any) bool {
	d, _ := m[schema.KeyDup].(map[string]any)
	vs, _ := d[k].([]any)
	return len(vs) == 1 && vs[0] == v
}
