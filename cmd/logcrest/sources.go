package main

// Finding what to read: the log folders (by LogCrest's own configuration
// precedence), and in each the live files, rotated backups and gzipped
// backups of the three streams.

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/logcrest/logcrest/internal/core"
)

// The three streams, in the order they are listed.
var allStreams = []string{"success", "error", "flows"}

// folder is one log folder and how it was chosen.
type folder struct {
	path string
	from string // "--dir", "LOGCREST_DIR", `base_log_dir in "log_config.json"`, "the default", "an argument"
}

// source is one file to read, or stdin.
type source struct {
	path   string // "-" for stdin
	folder string // the log folder it is in; "" for stdin or a file named alone
	stream string // success, error, flows; "" when unknown
	name   string // the logger name its file is named after
	gz     bool
	active bool // the live file, not a backup
	mod    time.Time
	size   int64
	// A part of a plain file, for reading one big file on several cores:
	// n bytes from off, whole lines. n == 0 is the whole file.
	off, n int64
}

func (s source) isStdin() bool { return s.path == "-" }

// group is what a source's records are ordered within: one logger's files
// of one stream in one folder, read oldest first, or stdin.
func (s source) group() string { return s.folder + "\x00" + s.name + "\x00" + s.stream }

// sourceSet is everything a command reads.
type sourceSet struct {
	folders  []folder
	files    []source // stdin, if read, is among them
	name     string   // the one name read, "" for every name
	warnings []string // folders or subfolders that could not be listed
}

// backupRE matches a rotated backup, plain or gzipped:
// <name>-2006-01-02T15-04-05.000.log[.gz]; the name may hold a line feed.
var backupRE = regexp.MustCompile(`(?s)^(.+)-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log(\.gz)?$`)

// parseFileName tells what a file in a stream folder is: the logger name,
// whether it is gzipped and whether it is the live file. ok is false for
// anything else (lock files, compression leftovers, other files).
func parseFileName(base string) (name string, gz, active, ok bool) {
	if strings.HasPrefix(base, ".") {
		return "", false, false, false
	}
	if m := backupRE.FindStringSubmatch(base); m != nil {
		return m[1], m[2] != "", false, true
	}
	if n, found := strings.CutSuffix(base, ".log"); found && n != "" {
		return n, false, true, true
	}
	return "", false, false, false
}

