package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitDone waits for p to exit, failing the test after limit, which only stops a broken
// server from hanging the test.
func waitDone(t *testing.T, p *process, limit time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("heliograph still running %v after the signal:\n%s", limit, p.logs.String())
	}
}

// SIGHUP, sent when the terminal closes, shuts the server down as SIGTERM does.
func TestHangupShutsDownCleanly(t *testing.T) {
	p := startBinary(t, t.TempDir(), nil)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p, time.Minute)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGHUP, want 0:\n%s", code, p.logs.String())
	}
	for _, msg := range []string{`"msg":"shutting down"`, `"msg":"writer drained"`} {
		if !strings.Contains(p.logs.String(), msg) {
			t.Errorf("log after SIGHUP lacks %s:\n%s", msg, p.logs.String())
		}
	}
}

// A second signal ends a shutdown that waits for a request still being sent.
func TestSecondSignalEndsShutdown(t *testing.T) {
	p := startBinary(t, t.TempDir(), nil, "--shutdown-timeout", "10m")
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A request whose body never arrives keeps the connection active.
	fmt.Fprintf(conn, "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	// The server accepts connections in order. Once a later one gets its response, the first
	// is being served, so shutdown waits for it.
	resp, err := http.Get("http://" + p.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(p.logs.String(), `"msg":"shutting down"`) {
		select {
		case <-p.done:
			t.Fatalf("heliograph exited although a request was in flight:\n%s",
				p.logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The signal handler is released right after the first signal, not at the log line, so
	// the second signal is sent until the process ends.
	deadline := time.After(time.Minute)
	for stopped := false; !stopped; {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
			stopped = true
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatalf("heliograph still running a minute after the second SIGTERM:\n%s",
				p.logs.String())
		}
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGTERM) {
		t.Errorf("after a second SIGTERM: exit code %d, want %d:\n%s", code,
			128+int(syscall.SIGTERM), p.logs.String())
	}
}

// A server started under nohup keeps SIGHUP ignored and stops on SIGTERM as usual.
func TestNohupKeepsServing(t *testing.T) {
	if _, err := exec.LookPath("nohup"); err != nil {
		t.Skip("nohup not installed")
	}
	p := startWrapped(t, []string{"nohup"}, t.TempDir(), nil)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// The SIGHUP is ignored, so the server keeps responding. A shutdown would close the
	// listener within milliseconds of the signal, and the checks span 300 ms.
	for range 10 {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz after SIGHUP: %v\n%s", err, p.logs.String())
		}
		resp.Body.Close()
		time.Sleep(30 * time.Millisecond)
	}
	if strings.Contains(p.logs.String(), "shutting down") {
		t.Errorf("server under nohup shut down on SIGHUP:\n%s", p.logs.String())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p, time.Minute)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0:\n%s", code, p.logs.String())
	}
}
