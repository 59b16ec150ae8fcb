// Package core is LogCrest's engine: the settings and how they resolve
// (options, LOGCREST_* environment, log_config.json, defaults), the
// Pipeline value with its sinks, rings, level, counters and hooks, and the
// process's default pipeline.
//
// It is internal: users reach it through package logcrest, whose Pipeline
// is a distinct type over this one, so the methods that exist for sibling
// packages (WriteRecord, WriteFlow, AppendHead, LoggerOf, the hook setters
// ...) are in no method set a program outside this module can name. The
// packages of this module that need the engine (internal/flow, the
// adapters, otel) convert a *logcrest.Pipeline to a *Pipeline directly, the
// two types sharing one underlying struct. The doc of each user-facing option lives on the root package's
// function of the same name.
package core
