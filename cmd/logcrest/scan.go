package main

// Reading: a streaming line scanner that looks for the bytes of what is
// wanted in big chunks before anything is decoded, and runners that read
// many files at once (one goroutine a file, at most GOMAXPROCS reading),
// in any order or in file order with bounded memory.

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	chunkSize = 1 << 20 // bytes read at once; the buffer would grow for a longer line
	// maxLineSize bounds a line, its '\n' included: a longer one is
	// skipped, and counted for the file. It is what keeps the memory of a
	// file being read bounded whatever the file holds (a gzip bomb of one
	// endless line). A flow_end with the default timeline cap (1000 steps)
	// is about 100 KiB.
	maxLineSize = 1 << 20
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// scanLines reads r to the end and calls fn with each line that contains
// needle (each line when needle is empty), without its '\n' or '\r\n'. The
// search runs over whole chunks, so the lines without needle cost a
// memchr-speed scan and nothing else. The last line is passed with
// unterminated set when r does not end in '\n'. Lines longer than
// maxLineSize are skipped and counted in long. It stops early, returning
// ctx's error, when ctx is done.
func scanLines(ctx context.Context, r io.Reader, needle []byte, fn func(line []byte, unterminated bool)) (read int64, long int, err error) {
	bp := chunkPool.Get().(*[]byte)
	buf := *bp
	defer func() {
		if len(buf) == chunkSize {
			chunkPool.Put(&buf)
		}
	}()
	start, end := 0, 0
	skipping := false // inside a line longer than maxLineSize
	f := &finder{needle: needle}
	for {
		if err := ctx.Err(); err != nil {
			return read, long, err
		}
		if end == len(buf) {
			switch {
			case start > 0:
				end = copy(buf, buf[start:end])
				start = 0
			case len(buf) < maxLineSize:
				nb := make([]byte, 2*len(buf))
				copy(nb, buf[:end])
				buf = nb
			default:
				long++
				skipping = true
				start, end = 0, 0
			}
		}
		m, rerr := r.Read(buf[end:])
		read += int64(m)
		end += m
		// What was in buf before this read holds no '\n' (its whole lines
		// were passed on): only the new bytes are searched, so a long line
		// costs no more than a short one.
		fresh := end - m
		if skipping {
			if i := bytes.IndexByte(buf[start:end], '\n'); i >= 0 {
				start += i + 1
				fresh = start
				skipping = false
			} else {
				start = end
			}
		}
		if !skipping {
			if nl := bytes.LastIndexByte(buf[fresh:end], '\n'); nl >= 0 {
				data := buf[start : fresh+nl+1]
				if !f.ready && len(needle) > 0 {
					f.learn(data)
				}
				eachLine(data, f, fn)
				start = fresh + nl + 1
			}
		}
		if start == end {
			start, end = 0, 0
		}
		if rerr != nil {
			if rerr == io.EOF {
				rerr = nil
				if start < end && !skipping {
					if line := buf[start:end]; len(needle) == 0 || bytes.Contains(line, needle) {
						fn(trimCR(line), true)
					}
				}
			}
			return read, long, rerr
		}
	}
}

// finder looks for a needle by its rarest byte: memchr (IndexByte, SIMD)
// runs over long stretches for a byte that seldom occurs, where
// bytes.Index, anchored on the needle's first byte, would stop at every
// occurrence of a common one ('r' of "req-…" in JSON logs is on every
// line, several times).
type finder struct {
	needle []byte
	rare   byte
	off    int // where rare is in needle
	ready  bool
}

// learn picks the needle's byte that is rarest in sample (the first chunk
// read); ties go to the later position.
func (f *finder) learn(sample []byte) {
	var count [256]int
	for _, c := range sample[:min(len(sample), 16<<10)] {
		count[c]++
	}
	best := 0
	for i, c := range f.needle {
		if count[c] <= count[f.needle[best]] {
			best = i
		}
	}
	f.rare, f.off, f.ready = f.needle[best], best, true
}

// index returns the first index of the needle in data, or -1.
func (f *finder) index(data []byte) int {
	n := len(f.needle)
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], f.rare)
		if j < 0 {
			return -1
		}
		p := i + j - f.off
		if p >= 0 && p+n <= len(data) && bytes.Equal(data[p:p+n], f.needle) {
			return p
		}
		i += j + 1
	}
}

