package logcrest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logcrest/logcrest"
)

// TestFlowFieldCapIsOnTheWrittenBytes sets string flow fields whose
// encoding grows (invalid UTF-8, multi-byte characters at the cut,
// characters JSON escapes) and reads flow_end back from the file: each
// value takes at most 256 bytes on the line, quotes included, is the
// longest prefix that fits ending on a character boundary, and is marked
// "<key>_truncated": true exactly when it was cut.
func TestFlowFieldCapIsOnTheWrittenBytes(t *testing.T) {
	cases := []struct {
		key, value string
		want       string // the value kept, decoded
		cut        bool
	}{
		// each invalid byte is written \ufffd: 6 bytes, 42 of them fit
		{"invalid", strings.Repeat("\xff", 300), strings.Repeat("\ufffd", 42), true},
		{"invalid_short", strings.Repeat("\xfe", 42), strings.Repeat("\ufffd", 42), false},
		{"invalid_one_over", strings.Repeat("\xfe", 43), strings.Repeat("\ufffd", 42), true},
		// 3-byte characters end exactly at 256 bytes
		{"cjk_exact", "ab" + strings.Repeat("日", 100), "ab" + strings.Repeat("日", 84), true},
		// a 4-byte character that would straddle the cap is left out whole
		{"emoji_straddles", "abc" + strings.Repeat("🙂", 100), "abc" + strings.Repeat("🙂", 62), true},
		// control characters are written \u00XX: 6 bytes each
		{"control", strings.Repeat("\x01", 100), strings.Repeat("\x01", 42), true},
		{"control_mixed", strings.Repeat("a\x1f", 100), strings.Repeat("a\x1f", 36) + "a", true},
		// quotes and backslashes are written with a backslash: 2 bytes each
		{"quotes", strings.Repeat(`"\`, 100), strings.Repeat(`"\`, 63) + `"`, true},
		// plain text: 254 characters fit with the quotes, 255 do not
		{"ascii_fits", strings.Repeat("x", 254), strings.Repeat("x", 254), false},
		{"ascii_over", strings.Repeat("x", 255), strings.Repeat("x", 254), true},
	}
	dir := t.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("fields"), logcrest.WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := logcrest.NewContext(context.Background(), p)
	err = logcrest.RunFlow(ctx, "fields", func(ctx context.Context) error {
		if err := logcrest.SetFlowField(ctx, "note_truncated", "x"); !errors.Is(err, logcrest.ErrReservedField) {
			t.Errorf("SetFlowField(\"note_truncated\") = %v, want ErrReservedField", err)
		}
		for _, c := range cases {
			if err := logcrest.SetFlowField(ctx, c.key, c.value); err != nil {
				t.Errorf("%s: %v", c.key, err)
			}
		}
		return logcrest.SetFlowField(ctx, "after", "kept")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "flows", "fields.log"))
	if err != nil {
		t.Fatal(err)
	}
	var end map[string]json.RawMessage
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var r map[string]json.RawMessage
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%q is not JSON: %v", line, err)
		}
		if string(r["flow_type"]) == `"flow_end"` {
			end = r
		}
	}
	if end == nil {
		t.Fatalf("no flow_end in %s", data)
	}
	if string(end["after"]) != `"kept"` {
		t.Errorf("after = %s, want \"kept\"", end["after"])
	}
	for _, c := range cases {
		raw := end[c.key]
		if len(raw) > logcrest.MaxFlowFieldValueLen {
			t.Errorf("%s: the value takes %d bytes on the line, over %d: %s", c.key, len(raw), logcrest.MaxFlowFieldValueLen, raw)
		}
		var got string
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Errorf("%s: %s: %v", c.key, raw, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: kept %q (%d bytes written), want %q", c.key, got, len(raw), c.want)
		}
		marker, marked := end[c.key+"_truncated"]
		if c.cut && string(marker) != "true" || !c.cut && marked {
			t.Errorf("%s: %s_truncated = %s, want it only when cut (cut: %v)", c.key, c.key, marker, c.cut)
		}
	}
}

// TestSetFlowFieldErrorsFromTheRoot checks that a user can tell every
// refusal of SetFlowField apart with errors.Is and the root package alone:
// outside a flow, a bad key, a reserved key, a bad value type, one field
// too many, the flow ended; and that the bounds the root names are the
// ones enforced.
func TestSetFlowFieldErrorsFromTheRoot(t *testing.T) {
	p, err := logcrest.New(logcrest.WithDir(t.TempDir()), logcrest.WithConsole(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := logcrest.NewContext(context.Background(), p)
	if err := logcrest.SetFlowField(ctx, "user", "u1"); !errors.Is(err, logcrest.ErrNoFlow) {
		t.Errorf("outside a flow: %v, want ErrNoFlow", err)
	}
	var ended context.Context
	_ = logcrest.RunFlow(ctx, "errs", func(ctx context.Context) error {
		ended = ctx
		cases := []struct {
			key   string
			value any
			want  error
		}{
			{"", "x", logcrest.ErrFieldKey},
			{"bad key", "x", logcrest.ErrFieldKey},
			{strings.Repeat("k", logcrest.MaxFlowFieldKeyLen+1), "x", logcrest.ErrFieldKey},
			{"flow_id", "x", logcrest.ErrReservedField},
			{"logcrest_dup", "x", logcrest.ErrReservedField},
			{"v", struct{}{}, logcrest.ErrFieldValueType},
		}
		for _, c := range cases {
			if err := logcrest.SetFlowField(ctx, c.key, c.value); !errors.Is(err, c.want) {
				t.Errorf("SetFlowField(%q, %v) = %v, want %v", c.key, c.value, err, c.want)
			}
		}
		if err := logcrest.SetFlowField(ctx, strings.Repeat("k", logcrest.MaxFlowFieldKeyLen), 1); err != nil {
			t.Errorf("a key of MaxFlowFieldKeyLen bytes: %v", err)
		}
		for i := 1; i < logcrest.MaxFlowFields; i++ {
			if err := logcrest.SetFlowField(ctx, "f"+strings.Repeat("x", i), i); err != nil {
				t.Fatalf("field %d of %d: %v", i+1, logcrest.MaxFlowFields, err)
			}
		}
		if err := logcrest.SetFlowField(ctx, "one_too_many", 1); !errors.Is(err, logcrest.ErrTooManyFields) {
			t.Errorf("field %d: %v, want ErrTooManyFields", logcrest.MaxFlowFields+1, err)
		}
		return nil
	})
	if err := logcrest.SetFlowField(ended, "late", 1); !errors.Is(err, logcrest.ErrFlowEnded) {
		t.Errorf("after the flow ended: %v, want ErrFlowEnded", err)
	}
}
