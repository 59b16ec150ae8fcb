package main

// logcrest tail [-f]: the last records of the live files, rendered like the
// console, and with -f the records as they are written, following each
// file across rotation.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/logcrest/logcrest/cmd/logcrest/internal/logread"
	"github.com/logcrest/logcrest/writers"
)

// tailFilter selects and renders records.
type tailFilter struct {
	minLevel int    // -1: every level
	flow     string // flow ID or trace ID; "" for every record
	needle   []byte // flow's bytes
	tf       writers.TextFormatter
	rep      *logread.Report
}

// tailRec is what tail decodes of a record.
type tailRec struct {
	Time    string `json:"time"`
	Level   string `json:"level"`
	FlowID  string `json:"flow_id"`
	TraceID string `json:"trace_id"`
}

// keep decodes line and says whether it passes; a line that is not a
// record is counted and dropped.
func (tf *tailFilter) keep(src logread.Source, line []byte) (time.Time, bool) {
	if len(bytes.TrimSpace(line)) == 0 {
		return time.Time{}, false
	}
	if tf.flow != "" && !bytes.Contains(line, tf.needle) {
		return time.Time{}, false
	}
	var r tailRec
	if err := logread.Decode(line, &r); err != nil {
		tf.rep.BadLine(src)
		return time.Time{}, false
	}
	if tf.flow != "" && r.FlowID != tf.flow && r.TraceID != tf.flow {
		return time.Time{}, false
	}
	if tf.minLevel >= 0 && logread.LevelRank(r.Level) >= 0 && logread.LevelRank(r.Level) < tf.minLevel {
		return time.Time{}, false
	}
	return logread.ParseTime(r.Time), true
}

type tailLine struct {
	t   time.Time
	raw []byte
}

func cmdTail(ctx context.Context, args []string, e env) error {
	var c common
	fs := newFlagSet("tail", "tail [-f] [flags] [source...]", e)
	c.register(fs)
	follow := fs.Bool("f", false, "follow: print records as they are written, across rotation, until interrupted")
	n := fs.Int("n", 10, "records printed before following (all the live files', merged by time)")
	level := fs.String("level", "", "only records at this level or above (trace, debug, info, warn, error, fatal, panic)")
	flowID := fs.String("flow", "", "only the records of this flow ID or trace ID")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	color, err := c.colorOn(e)
	if err != nil {
		return err
	}
	tf := &tailFilter{minLevel: -1, flow: strings.TrimSpace(*flowID), tf: writers.TextFormatter{Color: color}, rep: logread.NewReport()}
	tf.needle = []byte(tf.flow)
	if *level != "" {
		if tf.minLevel = logread.LevelRank(*level); tf.minLevel < 0 {
			return usagef("--level %q: want trace, debug, info, warn, error, fatal or panic", *level)
		}
	}
	set, err := c.sources(e, pos, logread.Streams, true)
	if err != nil {
		return err
	}
	out := newStyle(e.stdout, false)
	print := func(raw []byte) {
		out.write(tf.tf.Append(nil, raw))
	}
	defer tf.rep.Write(e.stderr)

	var files []logread.Source
	for _, s := range set.Files {
		if s.IsStdin() {
			// A pipe: every record as it comes, to its end.
			logread.ScanSource(ctx, s, e.stdin, nil, tf.rep, func(line []byte, _ bool) {
				if _, ok := tf.keep(s, line); ok {
					print(line)
					_ = out.flush() // as it comes: a pipe may be slow
				}
			})
			continue
		}
		files = append(files, s)
	}
	if !*follow {
		var all []tailLine
		for _, s := range files {
			all = lastOf(append(all, lastLines(ctx, s, e, *n, tf)...), *n)
		}
		for _, l := range all {
			print(l.raw)
		}
		return out.flush()
	}
	if len(files) == 0 && len(set.Folders) == 0 {
		return out.flush() // stdin alone: done at its end
	}
	return followFiles(ctx, set, files, e, *n, tf, print, out)
}

// lastOf sorts lines by time and returns the last n: what tail holds is n
// records, however many files it reads.
func lastOf(lines []tailLine, n int) []tailLine {
	slices.SortStableFunc(lines, func(a, b tailLine) int { return a.t.Compare(b.t) })
	if len(lines) > n {
		lines = slices.Clone(lines[len(lines)-n:])
	}
	return lines
}

// lastLines returns the last n records of src that pass the filter.
func lastLines(ctx context.Context, src logread.Source, e env, n int, tf *tailFilter) []tailLine {
	if n <= 0 {
		return nil
	}
	ring := make([]tailLine, 0, n)
	logread.ScanSource(ctx, src, e.stdin, nil, tf.rep, func(line []byte, unterminated bool) {
		if unterminated && src.Active {
			return // being written
		}
		t, ok := tf.keep(src, line)
		if !ok {
			return
		}
		if len(ring) == n {
			copy(ring, ring[1:])
			ring = ring[:n-1]
		}
		ring = append(ring, tailLine{t, bytes.Clone(line)})
	})
	return ring
}

// follower follows one live file by path, across rotation.
type follower struct {
	path    string
	src     logread.Source
	f       *os.File
	info    fs.FileInfo // of f, when opened or last read
	off     int64       // bytes of f consumed
	partial []byte      // a line not yet ended
	last    []byte      // the last line emitted from f: tells its backup apart (see backupsBetween)
}

