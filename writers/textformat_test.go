package writers

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
	"testing"
	"unicode/utf8"
)

// ansiSequences lists every escape sequence the formatter may emit.
func ansiSequences() []string {
	s := []string{ansiReset, ansiTime, ansiLogger, ansiKey, ansiErrKey, ansiIDField}
	for _, l := range levels {
		s = append(s, l.ansi)
	}
	return s
}

// stripOurANSI removes the escape sequences TextFormatter adds; any ESC left
// afterwards came from somewhere else.
func stripOurANSI(s string) string {
	for _, seq := range ansiSequences() {
		s = strings.ReplaceAll(s, seq, "")
	}
	return s
}

// checkSafe fails unless line is one line of printable text: valid UTF-8,
// exactly one '\n' (the last byte), and no C0 control, DEL, C1 control,
// separator or format character anywhere.
func checkSafe(t testing.TB, in []byte, line string) {
	t.Helper()
	if !strings.HasSuffix(line, "\n") {
		t.Fatalf("input %q: output %q does not end in '\\n'", in, line)
	}
	body := line[:len(line)-1]
	if !utf8.ValidString(body) {
		t.Fatalf("input %q: output %q is not valid UTF-8", in, line)
	}
	for i, r := range body {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && !isPrint(r)) {
			t.Fatalf("input %q: output %q holds raw %U at byte %d", in, line, r, i)
		}
	}
}

const sample = `{"time":"2026-11-25T19:08:17.123Z","level":"info","logger":"app_logger",` +
	`"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",` +
	`"flow_id":"checkout-3a7e2b1f","fn":"charge_card","amount":99.5,"ok":true,"error":"boom",` +
	`"timeline":[{"fn":"a","ms":0.1,"status":"ok"}],"message":"step finished"}`

