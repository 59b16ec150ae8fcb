package logcrestotel

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/internal/core"
	"github.com/logcrest/logcrest/internal/schema"
)

// LogSinkName is the name under which ExportLogs's sink appears in
// Stats (Counters.Sinks) and in LogCrest's warnings, unless
// WithLogSinkName gives another.
const LogSinkName = "otlp"

// LogExporter hands the records of one pipeline to an OpenTelemetry log
// exporter. ExportLogs makes one; Shutdown stops it.
type LogExporter struct {
	exp    sdklog.Exporter
	remove func() error
	once   sync.Once
	err    error
}

// WithLogStreams limits ExportLogs to the records of the named streams:
// "success", "error" and "flows", the folders the files are in. The default is all three, every record the files get.
func WithLogStreams(streams ...string) Option {
	return func(c *config) { c.logStreams = append(c.logStreams, streams...) }
}

// WithLogSinkName names ExportLogs's sink in Stats and warnings (default
// LogSinkName, "otlp"); two exports on one pipeline need two names.
func WithLogSinkName(name string) Option {
	return func(c *config) { c.logSink = name }
}

// WithLogMaxBuffer caps the memory of the records waiting for the exporter,
// in bytes (default: the pipeline's WithMaxBuffer, 64 MiB). A record that
// would pass it is dropped and counted in Stats, as every sink of LogCrest
// drops.
func WithLogMaxBuffer(bytes int64) Option {
	return func(c *config) { c.logMaxBytes = bytes }
}

// ExportLogs hands every record of p (nil: the default pipeline at the time
// of the call), from now on, to exp as an OpenTelemetry log record: one
// sink of p more, beside the files and the console, with their guarantees.
// A log call never waits on it: the records wait in a queue of their own,
// capped in bytes (WithLogMaxBuffer), and a background goroutine hands them
// to exp.Export in batches, each call bounded by p's close timeout (its
// context's deadline). What the queue refuses is counted as Dropped, what
// exp refuses as Failed, under the sink's name ("otlp") in p's Stats, and
// the drop is reported in the error stream as the files' are. Close and
// Flush of p wait for the sink as for the files: what it holds is handed to
// exp (then exp.ForceFlush is called) within the close timeout.
//
// Each record is the one the files hold (after the same key checks),
// mapped to OpenTelemetry as the package documentation says: body the
// message, timestamp the record's time, severity from its level, trace and
// span IDs from trace_id and span_id, every other field an attribute of its
// JSON type. exp is typically an OTLP exporter (otlploghttp, otlploggrpc);
// give no batching processor: the queue is LogCrest's. The resource is
// WithResource's (resource.Default() otherwise): give the service's name
// and version there.
//
// The files are independent of it: with logcrest.WithFiles(false) (and the
// console off), a service ships its records through exp and writes no file.
// ExportLogs fails only on a bad option (a name taken, an unknown stream).
func ExportLogs(p *logcrest.Pipeline, exp sdklog.Exporter, opts ...Option) (*LogExporter, error) {
	if exp == nil {
		return nil, errors.New("logcrestotel: ExportLogs needs an exporter")
	}
	c := config{logSink: LogSinkName}
	for _, o := range opts {
		o(&c)
	}
	res := c.res
	if res == nil {
		res = resource.Default()
	}
	cp := pipelineOf(p)
	w := newLogWriter(exp, res, cp.Settings().CloseTimeout)
	remove, err := cp.AddSink(core.ExtSink{
		Name:     c.logSink,
		W:        w,
		Streams:  c.logStreams,
		MaxBytes: c.logMaxBytes,
	})
	if remove == nil {
		return nil, err
	}
	return &LogExporter{exp: exp, remove: remove}, err
}

// Shutdown takes the sink out of the pipeline, handing exp what it still
// holds within the pipeline's close timeout, then shuts exp down within
// ctx. Only the first call does anything; later ones return its error.
func (x *LogExporter) Shutdown(ctx context.Context) error {
	x.once.Do(func() {
		x.err = errors.Join(x.remove(), x.exp.Shutdown(ctx))
	})
	return x.err
}

// Severities of LogCrest's levels: zerolog's trace to fatal are
// OpenTelemetry's TRACE, DEBUG, INFO, WARN, ERROR and FATAL; panic, more
// severe than fatal, is FATAL4. The severity text is the level as written.
var severities = map[string]otellog.Severity{
	zerolog.LevelTraceValue: otellog.SeverityTrace,
	zerolog.LevelDebugValue: otellog.SeverityDebug,
	zerolog.LevelInfoValue:  otellog.SeverityInfo,
	zerolog.LevelWarnValue:  otellog.SeverityWarn,
	zerolog.LevelErrorValue: otellog.SeverityError,
	zerolog.LevelFatalValue: otellog.SeverityFatal,
	zerolog.LevelPanicValue: otellog.SeverityFatal4,
}

// logWriter is the sink: it turns each batch of JSON records into log
// records and hands them to the exporter in one Export.
type logWriter struct {
	exp     sdklog.Exporter
	logger  otellog.Logger
	batch   *batcher
	timeout time.Duration
}

func newLogWriter(exp sdklog.Exporter, res *resource.Resource, timeout time.Duration) *logWriter {
	b := &batcher{}
	lp := sdklog.NewLoggerProvider(
		sdklog.WithResource(res),
		sdklog.WithProcessor(b),
		sdklog.WithAttributeCountLimit(-1), // every field of a record
	)
	return &logWriter{exp: exp, logger: lp.Logger(ScopeName), batch: b, timeout: timeout}
}

