package logread

// Finding what to read: the log folders (by LogCrest's own configuration
// precedence), and in each the live files, rotated backups and gzipped
// backups of the three streams.

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/logcrest/logcrest/internal/schema"
)

// Streams are the three streams, in the order they are listed.
var Streams = schema.Streams()

// Folder is one log folder and how it was chosen.
type Folder struct {
	Path string
	From string // "--dir", "LOGCREST_DIR", `base_log_dir in "log_config.json"`, "the default", "an argument"
}

// Source is one file to read, or stdin.
type Source struct {
	Path    string // "-" for stdin
	Folder  string // the log folder it is in; "" for stdin or a file named alone
	Stream  string // success, error, flows; "" when unknown
	Name    string // the logger name its file is named after
	Gzipped bool
	Active  bool // the live file, not a backup
	Mod     time.Time
	Size    int64
	// A part of a plain file, for reading one big file on several cores:
	// N bytes from Off, whole lines. N == 0 is the whole file.
	Off, N int64
}

// IsStdin reports whether s is standard input.
func (s Source) IsStdin() bool { return s.Path == "-" }

// group is what a source's records are ordered within: one logger's files
// of one stream in one folder, read oldest first, or stdin.
func (s Source) group() string { return s.Folder + "\x00" + s.Name + "\x00" + s.Stream }

// Set is everything a command reads.
type Set struct {
	Folders  []Folder
	Files    []Source // stdin, if read, is among them
	Name     string   // the one name read, "" for every name
	Warnings []string // folders or subfolders that could not be listed
}

// ParseFileName tells what a file in a stream folder is: the logger name,
// from "<name>.log" (the live file) or a backup's name,
// "<name>-2006-01-02T15-04-05.000.log[.gz]" (see schema.SplitBackupName;
// the name may hold a line feed),
// whether it is gzipped and whether it is the live file. ok is false for
// anything else (lock files, compression leftovers, other files).
func ParseFileName(base string) (name string, gz, active, ok bool) {
	if strings.HasPrefix(base, ".") {
		return "", false, false, false
	}
	plain, gz := strings.CutSuffix(base, schema.GzExt)
	if n, _, ok := schema.SplitBackupName(plain, schema.LogExt); ok && n != "" {
		return n, gz, false, true
	}
	if n, found := strings.CutSuffix(base, schema.LogExt); found && n != "" {
		return n, false, true, true
	}
	return "", false, false, false
}

// singleFile is a file named on the command line.
func singleFile(path string, info fs.FileInfo) Source {
	base := filepath.Base(path)
	name, gz, active, ok := ParseFileName(base)
	if !ok {
		name, gz = base, strings.HasSuffix(base, ".gz")
	}
	stream := filepath.Base(filepath.Dir(path))
	if !slices.Contains(Streams, stream) {
		stream = ""
	}
	return Source{Path: path, Stream: stream, Name: name, Gzipped: gz, Active: active, Mod: info.ModTime(), Size: info.Size()}
}

// ListFolder lists the files of the given streams in one log folder, each
// logger's oldest backup first and its live file last.
func ListFolder(f Folder, name string, streams []string, activeOnly bool) (files []Source, warnings []string, err error) {
	info, err := os.Stat(f.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("log folder %s not found (%s; set --dir, LOGCREST_DIR or base_log_dir in log_config.json)", Clean(f.Path), f.From)
		}
		return nil, nil, fmt.Errorf("log folder %s (%s): %s", Clean(f.Path), f.From, CleanErr(pathCause(err)))
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("log folder %s (%s) is not a folder", Clean(f.Path), f.From)
	}
	found := 0
	for _, st := range Streams {
		sub := filepath.Join(f.Path, st)
		entries, err := os.ReadDir(sub)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		found++
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("cannot list %s: %s", Clean(sub), CleanErr(pathCause(err))))
			continue
		}
		if !slices.Contains(streams, st) {
			continue
		}
		for _, ent := range entries {
			n, gz, active, ok := ParseFileName(ent.Name())
			if !ok || (name != "" && n != name) || (activeOnly && !active) {
				continue
			}
			fi, err := ent.Info()
			if err != nil || !fi.Mode().IsRegular() {
				continue // removed since, or not a file
			}
			files = append(files, Source{
				Path: filepath.Join(sub, ent.Name()), Folder: f.Path, Stream: st, Name: n,
				Gzipped: gz, Active: active, Mod: fi.ModTime(), Size: fi.Size(),
			})
		}
	}
	if found == 0 {
		return nil, nil, fmt.Errorf("%s (%s) is not a LogCrest log folder: it holds no success/, error/ or flows/", Clean(f.Path), f.From)
	}
	// A backup being compressed has, for a moment, its finished .gz beside
	// it (renamed into place before the backup is removed): one file, read
	// once, as the plain one (open falls back to the .gz if it goes).
	plain := map[string]bool{}
	for _, s := range files {
		if !s.Gzipped && !s.Active {
			plain[s.Path] = true
		}
	}
	files = slices.DeleteFunc(files, func(s Source) bool {
		return s.Gzipped && plain[strings.TrimSuffix(s.Path, ".gz")]
	})
	slices.SortFunc(files, func(a, b Source) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Stream, b.Stream); c != 0 {
			return c
		}
		if a.Active != b.Active {
			if a.Active {
				return 1
			}
			return -1
		}
		if c := a.Mod.Compare(b.Mod); c != 0 {
			return c
		}
		return cmp.Compare(a.Path, b.Path)
	})
	return files, warnings, nil
}

