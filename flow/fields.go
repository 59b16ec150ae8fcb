package flow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/logcrest/logcrest/internal/jsonenc"
)

// Bounds of the fields a flow can be given with SetField.
const (
	// MaxFields is how many fields one flow keeps.
	MaxFields = 16
	// MaxFieldKeyLen is the longest key, in bytes.
	MaxFieldKeyLen = 64
	// MaxFieldValueLen is the longest string value kept, in bytes; a longer
	// one is cut on a character boundary.
	MaxFieldValueLen = 256
)

// Errors of SetField.
var (
	ErrNoFlow         = errors.New("logcrest: the context is not inside a flow")
	ErrFlowEnded      = errors.New("logcrest: the flow has ended")
	ErrTooManyFields  = fmt.Errorf("logcrest: a flow keeps at most %d fields", MaxFields)
	ErrFieldKey       = fmt.Errorf("logcrest: a field key is 1 to %d characters of A-Z a-z 0-9 _ . -", MaxFieldKeyLen)
	ErrReservedField  = errors.New("logcrest: the field key is one LogCrest writes itself")
	ErrFieldValueType = errors.New("logcrest: a field value is a string, a bool, an integer or a float")
)

// reserved are the keys of flow_end and of the records of a flow: a field
// may not take their place.
var reserved = map[string]bool{
	"time": true, "level": true, "logger": true, "message": true, "trace_id": true, "span_id": true,
	"parent_span_id": true, "trace_flags": true, "flow_id": true, "seq": true, "flow_type": true,
	"flow_status": true, "total_ms": true, "steps": true, "timeline": true, "timeline_truncated": true,
	"failed_at": true, "step": true, "flow_error": true, "stack": true, "fn": true, "ms": true,
	"status": true, "error": true, "error_type": true, "args": true, "result": true, "label": true,
	"method": true, "method_truncated": true, "path": true, "path_truncated": true, "route": true,
	"route_truncated": true, "request_id": true, "http_status": true, "bytes": true, "client_ip": true,
	"aborted": true, "hijacked": true,
	jsonenc.DupKey: true, // where a line keeps the values of a key it repeats
}

// field is one field of a flow, its value encoded as JSON already.
type field struct {
	key string
	val []byte
}

// SetField attaches key=value to the flow ctx is in, from anywhere under
// it (any step, any goroutine): flow_end carries it, and so does the error
// record of a failed flow, answering "who was it" (user_id, tenant, plan).
// Setting a key again replaces its value.
//
// It is bounded: MaxFields fields a flow, keys of 1 to MaxFieldKeyLen
// characters of A-Z a-z 0-9 _ . -, not a key LogCrest writes itself, string
// values cut at MaxFieldValueLen bytes. Values are strings, bools, integers
// and floats only, so that a struct holding a secret cannot slip in whole.
// An error says why a field was refused; nothing else is affected.
func SetField(ctx context.Context, key string, value any) error {
	s := FromContext(ctx)
	if s == nil || s.flow == nil {
		return ErrNoFlow
	}
	if err := checkFieldKey(key); err != nil {
		return err
	}
	val, err := encodeFieldValue(value)
	if err != nil {
		return err
	}
	return s.flow.setField(key, val)
}

func checkFieldKey(key string) error {
	if len(key) == 0 || len(key) > MaxFieldKeyLen {
		return ErrFieldKey
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return ErrFieldKey
		}
	}
	if reserved[key] {
		return fmt.Errorf("%w: %q", ErrReservedField, key)
	}
	return nil
}

// encodeFieldValue returns v as JSON.
func encodeFieldValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		if len(x) > MaxFieldValueLen {
			cut := MaxFieldValueLen
			for cut > 0 && !utf8.RuneStart(x[cut]) {
				cut--
			}
			x = x[:cut]
		}
		return jsonenc.String(nil, x), nil
	case bool:
		return strconv.AppendBool(nil, x), nil
	case int:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case uint:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(nil, x, 10), nil
	case float32:
		return encodeFloat(float64(x), 32), nil
	case float64:
		return encodeFloat(x, 64), nil
	}
	return nil, fmt.Errorf("%w, not %T", ErrFieldValueType, v)
}

// encodeFloat writes f as a JSON number, or as a string for NaN and the
// infinities, which JSON has no number for (as zerolog does).
func encodeFloat(f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return jsonenc.String(nil, strconv.FormatFloat(f, 'g', -1, bits))
	}
	return strconv.AppendFloat(nil, f, 'f', -1, bits)
}

// setField keeps key=val for flow_end.
func (f *flowState) setField(key string, val []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return ErrFlowEnded
	}
	for i := range f.fields {
		if f.fields[i].key == key {
			f.fields[i].val = val
			return nil
		}
	}
	if len(f.fields) >= MaxFields {
		return ErrTooManyFields
	}
	f.fields = append(f.fields, field{key, val})
	return nil
}

// appendFields appends the flow's fields; with the flow ended, they no
// longer change.
func (f *flowState) appendFields(b []byte) []byte {
	for _, fl := range f.fields {
		b = jsonenc.Key(b, fl.key)
		b = append(b, fl.val...)
	}
	return b
}
