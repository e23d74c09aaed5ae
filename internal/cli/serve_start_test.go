package cli

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runServeOnce runs serve with env until it returns; serve that starts is stopped at once.
func runServeOnce(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stderr syncBuffer
	code := Run(ctx, append([]string{"serve"}, args...), Env{Stdout: &stderr, Stderr: &stderr,
		Getenv: envFrom(env), Ready: func(string) { cancel() }})
	return code, stderr.String()
}

func TestServeOnBusyAddressWritesNothing(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	dir := filepath.Join(t.TempDir(), "data")

	code, stderr := runServeOnce(t, nil, "--addr", addr, "--data-dir", dir)
	if code != 1 {
		t.Fatalf("serve on a busy address: exit %d, want 1:\n%s", code, stderr)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("serve on a busy address created the data directory %s (stat: %v)", dir, err)
	}
	if n := strings.Count(stderr, addr); n != 1 {
		t.Errorf("error names the address %d times, want once:\n%s", n, stderr)
	}
}

func TestServeRejectsWeakBootstrapKey(t *testing.T) {
	for _, key := range []string{"abc", " ", "short-key-15chr", " leading-space-key",
		"trailing-space-key ", "tab\tinside-the-key", "non-ascii-ключ-key"} {
		dir := filepath.Join(t.TempDir(), "data")
		code, stderr := runServeOnce(t, map[string]string{"HELIOGRAPH_BOOTSTRAP_KEY": key},
			"--addr", "127.0.0.1:0", "--data-dir", dir)
		if code != 1 {
			t.Errorf("serve with HELIOGRAPH_BOOTSTRAP_KEY=%q: exit %d, want 1", key, code)
		}
		if !strings.Contains(stderr, "HELIOGRAPH_BOOTSTRAP_KEY") {
			t.Errorf("serve with HELIOGRAPH_BOOTSTRAP_KEY=%q: error does not name the "+
				"variable:\n%s", key, stderr)
		}
		if strings.TrimSpace(key) != "" && strings.Contains(stderr, strings.TrimSpace(key)) {
			t.Errorf("serve with HELIOGRAPH_BOOTSTRAP_KEY=%q: error shows the key", key)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("serve with HELIOGRAPH_BOOTSTRAP_KEY=%q created the data directory", key)
		}
	}
}

func TestServeAcceptsStrongBootstrapKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, stderr := runServeOnce(t, map[string]string{"HELIOGRAPH_BOOTSTRAP_KEY": fixtureKey},
		"--addr", "127.0.0.1:0", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("serve with a strong bootstrap key: exit %d:\n%s", code, stderr)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o700 {
		t.Errorf("data directory mode %o, want 700", mode)
	}
}

// The error of a failed open names the file once: the wrapped error names it already.
func TestFileErrorsNamePathOnce(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nonexistent.jsonl")
	conn := []string{"--url", "http://127.0.0.1:1", "--api-key", "k"}
	code, _, stderr := runCommand(t.Context(), append([]string{"import", missing}, conn...)...)
	if code != 1 || strings.Count(stderr, missing) != 1 {
		t.Errorf("import of a missing file: exit %d, want 1, with the path once:\n%s", code,
			stderr)
	}

	out := filepath.Join(dir, "no-such-dir", "logs.jsonl")
	code, _, stderr = runCommand(t.Context(),
		append([]string{"export", "--out", out}, conn...)...)
	if code != 1 || strings.Count(stderr, out) != 1 {
		t.Errorf("export to a missing directory: exit %d, want 1, with the path once:\n%s",
			code, stderr)
	}
}

func TestServeSecondOnSameDataDirFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan int)
	var firstErr syncBuffer
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
			Env{Stdout: &firstErr, Stderr: &firstErr, Getenv: envFrom(nil),
				Ready: func(string) { close(ready) }})
	}()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("first serve exited %d before it was ready:\n%s", code, firstErr.String())
	}

	code, stderr := runServeOnce(t, nil, "--addr", "127.0.0.1:0", "--data-dir", dir)
	if code != 1 {
		t.Errorf("second serve on the same data directory: exit %d, want 1:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, dir) || !strings.Contains(stderr, "serve.lock") {
		t.Errorf("second serve error does not name the directory and the lock:\n%s", stderr)
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("first serve exited %d:\n%s", code, firstErr.String())
	}
	// The lock goes with the first server.
	code, stderr = runServeOnce(t, nil, "--addr", "127.0.0.1:0", "--data-dir", dir)
	if code != 0 {
		t.Errorf("serve after the first stopped: exit %d:\n%s", code, stderr)
	}
}

func TestServeRejectsDirectoryStoreFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, databaseFile)
	if err := os.Mkdir(db, 0o700); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCommand(t.Context(), "serve", "--addr", "127.0.0.1:0", "--data-dir",
		dir)
	want := "store file " + db + " is not a regular file"
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("serve with %s a directory: exit %d, stderr %q; want 1 and %q", db, code,
			stderr, want)
	}
}
