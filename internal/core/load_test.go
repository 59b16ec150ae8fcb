package core

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logcrest/logcrest/internal/testenv"
	"github.com/logcrest/logcrest/internal/testkit"
)

// loadRecord is what the load test reads back from every line.
type loadRecord struct {
	G, I    int // -1 when absent
	Level   string
	Message string
	Dropped uint64
}

// parseLoadLine checks that line is one whole JSON object and picks out the
// fields the load test needs. The test records are written by the test's
// own fixed calls, so their fields need no general decoder: validating the
// line and locating the keys is enough, and far cheaper under -race than
// decoding hundreds of thousands of lines through reflection.
func parseLoadLine(line []byte) (loadRecord, bool) {
	r := loadRecord{G: -1, I: -1}
	if !json.Valid(line) || line[0] != '{' {
		return r, false
	}
	if bytes.HasPrefix(line[bytes.Index(line, []byte(`"message":"`))+11:], []byte("logcrest dropped ")) {
		// A drop warning: few of them, decode them fully.
		var w struct {
			Level, Message string
			Dropped        uint64
		}
		if err := json.Unmarshal(line, &w); err != nil {
			return r, false
		}
		return loadRecord{G: -1, I: -1, Level: w.Level, Message: w.Message, Dropped: w.Dropped}, true
	}
	r.G = intField(line, `,"g":`)
	r.I = intField(line, `,"i":`)
	r.Level = stringField(line, `,"level":"`)
	r.Message = stringField(line, `,"message":"`)
	return r, true
}

// intField returns the non-negative integer after key in line, or -1.
func intField(line []byte, key string) int {
	at := bytes.Index(line, []byte(key))
	if at < 0 {
		return -1
	}
	n, digits := 0, 0
	for _, c := range line[at+len(key):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		digits++
	}
	if digits == 0 {
		return -1
	}
	return n
}