func TestTextFormatterLayout(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "full record",
			in:   sample + "\n",
			want: `2026-11-25T19:08:17.123Z INF app_logger step finished fn=charge_card amount=99.5 ok=true error=boom ` +
				`timeline=[{"fn":"a","ms":0.1,"status":"ok"}] trace_id=4bf92f3577b34da6a3ce929d0e0e4736 ` +
				`span_id=00f067aa0ba902b7 flow_id=checkout-3a7e2b1f`,
		},
		{
			name: "no trailing newline, CRLF ending",
			in:   `{"level":"warn","message":"disk low"}` + "\r\n",
			want: `WRN disk low`,
		},
		{
			name: "ids last in fixed order whatever the record order",
			in:   `{"flow_id":"f","message":"m","span_id":"s","a":1,"trace_id":"t","level":"debug","b":2}`,
			want: `DBG m a=1 b=2 trace_id=t span_id=s flow_id=f`,
		},
		{
			name: "all levels",
			in:   `{"level":"trace"}`,
			want: `TRC`,
		},
		{name: "error", in: `{"level":"error"}`, want: `ERR`},
		{name: "fatal", in: `{"level":"fatal"}`, want: `FTL`},
		{name: "panic", in: `{"level":"panic"}`, want: `PNC`},
		{name: "upper-case known level", in: `{"level":"INFO"}`, want: `INF`},
		{name: "unknown level", in: `{"level":"notice","message":"x"}`, want: `NOTICE x`},
		{name: "unknown level with escapes", in: `{"level":"a\u001bb"}`, want: `A\x1bB`},
		{
			name: "quoting",
			in: `{"plain":"abc-1.2/x:y","space":"a b","eq":"a=b","quote":"say \"hi\"","empty":"",` +
				`"backslash":"C:\\dir","tab":"a\tb","uni":"héllo","nbsp":"a\u00a0b"}`,
			want: `plain=abc-1.2/x:y space="a b" eq="a=b" quote="say \"hi\"" empty="" ` +
				`backslash=C:\dir tab="a\tb" uni=héllo nbsp="a\u00a0b"`,
		},
		{
			name: "numbers, bools, null",
			in:   `{"i":-12,"f":1.5e-7,"t":true,"fa":false,"n":null,"big":18446744073709551616}`,
			want: `i=-12 f=1.5e-7 t=true fa=false n=null big=18446744073709551616`,
		},
		{
			name: "nested values are compacted",
			in:   `{ "o" : { "a" : [ 1, 2 , {"b c":"d e"} ] , "e":{} } , "arr":[ ] , "s":"x" }`,
			want: `o={"a":[1,2,{"b c":"d e"}],"e":{}} arr=[] s=x`,
		},
		{
			name: "nested strings keep their escapes",
			in:   `{"o":{"k":"a\nb\u001b[31m\"q\""}}`,
			want: `o={"k":"a\nb\u001b[31m\"q\""}`,
		},
		{
			name: "empty fixed fields are left out",
			in:   `{"time":"","level":"","logger":"","message":"","trace_id":"","span_id":"","flow_id":"","k":"v"}`,
			want: `k=v`,
		},
		{
			name: "non-string fixed fields",
			in:   `{"time":1732561697,"level":3,"message":{"a":1},"logger":null}`,
			want: `1732561697 3 null {"a":1}`,
		},
		{
			name: "duplicate fixed field keeps the first in place",
			in:   `{"message":"first","level":"info","message":"second"}`,
			want: `INF first message=second`,
		},
		{
			name: "escaped key still recognised",
			in:   `{"m\u0065ssage":"hi","lev\u0065l":"info"}`,
			want: `INF hi`,
		},
		{
			name: "quoted keys",
			in:   `{"a b":1,"":2,"k=v":3}`,
			want: `"a b"=1 ""=2 "k=v"=3`,
		},
		{
			name: "surrogate pairs and lone surrogates",
			in:   `{"message":"\ud83d\ude00 ok \ud800 x","v":"\ud83d\ude00"}`,
			want: "\U0001F600 ok \uFFFD x v=\U0001F600",
		},
		{
			name: "all Go escapes, upper-case hex, slash escape",
			in:   `{"v":"\b\f\u000B\u0007\u00AB\/"}`,
			want: `v="\b\f\v\a«/"`,
		},
		{
			name: "long escaped key is an ordinary key",
			in:   `{"\u0061aaaaaaaaaaaaaaaaaaaa":1}`,
			want: `aaaaaaaaaaaaaaaaaaaaa=1`,
		},
		{name: "empty object", in: `{}`, want: ``},
		{name: "empty record", in: "\n", want: ``},
		{name: "whitespace around object", in: " \t{\"message\":\"x\"} \r\n", want: `x`},
	}
	f := TextFormatter{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(f.Append(nil, []byte(tc.in)))
			if got != tc.want+"\n" {
				t.Errorf("Append(%q)\n got %q\nwant %q", tc.in, got, tc.want+"\n")
			}
		})
	}
}

func TestTextFormatterAppendsToDst(t *testing.T) {
	dst := []byte("previous\n")
	got := string(TextFormatter{}.Append(dst, []byte(`{"message":"next"}`)))
	if got != "previous\nnext\n" {
		t.Fatalf("got %q", got)
	}
}

