package writers

// Tests of the backup order after a clock step back (issue 19 item 1), of
// the options' zero values (item 13) and of Rotate (item 16).

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// clockWarnings collects the warnings given to RotatingFileOptions.Warn.
type clockWarnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *clockWarnings) warn(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *clockWarnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.msgs)
}

// clockPlantFuture writes n backups of path named, and last modified, an
// hour or so in the future, as a run before a clock step back leaves them,
// each holding one line "future-<i>". It returns their paths, oldest first.
func clockPlantFuture(t *testing.T, path string, n int) []string {
	t.Helper()
	dir := filepath.Dir(path)
	var planted []string
	for i := range n {
		at := time.Now().Add(time.Hour + time.Duration(i)*time.Second)
		p := filepath.Join(dir, "app-"+at.UTC().Format(backupTimeLayout)+".log")
		if err := os.WriteFile(p, fmt.Appendf(nil, "future-%d\n", i), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		planted = append(planted, p)
	}
	return planted
}

// clockRecord is record i of the stepped-clock tests: 300 bytes with its
// newline, so a file of MaxSize 2000 holds 6 of them.
func clockRecord(i int) string {
	head := fmt.Sprintf(`{"seq":%d,"pad":"`, i)
	return head + strings.Repeat("x", 300-len(head)-3) + "\"}\n"
}

// TestRotatingFileKeepsNewestDataAfterAClockStepBack (issue 19 item 1):
// three backups named, and last modified, an hour in the future (left by a
// run before the clock was stepped back); then 30 records of 300 bytes with
// MaxSize 2000 (6 a file: 4 rotations) and Backups 3. The old code pruned
// the backup each rotation had just made (it sorted by modification time,
// which comes from the same clock): 6 of 30 records left. Now new backups
// are named after the newest existing one, so the three future ones go
// first and the newest data stays: exactly 3 backups, holding records 6-23
// in order, the live file 24-29, and one warning about the future names.
// With Backups 0 (keep all) and a MaxAge of a minute, nothing is removed:
// a backup named in the future is not old.
func TestRotatingFileKeepsNewestDataAfterAClockStepBack(t *testing.T) {
	const recs, perFile = 30, 6
	for _, tc := range []struct {
		name    string
		backups int
		maxAge  time.Duration
	}{
		{"Backups 3", 3, 0},
		{"keep all, MaxAge 1m", 0, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.log")
			planted := clockPlantFuture(t, path, 3)
			var w clockWarnings
			f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 2000, Backups: tc.backups, MaxAge: tc.maxAge, Warn: w.warn})
			for i := range recs {
				rotWrite(t, f, []byte(clockRecord(i)))
			}
			backups := rotBackups(t, path) // sorted by name
			made := slices.DeleteFunc(slices.Clone(backups), func(b string) bool { return slices.Contains(planted, b) })
			wantMade := recs/perFile - 1 // 4 rotations
			if tc.backups > 0 {
				wantMade = tc.backups // the oldest one made pruned too
			}
			if len(made) != wantMade {
				t.Fatalf("%d backups made left, want %d: %v", len(made), wantMade, made)
			}
			// Every backup made is named after every planted one, in the
			// order it was made.
			for _, b := range made {
				if filepath.Base(b) <= filepath.Base(planted[len(planted)-1]) {
					t.Errorf("backup %s named before the planted %s", filepath.Base(b), filepath.Base(planted[len(planted)-1]))
				}
			}
			var want []string // the backups that must be there, oldest first
			first := 0        // the first record that must be on disk
			if tc.backups == 0 {
				want = backups
				if !slices.Equal(backups[:len(planted)], planted) {
					t.Fatalf("backups %v: the planted ones were removed (keep all)", backups)
				}
			} else {
				want = made[len(made)-tc.backups:]
				first = recs - perFile*(tc.backups+1)
				for _, p := range planted {
					if _, err := os.Stat(p); !os.IsNotExist(err) {
						t.Errorf("planted %s kept (it is older than every backup made): %v", filepath.Base(p), err)
					}
				}
			}
			if !slices.Equal(backups, want) {
				t.Fatalf("backups %v\nwant %v", backups, want)
			}
			var got strings.Builder
			for _, b := range made[len(made)-(recs-first)/perFile+1:] {
				got.WriteString(rotRead(t, b))
			}
			got.WriteString(rotRead(t, path))
			var wantRecs strings.Builder
			for i := first; i < recs; i++ {
				wantRecs.WriteString(clockRecord(i))
			}
			if got.String() != wantRecs.String() {
				t.Fatalf("the newest records (%d to %d) are not all there, in order:\n%s", first, recs-1, got.String())
			}
			msgs := w.all()
			if len(msgs) != 1 || !strings.Contains(msgs[0], "in the future") || !strings.Contains(msgs[0], path) {
				t.Fatalf("warnings %q, want one about backups named in the future", msgs)
			}
		})
	}
}

