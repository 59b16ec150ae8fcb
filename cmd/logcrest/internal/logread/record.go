package logread

// The records LogCrest writes, as this command reads them.

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
)

// Entry is one step of a flow_end timeline.
type Entry struct {
	Fn     string  `json:"fn"`
	AtMs   float64 `json:"at_ms"`
	Ms     float64 `json:"ms"`
	Status string  `json:"status"`
	Parent int     `json:"parent"` // 1-based index of the enclosing step; 0 for none
}

// Record is every field this command uses, from any record.
type Record struct {
	Time         string `json:"time"`
	Level        string `json:"level"`
	Logger       string `json:"logger"`
	Message      string `json:"message"`
	TraceID      string `json:"trace_id"`
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id"`
	FlowID       string `json:"flow_id"`
	Seq          int64  `json:"seq"`
	Fn           string `json:"fn"`

	FlowType          string  `json:"flow_type"`
	FlowStatus        string  `json:"flow_status"`
	TotalMs           float64 `json:"total_ms"`
	Steps             int     `json:"steps"`
	Timeline          []Entry `json:"timeline"`
	TimelineTruncated int     `json:"timeline_truncated"`
	FailedAt          string  `json:"failed_at"`
	Step              string  `json:"step"`
	FlowError         string  `json:"flow_error"`

	Method     string `json:"method"`
	Path       string `json:"path"`
	Route      string `json:"route"`
	RequestID  string `json:"request_id"`
	ClientIP   string `json:"client_ip"`
	HTTPStatus int    `json:"http_status"`
	Bytes      int64  `json:"bytes"`

	// An RPC call's (adapters/grpc, adapters/connect): its protocol and
	// its status code's name; Route is then its full method.
	RPCSystem string `json:"rpc_system"`
	GRPCCode  string `json:"grpc_code"`

	Ms     float64 `json:"ms"`
	Status string  `json:"status"`
	Error  string  `json:"error"`

	// The buffered detail: Buffered on a record held in its flow's
	// memory and written at the flow's end; the rest on flow_end (see
	// FlowEnd).
	Buffered        bool   `json:"buffered"`
	Detail          string `json:"detail"`
	BufferedRecords int    `json:"buffered_records"`
	BufferedEvicted int    `json:"buffered_evicted"`
	SampleRate      int    `json:"sample_rate"`

	At time.Time `json:"-"` // Time parsed; zero when missing or malformed
}

// Decode reads one JSON record into v. A value of an unexpected type leaves
// that field empty and the rest is kept; only a line that is not a JSON
// object at all (torn, text, something else's) is an error.
func Decode(line []byte, v any) error {
	err := json.Unmarshal(line, v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && len(line) > 0 && line[0] == '{' {
		return nil
	}
	return err
}

// ParseTime reads the time of a record: RFC 3339 with any fraction.
func ParseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// flowIDSuffix is the 8 hex digits LogCrest appends to a flow's label.
var flowIDSuffix = regexp.MustCompile(`(^|-)[0-9a-f]{8}$`)

// FlowLabel is the label a flow ID was made from: "checkout" for
// "checkout-3a7e2b1f", "" for a bare "3a7e2b1f".
func FlowLabel(flowID string) string {
	loc := flowIDSuffix.FindStringIndex(flowID)
	if loc == nil {
		return flowID
	}
	return flowID[:loc[0]]
}

// LevelRank orders levels by severity; -1 for an unknown one.
func LevelRank(l string) int {
	switch strings.ToLower(l) {
	case "trace":
		return 0
	case "debug":
		return 1
	case "info":
		return 2
	case "warn", "warning":
		return 3
	case "error":
		return 4
	case "fatal", "critical":
		return 5
	case "panic":
		return 6
	}
	return -1
}
