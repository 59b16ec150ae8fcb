package bench_test

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// floorMiddlewareServer is the floor under issue 21's "middleware alone"
// target: the least a middleware can do and still make each request a
// traced flow with its record on disk, written by hand with nothing
// general about it. Per request it makes a trace ID and a span ID (math/rand,
// not crypto), sets the X-Flow-ID header, wraps the ResponseWriter for the
// status and size, times the request and appends one JSON line of
// logcrest-middleware's flow_end fields (~400 B: IDs, status, total_ms, the
// HTTP fields; no seq, no timeline, no redaction, no check of the keys) to a
// shared buffer; a background goroutine writes the buffer to a file every
// 2 ms, as LogCrest's rings do. What this row adds over bare is what any
// middleware with a background writer pays on this machine; LogCrest's row
// is measured against it.
func floorMiddlewareServer(dir string) (http.Handler, func() error, error) {
	f, err := os.OpenFile(filepath.Join(dir, "floor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	w := &floorWriter{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go w.drain()
	r := chi.NewRouter()
	r.Use(w.middleware)
	r.Get(chargeRoute, bareHandler)
	return r, w.close, nil
}

type floorWriter struct {
	f          *os.File
	mu         sync.Mutex
	buf, spare []byte
	stop, done chan struct{}
}

// floorResponse records the status and size of the response.
type floorResponse struct {
	http.ResponseWriter
	status, bytes int
}

func (w *floorResponse) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *floorResponse) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

func (fw *floorWriter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var ids [24]byte
		for i := 0; i < 24; i += 8 {
			v := rand.Uint64()
			for j := range 8 {
				ids[i+j] = byte(v >> (8 * j))
			}
		}
		var hexIDs [48]byte
		hex.Encode(hexIDs[:], ids[:])
		flowID := string(hexIDs[40:48])
		w.Header()["X-Flow-Id"] = []string{flowID}
		rw := &floorResponse{ResponseWriter: w}
		next.ServeHTTP(rw, r)

		var line [512]byte
		b := line[:0]
		b = append(b, `{"time":"`...)
		b = time.Now().UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
		b = append(b, `","level":"info","logger":"app_logger","trace_id":"`...)
		b = append(b, hexIDs[:32]...)
		b = append(b, `","span_id":"`...)
		b = append(b, hexIDs[32:48]...)
		b = append(b, `","flow_id":"`...)
		b = append(b, flowID...)
		b = append(b, `","flow_type":"flow_end","flow_status":"success","total_ms":`...)
		b = strconv.AppendFloat(b, float64(time.Since(start).Microseconds())/1000, 'f', -1, 64)
		b = append(b, `,"steps":0,"method":"`...)
		b = append(b, r.Method...)
		b = append(b, `","path":"`...)
		b = append(b, r.URL.Path...)
		b = append(b, `","client_ip":"127.0.0.1","http_status":`...)
		b = strconv.AppendInt(b, int64(rw.status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, int64(rw.bytes), 10)
		b = append(b, `,"route":"`+chargeRoute+`","message":"flow finished"}`+"\n"...)
		fw.mu.Lock()
		fw.buf = append(fw.buf, b...)
		fw.mu.Unlock()
	})
}

// drain writes what the requests appended, every 2 ms.
func (fw *floorWriter) drain() {
	defer close(fw.done)
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-fw.stop:
			fw.flush()
			return
		}
		fw.flush()
	}
}

func (fw *floorWriter) flush() {
	fw.mu.Lock()
	out := fw.buf
	fw.buf = fw.spare[:0]
	fw.mu.Unlock()
	if len(out) > 0 {
		_, _ = fw.f.Write(out)
	}
	fw.spare = out
}

func (fw *floorWriter) close() error {
	close(fw.stop)
	<-fw.done
	return fw.f.Close()
}