// TestRotatingFileZeroValuesAreLumberjacks (issue 19 item 13): options left
// at zero mean what lumberjack's do, never "delete every backup" nor "grow
// forever": Backups 0 keeps every backup, MaxSize 0 rotates at
// DefaultMaxSize (100 MiB). NoBackups and NoRotation say the other thing
// explicitly; other negative values are refused.
func TestRotatingFileZeroValuesAreLumberjacks(t *testing.T) {
	t.Run("Backups 0 keeps all", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10})
		for i := range 20 {
			rotWrite(t, f, fmt.Appendf(nil, "rec-%04d\n", i)) // 9 bytes: one a file
		}
		if n := len(rotBackups(t, path)); n != 19 {
			t.Fatalf("%d backups, want all 19", n)
		}
		var want strings.Builder
		for i := range 20 {
			fmt.Fprintf(&want, "rec-%04d\n", i)
		}
		if got := rotAll(t, path); got != want.String() {
			t.Fatalf("files hold %q", got)
		}
	})
	t.Run("MaxSize 0 rotates at 100 MiB", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		f := rotOpen(t, RotatingFileOptions{Path: path, Backups: 2})
		if f.maxSize != DefaultMaxSize || DefaultMaxSize != 100<<20 {
			t.Fatalf("MaxSize 0 means %d bytes, want %d", f.maxSize, 100<<20)
		}
		// Fill the live file to 1 byte short of 100 MiB without writing
		// it all: a sparse file ending in a '\n' (else the torn-line check
		// would end its last line first), appended to.
		if err := os.Truncate(path, DefaultMaxSize-6); err != nil {
			t.Fatal(err)
		}
		if fill, err := os.OpenFile(path, os.O_WRONLY, 0); err != nil {
			t.Fatal(err)
		} else if _, err := fill.WriteAt([]byte("\n"), DefaultMaxSize-6); err != nil || fill.Close() != nil {
			t.Fatal(err)
		}
		rotWrite(t, f, []byte("abc\n")) // 100 MiB - 1: fits
		if n := len(rotBackups(t, path)); n != 0 {
			t.Fatalf("rotated at %d bytes", DefaultMaxSize-1)
		}
		rotWrite(t, f, []byte("next\n")) // would pass 100 MiB: rotates
		backups := rotBackups(t, path)
		if len(backups) != 1 || rotRead(t, path) != "next\n" {
			t.Fatalf("backups %v, live %q: want one rotation at 100 MiB", backups, rotRead(t, path))
		}
		if info, err := os.Stat(backups[0]); err != nil || info.Size() != DefaultMaxSize-1 {
			t.Fatalf("backup: %v, %v; want %d bytes", info, err, DefaultMaxSize-1)
		}
	})
	t.Run("NoBackups keeps none", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: 10, Backups: NoBackups})
		for i := range 5 {
			rotWrite(t, f, fmt.Appendf(nil, "rec-%04d\n", i))
		}
		if b := rotBackups(t, path); len(b) != 0 || rotRead(t, path) != "rec-0004\n" {
			t.Fatalf("backups %v, live %q", b, rotRead(t, path))
		}
	})
	t.Run("NoRotation never rotates", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "app.log")
		f := rotOpen(t, RotatingFileOptions{Path: path, MaxSize: NoRotation})
		for i := range 5 {
			rotWrite(t, f, fmt.Appendf(nil, "rec-%04d\n", i))
		}
		if b := rotBackups(t, path); len(b) != 0 || len(rotRead(t, path)) != 45 {
			t.Fatalf("backups %v, live %q", b, rotRead(t, path))
		}
	})
	for _, o := range []RotatingFileOptions{{Backups: -2}, {MaxSize: -2}} {
		o.Path = filepath.Join(t.TempDir(), "app.log")
		if f, err := OpenRotatingFile(o); err == nil {
			_ = f.Close()
			t.Errorf("OpenRotatingFile(Backups %d, MaxSize %d) accepted", o.Backups, o.MaxSize)
		} else if !strings.Contains(err.Error(), "negative") {
			t.Errorf("error %q does not say what is wrong", err)
		}
	}
}

// TestRotatingFileRotate (issue 19 item 16): Rotate moves the live file
// aside now, whatever its size, and prunes like a rotation at MaxSize; an
// empty live file is left alone; after Close it returns ErrClosed.
func TestRotatingFileRotate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f, err := OpenRotatingFile(RotatingFileOptions{Path: path, MaxSize: 1 << 20, Backups: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Rotate(); err != nil {
		t.Fatalf("Rotate on an empty file: %v", err)
	}
	if b := rotBackups(t, path); len(b) != 0 {
		t.Fatalf("an empty file was rotated: %v", b)
	}
	for i := range 4 {
		rotWrite(t, f, fmt.Appendf(nil, "rec-%d\n", i))
		if err := f.Rotate(); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
	}
	rotWrite(t, f, []byte("rec-4\n"))
	backups := rotBackups(t, path)
	if len(backups) != 2 || rotRead(t, backups[0]) != "rec-2\n" || rotRead(t, backups[1]) != "rec-3\n" || rotRead(t, path) != "rec-4\n" {
		t.Fatalf("backups %v (want rec-2, rec-3), live %q (want rec-4)", backups, rotRead(t, path))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Rotate(); err != ErrClosed {
		t.Fatalf("Rotate after Close = %v, want ErrClosed", err)
	}
}