// resolveSources works out the folders and files a command reads from the
// flags, the positional arguments and LogCrest's configuration.
func resolveSources(c *common, args []string, e env, streams []string, activeOnly bool) (*sourceSet, error) {
	var opts []core.Option
	if c.config != "" {
		opts = append(opts, core.WithConfigFile(c.config))
	}
	settings, problems := core.Resolve(opts, e.getenv, io.Discard)
	for _, p := range problems {
		if relevantProblem(p.Error()) {
			fmt.Fprintln(e.stderr, cleanErr(p))
		}
	}
	cfgFile := settings.ConfigFile
	fileKeys := configKeys(cfgFile)

	set := &sourceSet{}
	switch {
	case c.name != "":
		set.name = c.name
	case envSet(e, "LOGCREST_NAME") || fileKeys["log_name"]:
		set.name = settings.Name
	}
	if set.name != "" && (strings.ContainsAny(set.name, `/\`) || strings.Contains(set.name, "..")) {
		return nil, usagef("name %q is not a file name", set.name)
	}

	var singles []source
	stdin := false
	for _, d := range c.dirs {
		if d == "-" {
			stdin = true
			continue
		}
		set.folders = append(set.folders, folder{d, "--dir"})
	}
	for _, a := range args {
		if a == "-" {
			stdin = true
			continue
		}
		info, err := os.Stat(a)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s: %s", clean(a), cleanErr(pathCause(err)))
		case info.IsDir():
			set.folders = append(set.folders, folder{a, "an argument"})
		default:
			singles = append(singles, singleFile(a, info))
		}
	}
	if len(set.folders) == 0 && len(singles) == 0 && !stdin {
		from := "the default"
		switch {
		case envSet(e, "LOGCREST_DIR"):
			from = "LOGCREST_DIR"
		case fileKeys["base_log_dir"]:
			from = "base_log_dir in " + clean(cfgFile)
		}
		set.folders = append(set.folders, folder{settings.Dir, from})
	}

	for _, f := range set.folders {
		files, warns, err := listFolder(f, set.name, streams, activeOnly)
		if err != nil {
			return nil, err
		}
		set.files = append(set.files, files...)
		set.warnings = append(set.warnings, warns...)
	}
	set.files = append(set.files, singles...)
	if stdin {
		set.files = append(set.files, source{path: "-"})
	}
	return set, nil
}

// relevantProblem keeps the configuration warnings that bear on where the
// files are: the folder, the name, a config file that cannot be used.
func relevantProblem(msg string) bool {
	for _, k := range []string{"LOGCREST_DIR", "base_log_dir", "LOGCREST_NAME", "log_name", "ignoring the file"} {
		if strings.Contains(msg, k) {
			return true
		}
	}
	return false
}

func envSet(e env, key string) bool {
	v, ok := e.getenv(key)
	return ok && v != ""
}

// configKeys returns the keys of the JSON config file at path; none when it
// is missing or malformed (core.Resolve reports those).
func configKeys(path string) map[string]bool {
	keys := map[string]bool{}
	if path == "" {
		return keys
	}
	data, err := os.ReadFile(path)
	if err != nil || len(data) > 1<<20 {
		return keys
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &m) != nil {
		return keys
	}
	for k := range m {
		keys[k] = true
	}
	return keys
}

// singleFile is a file named on the command line.
func singleFile(path string, info fs.FileInfo) source {
	base := filepath.Base(path)
	name, gz, active, ok := parseFileName(base)
	if !ok {
		name, gz = base, strings.HasSuffix(base, ".gz")
	}
	stream := filepath.Base(filepath.Dir(path))
	if !slices.Contains(allStreams, stream) {
		stream = ""
	}
	return source{path: path, stream: stream, name: name, gz: gz, active: active, mod: info.ModTime(), size: info.Size()}
}

// listFolder lists the files of the given streams in one log folder, each
// logger's oldest backup first and its live file last.
func listFolder(f folder, name string, streams []string, activeOnly bool) (files []source, warnings []string, err error) {
	info, err := os.Stat(f.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("log folder %s not found (%s; set --dir, LOGCREST_DIR or base_log_dir in log_config.json)", clean(f.path), f.from)
		}
		return nil, nil, fmt.Errorf("log folder %s (%s): %s", clean(f.path), f.from, cleanErr(pathCause(err)))
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("log folder %s (%s) is not a folder", clean(f.path), f.from)
	}
	found := 0
	for _, st := range allStreams {
		sub := filepath.Join(f.path, st)
		entries, err := os.ReadDir(sub)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		found++
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("cannot list %s: %s", clean(sub), cleanErr(pathCause(err))))
			continue
		}
		if !slices.Contains(streams, st) {
			continue
		}
		for _, ent := range entries {
			n, gz, active, ok := parseFileName(ent.Name())
			if !ok || (name != "" && n != name) || (activeOnly && !active) {
				continue
			}
			fi, err := ent.Info()
			if err != nil || !fi.Mode().IsRegular() {
				continue // removed since, or not a file
			}
			files = append(files, source{
				path: filepath.Join(sub, ent.Name()), folder: f.path, stream: st, name: n,
				gz: gz, active: active, mod: fi.ModTime(), size: fi.Size(),
			})
		}
	}
	if found == 0 {
		return nil, nil, fmt.Errorf("%s (%s) is not a LogCrest log folder: it holds no success/, error/ or flows/", clean(f.path), f.from)
	}
	// A backup being compressed has, for a moment, its finished .gz beside
	// it (renamed into place before the backup is removed): one file, read
	// once, as the plain one (open falls back to the .gz if it goes).
	plain := map[string]bool{}
	for _, s := range files {
		if !s.gz && !s.active {
			plain[s.path] = true
		}
	}
	files = slices.DeleteFunc(files, func(s source) bool {
		return s.gz && plain[strings.TrimSuffix(s.path, ".gz")]
	})
	slices.SortFunc(files, func(a, b source) int {
		if c := cmp.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.stream, b.stream); c != 0 {
			return c
		}
		if a.active != b.active {
			if a.active {
				return 1
			}
			return -1
		}
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return cmp.Compare(a.path, b.path)
	})
	return files, warnings, nil
}

// open opens a source for reading, through gzip for a gzipped backup.
//
// A plain backup listed a moment ago may have been compressed and removed
// since: LogCrest's compressor renames the finished "<backup>.gz" into
// place before it removes the backup, so when the plain file is gone its
// .gz holds the same bytes, and is read instead (a part of the file is
// found at the same offset in the decompressed stream).
func (s source) open(stdin io.Reader) (io.ReadCloser, error) {
	if s.isStdin() {
		return io.NopCloser(stdin), nil
	}
	path, gz := s.path, s.gz
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !gz {
		if zf, zerr := os.Open(path + ".gz"); zerr == nil {
			f, err, path, gz = zf, nil, path+".gz", true
		}
	}
	if err != nil {
		return nil, err
	}
	if !gz {
		if s.n > 0 {
			return sectionFile{io.NewSectionReader(f, s.off, s.n), f}, nil
		}
		return f, nil
	}
	// The report names s.path; the .gz read in its place is said so.
	also := ""
	if path != s.path {
		also = " (its .gz)"
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("not gzip%s: %w", also, err)
	}
	if s.n > 0 {
		if _, err := io.CopyN(io.Discard, zr, s.off); err != nil {
			zr.Close()
			f.Close()
			return nil, fmt.Errorf("reading%s: %w", also, err)
		}
		return gzFile{io.LimitReader(zr, s.n), zr, f}, nil
	}
	return gzFile{zr, zr, f}, nil
}

// sectionFile reads a part of a file and closes the file.
type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s sectionFile) Close() error { return s.f.Close() }

// partSize is the size of the parts a big plain file is read in: small
// enough that a part's decoded records are little memory, big enough that
// a part costs nothing to set up. (A variable for the tests.)
var partSize int64 = 8 << 20

// splitSources cuts each plain file bigger than partSize into parts that
// end on line boundaries, so that one big file is read on every core and
// what is held per part in flight stays small. Gzipped files and stdin
// are read whole.
func splitSources(srcs []source) []source {
	var out []source
	for _, s := range srcs {
		if s.isStdin() || s.gz || s.size <= partSize {
			out = append(out, s)
			continue
		}
		f, err := os.Open(s.path)
		if err != nil {
			out = append(out, s) // reported when it is read
			continue
		}
		off := int64(0)
		for off+partSize < s.size {
			next := lineStartAfter(f, off+partSize, s.size)
			if next < 0 {
				break
			}
			part := s
			part.off, part.n = off, next-off
			out = append(out, part)
			off = next
		}
		if off < s.size {
			last := s
			last.off, last.n = off, s.size-off
			out = append(out, last)
		}
		f.Close()
	}
	return out
}

// lineStartAfter returns the offset just after the first '\n' at or after
// pos, or -1 when there is none before size.
func lineStartAfter(f *os.File, pos, size int64) int64 {
	buf := make([]byte, 64<<10)
	for pos < size {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-pos)], pos)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return pos + int64(i) + 1
		}
		if err != nil && n == 0 {
			return -1
		}
		pos += int64(n)
	}
	return -1
}

// gzFile closes both the gzip reader and the file under it.
type gzFile struct {
	io.Reader // zr, or a part of it
	zr        *gzip.Reader
	f         *os.File
}

func (g gzFile) Close() error {
	g.zr.Close()
	return g.f.Close()
}

// pathCause drops the operation and path from a *fs.PathError when the
// message names the path already.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// describe says where a command looked: the folders and how many files.
func (set *sourceSet) describe() string {
	var names []string
	for _, f := range set.folders {
		names = append(names, clean(f.path)+" ("+f.from+")")
	}
	var backups, gz, stdin int
	var bytes int64
	for _, f := range set.files {
		switch {
		case f.isStdin():
			stdin++
			continue
		case f.gz:
			gz++
		case !f.active:
			backups++
		}
		bytes += f.size
	}
	n := len(set.files) - stdin
	where := ""
	switch len(names) {
	case 0:
	case 1:
		where = "folder " + names[0] + ", "
	default:
		where = "folders " + strings.Join(names, ", ") + "; "
	}
	s := fmt.Sprintf("%s%d %s (%d live, %d backups, %d gzipped; %s)", where, n, plural(n, "file", "files"),
		n-backups-gz, backups, gz, humanBytes(bytes))
	if set.name != "" {
		s += ", name " + clean(set.name)
	}
	if stdin > 0 {
		s += ", and stdin"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
