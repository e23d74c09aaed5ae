package sdk

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// storedLog is one log received by the sink.
type storedLog struct {
	Headers  map[string]string `json:"headers"`
	Provider string            `json:"provider"`
	Body     map[string]any    `json:"body"`
	// Path and HTTPHeader are set for logs received on a single-log route.
	Path       string
	HTTPHeader http.Header
}

func (s storedLog) id() string { return s.Headers["Helicone-Request-Id"] }

// response returns body.providerResponse.
func (s storedLog) response() map[string]any {
	r, _ := s.Body["providerResponse"].(map[string]any)
	return r
}

// request returns body.providerRequest.json.
func (s storedLog) request() map[string]any {
	r, _ := s.Body["providerRequest"].(map[string]any)
	j, _ := r["json"].(map[string]any)
	return j
}

func (s storedLog) status() int {
	f, _ := s.response()["status"].(float64)
	return int(f)
}

// fault decides how the sink responds to one request. It returns true when it wrote the
// response (or dropped the connection) itself.
type fault func(w http.ResponseWriter, r *http.Request, commit func()) bool

// sink is a fake ingest server that follows the batch contract. It stores each request id
// once and reports items as "stored" or "duplicate". Faults can be switched at run time.
type sink struct {
	srv *httptest.Server

	mu       sync.Mutex
	posts    int
	logs     []storedLog
	byID     map[string]int
	dupes    int
	fault    fault
	latency  time.Duration
	rejectAt int // index of the item to reject in every batch, or -1
}

func newSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{byID: map[string]int{}, rejectAt: -1}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// newSinkAt starts a sink listening on addr ("127.0.0.1:port"), such as a port that
// refused connections until now.
func newSinkAt(t *testing.T, addr string) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	s := &sink{byID: map[string]int{}, rejectAt: -1}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	_ = s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// duplicates returns how many items the sink reported as duplicates.
func (s *sink) duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dupes
}

func (s *sink) url() string { return s.srv.URL }

func (s *sink) setFault(f fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		http.Error(w, `{"error":"unreadable body"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.posts++
	f, latency := s.fault, s.latency
	s.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency)
	}

	var items []storedLog
	single := r.URL.Path != batchPath
	if single {
		var b map[string]any
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, `{"error":"invalid JSON"}`, http.StatusBadRequest)
			return
		}
		items = []storedLog{{Headers: map[string]string{
			"Helicone-Request-Id": r.Header.Get("Helicone-Request-Id")},
			Body: b, Path: r.URL.Path, HTTPHeader: r.Header.Clone()}}
	} else {
		var req struct {
			Logs []storedLog `json:"logs"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, `{"error":"invalid JSON"}`, http.StatusBadRequest)
			return
		}
		items = req.Logs
	}

	var results []map[string]any
	commit := func() { results = s.store(items) }
	if f != nil && f(w, r, commit) {
		return
	}
	commit()
	if single {
		_, _ = io.WriteString(w, "ok")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
}

// store records items and returns the per-item results the server would return.
func (s *sink) store(items []storedLog) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	results := make([]map[string]any, len(items))
	for i, it := range items {
		id := it.id()
		switch {
		case i == s.rejectAt:
			results[i] = map[string]any{"index": i, "status": "rejected",
				"error": "body: rejected by test"}
		case s.byID[id] > 0:
			s.dupes++
			results[i] = map[string]any{"index": i, "id": id, "status": "duplicate"}
		default:
			s.logs = append(s.logs, it)
			s.byID[id]++
			results[i] = map[string]any{"index": i, "id": id, "status": "stored"}
		}
	}
	return results
}

func readBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		rd = gz
	}
	return io.ReadAll(rd)
}

func (s *sink) stored() []storedLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]storedLog(nil), s.logs...)
}

func (s *sink) postCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

// only returns the single stored log, failing the test when there is not exactly one.
func (s *sink) only(t *testing.T) storedLog {
	t.Helper()
	logs := s.stored()
	if len(logs) != 1 {
		t.Fatalf("sink stored %d logs, want 1", len(logs))
	}
	return logs[0]
}

