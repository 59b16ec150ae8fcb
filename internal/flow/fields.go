package flow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/jsonenc"
	"github.com/logcrest/logcrest/internal/schema"
)

// Bounds of the fields a flow can be given with SetField.
const (
	// MaxFields is how many fields one flow keeps.
	MaxFields = 16
	// MaxFieldKeyLen is the longest key, in bytes.
	MaxFieldKeyLen = 64
	// MaxFieldValueLen is the most bytes a string value takes in the
	// record, as written: its quotes and escapes included (an invalid UTF-8
	// byte is written as the 6 bytes \ufffd, a control character as
	// \u00XX). A longer one is cut on a character boundary to fit, and the
	// record says "<key>_truncated": true.
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

// field is one field of a flow, its value encoded as JSON already for the
// records, and typed in attr (the same key and value, cut as val is) for an
// EndHook; cut says the value was cut to MaxFieldValueLen.
type field struct {
	key  string
	val  []byte
	attr core.Attr
	cut  bool
}

// truncatedSuffix ends the key of the field that says a value was cut.
const truncatedSuffix = schema.TruncatedSuffix

// SetField attaches key=value to the flow ctx is in, from anywhere under
// it (any step, any goroutine): flow_end carries it, and so does the error
// record of a failed flow, answering "who was it" (user_id, tenant, plan).
// Setting a key again replaces its value.
//
// It is bounded: MaxFields fields a flow, keys of 1 to MaxFieldKeyLen
// characters of A-Z a-z 0-9 _ . -, not a key LogCrest writes itself (nor
// one ending in "_truncated", which marks a cut value), string values cut to
// MaxFieldValueLen bytes as written, marked "<key>_truncated": true. Values
// are strings, bools, integers
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
	fl, err := newField(key, value)
	if err != nil {
		return err
	}
	return s.flow.setField(fl)
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
	if schema.Reserved(key) || strings.HasSuffix(key, truncatedSuffix) {
		return fmt.Errorf("%w: %q", ErrReservedField, key)
	}
	return nil
}

// newField returns the field key=v: its value as JSON and typed, cut to
// MaxFieldValueLen.
func newField(key string, v any) (field, error) {
	if s, ok := v.(string); ok {
		val, kept := encodeFieldString(s)
		return field{key: key, val: val, attr: core.StringAttr(key, kept), cut: len(kept) < len(s)}, nil
	}
	val, attr, err := encodeFieldScalar(key, v)
	return field{key: key, val: val, attr: attr}, err
}

// encodeFieldString returns s as a JSON string of at most MaxFieldValueLen
// bytes, and the part of s it holds: the longest prefix of s, ended on a
// character boundary (an invalid byte counts as one), whose encoding fits.
func encodeFieldString(s string) ([]byte, string) {
	// The encoding is never shorter than s and its two quotes.
	if len(s) <= MaxFieldValueLen-2 {
		if val := jsonenc.String(nil, s); len(val) <= MaxFieldValueLen {
			return val, s
		}
	}
	// Each character is encoded on its own (jsonenc keeps no state from one
	// to the next): sum their widths up to the budget, the quotes aside.
	var one [8]byte
	room, cut := MaxFieldValueLen-2, 0
	for cut < len(s) {
		_, size := utf8.DecodeRuneInString(s[cut:])
		w := len(jsonenc.String(one[:0], s[cut:cut+size])) - 2
		if w > room {
			break
		}
		room -= w
		cut += size
	}
	return jsonenc.String(make([]byte, 0, MaxFieldValueLen), s[:cut]), s[:cut]
}

// encodeFieldScalar returns v, a bool or a number, as JSON and as the
// Attr key=v.
func encodeFieldScalar(key string, v any) ([]byte, core.Attr, error) {
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(nil, x), core.BoolAttr(key, x), nil
	case int:
		return intField(key, int64(x))
	case int8:
		return intField(key, int64(x))
	case int16:
		return intField(key, int64(x))
	case int32:
		return intField(key, int64(x))
	case int64:
		return intField(key, x)
	case uint:
		return uintField(key, uint64(x))
	case uint8:
		return uintField(key, uint64(x))
	case uint16:
		return uintField(key, uint64(x))
	case uint32:
		return uintField(key, uint64(x))
	case uint64:
		return uintField(key, x)
	case float32:
		return encodeFloat(float64(x), 32), core.FloatAttr(key, float64(x)), nil
	case float64:
		return encodeFloat(x, 64), core.FloatAttr(key, x), nil
	}
	return nil, core.Attr{}, fmt.Errorf("%w, not %T", ErrFieldValueType, v)
}

func intField(key string, v int64) ([]byte, core.Attr, error) {
	return strconv.AppendInt(nil, v, 10), core.IntAttr(key, v), nil
}

func uintField(key string, v uint64) ([]byte, core.Attr, error) {
	return strconv.AppendUint(nil, v, 10), core.UintAttr(key, v), nil
}

// encodeFloat writes f as a JSON number, or as a string for NaN and the
// infinities, which JSON has no number for (as zerolog does).
func encodeFloat(f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return jsonenc.String(nil, strconv.FormatFloat(f, 'g', -1, bits))
	}
	return strconv.AppendFloat(nil, f, 'f', -1, bits)
}

// setField keeps fl for flow_end.
func (f *flowState) setField(fl field) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return ErrFlowEnded
	}
	for i := range f.fields {
		if f.fields[i].key == fl.key {
			f.fields[i] = fl
			return nil
		}
	}
	if len(f.fields) >= MaxFields {
		return ErrTooManyFields
	}
	f.fields = append(f.fields, fl)
	return nil
}

// appendFields appends the flow's fields; with the flow ended, they no
// longer change.
func (f *flowState) appendFields(b []byte) []byte {
	for _, fl := range f.fields {
		b = jsonenc.Key(b, fl.key)
		b = append(b, fl.val...)
		if fl.cut {
			b = append(jsonenc.Key(b, fl.key+truncatedSuffix), "true"...)
		}
	}
	return b
}

// appendAttrs appends the flow's fields as typed attributes, a cut one
// followed by "<key>_truncated" true, as appendFields writes them; with the
// flow ended, they no longer change.
func (f *flowState) appendAttrs(a []core.Attr) []core.Attr {
	for _, fl := range f.fields {
		a = append(a, fl.attr)
		if fl.cut {
			a = append(a, core.BoolAttr(fl.key+truncatedSuffix, true))
		}
	}
	return a
}
