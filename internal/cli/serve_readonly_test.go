//go:build unix

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// childServeEnv names the variable with the JSON arguments of serve for
// TestServeChildProcess.
const childServeEnv = "HELIOGRAPH_TEST_CHILD_SERVE_ARGS"

// unprivilegedUID is the user id (the user "nobody" on most Linux systems) that a test running as root uses
// to run serve without root's permission to write anywhere.
const unprivilegedUID = 65534

// TestServeChildProcess runs serve with the arguments in childServeEnv and prints its exit
// code, so that a test can run serve as another user. Without the variable it is skipped.
func TestServeChildProcess(t *testing.T) {
	raw := os.Getenv(childServeEnv)
	if raw == "" {
		t.Skip("runs only as the child process of TestServeReportsUnwritableDataDir")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatalf("decode %s: %v", childServeEnv, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	code := Run(ctx, append([]string{"serve"}, args...), Env{Stdout: os.Stdout,
		Stderr: os.Stdout, Getenv: envFrom(nil), Ready: func(string) { cancel() }})
	fmt.Printf("\nserve exit code %d\n", code)
}

// runServeUnprivileged runs serve on dataDir as a user whose file permissions apply: as
// unprivilegedUID in a child process when the test runs as root, otherwise in-process. It
// returns serve's exit code and output.
func runServeUnprivileged(t *testing.T, dataDir string) (int, string) {
	t.Helper()
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dataDir}
	if os.Geteuid() != 0 {
		return runServeOnce(t, nil, args...)
	}

	// The test binary is copied where the other user may run it.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	openToOthers(t, binDir)
	bin := filepath.Join(binDir, "cli.test")
	copyFile(t, exe, bin, 0o755)

	rawArgs, _ := json.Marshal(args)
	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestServeChildProcess$",
		"-test.count=1")
	cmd.Env = []string{childServeEnv + "=" + string(rawArgs)}
	cmd.Dir = binDir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: unprivilegedUID, Gid: unprivilegedUID}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("cannot run a process as user %d: %v", unprivilegedUID, err)
	}
	m := regexp.MustCompile(`serve exit code (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child process printed no exit code (%v):\n%s", err, out)
	}
	code, _ := strconv.Atoi(string(m[1]))
	return code, string(out)
}

// openToOthers lets other users enter dir and the directories that t.TempDir made above it.
func openToOthers(t *testing.T, dir string) {
	t.Helper()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// A data directory or store file that serve cannot write is named in the error, with the
// reason, before the store is opened.
func TestServeReportsUnwritableDataDir(t *testing.T) {
	root := os.Geteuid() == 0
	tests := []struct {
		name string
		// lock makes dataDir or its database file unwritable for the user of serve.
		lock func(t *testing.T, dataDir, dbPath string)
		want func(dataDir, dbPath string) string
	}{
		{"directory", func(t *testing.T, dataDir, dbPath string) {
			if root {
				// The database file stays writable, so only the directory is at fault.
				chown(t, dbPath, unprivilegedUID)
				chmod(t, dataDir, 0o755)
				return
			}
			chmod(t, dataDir, 0o555)
		}, func(dataDir, _ string) string {
			return "data directory " + dataDir + " is not writable (permission denied)"
		}},
		{"database file", func(t *testing.T, dataDir, dbPath string) {
			if root {
				chown(t, dataDir, unprivilegedUID)
				return
			}
			chmod(t, dbPath, 0o400)
		}, func(_, dbPath string) string {
			return "store file " + dbPath + " is not writable (permission denied)"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			openToOthers(t, base)
			dataDir := filepath.Join(base, "data")
			dbPath := filepath.Join(dataDir, databaseFile)
			if code, out := runServeOnce(t, nil, "--addr", "127.0.0.1:0", "--data-dir",
				dataDir); code != 0 {
				t.Fatalf("first serve: exit %d:\n%s", code, out)
			}
			tc.lock(t, dataDir, dbPath)
			t.Cleanup(func() {
				_ = os.Chmod(dataDir, 0o700)
				_ = os.Chmod(dbPath, 0o600)
			})

			code, out := runServeUnprivileged(t, dataDir)
			if code != 1 {
				t.Errorf("serve on an unwritable %s: exit %d, want 1:\n%s", tc.name, code, out)
			}
			if want := tc.want(dataDir, dbPath); !strings.Contains(out, want) {
				t.Errorf("serve on an unwritable %s: output lacks %q:\n%s", tc.name, want, out)
			}
			if strings.Contains(out, "readonly database") {
				t.Errorf("serve opened the store before checking it:\n%s", out)
			}
		})
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func chown(t *testing.T, path string, uid int) {
	t.Helper()
	if err := os.Chown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}
