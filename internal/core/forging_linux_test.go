package core

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/logcrest/logcrest/internal/testkit"
)

// openPTY opens a pseudo-terminal pair whose terminal side passes bytes
// through untouched (no "\n" to "\r\n", no echo). The test is skipped when
// the system has none to give.
func openPTY(t *testing.T) (master, term *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var n uint32
	var ioErr error
	rc, err := master.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) {
			var unlock int32
			if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
				ioErr = e
				return
			}
			if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
				ioErr = e
			}
		})
	}
	if err == nil {
		err = ioErr
	}
	if err != nil {
		master.Close()
		t.Skipf("cannot set up a pseudo-terminal: %v", err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("cannot open the terminal side: %v", err)
	}
	var tio syscall.Termios
	fd := term.Fd()
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&tio))); e == 0 {
		tio.Oflag &^= syscall.OPOST
		tio.Lflag &^= syscall.ECHO | syscall.ICANON
		_, _, e = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&tio)))
		if e != 0 {
			err = e
		}
	} else {
		err = e
	}
	if err != nil {
		term.Close()
		master.Close()
		t.Skipf("cannot make the terminal raw: %v", err)
	}
	return master, term
}

// TestLogForgingColouredConsole gives the pipeline a real terminal, so the
// console is coloured, and reads what the terminal received: one line per
// record, and no escape sequence but LogCrest's own colours.
func TestLogForgingColouredConsole(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	master, term := openPTY(t)
	got := &testkit.Buffer{}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(got, master) // ends with EIO once the terminal side is closed
	}()
	defer func() {
		term.Close()
		master.Close()
		<-copied
	}()

	dir := t.TempDir()
	if err := Configure(WithDir(dir), WithName("svc"), WithConsole(term)); err != nil {
		t.Fatal(err)
	}
	n := logHostile()
	if err := Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(got.String(), "\n") < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	out := got.Bytes()
	if !ownColours.Match(out) {
		t.Fatalf("the console on a terminal is not coloured: %q", out)
	}
	checkTextLines(t, "coloured console", out, n, true)
	if rest := ownColours.ReplaceAll(out, nil); strings.ContainsRune(string(rest), 0x1b) {
		t.Errorf("an ESC outside LogCrest's own colour sequences reached the terminal: %q", out)
	}
}
