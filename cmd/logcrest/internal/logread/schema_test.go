package logread

import (
	"reflect"
	"strings"
	"testing"

	"github.com/logcrest/logcrest/internal/schema"
)

// TestDecodedKeysAreSchemaKeys: every key the decoders read (the JSON tags
// of Record, Entry and FlowEnd, which cannot name schema's constants) is
// a key internal/schema defines, so a key renamed there cannot leave a
// reader looking for the old one.
func TestDecodedKeysAreSchemaKeys(t *testing.T) {
	for _, v := range []any{Record{}, Entry{}, FlowEnd{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			if !schema.Known(tag) {
				t.Errorf("%s.%s reads %q, which internal/schema does not define", typ.Name(), typ.Field(i).Name, tag)
			}
		}
	}
}

// TestDecodeFlowEndReadsEveryTag: DecodeFlowEnd, the fast decoder, fills
// every field FlowEnd's tags name, from a flow_end holding all of them.
func TestDecodeFlowEndReadsEveryTag(t *testing.T) {
	line := `{"time":"2026-01-02T03:04:05Z","level":"error","logger":"app","trace_id":"t","flow_id":"f-1",` +
		`"flow_type":"flow_end","flow_status":"failed","total_ms":1.5,"steps":2,"failed_at":"charge",` +
		`"step":"2/2","flow_error":"boom","method":"GET","path":"/p","route":"/r","rpc_system":"grpc","request_id":"q","http_status":502,` +
		`"detail":"failed","buffered_records":4,"buffered_evicted":1,"sample_rate":8}`
	var fe FlowEnd
	if err := DecodeFlowEnd([]byte(line), &fe, false); err != nil {
		t.Fatal(err)
	}
	val := reflect.ValueOf(fe)
	for i := range val.NumField() {
		f := val.Type().Field(i)
		if f.Tag.Get("json") == "-" {
			continue
		}
		if val.Field(i).IsZero() {
			t.Errorf("FlowEnd.%s (%s) not read", f.Name, f.Tag.Get("json"))
		}
	}
}
