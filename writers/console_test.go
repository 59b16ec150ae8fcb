package writers

import (
	"bytes"
	"os"
	"testing"

	"github.com/logcrest/logcrest/internal/ring"
)

type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestConsolePassesThroughAndNeverCloses(t *testing.T) {
	w := &closeRecorder{}
	c := NewConsole(w)
	if n, err := c.Write([]byte("line\n")); n != 5 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if w.closed {
		t.Fatal("Close closed the wrapped writer")
	}
	if _, err := c.Write([]byte("after\n")); err != nil || w.String() != "line\nafter\n" {
		t.Fatalf("after Close: err %v, content %q", err, w.String())
	}
}

func TestConsoleCloseLeavesStdoutUsable(t *testing.T) {
	c0 := NewConsole(nil)
	if f, ok := c0.w.(*os.File); !ok || !os.SameFile(statOf(t, f), statOf(t, os.Stdout)) {
		t.Fatal("NewConsole(nil) does not default to os.Stdout")
	}
	if err := c0.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	c := NewConsole(os.Stdout)
	if err := c.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if _, err := os.Stdout.Write(nil); err != nil {
		t.Fatalf("os.Stdout unusable after Console.Close: %v", err)
	}
	if _, err := os.Stdout.Stat(); err != nil {
		t.Fatalf("os.Stdout closed by Console.Close: %v", err)
	}
}

func statOf(t *testing.T, f *os.File) os.FileInfo {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestConsoleInARing(t *testing.T) {
	w := &closeRecorder{}
	r := ring.New(NewConsole(w), ring.Options{Name: "console", Format: TextFormatter{}.Append})
	if _, err := r.Write([]byte(`{"level":"info","message":"a\nINF forged"}` + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(0); err != nil {
		t.Fatal(err)
	}
	if w.closed {
		t.Fatal("closing the ring closed the console's writer")
	}
	if got, want := w.String(), "INF a\\nINF forged\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestConsoleColorFor(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	if ColorFor(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	if ColorFor(nil) {
		t.Error("nil is not a terminal")
	}
	var nilFile *os.File
	if ColorFor(nilFile) {
		t.Error("a nil *os.File is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "console")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ColorFor(f) || ColorFor(NewConsole(f)) {
		t.Error("a regular file is not a terminal")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !ColorFor(tty) || !ColorFor(NewConsole(tty)) {
			t.Error("/dev/tty should get colour")
		}
		t.Setenv("NO_COLOR", "1")
		if ColorFor(tty) {
			t.Error("NO_COLOR is set: no colour")
		}
	}
}

// FuzzTextFormatter checks that no input panics the formatter or gets
// anything but one safe line out of it, and that every valid JSON object is
