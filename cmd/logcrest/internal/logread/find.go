package logread

// Which folders and files a command reads: LogCrest's own configuration
// precedence, the flags and the arguments.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/logcrest/logcrest/internal/core"
)

// Query says what a command reads: its flags, its arguments and its
// environment.
type Query struct {
	Config     string   // --config: the JSON config file; "" for LogCrest's default
	Name       string   // --name: the one logger name read; "" for the configured one, else every name
	Dirs       []string // --dir, in order; "-" reads stdin
	Args       []string // the arguments: folders, single files, "-" for stdin
	Streams    []string // the streams read (see Streams)
	ActiveOnly bool     // live files only, no backups

	Getenv func(key string) (string, bool) // the environment (LOGCREST_DIR, LOGCREST_NAME)
	Warn   io.Writer                       // where the configuration problems about the folder and name go
}

// ErrBadName is returned by Find for a logger name that is not a file name.
var ErrBadName = errors.New("is not a file name")

// Find works out the folders and files a command reads, as LogCrest finds
// its folder: --dir, else LOGCREST_DIR, else base_log_dir in the config
// file, else the default; positional arguments name more folders or single
// files. The configuration problems that bear on where the files are go
// to q.Warn. A folder that cannot be read is an error; a stream subfolder
// that cannot be listed is a warning in the Set.
func Find(q Query) (*Set, error) {
	var opts []core.Option
	if q.Config != "" {
		opts = append(opts, core.WithConfigFile(q.Config))
	}
	settings, problems := core.Resolve(opts, q.Getenv, io.Discard)
	for _, p := range problems {
		if relevantProblem(p.Error()) {
			fmt.Fprintln(q.Warn, CleanErr(p))
		}
	}
	cfgFile := settings.ConfigFile
	fileKeys := configKeys(cfgFile)

	set := &Set{}
	switch {
	case q.Name != "":
		set.Name = q.Name
	case q.envSet("LOGCREST_NAME") || fileKeys["log_name"]:
		set.Name = settings.Name
	}
	if set.Name != "" && (strings.ContainsAny(set.Name, `/\`) || strings.Contains(set.Name, "..")) {
		return nil, fmt.Errorf("name %q %w", set.Name, ErrBadName)
	}
	singles, stdin, err := set.addArgs(q)
	if err != nil {
		return nil, err
	}
	if len(set.Folders) == 0 && len(singles) == 0 && !stdin {
		from := "the default"
		switch {
		case q.envSet("LOGCREST_DIR"):
			from = "LOGCREST_DIR"
		case fileKeys["base_log_dir"]:
			from = "base_log_dir in " + Clean(cfgFile)
		}
		set.Folders = append(set.Folders, Folder{settings.Dir, from})
	}
	for _, f := range set.Folders {
		files, warns, err := ListFolder(f, set.Name, q.Streams, q.ActiveOnly)
		if err != nil {
			return nil, err
		}
		set.Files = append(set.Files, files...)
		set.Warnings = append(set.Warnings, warns...)
	}
	set.Files = append(set.Files, singles...)
	if stdin {
		set.Files = append(set.Files, Source{Path: "-"})
	}
	return set, nil
}

// addArgs adds the folders of --dir and the arguments to set, and returns
// the single files named and whether stdin is read.
func (set *Set) addArgs(q Query) (singles []Source, stdin bool, err error) {
	for _, d := range q.Dirs {
		if d == "-" {
			stdin = true
			continue
		}
		set.Folders = append(set.Folders, Folder{d, "--dir"})
	}
	for _, a := range q.Args {
		if a == "-" {
			stdin = true
			continue
		}
		info, err := os.Stat(a)
		switch {
		case err != nil:
			return nil, false, fmt.Errorf("%s: %s", Clean(a), CleanErr(pathCause(err)))
		case info.IsDir():
			set.Folders = append(set.Folders, Folder{a, "an argument"})
		default:
			singles = append(singles, singleFile(a, info))
		}
	}
	return singles, stdin, nil
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

// envSet reports whether the environment variable key is set and not empty.
func (q Query) envSet(key string) bool {
	v, ok := q.Getenv(key)
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
