//go:build !linux

package main

import "os"

// dataSync flushes f with fsync(2) where fdatasync(2) is not in package syscall.
func dataSync(f *os.File) error {
	return f.Sync()
}
