package testkit

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/logcrest/logcrest/internal/fsync"
)

// SyncWatch records the files and folders committed to stable storage
// under one folder, through the writers' fsync seam (internal/fsync).
type SyncWatch struct {
	mu    sync.Mutex
	names []string
}

// WatchSyncs starts recording the commits of dir and of everything under
// it until the test ends.
func WatchSyncs(t testing.TB, dir string) *SyncWatch {
	w := &SyncWatch{}
	stop := fsync.Observe(func(name string) {
		if name == dir || strings.HasPrefix(name, dir+string(filepath.Separator)) {
			w.mu.Lock()
			w.names = append(w.names, name)
			w.mu.Unlock()
		}
	})
	t.Cleanup(stop)
	return w
}

// Take returns the names recorded so far, in order, and forgets them.
func (w *SyncWatch) Take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	names := w.names
	w.names = nil
	return names
}