// Open opens a source for reading, through gzip for a gzipped backup.
//
// A plain backup listed a moment ago may have been compressed and removed
// since: LogCrest's compressor renames the finished "<backup>.gz" into
// place before it removes the backup, so when the plain file is gone its
// .gz holds the same bytes, and is read instead (a part of the file is
// found at the same offset in the decompressed stream).
func (s Source) Open(stdin io.Reader) (io.ReadCloser, error) {
	if s.IsStdin() {
		return io.NopCloser(stdin), nil
	}
	path, gz := s.Path, s.Gzipped
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
		if s.N > 0 {
			return sectionFile{io.NewSectionReader(f, s.Off, s.N), f}, nil
		}
		return f, nil
	}
	// The report names s.path; the .gz read in its place is said so.
	also := ""
	if path != s.Path {
		also = " (its .gz)"
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("not gzip%s: %w", also, err)
	}
	if s.N > 0 {
		if _, err := io.CopyN(io.Discard, zr, s.Off); err != nil {
			zr.Close()
			f.Close()
			return nil, fmt.Errorf("reading%s: %w", also, err)
		}
		return gzFile{io.LimitReader(zr, s.N), zr, f}, nil
	}
	return gzFile{zr, zr, f}, nil
}

// sectionFile reads a part of a file and closes the file.
type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s sectionFile) Close() error { return s.f.Close() }

// PartSize is the size of the parts SplitSources cuts a big plain file
// into: small enough that a part's decoded records are little memory, big
// enough that a part costs nothing to set up.
const PartSize int64 = 8 << 20

// SplitSources cuts each plain file bigger than partSize (PartSize, but
// in tests) into parts that end on line boundaries, so that one big file
// is read on every core and what is held per part in flight stays small.
// Gzipped files and stdin are read whole.
func SplitSources(srcs []Source, partSize int64) []Source {
	var out []Source
	for _, s := range srcs {
		if s.IsStdin() || s.Gzipped || s.Size <= partSize {
			out = append(out, s)
			continue
		}
		f, err := os.Open(s.Path)
		if err != nil {
			out = append(out, s) // reported when it is read
			continue
		}
		off := int64(0)
		for off+partSize < s.Size {
			next := lineStartAfter(f, off+partSize, s.Size)
			if next < 0 {
				break
			}
			part := s
			part.Off, part.N = off, next-off
			out = append(out, part)
			off = next
		}
		if off < s.Size {
			last := s
			last.Off, last.N = off, s.Size-off
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

// Describe says where a command looked: the folders and how many files.
func (set *Set) Describe() string {
	var names []string
	for _, f := range set.Folders {
		names = append(names, Clean(f.Path)+" ("+f.From+")")
	}
	var backups, gz, stdin int
	var bytes int64
	for _, f := range set.Files {
		switch {
		case f.IsStdin():
			stdin++
			continue
		case f.Gzipped:
			gz++
		case !f.Active:
			backups++
		}
		bytes += f.Size
	}
	n := len(set.Files) - stdin
	where := ""
	switch len(names) {
	case 0:
	case 1:
		where = "folder " + names[0] + ", "
	default:
		where = "folders " + strings.Join(names, ", ") + "; "
	}
	s := fmt.Sprintf("%s%d %s (%d live, %d backups, %d gzipped; %s)", where, n, Plural(n, "file", "files"),
		n-backups-gz, backups, gz, humanBytes(bytes))
	if set.Name != "" {
		s += ", name " + Clean(set.Name)
	}
	if stdin > 0 {
		s += ", and stdin"
	}
	return s
}

// Plural is one when n is 1, else many.
func Plural(n int, one, many string) string {
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