func TestTextFormatterLogForging(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"newline in message", `{"level":"info","message":"a\nINF fake"}`, `INF a\nINF fake`},
		{"carriage return", `{"message":"ok\rERR overwritten"}`, `ok\rERR overwritten`},
		{"ansi escape", `{"message":"\u001b[31mred\u001b[0m"}`, `\x1b[31mred\x1b[0m`},
		{"C1 CSI", `{"message":"a\u009b31mb"}`, `a\u009b31mb`},
		{"raw C1 bytes", "{\"message\":\"a\xc2\x9bb\"}", `a\u009bb`},
		{"raw DEL and NUL", "{\"message\":\"a\x7fb\\u0000c\"}", `a\x7fb\x00c`},
		{"raw control bytes in string", "{\"message\":\"a\x1b[2Jb\x07\"}", `a\x1b[2Jb\a`},
		{"newline in value", `{"k":"v\nINF fake"}`, `k="v\nINF fake"`},
		{"newline in key", `{"k\nINF fake":"v"}`, `"k\nINF fake"=v`},
		{"escape in key", `{"\u001b]0;title\u0007":1}`, `"\x1b]0;title\a"=1`},
		{"newline in time", `{"time":"t\n1","message":"m"}`, `t\n1 m`},
		{"newline in logger", `{"logger":"l\r\nx"}`, `l\r\nx`},
		{"ansi in level", `{"level":"\u001b[32minfo"}`, `\x1b[32MINFO`},
		{"invalid UTF-8", "{\"message\":\"a\xff\xfeb\",\"v\":\"c\xc3\"}", `a\xff\xfeb v="c\xc3"`},
		{"invalid UTF-8 in nested", "{\"o\":{\"k\":\"a\xffb\"}}", `o={"k":"a\ufffdb"}`},
		{"C1 and DEL in nested", "{\"o\":[\"\xc2\x85\x7f\"]}", `o=["\u0085\u007f"]`},
		{"line separator", `{"message":"a\u2028b\u2029c"}`, `a\u2028b\u2029c`},
		{"bidi override", `{"message":"abc\u202edef","v":"x\u2066"}`, `abc\u202edef v="x\u2066"`},
		{"non-BMP format char", `{"v":"a\udb40\udc01"}`, `v="a\U000e0001"`},
		{"non-BMP format char in nested", "{\"o\":[\"\xf3\xa0\x80\x81\"]}", `o=["\udb40\udc01"]`},
		{"interior raw newline", "{\"message\":\"a\nb\"}\n", `a\nb`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(TextFormatter{}.Append(nil, []byte(tc.in)))
			checkSafe(t, []byte(tc.in), got)
			if got != tc.want+"\n" {
				t.Errorf("Append(%q)\n got %q\nwant %q", tc.in, got, tc.want+"\n")
			}
			colored := string(TextFormatter{Color: true}.Append(nil, []byte(tc.in)))
			checkSafe(t, []byte(tc.in), stripOurANSI(colored))
			if stripOurANSI(colored) != got {
				t.Errorf("coloured output %q differs from plain %q beyond escape sequences", colored, got)
			}
		})
	}
}

func TestTextFormatterColor(t *testing.T) {
	rec := []byte(sample)
	plain := string(TextFormatter{}.Append(nil, rec))
	if strings.IndexByte(plain, 0x1b) >= 0 {
		t.Fatalf("Color=false output holds an escape: %q", plain)
	}
	colored := string(TextFormatter{Color: true}.Append(nil, rec))
	for _, want := range []string{
		"\x1b[2m2026-11-25T19:08:17.123Z\x1b[0m",
		"\x1b[32mINF\x1b[0m",
		"\x1b[35mapp_logger\x1b[0m",
		"\x1b[36mfn=\x1b[0mcharge_card",
		"\x1b[31merror=\x1b[0mboom",
		"\x1b[2mtrace_id=4bf92f3577b34da6a3ce929d0e0e4736\x1b[0m",
	} {
		if !strings.Contains(colored, want) {
			t.Errorf("coloured output %q lacks %q", colored, want)
		}
	}
	if got := stripOurANSI(colored); got != plain {
		t.Errorf("stripped coloured output\n got %q\nwant %q", got, plain)
	}
	for _, lv := range []string{"trace", "debug", "warn", "error", "fatal", "panic"} {
		out := string(TextFormatter{Color: true}.Append(nil, []byte(`{"level":"`+lv+`"}`)))
		l := knownLevel([]byte(`"` + lv + `"`))
		if want := l.ansi + l.abbrev + ansiReset + "\n"; out != want {
			t.Errorf("level %s: got %q, want %q", lv, out, want)
		}
	}
	errLine := TextFormatter{Color: true}.Append(nil, []byte(`{"level":"error"}`))
	if !bytes.Contains(errLine, []byte("\x1b[31;1m")) {
		t.Errorf("error level is not red bold: %q", errLine)
	}
}