// eachLine calls fn for each line of data (which ends in '\n') holding
// f's needle; each line when the needle is empty.
func eachLine(data []byte, f *finder, fn func([]byte, bool)) {
	needle := f.needle
	if len(needle) == 0 {
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			fn(trimCR(data[:i]), false)
			data = data[i+1:]
		}
		return
	}
	for len(data) > 0 {
		i := f.index(data)
		if i < 0 {
			return
		}
		ls := bytes.LastIndexByte(data[:i], '\n') + 1
		le := i + bytes.IndexByte(data[i:], '\n')
		fn(trimCR(data[ls:le]), false)
		data = data[le+1:]
	}
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// report gathers what went wrong while reading, for one summary on stderr.
// It is safe for concurrent use.
type report struct {
	mu         sync.Mutex
	bad        map[string]int // lines that are not JSON records, by file
	long       map[string]int // lines too long to read, by file
	unreadable []string       // files that could not be read, with the error
	read       int            // files read
	bytes      int64          // bytes read (uncompressed)
}

func newReport() *report { return &report{bad: map[string]int{}, long: map[string]int{}} }

func (r *report) badLine(src source) {
	r.mu.Lock()
	r.bad[displayPath(src)]++
	r.mu.Unlock()
}

func (r *report) fileDone(src source, n int64, long int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.read++
	r.bytes += n
	if long > 0 {
		r.long[displayPath(src)] += long
	}
	if err != nil && err != context.Canceled && err != context.DeadlineExceeded {
		r.unreadable = append(r.unreadable, displayPath(src)+": "+cleanErr(pathCause(err)))
	}
}

func (r *report) failed(src source, err error) {
	r.mu.Lock()
	r.unreadable = append(r.unreadable, displayPath(src)+": "+cleanErr(pathCause(err)))
	r.mu.Unlock()
}

// displayPath is how a source is named in a message: its path, escaped
// like a record's values (a file name can hold anything but '/' and NUL).
func displayPath(s source) string {
	if s.isStdin() {
		return "stdin"
	}
	return clean(s.path)
}

// write prints the summary of the problems met, if any, to w.
func (r *report) write(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.unreadable)
	for _, u := range r.unreadable {
		fmt.Fprintf(w, "logcrest: cannot read %s\n", u)
	}
	if n, files := sumCounts(r.bad); n > 0 {
		fmt.Fprintf(w, "logcrest: skipped %d %s that %s (torn, or not LogCrest's): %s\n",
			n, plural(n, "line", "lines"), plural(n, "is not a JSON record", "are not JSON records"), files)
	}
	if n, files := sumCounts(r.long); n > 0 {
		fmt.Fprintf(w, "logcrest: skipped %d %s longer than %d MiB: %s\n", n, plural(n, "line", "lines"), maxLineSize>>20, files)
	}
}

// sumCounts totals per-file counts and names the files, the most hit first,
// at most three.
func sumCounts(m map[string]int) (int, string) {
	total := 0
	type fc struct {
		file string
		n    int
	}
	var all []fc
	for f, n := range m {
		total += n
		all = append(all, fc{f, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].file < all[j].file
	})
	var parts []string
	for i, x := range all {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more files", len(all)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", x.file, x.n))
	}
	return total, strings.Join(parts, ", ")
}

// scanSource opens src and scans it with scanLines, recording the outcome
// in rep. fn gets each line holding needle; lines it cannot use it reports
// itself.
func scanSource(ctx context.Context, src source, stdin io.Reader, needle []byte, rep *report, fn func(line []byte, unterminated bool)) {
	rc, err := src.open(stdin)
	if err != nil {
		rep.failed(src, err)
		return
	}
	defer rc.Close()
	n, long, err := scanLines(ctx, rc, needle, fn)
	rep.fileDone(src, n, long, err)
}

// forEach runs work on every source, at most workers at once, and returns
// when all are done.
func forEach(srcs []source, workers int, work func(i int, s source)) {
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, s := range srcs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			work(i, s)
		}()
	}
	wg.Wait()
}

