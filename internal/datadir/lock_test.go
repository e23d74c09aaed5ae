package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestAcquireSecondLockFails(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(dir)
	if err != nil {
		t.Fatalf("first Acquire: %v", err)
	}

	_, err = Acquire(dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire = %v, want ErrLocked", err)
	}
	for _, part := range []string{dir, "pid " + strconv.Itoa(os.Getpid()), "--data-dir"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("second Acquire error %q does not name %q", err, part)
		}
	}

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	again, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestAcquireStaleFile(t *testing.T) {
	dir := t.TempDir()
	// A file left by a process that died holds no lock.
	if err := os.WriteFile(filepath.Join(dir, LockFile), []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire over a stale file: %v", err)
	}
	defer l.Close()

	b, err := os.ReadFile(filepath.Join(dir, LockFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), strconv.Itoa(os.Getpid())+"\n"; got != want {
		t.Errorf("lock file = %q, want %q", got, want)
	}
}

func TestAcquireMissingDirectory(t *testing.T) {
	_, err := Acquire(filepath.Join(t.TempDir(), "missing"))
	if err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("Acquire in a missing directory = %v, want an open error", err)
	}
}
