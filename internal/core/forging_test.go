package core

// Log forging: whatever a message, a field key or a field value holds, a
// record in text mode (the files with WithJSON(false), and the console) is
// exactly one line, holds no raw control character, and carries no escape
// sequence but the colours LogCrest adds itself.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/logcrest/logcrest/internal/testkit"
)

// hostile holds what an attacker would put in a value to forge a line or
// take over a terminal: CR and LF followed by a fake record, ANSI colour,
// clear-screen and window-title sequences, the 8-bit CSI, NEL, the Unicode
// line and paragraph separators, a bidi override, NUL, DEL and a bare ESC.
const hostile = "ok\r\n2026-01-01T00:00:00Z ERR svc forged record\n" +
	"\x1b[31mred\x1b[0m\x1b[2J\x1b]0;owned\x07\x1b" +
	"\u009b31m\u0085nel\u2028ls\u2029ps\u202eevil\x00nul\x7fdel\rcr"

// logHostile writes records carrying hostile in every place a caller
// controls, and returns how many records it wrote.
func logHostile() int {
	l := Logger()
	l.Info().Msg(hostile)
	l.Info().Str(hostile, hostile).Msg("hostile key and value")
	l.Warn().Msgf("formatted %s", hostile)
	l.Error().Err(errors.New(hostile)).Msg("hostile error")
	l.Info().Strs("list", []string{hostile, "x\ny"}).Msg("hostile array")
	l.Info().Interface("map", map[string]string{hostile: hostile}).Msg("hostile object")
	l.Info().Bytes("bytes", []byte(hostile)).Msg("hostile bytes")
	l.Info().Dict(hostile, zerolog.Dict().Str(hostile, hostile)).Msg("hostile dict")
	// Raw JSON is copied into the record unchecked: a newline in it must not
	// end the record either, valid JSON or not.
	l.Info().RawJSON("raw", []byte("{\n  \"pretty\": true\n}")).Msg("pretty raw json")
	l.Info().RawJSON("raw", []byte("1}\n{\"level\":\"error\",\"message\":\"forged by raw json\"}")).Msg("hostile raw json")
	flowLogger().Info().Str("flow_type", "flow_start").Str("flow_id", hostile).Msg(hostile)
	return 11
}

// timeAtStart matches the start of every text line: its timestamp.
var timeAtStart = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z `)

// checkTextLines fails unless text is exactly want lines, each starting with
// a timestamp (or, for a malformed record, its raw JSON), and nothing in it can move the cursor, end a line or change
// the terminal: no C0 control but the newlines ending lines, no DEL, no C1,
// no line or paragraph separator, no bidi control, valid UTF-8. ESC is
// allowed only as the start of one of LogCrest's own colour sequences when
// colours is set. It returns the lines.
func checkTextLines(t *testing.T, what string, text []byte, want int, colours bool) []string {
	t.Helper()
	if len(text) == 0 || text[len(text)-1] != '\n' {
		t.Fatalf("%s does not end in a newline: %q", what, text)
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) != want {
		t.Fatalf("%s has %d lines, want %d (one per record):\n%s", what, len(lines), want, text)
	}
	for _, line := range lines {
		plain := line
		if colours {
			plain = ownColours.ReplaceAllString(line, "")
		}
		if !utf8.ValidString(plain) {
			t.Errorf("%s: invalid UTF-8 in %q", what, line)
		}
		for _, r := range plain {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
				(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
				t.Errorf("%s: raw %U in line %q", what, r, line)
				break
			}
		}
		// A record that is not valid JSON (only raw JSON can make one) is
		// shown raw, escaped, on its line.
		if !timeAtStart.MatchString(plain) && !strings.HasPrefix(plain, `{"time":"`) {
			t.Errorf("%s: line does not start with its timestamp: %q", what, line)
		}
	}
	joined := strings.Join(lines, "\n")
	for _, seq := range []string{`\x1b[31m`, `\r\n`, `\u2028`, `\u202e`} {
		if !strings.Contains(joined, seq) {
			t.Errorf("%s does not show %s escaped: the hostile text was lost, not escaped", what, seq)
		}
	}
	if strings.Contains(joined, "\nforged") || strings.Contains(joined, "\n2026-01-01T00:00:00Z ERR") {
		t.Errorf("%s holds a forged line", what)
	}
	return lines
}

// ownColours matches the SGR sequences the console renderer emits itself.
var ownColours = regexp.MustCompile(`\x1b\[(0|2|3[1-6]|31;1)m`)

// TestLogForgingTextFilesAndConsole logs hostile text into text-mode files
// and a (non-terminal) console and reads every byte back.
func TestLogForgingTextFilesAndConsole(t *testing.T) {
	dir := t.TempDir()
	console := &testkit.Buffer{}
	if err := Configure(WithDir(dir), WithName("svc"), WithJSON(false), WithConsole(console)); err != nil {
		t.Fatal(err)
	}
	n := logHostile()
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	var files []byte
	for _, stream := range []string{StreamSuccess, StreamError, StreamFlows} {
		data, err := os.ReadFile(filepath.Join(dir, stream, "svc.log"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, data...)
	}
	checkTextLines(t, "text files", files, n, false)
	if bytes.IndexByte(files, 0x1b) >= 0 {
		t.Errorf("text files hold an ESC byte")
	}
	out := console.Bytes()
	checkTextLines(t, "console", out, n, false)
	if bytes.IndexByte(out, 0x1b) >= 0 {
		t.Errorf("a console that is not a terminal got an ESC byte")
	}
}

// TestLogForgingJSONFiles checks the JSON files under the same input: one
// record a line, and every line whose raw JSON was valid is valid JSON.
func TestLogForgingJSONFiles(t *testing.T) {
	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(nil)); err != nil {
		t.Fatal(err)
	}
	n := logHostile()
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, stream := range []string{StreamSuccess, StreamError, StreamFlows} {
		data, err := os.ReadFile(filepath.Join(dir, stream, "svc.log"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			lines++
			line := sc.Bytes()
			if !bytes.HasPrefix(line, []byte(`{"time":"`)) {
				t.Errorf("%s: line does not start a record: %q", stream, line)
			}
			if bytes.Contains(line, []byte("hostile raw json")) {
				continue // its raw JSON is invalid by construction
			}
			var rec map[string]any
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Errorf("%s: line is not JSON: %v: %q", stream, err, line)
			} else if rec["logger"] != "svc" {
				t.Errorf("%s: record %v", stream, rec)
			}
		}
	}
	if lines != n {
		t.Fatalf("JSON files hold %d lines, want %d (one per record)", lines, n)
	}
}