// stringField returns the (escape-free) string after key in line, or "".
func stringField(line []byte, key string) string {
	at := bytes.Index(line, []byte(key))
	if at < 0 {
		return ""
	}
	rest := line[at+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// loadTally is what one round found in the files.
type loadTally struct {
	records  int    // records logged by the test goroutines
	warnings int    // "logcrest dropped N records" records
	dropped  uint64 // the sum of their N
}

// TestLoadSixteenGoroutinesRotatingWithRebuilds has 16 goroutines log flat out
// while every file rotates at 64 KiB and Configure rebuilds twice. The first
// pipeline is unbounded (the default): flat out, 16 producers on two cores
// outrun a sink that rotates every 64 KiB, so its backlog grows until the
// rebuild drains it; it therefore takes a fixed number of records. The first
// rebuild, in place, bounds the queue (the old and the new pipeline share
// the files for a moment); the second moves to another folder. Every line of
// every file, backups included, is parsed: each record logged is there
// exactly once unless it was counted dropped, none is there twice, and the
// drop warnings add up to the drop count. Rounds repeat, and the heap in use
// after each round must not grow.
func TestLoadSixteenGoroutinesRotatingWithRebuilds(t *testing.T) {
	testenv.Long(t, "16 goroutines flat out, 3 rounds with rebuilds: about 50 s on 2 cores")
	rounds, phase, unbounded := 3, 150*time.Millisecond, int64(16_000)
	if testing.Short() {
		rounds, phase, unbounded = 2, 80*time.Millisecond, 8_000
	}
	base := t.TempDir()
	var heaps []uint64
	for r := range rounds {
		tally := loadRound(t, base, phase, unbounded)
		t.Logf("round %d: %d records, %d dropped, %d drop warnings", r, tally.records, tally.dropped, tally.warnings)
		heaps = append(heaps, heapInUse())
	}
	// Round 0 warms up (pools, the registry of paths, lazily built tables);
	// after that the heap in use must stay flat.
	const tolerance = 2 << 20
	for r, h := range heaps[1:] {
		if h > heaps[0]+tolerance {
			t.Errorf("heap in use after round %d is %d bytes, after round 0 it was %d: grew by more than %d", r+1, h, heaps[0], tolerance)
		}
	}
	t.Logf("heap in use after each round: %v", heaps)
}

// heapInUse returns the bytes of heap in use once garbage is collected.
func heapInUse() uint64 {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// loadRound runs one round of the load test in base/a and base/b (emptied
// first, so every round uses the same paths) and checks its accounting.
func loadRound(t *testing.T, base string, phase time.Duration, unbounded int64) loadTally {
	t.Helper()
	dirA, dirB := filepath.Join(base, "a"), filepath.Join(base, "b")
	for _, d := range []string{dirA, dirB} {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	const goroutines, maxSize = 16, 64 << 10
	// A long close timeout: this test is about accounting, and a rebuild
	// drains the unbounded backlog (slowly under -race).
	common := []Option{WithName("svc"), WithMaxSize(maxSize), WithBackupCount(1 << 20), WithConsole(nil),
		WithCloseTimeout(time.Minute)}
	before := Stats()
	if err := Configure(append([]Option{WithDir(dirA)}, common...)...); err != nil {
		t.Fatal(err)
	}
	var logged [goroutines]atomic.Int64
	stop := make(chan struct{})
	// In the unbounded first phase each goroutine logs its quota flat out,
	// then waits for the others; all resume just before the first rebuild.
	quota := int(unbounded / goroutines)
	var atQuota sync.WaitGroup
	atQuota.Add(goroutines)
	resume := make(chan struct{})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if i == quota {
					atQuota.Done()
					<-resume
				}
				select {
				case <-stop:
					return
				default:
				}
				switch {
				case i%100 == 99:
					flowLogger().Info().Int("g", g).Int("i", i).Str("flow_type", "flow_end").Msg("load")
				case i%10 == 9:
					Logger().Error().Int("g", g).Int("i", i).Msg("load")
				default:
					Logger().Info().Int("g", g).Int("i", i).Str("pad", "payload to fill the files").Msg("load")
				}
				logged[g].Store(int64(i + 1))
				if i%64 == 63 {
					// Flat out, but yield now and then: with more producers
					// than cores, a goroutine that never yields is preempted
					// only every 10ms, and the writers' goroutines would wait
					// that long after every system call; the test would
					// measure Go's scheduler, not LogCrest.
					runtime.Gosched()
				}
			}
		}()
	}
	atQuota.Wait()
	close(resume) // the rebuild races the goroutines' next records
	if err := Configure(append([]Option{WithDir(dirA), WithQueueSize(4096)}, common...)...); err != nil {
		t.Error(err)
	}
	time.Sleep(phase)
	if err := Configure(append([]Option{WithDir(dirB), WithQueueSize(1024)}, common...)...); err != nil {
		t.Error(err)
	}
	time.Sleep(phase)
	close(stop)
	wg.Wait()
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	after := Stats()

	var tally loadTally
	seen := make([]map[int]bool, goroutines)
	for g := range seen {
		seen[g] = make(map[int]bool, logged[g].Load())
	}
	for _, dir := range []string{dirA, dirB} {
		for _, stream := range []string{StreamSuccess, StreamError, StreamFlows} {
			files := testkit.StreamFiles(t, dir, stream, "svc")
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if len(data) > maxSize {
					t.Errorf("%s is %d bytes, over %d", f, len(data), maxSize)
				}
				if len(data) > 0 && data[len(data)-1] != '\n' {
					t.Fatalf("%s does not end in a newline", f)
				}
				sc := bufio.NewScanner(bytes.NewReader(data))
				for sc.Scan() {
					r, ok := parseLoadLine(sc.Bytes())
					if !ok {
						t.Fatalf("%s: line %q is not one JSON object", f, sc.Text())
					}
					if strings.HasPrefix(r.Message, "logcrest dropped ") {
						if stream != StreamError || r.Dropped == 0 || r.Level != "warn" {
							t.Fatalf("%s: misplaced drop warning %q", f, sc.Text())
						}
						tally.warnings++
						tally.dropped += r.Dropped
						continue
					}
					if r.G < 0 || r.G >= goroutines || r.I < 0 || r.Message != "load" {
						t.Fatalf("%s: unexpected line %q", f, sc.Text())
					}
					if int64(r.I) >= logged[r.G].Load() {
						t.Fatalf("%s: record g=%d i=%d was never logged", f, r.G, r.I)
					}
					if seen[r.G][r.I] {
						t.Fatalf("%s: record g=%d i=%d is written twice", f, r.G, r.I)
					}
					seen[r.G][r.I] = true
					tally.records++
					wantStream, wantLevel := StreamSuccess, "info"
					switch {
					case r.I%100 == 99:
						wantStream = StreamFlows
					case r.I%10 == 9:
						wantStream, wantLevel = StreamError, "error"
					}
					if stream != wantStream || r.Level != wantLevel {
						t.Fatalf("%s: record g=%d i=%d (%s) belongs in the %s stream at %s", f, r.G, r.I, r.Level, wantStream, wantLevel)
					}
				}
				if err := sc.Err(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	var produced int64
	for g := range logged {
		produced += logged[g].Load()
	}
	written := after.Written - before.Written
	dropped := after.Dropped - before.Dropped
	if failed, buffered := after.Failed-before.Failed, after.Buffered-before.Buffered; failed != 0 || buffered != 0 {
		t.Errorf("round left %d failed and %d buffered records", failed, buffered)
	}
	if uint64(produced) != uint64(tally.records)+dropped {
		t.Errorf("produced %d != written %d + dropped %d", produced, tally.records, dropped)
	}
	if written != uint64(tally.records+tally.warnings) {
		t.Errorf("Stats says %d written, the files hold %d records and %d drop warnings", written, tally.records, tally.warnings)
	}
	if tally.dropped != dropped {
		t.Errorf("drop warnings add up to %d, Stats says %d dropped", tally.dropped, dropped)
	}
	if len(testkit.StreamFiles(t, dirA, StreamSuccess, "svc")) < 2 {
		t.Errorf("no rotation happened in %s", dirA)
	}
	if tally.records == 0 {
		t.Fatal("nothing was logged")
	}
	return tally
}
