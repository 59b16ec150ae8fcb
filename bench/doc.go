// Package bench compares LogCrest with the loggers, tracers and HTTP
// middleware Go users pick instead. The benchmarks live in the _test.go
// files, one a scenario: logcall, step, slog, http, persist, stall and
// server (a real server under load, its logger in a child process). It is a
// module of its own so that zap, OpenTelemetry and the routers never enter
// LogCrest's go.mod. Run everything with ./run.sh; it rewrites RESULTS.md.
package bench
