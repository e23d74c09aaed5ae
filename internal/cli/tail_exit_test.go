package cli

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// statusServer responds to GET /v1/stream with the statuses of a script, one per request, and
// with the last one once the script is used up.
type statusServer struct {
	mu       sync.Mutex
	statuses []int
	requests int
}

func newStatusServer(t *testing.T, statuses ...int) (*statusServer, string) {
	t.Helper()
	s := &statusServer{statuses: statuses}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		status := s.statuses[min(s.requests, len(s.statuses)-1)]
		s.requests++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":"scripted status %d"}`, status)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *statusServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// A 4xx response other than 408 and 429 ends tail at the first request.
func TestTailExitsOnClientErrorStatus(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 410} {
		s, base := newStatusServer(t, status)
		code, _, stderr := runToExit(t, nil, "tail", "--url", base, "--api-key", fixtureKey)
		if code != 1 || !strings.Contains(stderr, fmt.Sprint(status)) {
			t.Errorf("tail answered %d: exit %d, stderr %q; want 1 naming the status", status,
				code, stderr)
		}
		if n := s.count(); n != 1 {
			t.Errorf("tail answered %d sent %d requests, want 1", status, n)
		}
	}
}

// 429 and 5xx responses can clear, so tail reconnects after them and stops at the 401.
func TestTailReconnectsAfterRetryableStatus(t *testing.T) {
	s, base := newStatusServer(t, http.StatusTooManyRequests, http.StatusServiceUnavailable,
		http.StatusUnauthorized)
	code, _, stderr := runToExit(t, nil, "tail", "--url", base, "--api-key", fixtureKey)
	if code != 1 {
		t.Errorf("tail: exit %d, want 1 after the 401; stderr:\n%s", code, stderr)
	}
	if n := s.count(); n != 3 {
		t.Errorf("tail sent %d requests, want 3: after 429, after 503 and the 401", n)
	}
	if got := strings.Count(stderr, "reconnecting in"); got != 2 {
		t.Errorf("tail reported %d reconnections, want 2:\n%s", got, stderr)
	}
}

func TestTailExitsOnUnknownKey(t *testing.T) {
	base, _ := startKeyedServer(t, filepath.Join(t.TempDir(), "data"))
	code, _, stderr := runToExit(t, nil, "tail", "--url", base, "--api-key",
		"hg_not_a_key_of_this_server_0000")
	if code != 1 || !strings.Contains(stderr, "401") {
		t.Errorf("tail with an unknown key: exit %d, stderr %q; want 1 and 401", code, stderr)
	}
}

// failingWriter fails every write, like standard output closed by the reader.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("output closed") }

func TestTailExitsWhenOutputFails(t *testing.T) {
	base, _ := startKeyedServer(t, filepath.Join(t.TempDir(), "data"))
	proxy := newHoldProxy(t, strings.TrimPrefix(base, "http://"))
	done := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		done <- Run(t.Context(), []string{"tail", "--url", proxy.URL(), "--api-key",
			fixtureKey}, Env{Stdout: failingWriter{}, Stderr: &stderr, Getenv: envFrom(nil)})
	}()
	waitFor(t, "the stream to open", func() bool { return proxy.count(": stream open") == 1 })
	postToolLog(t, base, "00000000-0000-4000-8000-000000000001", "search")

	var code int
	waitFor(t, "tail to exit", func() bool {
		select {
		case code = <-done:
			return true
		default:
			return false
		}
	})
	if code != 1 || !strings.Contains(stderr.String(), "write output: output closed") {
		t.Errorf("tail with failing output: exit %d, stderr %q; want 1 and the write error",
			code, stderr.String())
	}
}

// A request that net/http would refuse is reported as a *requestError without reaching the
// server, also when the key or event id skipped the checks of the flags.
func TestReadStreamRejectsInvalidHeader(t *testing.T) {
	s, base := newStatusServer(t, http.StatusOK)
	for _, tc := range []struct{ key, lastID string }{
		{"hg_leak_check\nrest", ""},
		{fixtureKey, "12\x0034"},
	} {
		c := &apiClient{base: base, key: tc.key, http: http.DefaultClient,
			stream: http.DefaultClient}
		err := c.readStream(t.Context(), "", tc.lastID, func(sseEvent) error { return nil })
		if _, ok := errors.AsType[*requestError](err); !ok {
			t.Errorf("readStream with key %q and id %q = %v, want a *requestError", tc.key,
				tc.lastID, err)
		}
		if reconnectable(err) {
			t.Errorf("reconnectable(%v) = true, want false", err)
		}
		if err != nil && strings.Contains(err.Error(), "hg_leak_check") {
			t.Errorf("readStream error shows the key: %v", err)
		}
	}
	if n := s.count(); n != 0 {
		t.Errorf("the server received %d requests, want 0", n)
	}
}

func TestReconnectable(t *testing.T) {
	netErr := &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v1/stream",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"network error", netErr, true},
		{"stream ended", errors.New("the server closed the stream"), true},
		{"cut response", fmt.Errorf("read stream: %w", io.ErrUnexpectedEOF), true},
		{"408", &statusError{Status: 408}, true},
		{"429", &statusError{Status: 429}, true},
		{"500", &statusError{Status: 500}, true},
		{"503", &statusError{Status: 503}, true},
		{"400", &statusError{Status: 400}, false},
		{"401", &statusError{Status: 401}, false},
		{"403", &statusError{Status: 403}, false},
		{"404", &statusError{Status: 404}, false},
		{"request error", &requestError{Method: "GET", Path: "/v1/stream",
			Err: errors.New("bad header")}, false},
		{"output error", fmt.Errorf("%w: %w", errWriteOutput, io.ErrClosedPipe), false},
	}
	for _, tc := range tests {
		if got := reconnectable(tc.err); got != tc.want {
			t.Errorf("reconnectable(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
