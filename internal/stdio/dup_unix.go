//go:build unix

package stdio

import (
	"os"
	"syscall"
)

// dup returns a close-on-exec duplicate of f's descriptor, or nil.
func dup(f *os.File) *os.File {
	sc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	nfd := -1
	_ = sc.Control(func(fd uintptr) {
		// ForkLock keeps a concurrent fork from inheriting the new
		// descriptor before it is marked close-on-exec, as package os does.
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
		if d, err := syscall.Dup(int(fd)); err == nil {
			syscall.CloseOnExec(d)
			nfd = d
		}
	})
	if nfd < 0 {
		return nil
	}
	return os.NewFile(uintptr(nfd), f.Name())
}