// followFiles prints the last n records of the live files, then every
// record written to them, until ctx is done.
func followFiles(ctx context.Context, set *logread.Set, files []logread.Source, e env, n int, tf *tailFilter, print func([]byte), out *style) error {
	followers := map[string]*follower{}
	var order []string
	add := func(s logread.Source, from openMode) []tailLine {
		if _, ok := followers[s.Path]; ok {
			return nil
		}
		fl := &follower{path: s.Path, src: s}
		followers[s.Path] = fl
		order = append(order, s.Path)
		return fl.open(ctx, n, tf, from)
	}
	var history []tailLine
	for _, s := range files {
		history = lastOf(append(history, add(s, fromEnd)...), n)
	}
	for _, l := range history {
		print(l.raw)
	}
	if err := out.flush(); err != nil {
		return err
	}

	emit := func(fl *follower, line []byte) {
		if _, ok := tf.keep(fl.src, line); ok {
			print(line)
		}
	}
	tick := time.NewTicker(e.poll)
	defer tick.Stop()
	rescan := time.Now()
	for {
		select {
		case <-ctx.Done():
			return out.flush()
		case <-tick.C:
		}
		// New live files: a stream written for the first time, a new name.
		if time.Since(rescan) >= time.Second || len(followers) == 0 {
			rescan = time.Now()
			for _, f := range set.Folders {
				found, _, err := logread.ListFolder(f, set.Name, logread.Streams, true)
				if err != nil {
					continue
				}
				for _, s := range found {
					add(s, fromStart) // a file that appeared since
				}
			}
		}
		for _, p := range order {
			followers[p].poll(ctx, tf, emit)
		}
		if err := out.flush(); err != nil {
			return err
		}
	}
}

// openMode says where a follower starts in the file it opens.
type openMode int

const (
	fromEnd   openMode = iota // after its last whole line, returning the last n records
	fromStart                 // at its first line: a file that appeared while following
)

// open opens the live file. fromEnd, it returns the file's last n records
// and leaves the follower after its last whole line.
func (fl *follower) open(ctx context.Context, n int, tf *tailFilter, from openMode) []tailLine {
	f, err := os.Open(fl.path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			tf.rep.Failed(fl.src, err)
		}
		return nil
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil
	}
	fl.f, fl.info, fl.off, fl.partial, fl.last = f, info, 0, nil, fl.last[:0]
	if from == fromStart {
		return nil
	}
	var ring []tailLine
	read, _, _ := logread.ScanLines(ctx, f, nil, func(line []byte, unterminated bool) {
		if unterminated {
			fl.partial = append(fl.partial[:0], line...)
			return
		}
		fl.last = append(fl.last[:0], line...)
		if n <= 0 {
			return
		}
		t, ok := tf.keep(fl.src, line)
		if !ok {
			return
		}
		if len(ring) == n {
			copy(ring, ring[1:])
			ring = ring[:n-1]
		}
		ring = append(ring, tailLine{t, bytes.Clone(line)})
	})
	fl.off = read
	return ring
}

// poll emits the lines written since the last poll and handles rotation:
// when the path is another file than the one open (rotated) it finishes
// the old file, reads the backups rotated since, and starts on the new
// file; when the file shrank (truncated) it starts again from its top.
func (fl *follower) poll(ctx context.Context, tf *tailFilter, emit func(*follower, []byte)) {
	if fl.f == nil {
		if fl.open(ctx, 0, tf, fromStart); fl.f == nil {
			return
		}
	}
	fl.drain(emit)
	cur, err := os.Stat(fl.path)
	switch {
	case err != nil:
		return // between the rename and the new file; or removed
	case !os.SameFile(cur, fl.info):
		fl.rotated(ctx, tf, emit)
	case cur.Size() < fl.off:
		if _, err := fl.f.Seek(0, io.SeekStart); err == nil {
			fl.off, fl.partial = 0, nil
			fl.drain(emit)
		}
	}
}

// drain reads what was appended to the open file and emits its whole lines.
func (fl *follower) drain(emit func(*follower, []byte)) {
	buf := make([]byte, 64<<10)
	for {
		n, err := fl.f.Read(buf)
		if n > 0 {
			fl.off += int64(n)
			data := buf[:n]
			var last []byte
			for {
				i := bytes.IndexByte(data, '\n')
				if i < 0 {
					break
				}
				line := data[:i]
				if len(fl.partial) > 0 {
					line = append(fl.partial, line...)
					fl.partial = fl.partial[:0]
				}
				last = logread.TrimCR(line)
				emit(fl, last)
				data = data[i+1:]
			}
			if last != nil { // before partial reuses the memory last may be in
				fl.last = append(fl.last[:0], last...)
			}
			fl.partial = append(fl.partial, data...)
			if len(fl.partial) > logread.MaxLineSize {
				fl.partial = nil // no record is that long
			}
		}
		if err != nil || n == 0 {
			return
		}
	}
}

// rotated finishes the file that was rotated away, reads every backup
// rotated after it (rotation may have happened more than once since the
// last poll), and moves on to the new live file.
func (fl *follower) rotated(ctx context.Context, tf *tailFilter, emit func(*follower, []byte)) {
	fl.drain(emit)
	if len(fl.partial) > 0 { // a torn end: a record never finished
		emit(fl, fl.partial)
		fl.last = append(fl.last[:0], logread.TrimCR(fl.partial)...)
		fl.partial = nil
	}
	old := fl.f
	oldInfo, err := old.Stat()
	if err != nil {
		oldInfo = fl.info
	}
	next, err := os.Open(fl.path)
	if err != nil {
		return // the next poll tries again; old stays open
	}
	nextInfo, err := next.Stat()
	if err != nil {
		next.Close()
		return
	}
	for _, b := range logread.BackupsBetween(fl.src, oldInfo, nextInfo, fl.last) {
		logread.ScanSource(ctx, b.Source(fl.src), nil, nil, tf.rep, func(line []byte, _ bool) { emit(fl, line) })
	}
	old.Close()
	fl.f, fl.info, fl.off, fl.partial, fl.last = next, nextInfo, 0, nil, fl.last[:0]
	fl.drain(emit)
}
