package bench_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"
	"go.uber.org/zap"
	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/logcrest/logcrest"
	"github.com/logcrest/logcrest/adapters"
	logcrestchi "github.com/logcrest/logcrest/adapters/chi"
)

// The servers of BenchmarkServer, one per variant. Every variant is a chi
// router with one route, GET /users/{id}/charge, whose handler runs two
// steps (load_user, charge_card: the same trivial work everywhere), logs a
// debug record inside charge_card ("charging") and one info record
// ("charged"), then answers 200 with chargedBody: a routine request. The
// peers run at info, as in production, so their debug record is dropped
// by the level; LogCrest runs at its default level (debug) and, in its
// default buffered detail mode, holds the debug record and its step
// records and drops them when the request succeeds.

const (
	chargeRoute = "/users/{id}/charge"
	chargePath  = "/users/42/charge"
	chargedBody = `{"id":"42","status":"charged"}`
)

// A serverVariant is one server of BenchmarkServer.
type serverVariant struct {
	name string
	// records is the number of records a request writes to the files
	// under the child's folder; consoleRecords the number of lines it
	// writes to stdout.
	records, consoleRecords int
	// logcrest, for a LogCrest variant, says what its files must hold,
	// record by record (checkLogCrestFiles), instead of counting lines.
	logcrest *logcrestExpect
	// build makes the server, its logger writing under dir, and the func
	// that closes (or syncs) that logger when the server stops.
	build func(dir string) (http.Handler, func() error, error)
}

// serverSampling is the rate of logcrest-files-sampled: 1 routine flow_end
// in 10 written.
const serverSampling = 10

// serverVariants are BenchmarkServer's sub-benchmarks, in order.
var serverVariants = []serverVariant{
	{name: "bare", build: bareServer},
	{name: "logcrest-middleware", logcrest: &logcrestExpect{sample: 1},
		build: func(dir string) (http.Handler, func() error, error) { return logcrestMiddlewareServer(dir) }},
	{name: "logcrest-middleware-sampled", logcrest: &logcrestExpect{sample: serverSampling},
		build: func(dir string) (http.Handler, func() error, error) {
			return logcrestMiddlewareServer(dir, logcrest.WithSampling(serverSampling))
		}},
	{name: "hlog-middleware", records: 1, build: hlogMiddlewareServer},
	{name: "floor-middleware", records: 1, build: floorMiddlewareServer},
	{name: "logcrest-files", logcrest: &logcrestExpect{handler: true, sample: 1},
		build: func(dir string) (http.Handler, func() error, error) {
			return logcrestServer(dir, false)
		}},
	{name: "logcrest-files-sampled", logcrest: &logcrestExpect{handler: true, sample: serverSampling},
		build: func(dir string) (http.Handler, func() error, error) {
			return logcrestServer(dir, false, logcrest.WithSampling(serverSampling))
		}},
	{name: "logcrest-files-full", logcrest: &logcrestExpect{handler: true, full: true, sample: 1},
		build: func(dir string) (http.Handler, func() error, error) {
			return logcrestServer(dir, false, logcrest.WithDetail("full"))
		}},
	{name: "logcrest-console", consoleRecords: 2, logcrest: &logcrestExpect{handler: true, sample: 1},
		build: func(dir string) (http.Handler, func() error, error) {
			return logcrestServer(dir, true)
		}},
	{name: "hlog-lumberjack", records: 6, build: func(dir string) (http.Handler, func() error, error) {
		return hlogServer(dir, zerolog.InfoLevel)
	}},
	{name: "hlog-lumberjack-info", records: 2, build: func(dir string) (http.Handler, func() error, error) {
		return hlogServer(dir, zerolog.DebugLevel)
	}},
	{name: "hlog-lumberjack-info-ip", records: 2, build: func(dir string) (http.Handler, func() error, error) {
		return hlogServer(dir, zerolog.DebugLevel, hlog.RemoteAddrHandler("ip"))
	}},
	{name: "zap-file", records: 6, build: zapServer},
	{name: "slog-file", records: 6, build: slogServer},
}

func lookupServerVariant(name string) (serverVariant, bool) {
	for _, v := range serverVariants {
		if v.name == name {
			return v, true
		}
	}
	return serverVariant{}, false
}

// loadUser and chargeCard are the work of the handler's two steps, the same
// in every variant, so that the rows differ by their logging alone.
func loadUser(id string) (int, error) { return strconv.Atoi(id) }

