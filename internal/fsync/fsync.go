// Package fsync commits files and folders to stable storage for LogCrest's
// writers, and lets tests see each commit: a promise such as "Close syncs
// the files" is otherwise invisible, as nothing observes an fsync from
// outside. It is internal: only LogCrest's own packages use it.
package fsync

import (
	"os"
	"sync"
	"sync/atomic"
)

// observers are the functions told of every commit; nil, and one atomic
// load a commit, when no test watches.
var (
	observers atomic.Pointer[[]*func(name string)]
	observeMu sync.Mutex // serializes Observe and its undo
)

// File commits f (a file or an open folder) to stable storage with
// f.Sync, after telling each observer f.Name().
func File(f *os.File) error {
	if obs := observers.Load(); obs != nil {
		for _, fn := range *obs {
			(*fn)(f.Name())
		}
	}
	return f.Sync()
}

// Observe has fn told the name of every file or folder File commits from
// now on, in any goroutine, until the returned function is called. fn must
// be safe for concurrent use. Several observers may watch at once (tests
// run in parallel): each is told of every commit and keeps the names under
// its own folder.
func Observe(fn func(name string)) (stop func()) {
	p := &fn
	observeMu.Lock()
	defer observeMu.Unlock()
	var next []*func(string)
	if cur := observers.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, p)
	observers.Store(&next)
	return func() {
		observeMu.Lock()
		defer observeMu.Unlock()
		cur := observers.Load()
		if cur == nil {
			return
		}
		var kept []*func(string)
		for _, q := range *cur {
			if q != p {
				kept = append(kept, q)
			}
		}
		if len(kept) == 0 {
			observers.Store(nil)
			return
		}
		observers.Store(&kept)
	}
}
