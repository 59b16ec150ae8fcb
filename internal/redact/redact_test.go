package redact

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

// TestDefaultKeysAreNarrow checks which keys the default patterns take for
// a secret's: a name that begins with "secret" is one only as a word of its
// own (secretary is a person).
func TestDefaultKeysAreNarrow(t *testing.T) {
	r := New(Config{Keys: DefaultKeys})
	for key, want := range map[string]bool{
		"secret": true, "client_secret": true, "appSecret": true, "secret_key": true,
		"secretKey": true, "SECRET_ACCESS_KEY": true, "secretAccessKey": true, "secret-token": true,
		"secrets": true, "secret.value": true, "aws_secret_access_key": true, "awsSecretAccessKey": true,
		"secretary": false, "Secretary": false, "secretariat": false, "secretion": false,
		"access_token": true, "token_count": false, "password": true, "password_hint": false,
	} {
		if got := r.SecretKey([]byte(key)); got != want {
			t.Errorf("SecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestRecordMasks(t *testing.T) {
	r := New(Config{Keys: Keys([]string{"ssn", "-pwd"}), Pattern: regexp.MustCompile(`cust-[0-9]{6}|1234567890abcdef`)})
	cases := []struct {
		name, in, want string
		n              int
	}{
		{"nothing", `{"level":"info","message":"hello 12345"}` + "\n", `{"level":"info","message":"hello 12345"}` + "\n", 0},
		{"password", `{"password":"hunter2","a":1}`, `{"password":"[REDACTED]","a":1}`, 1},
		{"key case", `{"Authorization":"Basic abc"}`, `{"Authorization":"[REDACTED]"}`, 1},
		{"glob", `{"access_token":"x","token_count":3}`, `{"access_token":"[REDACTED]","token_count":3}`, 1},
		{"nested", `{"a":{"b":[{"client_secret":{"x":1}}]}}`, `{"a":{"b":[{"client_secret":"[REDACTED]"}]}}`, 1},
		{"user key", `{"SSN":123456789}`, `{"SSN":"[REDACTED]"}`, 1},
		{"removed", `{"pwd":"/tmp"}`, `{"pwd":"/tmp"}`, 0},
		{"bearer", `{"h":"Bearer abcdefgh123"}`, `{"h":"Bearer [REDACTED]"}`, 1},
		{"jwt", `{"message":"bad ` + jwt + ` here"}`, `{"message":"bad [REDACTED] here"}`, 1},
		{"card", `{"message":"card 4111 1111 1111 1111 declined"}`, `{"message":"card [REDACTED] declined"}`, 1},
		{"card dashes", `{"c":"5500-0000-0000-0004"}`, `{"c":"[REDACTED]"}`, 1},
		{"card number", `{"c":4111111111111111}`, `{"c":"[REDACTED]"}`, 1},
		{"not luhn", `{"c":"4111 1111 1111 1112"}`, `{"c":"4111 1111 1111 1112"}`, 0},
		{"id touching a letter", `{"c":"ord4111111111111111","d":"ord-4111111111111111"}`, `{"c":"ord4111111111111111","d":"ord-[REDACTED]"}`, 1},
		{"nanos", `{"t":1700000000000000000}`, `{"t":1700000000000000000}`, 0},
		{"array", `{"list":["Bearer aaaaaaaaaa","ok","Bearer bbbbbbbbbb"]}`, `{"list":["Bearer [REDACTED]","ok","Bearer [REDACTED]"]}`, 2},
		{"user regexp", `{"m":"for cust-123456"}`, `{"m":"for [REDACTED]"}`, 1},
		{"escaped", `{"m":"a\"Bearer abcdefghij\""}`, `{"m":"a\"Bearer [REDACTED]\""}`, 1},
		{"escaped key", `{"pass\u0077ord":"x"}`, `{"pass\u0077ord":"[REDACTED]"}`, 1},
		{"mark", "\x00" + `{"password":"x"}` + "\n", "\x00" + `{"password":"[REDACTED]"}` + "\n", 1},
		{"not json", `{"a": Bearer abcdefghijk`, `{"a": Bearer [REDACTED]`, 1},
		{"not json, cut after an ID's key", `{"n":4111111111111111,"flow_id":`, `{"n":[REDACTED],"flow_id":`, 1},
		{"not json, cut after an ID's key too", `{"trace_id":`, `{"trace_id":`, 0},
		// A span ID is 16 hex digits; about one in 66,000 is all decimal,
		// begins as a card does and passes Luhn. LogCrest's W3C IDs are
		// never read as cards (nor by the user's pattern)...
		{"w3c ids", `{"trace_id":"41111111111111114111111111111111","span_id":"4111111111111111","parent_span_id":"5500000000000004","m":"cust-123456"}`,
			`{"trace_id":"41111111111111114111111111111111","span_id":"4111111111111111","parent_span_id":"5500000000000004","m":"[REDACTED]"}`, 1},
		{"w3c ids, user pattern", `{"span_id":"1234567890abcdef"}`, `{"span_id":"1234567890abcdef"}`, 0},
		// A flow ID's random suffix does not join its label into a card
		// number ("41111" and "10000008" make a Luhn-valid one); the label
		// alone is searched.
		{"flow id suffix", `{"flow_id":"41111-10000008","request_id":"41111"}`, `{"flow_id":"41111-10000008","request_id":"41111"}`, 0},
		{"flow id bare", `{"flow_id":"10000008"}`, `{"flow_id":"10000008"}`, 0},
		{"flow id label", `{"flow_id":"4111111111111111-a1b2c3d4"}`, `{"flow_id":"[REDACTED]-a1b2c3d4"}`, 1},
		{"flow id label, user pattern", `{"flow_id":"for-cust-123456-0000abcd"}`, `{"flow_id":"for-[REDACTED]-0000abcd"}`, 1},
		{"flow id, another form", `{"flow_id":"x 4111110000008"}`, `{"flow_id":"x [REDACTED]"}`, 1},
		{"flow id, nested", `{"a":{"flow_id":"41111-10000008"}}`, `{"a":{"flow_id":"[REDACTED]"}}`, 1},
		// ... but only as themselves: at the top of the record, in the
		// form of a W3C ID.
		{"w3c id keys elsewhere", `{"a":{"span_id":"4111111111111111"},"span_id":"4111 1111 1111 1111","trace_id":4111111111111111}`,
			`{"a":{"span_id":"[REDACTED]"},"span_id":"[REDACTED]","trace_id":"[REDACTED]"}`, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in)
			out, n := r.Record(make([]byte, 0, 8), in)
			if string(out) != c.want || n != c.n {
				t.Fatalf("Record(%s) = %s, %d; want %s, %d", c.in, out, n, c.want, c.n)
			}
			if n == 0 && &out[0] != &in[0] {
				t.Fatalf("a record with nothing to mask was copied")
			}
			if n > 0 && !strings.HasPrefix(c.name, "not json") {
				var v any
				if err := json.Unmarshal([]byte(strings.TrimLeft(string(out), "\x00")), &v); err != nil {
					t.Fatalf("%s is not JSON: %v", out, err)
				}
			}
		})
	}
}

func TestKeyedHash(t *testing.T) {
	a := New(Config{Keys: DefaultKeys, HashKey: []byte("k1")})
	b := New(Config{Keys: DefaultKeys, HashKey: []byte("k2")})
	r1, _ := a.Record(nil, []byte(`{"password":"hunter2"}`))
	r2, _ := a.Record(nil, []byte(`{"x":{"passwd":"hunter2"}}`))
	r3, _ := b.Record(nil, []byte(`{"password":"hunter2"}`))
	h := func(rec []byte) string {
		i := strings.Index(string(rec), HashPrefix)
		if i < 0 {
			t.Fatalf("no hash in %s", rec)
		}
		return string(rec[i : i+len(HashPrefix)+16])
	}
	if h(r1) != h(r2) {
		t.Errorf("same value, same key: %s and %s", r1, r2)
	}
	if h(r1) == h(r3) {
		t.Errorf("different keys gave the same hash: %s and %s", r1, r3)
	}
	if strings.Contains(string(r1)+string(r2)+string(r3), "hunter2") {
		t.Errorf("the secret survived")
	}
}

// FuzzRecord: a JSON record stays JSON with the same top-level keys in
// the same order (only values are masked), is returned as it is when
// nothing was masked, and is masked once for all (masking the result
// again changes nothing).
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"password":"x","m":"Bearer abcdefghij 4111111111111111"}`))
	f.Add([]byte(`{"trace_id":"41111111111111114111111111111111","span_id":"4111111111111111","flow_id":"41111-10000008","n":4111111111111111}`))
	f.Add([]byte(`{"flow_id":"4111111111111111-a1b2c3d4","a":{"span_id":"4111111111111111"}}`))
	r := New(Config{Keys: DefaultKeys})
	f.Fuzz(func(t *testing.T, rec []byte) {
		out, n := r.Record(nil, rec)
		if !json.Valid(rec) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("%q became %q, not JSON", rec, out)
		}
		if n == 0 && string(out) != string(rec) {
			t.Fatalf("%q became %q with nothing masked", rec, out)
		}
		if again, _ := r.Record(nil, out); string(again) != string(out) {
			t.Fatalf("%q became %q, then %q when masked again", rec, out, again)
		}
		if a, b := topKeys(rec), topKeys(out); a != b {
			t.Fatalf("%q became %q: top-level keys %s, then %s", rec, out, a, b)
		}
	})
}

// topKeys lists the keys of the JSON object rec, in order ("" when rec is
// not an object).
func topKeys(rec []byte) string {
	dec := json.NewDecoder(strings.NewReader(string(rec)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "error: " + err.Error()
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "error: " + err.Error()
		}
	}
	return strings.Join(keys, ",")
}

func BenchmarkRecordClean(b *testing.B) {
	rec := []byte(`{"level":"info","logger":"app","time":"2024-05-01T10:00:00.123Z","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","flow_id":"f-1","seq":3,"fn":"handle","user":"alice","items":12,"path":"/orders/42","message":"order placed"}` + "\n")
	r := New(Config{Keys: DefaultKeys})
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Record(nil, rec)
	}
}

func BenchmarkRecordSecret(b *testing.B) {
	rec := []byte(`{"level":"info","logger":"app","time":"2024-05-01T10:00:00.123Z","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","flow_id":"f-1","seq":3,"fn":"handle","password":"hunter2","path":"/orders/42","message":"auth Bearer abcdefghijkl"}` + "\n")
	r := New(Config{Keys: DefaultKeys})
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = r.Record(buf, rec)
	}
}

// TestW3CIDsFollowKeyRules: the W3C identifiers are spared the value
// patterns only; a user who names their key a secret has it masked.
func TestW3CIDsFollowKeyRules(t *testing.T) {
	r := New(Config{Keys: Keys([]string{"span_id"})})
	in := `{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}`
	want := `{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"[REDACTED]"}`
	if out, n := r.Record(nil, []byte(in)); string(out) != want || n != 1 {
		t.Fatalf("Record(%s) = %s, %d; want %s, 1", in, out, n, want)
	}
}
