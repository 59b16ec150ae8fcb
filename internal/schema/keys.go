package schema

// Keys of every record, as zerolog names them (LogCrest keeps zerolog's
// defaults).
const (
	KeyTime    = "time"
	KeyLevel   = "level"
	KeyLogger  = "logger"
	KeyMessage = "message"
)

// Keys of trace context, on every record written inside a flow.
const (
	KeyTraceID      = "trace_id"
	KeySpanID       = "span_id"
	KeyParentSpanID = "parent_span_id"
	// KeyTraceFlags is the flags of an adopted W3C traceparent, on flow_end.
	KeyTraceFlags = "trace_flags"
	KeyFlowID     = "flow_id"
	// KeySeq numbers the records of one flow from 1.
	KeySeq = "seq"
)

// Keys of a step's entry and exit records.
const (
	KeyFn        = "fn"
	KeyMs        = "ms"
	KeyStatus    = "status"
	KeyError     = "error"
	KeyErrorType = "error_type"
	KeyStack     = "stack"
	KeyArgs      = "args"
	KeyResult    = "result"
)

// Keys of flow_start and flow_end.
const (
	KeyFlowType          = "flow_type"
	KeyFlowStatus        = "flow_status"
	KeyLabel             = "label"
	KeyTotalMs           = "total_ms"
	KeySteps             = "steps"
	KeyTimeline          = "timeline"
	KeyTimelineTruncated = "timeline_truncated"
	KeyFailedAt          = "failed_at"
	KeyStep              = "step"
	KeyFlowError         = "flow_error"
	KeyReturnedError     = "returned_error"
)

// Keys of one entry of flow_end's timeline (with KeyFn, KeyMs and
// KeyStatus).
const (
	KeyAtMs   = "at_ms"
	KeyParent = "parent"
)

// Keys the HTTP adapters add to flow_end (a server's request) and to a
// step's exit record (nethttp.Transport's client call).
const (
	KeyMethod     = "method"
	KeyPath       = "path"
	KeyRoute      = "route"
	KeyHost       = "host"
	KeyRequestID  = "request_id"
	KeyClientIP   = "client_ip"
	KeyHTTPStatus = "http_status"
	KeyBytes      = "bytes"
	KeyAborted    = "aborted"
	KeyHijacked   = "hijacked"
	KeyClientGone = "client_gone"

	// TruncatedSuffix ends the key that says the value of the key before
	// it was cut: "path_truncated": true.
	TruncatedSuffix = "_truncated"

	KeyMethodTruncated = KeyMethod + TruncatedSuffix
	KeyPathTruncated   = KeyPath + TruncatedSuffix
	KeyRouteTruncated  = KeyRoute + TruncatedSuffix
	KeyHostTruncated   = KeyHost + TruncatedSuffix
)

// Keys the RPC adapters (adapters/grpc, adapters/connect) add to a
// server call's flow_start and flow_end, and to a client call's step exit
// record: the wire protocol (KeyRPCSystem: "grpc", "grpc_web" or
// "connect"), the service and method of the full method
// "/pkg.Service/Method" (which is also the flow's KeyRoute), the status
// code's name ("NotFound", the gRPC spelling for Connect too) and number
// (5), and the peer's address, cut at a bound (KeyPeerTruncated).
const (
	KeyRPCSystem      = "rpc_system"
	KeyRPCService     = "rpc_service"
	KeyRPCMethod      = "rpc_method"
	KeyGRPCCode       = "grpc_code"
	KeyGRPCStatusCode = "grpc_status_code"
	KeyPeer           = "peer"
	KeyPeerTruncated  = "peer_truncated"
)

// Keys of the record a pipeline writes when a sink dropped records.
const (
	KeySink    = "sink"
	KeyDropped = "dropped"
)

// Keys of a flow's held detail (see internal/flow's detail.go): a record
// held in the flow's memory and written at its end carries KeyBuffered
// true; the flow_end of a flow whose detail was written says why
// (KeyDetail, one of the Detail values), how many records it wrote
// (KeyBufferedCount) and how many the flow's caps evicted first
// (KeyBufferedEvicted, when any). A routine flow_end kept by sampling 1 in
// N carries KeySampleRate N.
const (
	KeyBuffered        = "buffered"
	KeyDetail          = "detail"
	KeyBufferedCount   = "buffered_records"
	KeyBufferedEvicted = "buffered_evicted"
	KeySampleRate      = "sample_rate"
)

// Values of KeyDetail: why a flow's held detail was written.
const (
	DetailFailed    = "failed"    // the flow failed
	DetailSlow      = "slow"      // it ran longer than the slow threshold
	DetailKept      = "kept"      // its code asked for it (logcrest.KeepDetail)
	DetailCancelled = "cancelled" // it was called off from outside
)

// KeyDup is where a line keeps the values of a key it repeats.
const KeyDup = "logcrest_dup"

// Values of KeyFlowType.
const (
	FlowStart = "flow_start"
	FlowEnd   = "flow_end"
)

// Values of KeyFlowStatus.
const (
	FlowSuccess   = "success"
	FlowFailed    = "failed"
	FlowCancelled = "cancelled"
)

// Values of KeyStatus, on a step's exit record and in a timeline entry
// (StepRunning in the timeline only: the step had not ended when the flow
// did).
const (
	StepOK        = "ok"
	StepError     = "error"
	StepCancelled = "cancelled"
	StepRunning   = "running"
)

// known are the keys above: the ones LogCrest writes.
var known = map[string]bool{
	KeyTime: true, KeyLevel: true, KeyLogger: true, KeyMessage: true,
	KeyTraceID: true, KeySpanID: true, KeyParentSpanID: true, KeyTraceFlags: true,
	KeyFlowID: true, KeySeq: true,
	KeyFn: true, KeyMs: true, KeyStatus: true, KeyError: true, KeyErrorType: true,
	KeyStack: true, KeyArgs: true, KeyResult: true,
	KeyFlowType: true, KeyFlowStatus: true, KeyLabel: true, KeyTotalMs: true,
	KeySteps: true, KeyTimeline: true, KeyTimelineTruncated: true, KeyFailedAt: true,
	KeyStep: true, KeyFlowError: true, KeyReturnedError: true,
	KeyAtMs: true, KeyParent: true,
	KeyMethod: true, KeyPath: true, KeyRoute: true, KeyHost: true, KeyRequestID: true,
	KeyClientIP: true, KeyHTTPStatus: true, KeyBytes: true, KeyAborted: true,
	KeyHijacked: true, KeyClientGone: true,
	KeyMethodTruncated: true, KeyPathTruncated: true, KeyRouteTruncated: true,
	KeyHostTruncated: true, KeySink: true, KeyDropped: true, KeyDup: true,
	KeyBuffered: true, KeyDetail: true, KeyBufferedCount: true, KeyBufferedEvicted: true,
	KeySampleRate: true,
	KeyRPCSystem:  true, KeyRPCService: true, KeyRPCMethod: true, KeyGRPCCode: true,
	KeyGRPCStatusCode: true, KeyPeer: true, KeyPeerTruncated: true,
}

// Known reports whether key is one LogCrest writes in a record of its own
// (one of the Key constants). A reader whose keys cannot be constants (a
// struct tag) checks them with it in a test.
func Known(key string) bool { return known[key] }
