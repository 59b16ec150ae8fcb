package logread

// The flow_end record, read fast: flows and stats read millions of them.

import (
	"context"
	"io"
	"time"

	"github.com/logcrest/logcrest/internal/schema"
)

// FlowEnd is what flows and stats read from a flow_end record.
type FlowEnd struct {
	Time       string  `json:"time"`
	Level      string  `json:"level"`
	Logger     string  `json:"logger"`
	TraceID    string  `json:"trace_id"`
	FlowID     string  `json:"flow_id"`
	FlowType   string  `json:"flow_type"`
	FlowStatus string  `json:"flow_status"`
	TotalMs    float64 `json:"total_ms"`
	Steps      int     `json:"steps"`
	FailedAt   string  `json:"failed_at"`
	Step       string  `json:"step"`
	FlowError  string  `json:"flow_error"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Route      string  `json:"route"`
	RPCSystem  string  `json:"rpc_system"` // grpc, grpc_web or connect for an RPC's flow (its route is the procedure)
	RequestID  string  `json:"request_id"`
	HTTPStatus int     `json:"http_status"`

	// Detail is why the flow's buffered records were written (failed,
	// slow, kept, cancelled), BufferedRecords how many, BufferedEvicted
	// how many its buffer's bounds evicted first. SampleRate is N when
	// the flow was kept by sampling 1 in N routine flows: it stands for
	// N flows (see Weight).
	Detail          string `json:"detail"`
	BufferedRecords int    `json:"buffered_records"`
	BufferedEvicted int    `json:"buffered_evicted"`
	SampleRate      int    `json:"sample_rate"`

	At     time.Time `json:"-"` // Time parsed; zero when missing or malformed
	Folder string    `json:"-"` // the log folder it was read from
}

// Name is how the commands name the flow: "GET /orders/{id}" for a
// request ("GET (no route)" for one no route matched), "grpc
// /shop.v1.Orders/Get" for an RPC, "flow checkout" for any other flow,
// "flow (no label)" for one without a label.
func (f *FlowEnd) Name() string {
	switch {
	case f.Method != "" && f.Route != "":
		return Clean(f.Method) + " " + Clean(f.Route)
	case f.Method != "":
		return Clean(f.Method) + " (no route)"
	case f.RPCSystem != "" && f.Route != "":
		return Clean(f.RPCSystem) + " " + Clean(f.Route)
	case f.Route != "":
		return Clean(f.Route)
	}
	if l := FlowLabel(f.FlowID); l != "" {
		return "flow " + Clean(l)
	}
	return "flow (no label)"
}

// Weight is how many flows this flow_end stands for: its sample_rate when
// it was kept by sampling, else 1 (failed and slow flows are never sampled).
func (f *FlowEnd) Weight() int { return max(f.SampleRate, 1) }

// When is the time the flow ended, for MergeGroups.
func (f *FlowEnd) When() time.Time { return f.At }

// DecodeFlowEnd reads a flow_end record's fields with eachField; a field
// of an unexpected type is left empty. lean skips the fields stats does not
// use (logger, trace_id, level, the failure's details, path, request_id,
// the buffered detail's).
func DecodeFlowEnd(line []byte, fe *FlowEnd, lean bool) error {
	return eachField(line, func(key, val []byte) {
		str := func(dst *string) {
			if s, ok := jsonString(val); ok {
				*dst = s
			}
		}
		if lean {
			switch string(key) {
			case schema.KeyLevel, schema.KeyLogger, schema.KeyTraceID, schema.KeyFailedAt, schema.KeyStep, schema.KeyFlowError, schema.KeyPath, schema.KeyRequestID,
				schema.KeyDetail, schema.KeyBufferedCount, schema.KeyBufferedEvicted:
				return
			}
		}
		switch string(key) {
		case schema.KeyTime:
			str(&fe.Time)
		case schema.KeyLevel:
			str(&fe.Level)
		case schema.KeyLogger:
			str(&fe.Logger)
		case schema.KeyTraceID:
			str(&fe.TraceID)
		case schema.KeyFlowID:
			str(&fe.FlowID)
		case schema.KeyFlowType:
			str(&fe.FlowType)
		case schema.KeyFlowStatus:
			str(&fe.FlowStatus)
		case schema.KeyFailedAt:
			str(&fe.FailedAt)
		case schema.KeyStep:
			str(&fe.Step)
		case schema.KeyFlowError:
			str(&fe.FlowError)
		case schema.KeyMethod:
			str(&fe.Method)
		case schema.KeyPath:
			str(&fe.Path)
		case schema.KeyRoute:
			str(&fe.Route)
		case schema.KeyRPCSystem:
			str(&fe.RPCSystem)
		case schema.KeyRequestID:
			str(&fe.RequestID)
		case schema.KeyDetail:
			str(&fe.Detail)
		case schema.KeyBufferedCount:
			jsonInt(val, &fe.BufferedRecords)
		case schema.KeyBufferedEvicted:
			jsonInt(val, &fe.BufferedEvicted)
		case schema.KeySampleRate:
			jsonInt(val, &fe.SampleRate)
		case schema.KeyTotalMs:
			if f, ok := jsonNumber(val); ok {
				fe.TotalMs = f
			}
		case schema.KeySteps:
			jsonInt(val, &fe.Steps)
		case schema.KeyHTTPStatus:
			jsonInt(val, &fe.HTTPStatus)
		}
	})
}

// jsonInt sets *dst to val when val is a whole JSON number.
func jsonInt(val []byte, dst *int) {
	if f, ok := jsonNumber(val); ok && f == float64(int(f)) {
		*dst = int(f)
	}
}

// FlowEndNeedle is searched for before a line is decoded: every flow_end
// holds it, nearly no other line does.
var FlowEndNeedle = []byte(`"` + schema.FlowEnd + `"`)

// ReadFlowEnds reads the flow_end records of files (stdin from stdin), at
// most workers files at once, in time order per group (GroupSources) and
// merged across groups, and calls emit with each that passes keep. What
// cannot be read or decoded is counted in rep.
func ReadFlowEnds(ctx context.Context, files []Source, workers int, stdin io.Reader, rep *Report, keep func(*FlowEnd) bool, emit func(*FlowEnd)) {
	groups := GroupSources(files)
	MergeGroups(groups, workers, func(src Source, yield func(*FlowEnd, int)) {
		ScanSource(ctx, src, stdin, FlowEndNeedle, rep, func(line []byte, unterminated bool) {
			var fe FlowEnd
			if err := DecodeFlowEnd(line, &fe, false); err != nil {
				if !(unterminated && src.Active) {
					rep.BadLine(src)
				}
				return
			}
			if fe.FlowType != schema.FlowEnd {
				return
			}
			fe.At = ParseTime(fe.Time)
			fe.Folder = src.Folder
			if keep(&fe) {
				yield(&fe, len(line))
			}
		})
	}, emit)
}
