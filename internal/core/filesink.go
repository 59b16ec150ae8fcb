package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logcrest/logcrest/writers"
)

// fileSink opens its rotating file on first use and again after a failure,
// so a folder that cannot be created at start (or disappears) costs counted
// write errors, not the service, and writing resumes once the fault clears.
type fileSink struct {
	mu   sync.Mutex // the ring's goroutine writes, a fatal record syncs
	opt  writers.RotatingFileOptions
	f    *writers.RotatingFile
	next time.Time // earliest retry after a failed open
	// closeBy is its gen's close deadline (Unix nanoseconds, 0 for none
	// yet, the hard cap of the close under way): Close gives the file the
	// close timeout from when it is called, and never past closeBy.
	closeBy      *atomic.Int64
	closeTimeout time.Duration
}

func openFileSink(path string, s Settings) *fileSink {
	backups := s.BackupCount
	if backups == 0 {
		backups = writers.NoBackups // backup_count 0 keeps none (writers' 0 keeps all, like lumberjack)
	}
	fs := &fileSink{opt: writers.RotatingFileOptions{Path: path, MaxSize: s.MaxSize, Backups: backups,
		MaxAge: s.maxAgeDuration(), Compress: s.Compress, GroupReadable: s.GroupReadable,
		RotateEvery: s.rotateEvery(), RotateZone: s.rotateZone(),
		Warn: func(msg string) { Warnf("%s", msg) }}}
	if err := fs.open(); err != nil && writeWarnings.allow(filesFault(s.Dir), time.Now()) {
		Warnf("cannot open log file %q, its records are counted as failed until it can be "+
			"(warned about at most once a minute): %v", path, err)
	}
	return fs
}

func (fs *fileSink) open() error {
	f, err := writers.OpenRotatingFile(fs.opt)
	if err != nil {
		fs.next = time.Now().Add(time.Second)
		return err
	}
	fs.f = f
	return nil
}

func (fs *fileSink) Write(p []byte) (int, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f == nil {
		if time.Now().Before(fs.next) {
			return 0, fmt.Errorf("log file %q is not open", fs.opt.Path)
		}
		if err := fs.open(); err != nil {
			return 0, err
		}
	}
	return fs.f.Write(p)
}

// Close commits the file (and the backups rotated since the last sync) to
// stable storage, then closes it, within the deadline of the pipeline's
// close: the compressor, if at work, is given up on in time for Close to
// return by then (its backup stays plain, to be compressed after the next
// start), so a close timeout under the writers' own 2 s is honoured too.
func (fs *fileSink) Close() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f == nil {
		return nil
	}
	syncErr := fs.f.Sync()
	var closeErr error
	if by := fs.closeBy; by != nil && by.Load() != 0 {
		// The ring waits for a sink while it makes progress, giving up
		// after the close timeout without any: the writer's own close
		// (the compressor) gets the close timeout from now, within the
		// close's hard cap.
		end := time.Unix(0, by.Load())
		if byTimeout := time.Now().Add(fs.closeTimeout); fs.closeTimeout > 0 && byTimeout.Before(end) {
			end = byTimeout
		}
		ctx, cancel := context.WithDeadline(context.Background(), end)
		closeErr = fs.f.CloseContext(ctx)
		cancel()
	} else {
		closeErr = fs.f.Close()
	}
	return errors.Join(syncErr, closeErr)
}

// Sync commits what has been written to the file to stable storage.
func (fs *fileSink) Sync() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f == nil {
		return nil
	}
	err := fs.f.Sync()
	if errors.Is(err, writers.ErrClosed) {
		return nil
	}
	return err
}
