package logread

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/logcrest/logcrest"
)

// DecodeFlowEnd, the fast path of flows and stats, reads what
// encoding/json reads, and refuses what it refuses.
func FuzzDecodeFlowEnd(f *testing.F) {
	for _, l := range flowEndLines(f) {
		f.Add(l)
	}
	for _, s := range []string{
		`{"flow_type":"flow_end","flow_id":"a\"b\\\\","route":"/x\\"}`,
		`{"flow_type":"flow_end","timeline":[{"fn":"]}\"{","ms":1}],"route":"/after","total_ms":2.5e1}`,
		`{"flow_type":"flow_end","total_ms":"slow","http_status":500.5,"steps":[]}`,
		`{"flow_type":"flow_end","flow_id":"torn`,
		`{"a":1,}`, `{"a" 1}`, `{}`, ` { "flow_type" : "flow_end" , "steps" : 3 } `, `[1]`, `{"a":1}x`,
		`{"flow_type":"flow_end","path":"\u001b[31m\u2028"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var fast FlowEnd
		errFast := DecodeFlowEnd([]byte(line), &fast, false)
		var std FlowEnd
		errStd := json.Unmarshal([]byte(line), &std)
		var te *json.UnmarshalTypeError
		typeErr := errStd != nil && errorsAs(errStd, &te)
		if errStd != nil && !typeErr {
			if errFast == nil && json.Valid([]byte(line)) {
				t.Fatalf("valid for eachField, not for encoding/json: %q: %v", line, errStd)
			}
			return // eachField may accept a few invalid lines (it does not check scalars)
		}
		if errFast != nil {
			if strings.HasPrefix(strings.TrimSpace(line), "{") {
				t.Fatalf("encoding/json reads %q, eachField does not: %v", line, errFast)
			}
			return
		}
		if typeErr {
			return // fields of the wrong type: both leave them, in their own way
		}
		// encoding/json also takes "Flow_Type" for flow_type; LogCrest
		// writes its keys in lower case, and eachField takes them so only.
		var keys map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &keys) == nil {
			for k := range keys {
				if strings.ToLower(k) != k {
					return
				}
			}
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("%q:\nfast %+v\nstd  %+v", line, fast, std)
		}
	})
}

func errorsAs(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

// flowEndLines returns the lines of the flows stream LogCrest itself
// writes for a flow with a step and a field, and one failed at a step.
func flowEndLines(f *testing.F) []string {
	f.Helper()
	dir := f.TempDir()
	p, err := logcrest.New(logcrest.WithDir(dir), logcrest.WithName("app"), logcrest.WithConsole(nil), logcrest.WithConfigFile(""))
	if err != nil {
		f.Fatal(err)
	}
	ctx := logcrest.NewContext(context.Background(), p)
	_ = logcrest.RunFlow(ctx, "checkout", func(ctx context.Context) error {
		_ = logcrest.SetFlowField(ctx, "user_id", "u-1842")
		return logcrest.Run(ctx, "validate", func(context.Context) error { return nil })
	})
	_ = logcrest.RunFlow(ctx, "refund", func(ctx context.Context) error {
		return logcrest.Run(ctx, "charge_back", func(context.Context) error { return errors.New("gateway timeout") })
	})
	if err := p.Close(); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "flows", "app.log"))
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if n := strings.Count(string(data), `"flow_type":"flow_end"`); n != 2 {
		f.Fatalf("%d flow_end records written, want 2:\n%s", n, data)
	}
	return lines
}
