package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// decodeFlowEnd, the fast path of flows and stats, reads what
// encoding/json reads, and refuses what it refuses.
func FuzzDecodeFlowEnd(f *testing.F) {
	if fx := sharedFixture; fx != nil {
		for _, dir := range []string{fx.raw.shop, fx.raw.stock} {
			data, _ := os.ReadFile(filepath.Join(dir, "flows", filepath.Base(dir)+".log"))
			for _, l := range strings.Split(string(data), "\n") {
				f.Add(l)
			}
		}
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
		var fast flowEnd
		errFast := decodeFlowEnd([]byte(line), &fast, false)
		var std flowEnd
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