// Write exports a batch of records; it fails as a whole when Export fails.
func (w *logWriter) Write(b []byte) (int, error) {
	size := len(b)
	w.batch.recs = w.batch.recs[:0]
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		ctx, rec := toLogRecord(line)
		w.logger.Emit(ctx, rec)
	}
	n := len(w.batch.recs)
	if n == 0 {
		return size, nil
	}
	ctx, cancel := w.context()
	defer cancel()
	err := w.exp.Export(ctx, w.batch.recs)
	clear(w.batch.recs) // let the records go
	if err != nil {
		return 0, fmt.Errorf("exporting %d log records: %w", n, err)
	}
	return size, nil
}

// Close, at the end of each of the pipeline's generations, has the exporter
// send what it may hold.
func (w *logWriter) Close() error {
	ctx, cancel := w.context()
	defer cancel()
	return w.exp.ForceFlush(ctx)
}

func (w *logWriter) context() (context.Context, context.CancelFunc) {
	if w.timeout <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), w.timeout)
}

var _ io.WriteCloser = (*logWriter)(nil)

// batcher is the processor behind logWriter's logger: it keeps the records
// emitted while one batch is converted (on the sink's one goroutine).
type batcher struct{ recs []sdklog.Record }

func (b *batcher) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (b *batcher) OnEmit(_ context.Context, r *sdklog.Record) error {
	b.recs = append(b.recs, r.Clone())
	return nil
}
func (b *batcher) Shutdown(context.Context) error   { return nil }
func (b *batcher) ForceFlush(context.Context) error { return nil }

// toLogRecord maps one JSON record to a log record and the context that
// carries its trace and span IDs. A line that is not a JSON object (none
// of LogCrest's is) becomes a record whose body is the line.
func toLogRecord(line []byte) (context.Context, otellog.Record) {
	var rec otellog.Record
	ctx := context.Background()
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		rec.SetBody(attribute.StringValue(string(line)))
		return ctx, rec
	}
	levelKey, msgKey := zerolog.LevelFieldName, zerolog.MessageFieldName
	if levelKey == "" {
		levelKey = schema.KeyLevel
	}
	if msgKey == "" {
		msgKey = schema.KeyMessage
	}
	var sc trace.SpanContextConfig
	flagsSet := false
	attrs := make([]attribute.KeyValue, 0, 16)
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := kt.(string)
		v, err := jsonValue(dec)
		if err != nil {
			rec.SetBody(attribute.StringValue(string(line)))
			return ctx, rec
		}
		s, isString := v.AsString(), v.Type() == attribute.STRING
		switch {
		case key == schema.KeyTime && isString:
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				rec.SetTimestamp(t)
				continue
			}
		case key == levelKey && isString:
			if sev, ok := severities[s]; ok {
				rec.SetSeverity(sev)
				rec.SetSeverityText(s)
				continue
			}
		case key == msgKey && isString:
			rec.SetBody(v)
			continue
		case key == schema.KeyTraceID && isString:
			if n, err := hex.Decode(sc.TraceID[:], []byte(s)); err == nil && n == len(sc.TraceID) {
				continue
			}
			sc.TraceID = trace.TraceID{}
		case key == schema.KeySpanID && isString:
			if n, err := hex.Decode(sc.SpanID[:], []byte(s)); err == nil && n == len(sc.SpanID) {
				continue
			}
			sc.SpanID = trace.SpanID{}
		case key == schema.KeyTraceFlags && isString:
			if f, err := strconv.ParseUint(s, 16, 8); err == nil {
				sc.TraceFlags, flagsSet = trace.TraceFlags(f), true
			}
		case key == schema.KeyFlowType && isString:
			rec.SetEventName(s)
		}
		attrs = append(attrs, attribute.KeyValue{Key: attribute.Key(key), Value: v})
	}
	rec.AddAttributes(attrs...)
	if sc.TraceID.IsValid() || sc.SpanID.IsValid() {
		if !flagsSet {
			sc.TraceFlags = trace.FlagsSampled
		}
		ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(sc))
	}
	return ctx, rec
}

// jsonValue reads the next JSON value of dec as an attribute value: a
// string, a bool, an integer (a number written without a fraction or an
// exponent that fits an int64) as Int64, any other number as Float64, an
// object as a map (its keys in order), an array as a slice, null as an
// empty value.
func jsonValue(dec *json.Decoder) (attribute.Value, error) {
	t, err := dec.Token()
	if err != nil {
		return attribute.Value{}, err
	}
	switch t := t.(type) {
	case string:
		return attribute.StringValue(t), nil
	case bool:
		return attribute.BoolValue(t), nil
	case nil:
		return attribute.Value{}, nil
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return attribute.Int64Value(i), nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return attribute.Value{}, err
		}
		return attribute.Float64Value(f), nil
	case json.Delim:
		switch t {
		case '{':
			var kvs []attribute.KeyValue
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return attribute.Value{}, err
				}
				v, err := jsonValue(dec)
				if err != nil {
					return attribute.Value{}, err
				}
				key, _ := kt.(string)
				kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(key), Value: v})
			}
			_, err := dec.Token() // '}'
			return attribute.MapValue(kvs...), err
		case '[':
			var vs []attribute.Value
			for dec.More() {
				v, err := jsonValue(dec)
				if err != nil {
					return attribute.Value{}, err
				}
				vs = append(vs, v)
			}
			_, err := dec.Token() // ']'
			return attribute.SliceValue(vs...), err
		}
	}
	return attribute.Value{}, fmt.Errorf("unexpected JSON token %v", t)
}