func chargeCard(user int) error {
	if user <= 0 {
		return errors.New("no such user")
	}
	return nil
}

// writeCharged answers 200 with the charged body of user id.
func writeCharged(w http.ResponseWriter, id string) {
	body := `{"id":"` + id + `","status":"charged"}`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, body)
}

// bareServer is chi and the handler's work with no logging at all: what
// every other variant is measured against.
func bareServer(string) (http.Handler, func() error, error) {
	r := chi.NewRouter()
	r.Get(chargeRoute, bareHandler)
	return r, func() error { return nil }, nil
}

// bareHandler is the route's handler without logging.
func bareHandler(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	user, err := loadUser(id)
	if err == nil {
		err = chargeCard(user)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeCharged(w, id)
}

// logcrestServer is LogCrest's chi middleware on a pipeline of its own,
// files under dir (1 GiB files, so that no record rotates away before it is
// counted) and, with console, its console in the default text format on
// stdout; extra options follow. In the default (buffered) detail mode a
// routine request writes the info record and flow_end, 2 records; with
// WithDetail("full") flow_start, an entry and an exit record per step, the
// debug and the info record and flow_end, 8 records; with WithSampling(n)
// the info record and, for 1 trace in n, flow_end.
func logcrestServer(dir string, console bool, extra ...logcrest.Option) (http.Handler, func() error, error) {
	opts := []logcrest.Option{
		logcrest.WithDir(dir),
		logcrest.WithConfigFile(filepath.Join(dir, "none.json")), // not ./log_config.json
		logcrest.WithMaxSize(1 << 30),
		logcrest.WithConsoleFormat("off"),
	}
	if console {
		// The console gets every record the pipeline writes, as a
		// developer's terminal does; a redirected stdout would otherwise
		// get warnings and above only (console_level auto).
		opts = append(opts, logcrest.WithConsoleFormat("text"), logcrest.WithConsole(os.Stdout),
			logcrest.WithConsoleLevel("debug"))
	}
	p, err := logcrest.New(append(opts, extra...)...)
	if err != nil {
		return nil, nil, err
	}
	r := chi.NewRouter()
	r.Use(logcrestchi.Middleware(adapters.WithPipeline(p)))
	r.Get(chargeRoute, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context() // carries the request's flow and p
		id := chi.URLParam(r, "id")
		user, err := logcrestLoadUser(ctx, id)
		if err == nil {
			err = logcrestChargeCard(ctx, user)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		logcrest.Log(ctx).Info().Str("user", id).Msg("charged")
		writeCharged(w, id)
	})
	return r, p.Close, nil
}

// logcrestMiddlewareServer is LogCrest's chi middleware around bareServer's
// handler, files only: what the middleware alone costs. A routine request
// writes flow_end (its flow_start is held, then dropped).
func logcrestMiddlewareServer(dir string, extra ...logcrest.Option) (http.Handler, func() error, error) {
	p, err := logcrest.New(append([]logcrest.Option{
		logcrest.WithDir(dir),
		logcrest.WithConfigFile(filepath.Join(dir, "none.json")),
		logcrest.WithMaxSize(1 << 30),
		logcrest.WithConsoleFormat("off"),
	}, extra...)...)
	if err != nil {
		return nil, nil, err
	}
	r := chi.NewRouter()
	r.Use(logcrestchi.Middleware(adapters.WithPipeline(p)))
	r.Get(chargeRoute, bareHandler)
	return r, p.Close, nil
}

func logcrestLoadUser(ctx context.Context, id string) (user int, err error) {
	_, span := logcrest.Step(ctx, "load_user")
	defer span.End(&err)
	return loadUser(id)
}

func logcrestChargeCard(ctx context.Context, user int) (err error) {
	ctx, span := logcrest.Step(ctx, "charge_card")
	defer span.End(&err)
	logcrest.Log(ctx).Debug().Int("user", user).Int("amount_cents", chargeCents).Msg("charging")
	return chargeCard(user)
}

// chargeCents is the amount of the handler's debug record.
const chargeCents = 1299

// The peers write by hand what LogCrest writes by itself: a request ID, one
// access record after the handler (method, url, status, size, duration),
// a "step started" and a "step finished" record (ms, status) around each
// step, and the log call. 6 records a request, each written to its file
// synchronously, as these loggers do.

// peerMaxSizeMB is the size of the peers' lumberjack files: large enough
// that no record rotates away before it is counted.
const peerMaxSizeMB = 1024

// hlogServer is zerolog's hlog chain (NewHandler, RequestIDHandler,
// AccessHandler) logging to a lumberjack.Logger at info. Its step records
// are logged at stepLevel: info (hlog-lumberjack: 6 records a request, the
// peer of issue 15's targets) or debug (hlog-lumberjack-info: dropped by
// the level with the debug record, leaving the access record and the info
// record, the reference of issue 21's bytes target).
//
// extra handlers follow the chain: hlog-lumberjack-info-ip adds
// RemoteAddrHandler("ip"), as hlog's README chain does, so that its records
// carry the client address as LogCrest's flow_end does (client_ip); the
// README's UserAgentHandler and RefererHandler would add nothing here, the
// load generator sending neither header.
func hlogServer(dir string, stepLevel zerolog.Level, extra ...func(http.Handler) http.Handler) (http.Handler, func() error, error) {
	lj := &lumberjack.Logger{Filename: filepath.Join(dir, "app.log"), MaxSize: peerMaxSizeMB}
	logger := zerolog.New(lj).Level(zerolog.InfoLevel).With().Timestamp().Str("logger", loggerName).Logger()
	r := chi.NewRouter()
	r.Use(hlogMiddlewares(logger)...)
	r.Use(extra...)
	r.Get(chargeRoute, func(w http.ResponseWriter, r *http.Request) {
		log := hlog.FromRequest(r)
		id := chi.URLParam(r, "id")
		start := zerologStepStart(log, stepLevel, "load_user")
		user, err := loadUser(id)
		zerologStepEnd(log, stepLevel, "load_user", start, err)
		if err == nil {
			start = zerologStepStart(log, stepLevel, "charge_card")
			log.Debug().Int("user", user).Int("amount_cents", chargeCents).Msg("charging")
			err = chargeCard(user)
			zerologStepEnd(log, stepLevel, "charge_card", start, err)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.Info().Str("user", id).Msg("charged")
		writeCharged(w, id)
	})
	return r, lj.Close, nil
}

// hlogMiddlewareServer is hlogServer's chain around bareServer's handler:
// one access record a request, the peer of logcrestMiddlewareServer.
func hlogMiddlewareServer(dir string) (http.Handler, func() error, error) {
	lj := &lumberjack.Logger{Filename: filepath.Join(dir, "app.log"), MaxSize: peerMaxSizeMB}
	r := chi.NewRouter()
	r.Use(hlogMiddlewares(zerolog.New(lj).Level(zerolog.InfoLevel).With().Timestamp().Str("logger", loggerName).Logger())...)
	r.Get(chargeRoute, bareHandler)
	return r, lj.Close, nil
}

// hlogMiddlewares is zerolog's hlog chain: NewHandler, RequestIDHandler, and
// AccessHandler logging one access record (method, url, status, size,
// duration).
func hlogMiddlewares(logger zerolog.Logger) []func(http.Handler) http.Handler {
	return []func(http.Handler) http.Handler{
		hlog.NewHandler(logger),
		hlog.RequestIDHandler("req_id", "X-Request-ID"),
		hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
			hlog.FromRequest(r).Info().
				Str("method", r.Method).
				Stringer("url", r.URL).
				Int("status", status).
				Int("size", size).
				Dur("duration", d).
				Msg("request")
		}),
	}
}

