package logread

// What went wrong while reading, counted per file and said once, and
// ScanSource, which reads one source into it.

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Report gathers what went wrong while reading, for one summary on stderr.
// It is safe for concurrent use.
type Report struct {
	mu         sync.Mutex
	bad        map[string]int // lines that are not JSON records, by file
	long       map[string]int // lines too long to read, by file
	unreadable []string       // files that could not be read, with the error
	read       int            // files read
	bytes      int64          // bytes read (uncompressed)
}

// NewReport returns an empty Report.
func NewReport() *Report { return &Report{bad: map[string]int{}, long: map[string]int{}} }

// BadLine counts a line of src that is not a JSON record.
func (r *Report) BadLine(src Source) {
	r.mu.Lock()
	r.bad[displayPath(src)]++
	r.mu.Unlock()
}

func (r *Report) fileDone(src Source, n int64, long int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.read++
	r.bytes += n
	if long > 0 {
		r.long[displayPath(src)] += long
	}
	if err != nil && err != context.Canceled && err != context.DeadlineExceeded {
		r.unreadable = append(r.unreadable, displayPath(src)+": "+CleanErr(pathCause(err)))
	}
}

// Failed records that src could not be opened.
func (r *Report) Failed(src Source, err error) {
	r.mu.Lock()
	r.unreadable = append(r.unreadable, displayPath(src)+": "+CleanErr(pathCause(err)))
	r.mu.Unlock()
}

// displayPath is how a source is named in a message: its path, escaped
// like a record's values (a file name can hold anything but '/' and NUL).
func displayPath(s Source) string {
	if s.IsStdin() {
		return "stdin"
	}
	return Clean(s.Path)
}

// Write prints the summary of the problems met, if any, to w.
func (r *Report) Write(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.unreadable)
	for _, u := range r.unreadable {
		fmt.Fprintf(w, "logcrest: cannot read %s\n", u)
	}
	if n, files := sumCounts(r.bad); n > 0 {
		fmt.Fprintf(w, "logcrest: skipped %d %s that %s (torn, or not LogCrest's): %s\n",
			n, Plural(n, "line", "lines"), Plural(n, "is not a JSON record", "are not JSON records"), files)
	}
	if n, files := sumCounts(r.long); n > 0 {
		fmt.Fprintf(w, "logcrest: skipped %d %s longer than %d MiB: %s\n", n, Plural(n, "line", "lines"), MaxLineSize>>20, files)
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

// ScanSource opens src and scans it with ScanLines, recording the outcome
// in rep. fn gets each line holding needle; lines it cannot use it reports
// itself.
func ScanSource(ctx context.Context, src Source, stdin io.Reader, needle []byte, rep *Report, fn func(line []byte, unterminated bool)) {
	rc, err := src.Open(stdin)
	if err != nil {
		rep.Failed(src, err)
		return
	}
	defer rc.Close()
	n, long, err := ScanLines(ctx, rc, needle, fn)
	rep.fileDone(src, n, long, err)
}
