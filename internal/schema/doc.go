// Package schema is the one place a record key, a stream name or a backup
// name is defined: the keys LogCrest writes in its records, the keys a flow
// field may not take, the values of flow_type, flow_status and a step's
// status, the names of the three streams and the name of a rotated backup.
//
// The packages that write records (internal/core, internal/flow,
// adapters/internal/httpflow, writers) and those that read them
// (cmd/logcrest and its logread, otel, logcresttest) name them from here,
// so a key is spelled once. The constants are untyped string constants: a
// writer builds its fixed record fragments from them at compile time
// (`,"` + schema.KeyFlowID + `":"`), which costs nothing at run time.
//
// Adding a key to flow_end takes its constant in keys.go and its entry in
// known there (which reserves it from flow fields, unless it is listed in
// notReserved), and the line that writes it in internal/flow (endFlow in
// flow.go). A reader that wants it adds it where it decodes (logread's
// FlowEnd or Record, whose tags TestDecodedKeysAreSchemaKeys checks).
package schema