// inOrder runs work on the sources, reading at most cap(sem) at once across
// every caller sharing sem, and calls emit with the results work yields,
// in source order. At most window sources are being read or waiting, each
// holding at most one result not yet emitted besides the one it makes.
func inOrder[T any](srcs []source, sem chan struct{}, window int, work func(s source, yield func(T)), emit func(T)) {
	slots := make([]chan T, len(srcs))
	for i := range slots {
		slots[i] = make(chan T, 1)
	}
	tokens := make(chan struct{}, max(window, 1))
	go func() {
		for i, s := range srcs {
			tokens <- struct{}{}
			go func() {
				defer close(slots[i])
				sem <- struct{}{}
				work(s, func(r T) {
					select {
					case slots[i] <- r:
					default:
						// Waiting for its turn, it gives up its place
						// among the readers: the file the merge waits for
						// may be another group's.
						<-sem
						slots[i] <- r
						sem <- struct{}{}
					}
				})
				<-sem
			}()
		}
	}()
	for i := range srcs {
		for r := range slots[i] {
			emit(r)
		}
		<-tokens
	}
}

// A file's items are handed on in batches of at most batchItems items or
// batchBytes of the lines they came from, whichever comes first: what is
// held of a file does not grow with the file (a gzipped backup, read
// whole, can inflate to anything).
const (
	batchItems = 4096
	batchBytes = 1 << 20
)

// timed is anything with a time to be merged by.
type timed interface{ when() time.Time }

// mergeGroups emits the items of every group in time order. Each group's
// sources are read in order (oldest file first), each file's items handed
// on in batches sorted by time, and the groups merged; at most workers
// files are read at once and at most 2*(workers+1) batches are held per
// group. work yields each item with the size of the line it came from.
func mergeGroups[T timed](groups [][]source, workers int, work func(s source, yield func(item T, size int)), emit func(T)) {
	byTime := func(a, b T) int { return a.when().Compare(b.when()) }
	sem := make(chan struct{}, workers)
	window := workers + 1
	batched := func(s source, yield func([]T)) {
		var batch []T
		size := 0
		flush := func() {
			slices.SortStableFunc(batch, byTime)
			yield(batch)
			batch, size = nil, 0
		}
		work(s, func(it T, n int) {
			batch = append(batch, it)
			if size += n; len(batch) >= batchItems || size >= batchBytes {
				flush()
			}
		})
		if len(batch) > 0 {
			flush()
		}
	}
	if len(groups) == 1 {
		inOrder(groups[0], sem, window, batched, func(items []T) {
			for _, it := range items {
				emit(it)
			}
		})
		return
	}
	chans := make([]chan T, len(groups))
	for g, srcs := range groups {
		chans[g] = make(chan T, 256)
		go func() {
			defer close(chans[g])
			inOrder(srcs, sem, max(window/len(groups), 1), batched, func(items []T) {
				for _, it := range items {
					chans[g] <- it
				}
			})
		}()
	}
	h := &mergeHeap[T]{}
	for g, ch := range chans {
		if it, ok := <-ch; ok {
			h.items = append(h.items, headOf[T]{it, g})
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := h.items[0]
		emit(top.item)
		if it, ok := <-chans[top.group]; ok {
			h.items[0] = headOf[T]{it, top.group}
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
}

type headOf[T timed] struct {
	item  T
	group int
}

type mergeHeap[T timed] struct{ items []headOf[T] }

func (h *mergeHeap[T]) Len() int { return len(h.items) }
func (h *mergeHeap[T]) Less(i, j int) bool {
	if c := h.items[i].item.when().Compare(h.items[j].item.when()); c != 0 {
		return c < 0
	}
	return h.items[i].group < h.items[j].group
}
func (h *mergeHeap[T]) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap[T]) Push(x any)    { h.items = append(h.items, x.(headOf[T])) }
func (h *mergeHeap[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// groupSources splits sources into groups read in order: one logger's
// files of one stream in one folder.
func groupSources(srcs []source) [][]source {
	var groups [][]source
	index := map[string]int{}
	for _, s := range srcs {
		k := s.group()
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], s)
	}
	return groups
}
