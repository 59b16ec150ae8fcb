//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// terminalWidth returns 0: the width is taken from --width or COLUMNS.
func terminalWidth(*os.File) int { return 0 }