func zerologStepStart(log *zerolog.Logger, level zerolog.Level, step string) time.Time {
	log.WithLevel(level).Str("step", step).Msg("step started")
	return time.Now()
}

func zerologStepEnd(log *zerolog.Logger, level zerolog.Level, step string, start time.Time, err error) {
	ms := msSince(start)
	if err != nil {
		log.Error().Str("step", step).Float64("ms", ms).Str("status", "error").Err(err).Msg("step failed")
		return
	}
	log.WithLevel(level).Str("step", step).Float64("ms", ms).Str("status", "ok").Msg("step finished")
}

// zapServer is zap's production logger writing to a file, behind a
// hand-written request-ID and access-log middleware. Sampling is turned off:
// production sampling keeps the first 100 records with the same message
// and level each second and then one in 100, so at this rate it would drop
// most of these identical records and the rows would not write the same
// records.
func zapServer(dir string) (http.Handler, func() error, error) {
	cfg := zap.NewProductionConfig()
	cfg.Sampling = nil
	cfg.OutputPaths = []string{filepath.Join(dir, "app.log")}
	cfg.ErrorOutputPaths = []string{"stderr"}
	base, err := cfg.Build()
	if err != nil {
		return nil, nil, err
	}
	base = base.Named(loggerName)
	type ctxKey struct{}
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := newRequestID()
			w.Header().Set("X-Request-ID", id)
			log := base.With(zap.String("req_id", id))
			ww := chimw.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), ctxKey{}, log)))
			log.Info("request",
				zap.String("method", r.Method),
				zap.Stringer("url", r.URL),
				zap.Int("status", ww.Status()),
				zap.Int("size", ww.BytesWritten()),
				zap.Duration("duration", time.Since(start)))
		})
	})
	r.Get(chargeRoute, func(w http.ResponseWriter, r *http.Request) {
		log := r.Context().Value(ctxKey{}).(*zap.Logger)
		id := chi.URLParam(r, "id")
		start := zapStepStart(log, "load_user")
		user, err := loadUser(id)
		zapStepEnd(log, "load_user", start, err)
		if err == nil {
			start = zapStepStart(log, "charge_card")
			log.Debug("charging", zap.Int("user", user), zap.Int("amount_cents", chargeCents))
			err = chargeCard(user)
			zapStepEnd(log, "charge_card", start, err)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.Info("charged", zap.String("user", id))
		writeCharged(w, id)
	})
	return r, base.Sync, nil
}

