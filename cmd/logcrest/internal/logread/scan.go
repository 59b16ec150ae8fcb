package logread

// Scanning: a streaming line scanner that looks for the bytes of what is
// wanted in big chunks before anything is decoded, with a bound on a
// line's length.

import (
	"bytes"
	"context"
	"io"
	"sync"
)

const (
	chunkSize = 1 << 20 // bytes read at once; the buffer would grow for a longer line
	// MaxLineSize bounds a line, its '\n' included: a longer one is
	// skipped, and counted for the file. It is what keeps the memory of a
	// file being read bounded whatever the file holds (a gzip bomb of one
	// endless line). A flow_end with the default timeline cap (1000 steps)
	// is about 100 KiB.
	MaxLineSize = 1 << 20
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// ScanLines reads r to the end and calls fn with each line that contains
// needle (each line when needle is empty), without its '\n' or '\r\n'. The
// search runs over whole chunks, so the lines without needle cost a
// memchr-speed scan and nothing else. The last line is passed with
// unterminated set when r does not end in '\n'. Lines longer than
// MaxLineSize are skipped and counted in long. It stops early, returning
// ctx's error, when ctx is done.
func ScanLines(ctx context.Context, r io.Reader, needle []byte, fn func(line []byte, unterminated bool)) (read int64, long int, err error) {
	bp := chunkPool.Get().(*[]byte)
	buf := *bp
	defer func() {
		if len(buf) == chunkSize {
			chunkPool.Put(&buf)
		}
	}()
	start, end := 0, 0
	skipping := false // inside a line longer than MaxLineSize
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
			case len(buf) < MaxLineSize:
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
						fn(TrimCR(line), true)
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
			fn(TrimCR(data[:i]), false)
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
		fn(TrimCR(data[ls:le]), false)
		data = data[le+1:]
	}
}

// TrimCR drops a trailing '\r' (a CRLF line end).
func TrimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