func TestTextFormatterMalformed(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", "hello world", "hello world"},
		{"array", `[1,2]`, `[1,2]`},
		{"string", `"x"`, `"x"`},
		{"truncated", `{"level":"info","message":"cut`, `{"level":"info","message":"cut`},
		{"truncated after key", `{"level"`, `{"level"`},
		{"missing colon", `{"a" 1}`, `{"a" 1}`},
		{"missing comma", `{"a":1 "b":2}`, `{"a":1 "b":2}`},
		{"trailing comma", `{"a":1,}`, `{"a":1,}`},
		{"leading comma", `{,"a":1}`, `{,"a":1}`},
		{"bad escape", `{"a":"\q"}`, `{"a":"\q"}`},
		{"short unicode escape", `{"a":"\u12"}`, `{"a":"\u12"}`},
		{"bad literal", `{"a":tru}`, `{"a":tru}`},
		{"bad number", `{"a":1x}`, `{"a":1x}`},
		{"number without digit first", `{"a":e5}`, `{"a":e5}`},
		{"bad byte in nested", `{"a":[1,*]}`, `{"a":[1,*]}`},
		{"close without open in nested", `{"a":{}}]}`, `{"a":{}}]}`},
		{"unquoted key", `{a:1}`, `{a:1}`},
		{"mismatched brackets", `{"a":[1}`, `{"a":[1}`},
		{"unclosed nested", `{"a":{"b":[1,2]`, `{"a":{"b":[1,2]`},
		{"trailing garbage", `{"a":1} x`, `{"a":1} x`},
		{"two objects", `{"a":1}{"b":2}`, `{"a":1}{"b":2}`},
		{"control bytes and invalid UTF-8", "\x1b[31m\xff{\r", `\x1b[31m\xff{\r`},
		{"only a brace", `{`, `{`},
		{"deep nesting", `{"a":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`,
			`{"a":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []bool{false, true} {
				got := string(TextFormatter{Color: c}.Append(nil, []byte(tc.in)))
				checkSafe(t, []byte(tc.in), got)
				if got != tc.want+"\n" {
					t.Errorf("Color=%v Append(%q)\n got %q\nwant %q", c, tc.in, got, tc.want+"\n")
				}
			}
		})
	}
}

func TestTextFormatterManyFields(t *testing.T) {
	// More fields than Append remembers from its first pass.
	var in, want strings.Builder
	in.WriteString(`{"level":"info"`)
	want.WriteString("INF done")
	for i := range maxFields + 8 {
		if i == 10 {
			in.WriteString(`,"trace_id":"t"`)
		}
		fmt.Fprintf(&in, `,"k%d":%d`, i, i)
		fmt.Fprintf(&want, " k%d=%d", i, i)
	}
	in.WriteString(`,"message":"done","message":"again"}`)
	want.WriteString(" message=again trace_id=t\n")
	for _, c := range []bool{false, true} {
		got := TextFormatter{Color: c}.Append(nil, []byte(in.String()))
		if s := stripOurANSI(string(got)); s != want.String() {
			t.Fatalf("Color=%v:\n got %q\nwant %q", c, s, want.String())
		}
	}
}

func TestTextFormatterDeepNestingWithinLimit(t *testing.T) {
	in := `{"a":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`
	want := "a=" + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + "\n"
	if got := string(TextFormatter{}.Append(nil, []byte(in))); got != want {
		t.Fatalf("got %q", got)
	}
}

func TestTextFormatterZeroAllocs(t *testing.T) {
	rec := []byte(sample + "\n")
	for _, c := range []bool{false, true} {
		f := TextFormatter{Color: c}
		dst := make([]byte, 0, 4096)
		allocs := testing.AllocsPerRun(200, func() {
			dst = f.Append(dst[:0], rec)
		})
		if allocs != 0 {
			t.Errorf("Color=%v: %v allocs per Append, want 0", c, allocs)
		}
	}
}

// firstNotBare8 is what notBare8 answers, the slow way: the index of the
// first byte of w that is not clsBare, or 8.
func firstNotBare8(w [8]byte) int {
	for i, c := range w {
		if byteClass[c]&clsBare == 0 {
			return i
		}
	}
	return 8
}

func TestNotBare8(t *testing.T) {
	check := func(w [8]byte) {
		t.Helper()
		got := 8
		if m := notBare8(binary.LittleEndian.Uint64(w[:])); m != 0 {
			got = bits.TrailingZeros64(m) / 8
		}
		if want := firstNotBare8(w); got != want {
			t.Fatalf("notBare8(%q) finds byte %d, want %d", w, got, want)
		}
	}
	// Every byte in every position, then every pair of bytes from the
	// boundaries of the tests (a borrow or carry out of the first must not
	// hide or fake the second).
	edges := []byte{0x00, 0x01, 0x1f, ' ', '!', '"', '#', '<', '=', '>', '[', '\\', ']', '~', 0x7f, 0x80, 0x81, 0xfe, 0xff, 'a'}
	for p := range 8 {
		for c := range 256 {
			w := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
			w[p] = byte(c)
			check(w)
			for q := p + 1; q < 8; q++ {
				for _, d := range edges {
					w[q] = d
					check(w)
					w[q] = 'a'
				}
			}
		}
	}
}

// TestFastPathsMatch checks that printing a value with what scanValue found
// out about it gives what the general printers give.
func TestFastPathsMatch(t *testing.T) {
	for _, v := range []string{
		`"abc"`, `""`, `"a b"`, `"a=b"`, `"~!#"`, `"a\"b"`, `"a\\b"`, `"a\/b"`, `"\u0041"`,
		`"a\nb"`, `"héllo"`, "\"a\x01b\"", "\"a\x7fb\"", "\"a\xffb\"", `"0123456789abcdef0123"`,
		`"2026-12-02T07:07:49.156644Z"`, `"flow finished"`, `"/api/orders/{id}"`,
		`0`, `-1.5e-7`, `true`, `false`, `null`,
		`[]`, `{}`, `[1,2]`, `[ 1 ]`, `{"a":"b c"}`, `{"a": 1}`, `{"a":"\n\u001b"}`, "{\"a\":\"\x1b\"}",
		`{"a":"é"}`, `[{"fn":"a","ms":0.1,"status":"ok"},{"fn":"b","parent":1}]`,
	} {
		checkFastPaths(t, []byte(v))
	}
}

// checkFastPaths fails if v is one whole JSON value that appendValueFast or
// appendPlainFast prints otherwise than appendValue or appendPlain.
func checkFastPaths(t *testing.T, v []byte) {
	t.Helper()
	end, fl, ok := scanValue(v, 0)
	if !ok || end != len(v) {
		return
	}
	if fast, slow := appendValueFast(nil, v, fl), appendValue(nil, v); !bytes.Equal(fast, slow) {
		t.Fatalf("value %q (facts %04b): fast path prints %q, general path %q", v, fl, fast, slow)
	}
	if fast, slow := appendPlainFast(nil, v, fl), appendPlain(nil, v); !bytes.Equal(fast, slow) {
		t.Fatalf("value %q (facts %04b): fast plain path prints %q, general path %q", v, fl, fast, slow)
	}
}

func FuzzTextFormatter(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`{"message":"a\nb\r\u001b[31m\u009b","k\n":"\ud800"}`))
	f.Fuzz(func(t *testing.T, rec []byte) {
		fuzzCheck(t, rec)
		// The same bytes inside strings, to reach the string decoder with
		// whatever the fuzzer finds.
		wrapped := []byte(`{"level":"`)
		wrapped = append(wrapped, rec...)
		wrapped = append(wrapped, `","message":"`...)
		wrapped = append(wrapped, rec...)
		wrapped = append(wrapped, `","`...)
		wrapped = append(wrapped, rec...)
		wrapped = append(wrapped, `":["`...)
		wrapped = append(wrapped, rec...)
		wrapped = append(wrapped, `"]}`...)
		fuzzCheck(t, wrapped)
	})
}

func fuzzCheck(t *testing.T, rec []byte) {
	in := append([]byte(nil), rec...)
	plain := string(TextFormatter{}.Append(nil, rec))
	checkSafe(t, rec, plain)
	if strings.IndexByte(plain, 0x1b) >= 0 {
		t.Fatalf("input %q: Color=false output holds ESC: %q", rec, plain)
	}
	colored := string(TextFormatter{Color: true}.Append([]byte("x"), rec))
	if !strings.HasPrefix(colored, "x") {
		t.Fatalf("dst prefix lost: %q", colored)
	}
	if stripped := stripOurANSI(colored[1:]); stripped != plain {
		t.Fatalf("input %q: coloured output %q differs from plain %q beyond our escapes", rec, colored, plain)
	}
	if !bytes.Equal(in, rec) {
		t.Fatalf("Append modified its input")
	}
	checkFastPaths(t, rec)
	trimmed := bytes.TrimSpace(rec)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(rec) &&
		bytes.Count(rec, []byte("{"))+bytes.Count(rec, []byte("[")) <= maxDepth {
		raw := string(appendText(nil, trimNewline(rec), 0)) + "\n"
		if plain == raw {
			t.Fatalf("valid object %q was rendered raw: %q", rec, plain)
		}
	}
}
