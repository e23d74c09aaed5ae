// Package datadir guards a data directory against a second server.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// LockFile is the name of the lock file in a data directory.
const LockFile = "serve.lock"

// ErrLocked reports that another process holds the lock of a data directory.
var ErrLocked = errors.New("data directory in use")

// Lock is an exclusive lock on a data directory, held until Close or the end of the process.
type Lock struct {
	file *os.File
}

// Acquire takes the lock of dir without waiting. It returns an error wrapping [ErrLocked]
// that names the directory when another process, or another Lock in this process, holds it.
// The lock is an advisory flock(2) lock. The kernel drops it when its holder exits, even by
// SIGKILL, so a lock file left by a dead process does not block a start. The file records
// the holder's process id for the operator.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err) // The *PathError names the file.
	}
	if err := lockFile(f); err != nil {
		holder := readHolder(f)
		_ = f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("%w: another heliograph serve%s is using %s (lock %s); "+
				"stop it or choose another --data-dir", ErrLocked, holder, dir, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{file: f}, nil
}

// Close releases the lock.
func (l *Lock) Close() error {
	return l.file.Close()
}

// readHolder returns " (pid N)" from the lock file of another holder, or "" when it has none.
func readHolder(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(string(trimNewline(buf[:n])))
	if err != nil || pid <= 0 {
		return ""
	}
	return " (pid " + strconv.Itoa(pid) + ")"
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
