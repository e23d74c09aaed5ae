// Command heliograph-load measures ingest throughput. It starts three servers, each in its own
// process: a do-nothing HTTP server, an append server that writes each body to a file and
// responds after fdatasync with group commit (the cost of a durable response without a store),
// and heliograph. It posts ~1 KB logs to each from 1, 8 and 64 concurrent clients over
// loopback, and prints logs/s, p50/p99 latency, CPU time per request and heliograph's peak
// memory side by side.
//
//	go build -o bin/heliograph ./cmd/heliograph
//	go run ./cmd/heliograph-load --bin bin/heliograph
//
// With --url it loads only a server that is already running, to compare builds or settings.
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
	"path/filepath"
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
	appendDir := flag.String("append-server", "", "run only the append+fdatasync server, "+
		"writing to a file in this directory (used internally)")
	bin := flag.String("bin", "bin/heliograph", "path to the heliograph binary")
	clients := flag.String("clients", "1,8,64", "comma-separated concurrent client counts")
	duration := flag.Duration("duration", 10*time.Second, "length of each measured run")
	size := flag.Int("size", 1024, "log body size in bytes")
	sync := flag.String("sync", "full", "heliograph --sync mode")
	url := flag.String("url", "", "load only the server with this ingest URL, such as "+
		"http://127.0.0.1:8585/custom/v1/log, with no baseline servers")
	apiKey := flag.String("api-key", "", "with --url, the key sent as a bearer token "+
		"(default HELIOGRAPH_API_KEY)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case *noop:
		err = serveNoop(ctx)
	case *appendDir != "":
		err = serveAppend(ctx, *appendDir)
	case *url != "":
		key := *apiKey
		if key == "" {
			key = os.Getenv("HELIOGRAPH_API_KEY")
		}
		err = loadOne(ctx, *url, key, *clients, *duration, *size)
	default:
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
	return serveLocal(ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}\n"))
	}))
}

// serveLocal serves h on a free port of 127.0.0.1, prints the address on stdout, and stops
// when ctx ends.
func serveLocal(ctx context.Context, h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
	dataDir, err := os.MkdirTemp("", "heliograph-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)

	noop, err := startBaseline(ctx, self, "-noop-server")
	if err != nil {
		return fmt.Errorf("start do-nothing server: %w", err)
	}
	defer stopProcess(noop.cmd)
	durable, err := startBaseline(ctx, self, "-append-server", dataDir)
	if err != nil {
		return fmt.Errorf("start append server: %w", err)
	}
	defer stopProcess(durable.cmd)
	heli, err := startHeliograph(ctx, bin, filepath.Join(dataDir, "heliograph"), syncMode)
	if err != nil {
		return fmt.Errorf("start heliograph: %w", err)
	}
	defer stopProcess(heli.cmd)

	fmt.Printf("heliograph-load: %d-byte logs, %s per run, GOMAXPROCS %d, %d CPUs, sync=%s, %s\n",
		size, d, runtime.GOMAXPROCS(0), runtime.NumCPU(), syncMode,
		time.Now().UTC().Format(time.RFC3339))
	fmt.Println()
	fmt.Println("| clients | do-nothing logs/s | p50 | p99 | append+fdatasync logs/s | p50 | p99 | " +
		"heliograph logs/s | p50 | p99 | ratio | ratio to append | errors |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	body := loadgen.LogBody(size, time.Now())
	var usage []string
	for _, n := range counts {
		base := measure(ctx, noop, body, n, d)
		floor := measure(ctx, durable, body, n, d)
		got := measure(ctx, heli, body, n, d)
		fmt.Printf("| %d | %.0f | %s | %s | %.0f | %s | %s | %.0f | %s | %s | %.2f | %.2f | %d |\n",
			n, base.PerSecond, ms(base.P50), ms(base.P99),
			floor.PerSecond, ms(floor.P50), ms(floor.P99),
			got.PerSecond, ms(got.P50), ms(got.P99),
			got.PerSecond/base.PerSecond, got.PerSecond/floor.PerSecond,
			got.Errors+base.Errors+floor.Errors)
		usage = append(usage, fmt.Sprintf("%d clients: heliograph %.2f cores (%.0f µs per log), "+
			"load generator %.2f cores; append server %.0f µs, do-nothing server %.0f µs per "+
			"request", n, got.serverCores(), got.serverMicros(), got.clientCores(),
			floor.serverMicros(), base.serverMicros()))
		for _, r := range []measured{base, floor, got} {
			if r.FirstError != "" {
				fmt.Fprintf(os.Stderr, "first error of %s: %s\n", r.name, r.FirstError)
			}
		}
	}
	fmt.Println()
	fmt.Println("CPU time during the runs (user and system, from /proc):")
	for _, line := range usage {
		fmt.Println("- " + line)
	}
	fmt.Printf("heliograph peak resident memory (VmHWM): %s\n", peakRSS(heli.cmd.Process.Pid))
	return nil
}

// server is one process under load.
type server struct {
	name string
	cmd  *exec.Cmd
	addr string
	key  string
}

// measured is the result of one run with the CPU time the server and this process used.
type measured struct {
	loadgen.Result
	name              string
	server, generator time.Duration
}

func (m measured) serverCores() float64 { return m.server.Seconds() / m.Elapsed.Seconds() }
func (m measured) clientCores() float64 { return m.generator.Seconds() / m.Elapsed.Seconds() }

// serverMicros returns the server's CPU time per successful request in microseconds.
func (m measured) serverMicros() float64 {
	return float64(m.server.Microseconds()) / float64(max(m.Requests, 1))
}

// measure loads s from clients concurrent clients for d.
func measure(ctx context.Context, s server, body []byte, clients int, d time.Duration) measured {
	serverBefore, selfBefore := cpuTime(s.cmd.Process.Pid), cpuTime(os.Getpid())
	r := loadgen.Run(ctx, loadgen.Config{URL: "http://" + s.addr + "/custom/v1/log",
		Key: s.key, Body: body, Clients: clients, Duration: d})
	return measured{Result: r, name: s.name,
		server:    cpuTime(s.cmd.Process.Pid) - serverBefore,
		generator: cpuTime(os.Getpid()) - selfBefore}
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

// startBaseline starts this program with args as a baseline server and reads its address.
func startBaseline(ctx context.Context, self string, args ...string) (server, error) {
	cmd := exec.CommandContext(ctx, self, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return server{}, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stopProcess(cmd)
		return server{}, err
	}
	return server{name: args[0], cmd: cmd, addr: strings.TrimSpace(addr)}, nil
}

// startHeliograph starts heliograph serve with a bootstrap key and waits for its ready line.
func startHeliograph(ctx context.Context, bin, dataDir, syncMode string) (server, error) {
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data-dir",
		dataDir, "--log-format", "json", "--sync", syncMode)
	cmd.Env = append(os.Environ(), "HELIOGRAPH_BOOTSTRAP_KEY="+loadKey)
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return server{}, err
	}
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "ready" {
			go func() { _, _ = io.Copy(io.Discard, errPipe) }()
			return server{name: "heliograph", cmd: cmd, addr: line.Addr, key: loadKey}, nil
		}
	}
	stopProcess(cmd)
	return server{}, fmt.Errorf("%s exited before it was ready", bin)
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

// cpuTime reads the user and system CPU time a process has used from /proc (Linux only), or 0.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name in field 2 may contain spaces, so the fields are counted after it.
	rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return 0
	}
	// utime and stime are fields 14 and 15 of the file, in clock ticks of 1/100 s on Linux.
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}
