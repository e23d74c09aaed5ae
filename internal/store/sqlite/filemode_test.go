package sqlite_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// withUmask runs fn with the process umask set to mask, the common default 022, so that a
// file created without an explicit mode would be readable by others.
func withUmask(mask int, fn func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}

func assertPrivateFiles(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Errorf("stat %s: %v", filepath.Base(p), err)
			continue
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heliograph.db")
	withUmask(0o022, func() {
		db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatalf("Open(%s) = %v, want nil", path, err)
		}
		defer db.Close()
		if _, err := db.CreateProject(t.Context(), "p"); err != nil {
			t.Fatalf("CreateProject: %v", err)
		}
		assertPrivateFiles(t, path)
	})
}

func TestOpenRestrictsExistingFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heliograph.db")
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open(%s) = %v, want nil", path, err)
	}
	// Close may remove the -wal and -shm files. They stay while another process has the
	// store open, so the test creates them with the mode an earlier version gave them.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	db, err = sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen %s: %v", path, err)
	}
	defer db.Close()
	assertPrivateFiles(t, path)
}
