package main

import (
	"os"
	"syscall"
)

// dataSync flushes the data and the size of f with fdatasync(2), as SQLite commits do.
func dataSync(f *os.File) error {
	return syscall.Fdatasync(int(f.Fd()))
}
