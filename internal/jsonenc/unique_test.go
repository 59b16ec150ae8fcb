package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/logcrest/logcrest/internal/jsoncheck"
	"github.com/logcrest/logcrest/internal/jsonenc"
)

func TestUniqueRewritesRepeatedKeys(t *testing.T) {
	u := jsonenc.NewUniquer("time", "level", "seq")
	for _, c := range []struct{ in, want string }{
		// Unique already: returned as is, whitespace and all.
		{`{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}` + "\n", `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}` + "\n"},
		{`{ "a" : 1 , "b" : [ 1 , "x" ] }`, `{ "a" : 1 , "b" : [ 1 , "x" ] }`},
		{`{}`, `{}`},
		// Not JSON, or not an object: left to the reader.
		{`{"a":1,"a":2`, `{"a":1,"a":2`},
		{`{"a":1,"a":2} x`, `{"a":1,"a":2} x`},
		{`[1,2]`, `[1,2]`},
		// A first-wins key at the top level keeps its first value.
		{`{"time":"t","seq":2,"a":1,"seq":0,"message":"m"}` + "\n",
			`{"time":"t","seq":2,"a":1,"message":"m","logcrest_dup":{"seq":[0]}}` + "\n"},
		// Any other key keeps its last; several displaced values in order.
		{`{"message":"user","a":1,"a":2,"a":3,"message":"mine"}`,
			`{"a":3,"message":"mine","logcrest_dup":{"message":["user"],"a":[1,2]}}`},
		// Below the top level, every key keeps its last, first-wins or not.
		{`{"g":{"seq":1,"seq":2}}`, `{"g":{"seq":2,"logcrest_dup":{"seq":[1]}}}`},
		// Nested repeats, in kept and in displaced values alike.
		{`{"a":{"x":1,"x":2},"a":{"y":[{"z":1,"z":2}]}}`,
			`{"a":{"y":[{"z":2,"logcrest_dup":{"z":[1]}}]},"logcrest_dup":{"a":[{"x":2,"logcrest_dup":{"x":[1]}}]}}`},
		// The object's own logcrest_dup moves into the one it needs.
		{`{"logcrest_dup":5,"a":1,"a":2}`, `{"a":2,"logcrest_dup":{"logcrest_dup":[5],"a":[1]}}`},
		{`{"logcrest_dup":5,"logcrest_dup":6}`, `{"logcrest_dup":{"logcrest_dup":[5,6]}}`},
		// ...and stays where it is when none is needed.
		{`{"logcrest_dup":5,"a":1}`, `{"logcrest_dup":5,"a":1}`},
		// Keys compare as decoded: an escape or invalid UTF-8 is no disguise.
		{`{"a":1,"\u0061":2}`, `{"\u0061":2,"logcrest_dup":{"a":[1]}}`},
		{"{\"\xff\":1,\"\\ufffd\":2}", `{"\ufffd":2,"logcrest_dup":{"�":[1]}}`},
		// Whitespace of a rewritten record is dropped, strings kept whole.
		{`{ "a" : "x, \"y\":}" , "a" : [ 1 , 2 ] }`, `{"a":[1,2],"logcrest_dup":{"a":["x, \"y\":}"]}}`},
		{`{"":1,"":2}`, `{"":2,"logcrest_dup":{"":[1]}}`},
	} {
		got := string(u.Unique([]byte(c.in)))
		if got != c.want {
			t.Errorf("Unique(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
		if got != c.in {
			if err := jsoncheck.Unique([]byte(got)); err != nil {
				t.Errorf("Unique(%s) = %s: %v", c.in, got, err)
			}
		}
	}
}

// TestUniqueKeepsEveryValue builds random records of nested objects with
// repeated keys: each comes out with unique keys everywhere, and every value
// that went in is still in it, under its key or in logcrest_dup.
func TestUniqueKeepsEveryValue(t *testing.T) {
	u := jsonenc.NewUniquer("seq")
	r := rand.New(rand.NewPCG(1, 2))
	keys := []string{"seq", "a", "b", "logcrest_dup", "é"}
	var obj func(depth int) string
	obj = func(depth int) string {
		var b strings.Builder
		b.WriteByte('{')
		n := r.IntN(6)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:", keys[r.IntN(len(keys))])
			switch {
			case depth < 3 && r.IntN(3) == 0:
				b.WriteString(obj(depth + 1))
			case depth < 3 && r.IntN(4) == 0:
				fmt.Fprintf(&b, "[%s,%d]", obj(depth+1), r.IntN(100))
			default:
				fmt.Fprintf(&b, "%d", r.IntN(1000))
			}
		}
		b.WriteByte('}')
		return b.String()
	}
	for range 2000 {
		in := obj(0) + "\n"
		out := u.Unique([]byte(in))
		if err := jsoncheck.Unique(out); err != nil {
			t.Fatalf("Unique(%s) = %s: %v", in, out, err)
		}
		if want, got := leaves(t, []byte(in)), leaves(t, out); !reflect.DeepEqual(want, got) {
			t.Fatalf("Unique(%s) = %s: values %v, want %v", in, out, got, want)
		}
	}
}

// leaves counts the numbers in a record, wherever they are.
func leaves(t *testing.T, rec []byte) map[float64]int {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(rec)))
	out := map[float64]int{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if f, ok := tok.(float64); ok {
			out[f]++
		}
	}
}