// statusFault answers every request with code, and a Retry-After header when given.
func statusFault(code int, retryAfter string) fault {
	return func(w http.ResponseWriter, _ *http.Request, _ func()) bool {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":"status %d from test"}`, code)
		return true
	}
}

// delayedStatusFault answers with code after delay.
func delayedStatusFault(code int, delay time.Duration) fault {
	return func(w http.ResponseWriter, r *http.Request, _ func()) bool {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		w.WriteHeader(code)
		return true
	}
}

// firstFault applies f to the first n requests and lets the others through.
func firstFault(n int, f fault) fault {
	var mu sync.Mutex
	return func(w http.ResponseWriter, r *http.Request, commit func()) bool {
		mu.Lock()
		apply := n > 0
		n--
		mu.Unlock()
		return apply && f(w, r, commit)
	}
}

// afterFault lets the first n requests through and applies f to the others.
func afterFault(n int, f fault) fault {
	var mu sync.Mutex
	return func(w http.ResponseWriter, r *http.Request, commit func()) bool {
		mu.Lock()
		apply := n <= 0
		n--
		mu.Unlock()
		return apply && f(w, r, commit)
	}
}

// gateFault holds each request until release is closed, then applies f.
func gateFault(release <-chan struct{}, f fault) fault {
	return func(w http.ResponseWriter, r *http.Request, commit func()) bool {
		select {
		case <-release:
		case <-r.Context().Done():
			return true
		}
		return f(w, r, commit)
	}
}

// hangFault never responds. It returns when the client gives up on the request.
func hangFault(w http.ResponseWriter, r *http.Request, _ func()) bool {
	<-r.Context().Done()
	return true
}

// waitFor polls cond until it holds. The 30-second bound only stops a test whose
// condition never comes true, so it is not a speed check.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 3000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// resetFault closes the connection with a TCP reset instead of answering.
func resetFault(w http.ResponseWriter, _ *http.Request, _ func()) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
	return true
}

// commitThenDropFault stores the items and then closes the connection without answering,
// for the first n requests.
func commitThenDropFault(n int) fault {
	var mu sync.Mutex
	return func(w http.ResponseWriter, _ *http.Request, commit func()) bool {
		mu.Lock()
		defer mu.Unlock()
		if n == 0 {
			return false
		}
		n--
		commit()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		_ = conn.Close()
		return true
	}
}

// hangServer accepts connections and never answers.
func hangServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

// refusedAddr returns the URL of a loopback port with no listener.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

// errorLog collects the errors passed to the error handler.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorLog) add(err error) {
	e.mu.Lock()
	e.errs = append(e.errs, err)
	e.mu.Unlock()
}

func (e *errorLog) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// newLogger creates a Logger for tests, closed at cleanup if the test did not close it.
func newLogger(t *testing.T, endpoint string, opts ...Option) *Logger {
	t.Helper()
	base := []Option{WithEndpoint(endpoint), WithFlushInterval(20 * time.Millisecond),
		WithRetry(RetryPolicy{InitialBackoff: 10 * time.Millisecond,
			MaxBackoff: 100 * time.Millisecond})}
	l, err := New("test-key", append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := contextWithTimeout(2 * time.Second)
		defer cancel()
		_ = l.Close(ctx)
	})
	return l
}

// sdkGoroutines returns the stacks of goroutines that belong to a Logger or its HTTP
// connections.
func sdkGoroutines() []string {
	var out []string
	for _, g := range goroutineStacks() {
		if strings.Contains(g, "heliograph/sdk.(*sender)") ||
			strings.Contains(g, "net/http.(*persistConn)") {
			out = append(out, g)
		}
	}
	return out
}

// checkNoSDKGoroutines fails when goroutines of a Logger are still running shortly after
// it was closed.
func checkNoSDKGoroutines(t *testing.T) {
	t.Helper()
	var left []string
	for range 50 {
		if left = sdkGoroutines(); len(left) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("goroutines still running after Close:\n%s", strings.Join(left, "\n\n"))
}

func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtimeStack(buf)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return strings.Split(string(bytes.TrimSpace(buf)), "\n\n")
}
