package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// heliographBinary builds cmd/heliograph once per test run.
func heliographBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "heliograph-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "heliograph")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/heliograph").
			CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a running heliograph serve.
type process struct {
	cmd  *exec.Cmd
	addr string
	logs *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startBinary runs heliograph serve on a free port and waits for its "ready" log line.
func startBinary(t *testing.T, dataDir string, env []string, args ...string) *process {
	t.Helper()
	return startWrapped(t, nil, dataDir, env, args...)
}

// startWrapped is startBinary with the command line prefixed by wrapper, such as nohup.
func startWrapped(t *testing.T, wrapper []string, dataDir string, env []string,
	args ...string) *process {
	t.Helper()
	all := append([]string{heliographBinary(t), "serve", "--addr", "127.0.0.1:0",
		"--data-dir", dataDir, "--log-format", "json"}, args...)
	all = append(append([]string(nil), wrapper...), all...)
	cmd := exec.Command(all[0], all[1:]...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start heliograph: %v", err)
	}
	p := &process{cmd: cmd, logs: &lockedBuffer{}, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(io.TeeReader(stderr, p.logs))
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "ready" {
				ready <- line.Addr
			}
		}
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case p.addr = <-ready:
	case <-p.done:
		t.Fatalf("heliograph exited before ready:\n%s", p.logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("heliograph not ready after 60 s:\n%s", p.logs.String())
	}
	return p
}