func TestUniqueLeavesDeepRecordsAlone(t *testing.T) {
	u := jsonenc.NewUniquer()
	deep := strings.Repeat(`{"a":`, 1100) + "1" + strings.Repeat("}", 1100)
	in := `{"x":1,"x":2,"d":` + deep + `}`
	if got := string(u.Unique([]byte(in))); got != in {
		t.Errorf("a record nested past the bound was rewritten")
	}
}

func BenchmarkUniqueCheck(b *testing.B) {
	u := jsonenc.NewUniquer("time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "fn")
	rec := []byte(`{"time":"2026-12-06T19:05:41.123456Z","level":"info","logger":"app_logger","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","flow_id":"checkout-3a7e2b1f","seq":3,"fn":"charge_card","user":"ada","attempt":3,"f1":"value one","f2":2,"f3":true,"f4":1.5,"f5":"value five","f6":6,"f7":"seven","f8":8,"message":"charged card"}` + "\n")
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if out := u.Unique(rec); len(out) != len(rec) {
			b.Fatal("rewritten")
		}
	}
}

// BenchmarkUniqueRequest checks the seven records one HTTP request with two
// steps and a log call writes (flow_start, two steps' entry and exit, the
// log call, flow_end): the work the sinks' goroutines do a request.
func BenchmarkUniqueRequest(b *testing.B) {
	data, err := os.ReadFile("testdata/request.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	recs := bytes.SplitAfter(data, []byte("\n"))
	recs = recs[:len(recs)-1]
	u := jsonenc.NewUniquer("time", "level", "logger", "trace_id", "span_id", "flow_id", "seq", "fn")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for _, rec := range recs {
			if out := u.Unique(rec); len(out) != len(rec) {
				b.Fatal("rewritten")
			}
		}
	}
}

// FuzzUnique: whatever JSON object comes in (escaped and non-ASCII keys,
// whitespace, any nesting), what Unique returns is JSON with unique keys
// at every depth, holds every value that went in (each string and number
// as many times), and is the record itself when its keys were unique.
func FuzzUnique(f *testing.F) {
	for _, s := range []string{
		`{"seq":1,"a":2,"seq":3}`,
		`{"a":{"b":1,"b":[{"c":1,"c":2}]},"logcrest_dup":5,"a":"x"}`,
		`{"\u0061":1,"a":2}` + "\n",
		` { "é" : 1 , "\u00e9" : 2 } `,
		`{"x":"\"","x":"\\"}`,
	} {
		f.Add(s)
	}
	u := jsonenc.NewUniquer("seq", "time", "level")
	f.Fuzz(func(t *testing.T, in string) {
		body := strings.TrimSuffix(in, "\n")
		if !json.Valid([]byte(body)) || !strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "{") || strings.Count(in, "{")+strings.Count(in, "[") > 900 {
			return
		}
		out := u.Unique([]byte(in))
		if !json.Valid(bytes.TrimSuffix(out, []byte("\n"))) {
			t.Fatalf("Unique(%q) = %q: not JSON", in, out)
		}
		if err := jsoncheck.Unique(bytes.TrimSuffix(out, []byte("\n"))); err != nil {
			t.Fatalf("Unique(%q) = %q: %v", in, out, err)
		}
		if jsoncheck.Unique([]byte(body)) == nil && string(out) != in {
			t.Fatalf("Unique(%q) = %q: its keys were unique", in, out)
		}
		if a, b := scalars([]byte(body)), scalars(bytes.TrimSuffix(out, []byte("\n"))); !reflect.DeepEqual(a, b) {
			t.Fatalf("Unique(%q) = %q: values %v, want %v", in, out, b, a)
		}
	})
}

// scalars counts the strings (keys aside), numbers, booleans and nulls of
// a record, wherever they are.
func scalars(rec []byte) map[string]int {
	dec := json.NewDecoder(bytes.NewReader(rec))
	dec.UseNumber()
	out := map[string]int{}
	// A key is the string read where an object expects one: track, per
	// open object, whether the next string is a key.
	var inObj []bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				inObj = append(inObj, true)
				expectKey = true
				continue
			case '[':
				inObj = append(inObj, false)
			case '}', ']':
				inObj = inObj[:len(inObj)-1]
			}
		case string:
			if expectKey {
				expectKey = false
				continue
			}
			out["s:"+v]++
		default:
			out[fmt.Sprintf("%T:%v", v, v)]++
		}
		expectKey = len(inObj) > 0 && inObj[len(inObj)-1]
	}
}