func zapStepStart(log *zap.Logger, step string) time.Time {
	log.Info("step started", zap.String("step", step))
	return time.Now()
}

func zapStepEnd(log *zap.Logger, step string, start time.Time, err error) {
	ms := msSince(start)
	if err != nil {
		log.Error("step failed", zap.String("step", step), zap.Float64("ms", ms), zap.String("status", "error"), zap.Error(err))
		return
	}
	log.Info("step finished", zap.String("step", step), zap.Float64("ms", ms), zap.String("status", "ok"))
}

// slogServer is log/slog's JSON handler on an *os.File, behind the same
// hand-written middleware as zapServer, every record through LogAttrs.
func slogServer(dir string) (http.Handler, func() error, error) {
	f, err := os.OpenFile(filepath.Join(dir, "app.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	base := slog.New(slog.NewJSONHandler(f, nil)).With(slog.String("logger", loggerName))
	type ctxKey struct{}
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := newRequestID()
			w.Header().Set("X-Request-ID", id)
			log := base.With(slog.String("req_id", id))
			ww := chimw.NewWrapResponseWriter(w, r.ProtoMajor)
			ctx := context.WithValue(r.Context(), ctxKey{}, log)
			next.ServeHTTP(ww, r.WithContext(ctx))
			log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("url", r.URL.String()),
				slog.Int("status", ww.Status()),
				slog.Int("size", ww.BytesWritten()),
				slog.Duration("duration", time.Since(start)))
		})
	})
	r.Get(chargeRoute, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		log := ctx.Value(ctxKey{}).(*slog.Logger)
		id := chi.URLParam(r, "id")
		start := slogStepStart(ctx, log, "load_user")
		user, err := loadUser(id)
		slogStepEnd(ctx, log, "load_user", start, err)
		if err == nil {
			start = slogStepStart(ctx, log, "charge_card")
			log.LogAttrs(ctx, slog.LevelDebug, "charging", slog.Int("user", user), slog.Int("amount_cents", chargeCents))
			err = chargeCard(user)
			slogStepEnd(ctx, log, "charge_card", start, err)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.LogAttrs(ctx, slog.LevelInfo, "charged", slog.String("user", id))
		writeCharged(w, id)
	})
	return r, f.Close, nil
}

func slogStepStart(ctx context.Context, log *slog.Logger, step string) time.Time {
	log.LogAttrs(ctx, slog.LevelInfo, "step started", slog.String("step", step))
	return time.Now()
}

func slogStepEnd(ctx context.Context, log *slog.Logger, step string, start time.Time, err error) {
	ms := msSince(start)
	if err != nil {
		log.LogAttrs(ctx, slog.LevelError, "step failed", slog.String("step", step), slog.Float64("ms", ms),
			slog.String("status", "error"), slog.String("error", err.Error()))
		return
	}
	log.LogAttrs(ctx, slog.LevelInfo, "step finished", slog.String("step", step), slog.Float64("ms", ms), slog.String("status", "ok"))
}

// newRequestID is the hand-written middleware's request ID: 16 random hex
// digits (hlog's RequestIDHandler makes an xid, 20 characters).
func newRequestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

func msSince(t time.Time) float64 { return float64(time.Since(t)) / float64(time.Millisecond) }
