package schema

// notReserved are the keys LogCrest writes that a flow field may take:
// those of a timeline entry (inside the timeline array), of a client
// call's step (Transport's host) and of the drop notice, none of which is
// a top-level key of flow_end.
var notReserved = map[string]bool{
	KeyAtMs: true, KeyParent: true, KeyHost: true, KeyHostTruncated: true,
	KeySink: true, KeyDropped: true,
}

// reserved are the keys of flow_end and of the records of a flow: a flow
// field may not take their place. A key added to known is reserved unless
// it is listed in notReserved.
var reserved = func() map[string]bool {
	m := make(map[string]bool, len(known))
	for k := range known {
		if !notReserved[k] {
			m[k] = true
		}
	}
	return m
}()

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
