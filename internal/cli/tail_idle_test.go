package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A stream that goes silent, after its first event or before its headers, is dropped and
// opened again, and no event is lost.
func TestTailReconnectsSilentStream(t *testing.T) {
	defer func(d time.Duration) { streamIdleTimeout = d }(streamIdleTimeout)
	streamIdleTimeout = 200 * time.Millisecond

	var mu sync.Mutex
	requests := 0
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		n := requests
		mu.Unlock()
		switch n {
		case 1: // one event, then silence
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "id: 1\nevent: log\ndata: {\"request_id\":\"first\"}\n\n")
			w.(http.Flusher).Flush()
			<-release
		case 2: // silence before the headers
			<-release
		case 3:
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "id: 2\nevent: log\ndata: {\"request_id\":\"second\"}\n\n")
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the silent handlers

	code, stdout, stderr := runToExit(t, nil, "tail", "--url", srv.URL, "--api-key", fixtureKey,
		"--format", "jsonl")
	if code != 1 {
		t.Errorf("tail: exit %d, want 1 after the final 401; stderr:\n%s", code, stderr)
	}
	for _, id := range []string{"first", "second"} {
		if !strings.Contains(stdout, id) {
			t.Errorf("tail output lacks the event %q:\n%s", id, stdout)
		}
	}
	if got := strings.Count(stderr, "no data from the server"); got != 2 {
		t.Errorf("tail reported %d silent streams, want 2:\n%s", got, stderr)
	}
}
