// Command heliograph-load measures ingest throughput: it starts a do-nothing HTTP server and a
// heliograph server, each in its own process, posts ~1 KB logs to both from 1, 8 and 64
// concurrent clients over loopback, and prints logs/s, p50/p99 latency and the server's peak
// memory side by side.
//
//	go build -o bin/heliograph ./cmd/heliograph
//	go run ./cmd/heliograph-load --bin bin/heliograph
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/heliograph/heliograph/internal/loadgen"
)

const loadKey = "hg_load_test_key_00000000000000000000000000"

func main() {
	noop := flag.Bool("noop-server", false, "run only the do-nothing server (used internally)")
	bin := flag.String("bin", "bin/heliograph", "path to the heliograph binary")
	clients := flag.String("clients", "1,8,64", "comma-separated concurrent client counts")
	duration := flag.Duration("duration", 10*time.Second, "length of each measured run")
	size := flag.Int("size", 1024, "log body size in bytes")
	sync := flag.String("sync", "full", "heliograph --sync mode")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *noop {
		err = serveNoop(ctx)
	} else {
		err = compare(ctx, *bin, *clients, *duration, *size, *sync)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "heliograph-load:", err)
		os.Exit(1)
	}
}

// serveNoop answers every request with 200 and an empty JSON object, using the same
// net/http server the heliograph server uses, and prints its address on stdout.
func serveNoop(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}\n"))
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func compare(ctx context.Context, bin, clientList string, d time.Duration, size int,
	syncMode string) error {
	counts, err := parseCounts(clientList)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	noop, noopAddr, err := startNoop(ctx, self)
	if err != nil {
		return fmt.Errorf("start do-nothing server: %w", err)
	}
	defer stopProcess(noop)

	dataDir, err := os.MkdirTemp("", "heliograph-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	heli, heliAddr, err := startHeliograph(ctx, bin, dataDir, syncMode)
	if err != nil {
		return fmt.Errorf("start heliograph: %w", err)
	}
	defer stopProcess(heli)

	fmt.Printf("heliograph-load: %d-byte logs, %s per run, GOMAXPROCS %d, %d CPUs, sync=%s, %s\n",
		size, d, runtime.GOMAXPROCS(0), runtime.NumCPU(), syncMode,
		time.Now().UTC().Format(time.RFC3339))
	fmt.Println()
	fmt.Println("| clients | do-nothing logs/s | p50 | p99 | heliograph logs/s | p50 | p99 | " +
		"ratio | errors |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	body := loadgen.LogBody(size, time.Now())
	for _, n := range counts {
		base := loadgen.Run(ctx, loadgen.Config{URL: "http://" + noopAddr + "/custom/v1/log",
			Body: body, Clients: n, Duration: d})
		got := loadgen.Run(ctx, loadgen.Config{URL: "http://" + heliAddr + "/custom/v1/log",
			Key: loadKey, Body: body, Clients: n, Duration: d})
		fmt.Printf("| %d | %.0f | %s | %s | %.0f | %s | %s | %.2f | %d |\n", n,
			base.PerSecond, ms(base.P50), ms(base.P99), got.PerSecond, ms(got.P50), ms(got.P99),
			got.PerSecond/base.PerSecond, got.Errors+base.Errors)
		if got.FirstError != "" {
			fmt.Fprintln(os.Stderr, "first heliograph error:", got.FirstError)
		}
	}
	fmt.Println()
	fmt.Printf("heliograph peak resident memory (VmHWM): %s\n", peakRSS(heli.Process.Pid))
	return nil
}

func parseCounts(s string) ([]int, error) {
	var counts []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("--clients: %q is not a positive integer", f)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

func startNoop(ctx context.Context, self string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, self, "-noop-server")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stopProcess(cmd)
		return nil, "", err
	}
	return cmd, strings.TrimSpace(addr), nil
}

func startHeliograph(ctx context.Context, bin, dataDir, syncMode string) (*exec.Cmd, string,
	error) {
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data-dir",
		dataDir, "--log-format", "json", "--sync", syncMode)
	cmd.Env = append(os.Environ(), "HELIOGRAPH_BOOTSTRAP_KEY="+loadKey)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "ready" {
			go func() { _, _ = io.Copy(io.Discard, errPipe) }()
			return cmd, line.Addr, nil
		}
	}
	stopProcess(cmd)
	return nil, "", fmt.Errorf("%s exited before it was ready", bin)
}

func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// peakRSS reads the peak resident set size of a process from /proc (Linux only).
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}
