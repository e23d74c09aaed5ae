//go:build !unix

package datadir

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("lock held")

// lockFile does nothing where flock(2) is missing: two servers can then share a directory.
func lockFile(*os.File) error { return nil }
