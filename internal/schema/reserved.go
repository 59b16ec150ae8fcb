package schema

// reserved are the keys of flow_end and of the records of a flow: a flow
// field may not take their place.
var reserved = map[string]bool{
	KeyTime: true, KeyLevel: true, KeyLogger: true, KeyMessage: true,
	KeyTraceID: true, KeySpanID: true, KeyParentSpanID: true, KeyTraceFlags: true,
	KeyFlowID: true, KeySeq: true,
	KeyFlowType: true, KeyFlowStatus: true, KeyTotalMs: true, KeySteps: true,
	KeyTimeline: true, KeyTimelineTruncated: true, KeyFailedAt: true, KeyStep: true,
	KeyFlowError: true, KeyStack: true,
	KeyFn: true, KeyMs: true, KeyStatus: true, KeyError: true, KeyErrorType: true,
	KeyArgs: true, KeyResult: true, KeyLabel: true,
	KeyMethod: true, KeyMethodTruncated: true, KeyPath: true, KeyPathTruncated: true,
	KeyRoute: true, KeyRouteTruncated: true, KeyRequestID: true, KeyHTTPStatus: true,
	KeyBytes: true, KeyClientIP: true, KeyAborted: true, KeyHijacked: true,
	KeyClientGone: true, KeyReturnedError: true,
	KeyDup: true,
}

// Reserved reports whether key is one LogCrest writes in the records of a
// flow, which a flow field may not take.
func Reserved(key string) bool { return reserved[key] }

// ReservedKeys returns the reserved keys, in no particular order.
func ReservedKeys() []string {
	out := make([]string, 0, len(reserved))
	for k := range reserved {
		out = append(out, k)
	}
	return out
}
