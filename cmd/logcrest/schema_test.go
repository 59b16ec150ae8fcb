package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/logcrest/logcrest/internal/schema"
)

// TestCommandKeysAreSchemaKeys: the keys tail decodes and flows --json
// writes (struct tags, which cannot name schema's constants) are keys
// internal/schema defines: flows --json keeps the names of the record it
// summarises, and a key renamed in schema cannot leave them behind. The
// one key of the command's own, folder (where the flow was read), is
// named here.
func TestCommandKeysAreSchemaKeys(t *testing.T) {
	for _, v := range []any{tailRec{}, flowJSON{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag == "" || tag == "-" || (typ == reflect.TypeOf(flowJSON{}) && tag == "folder") {
				continue
			}
			if !schema.Known(tag) {
				t.Errorf("%s.%s is %q, which internal/schema does not define", typ.Name(), typ.Field(i).Name, tag)
			}
		}
	}
}
