package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/store"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	Name string
	ID   string
	Data string
}

// sseStream is an open GET /v1/stream.
type sseStream struct {
	Resp   *http.Response
	Events chan sseEvent
	// Opened is closed when the ": stream open" comment arrives.
	Opened chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// openStream opens GET /v1/stream?<params> with key and reads its events in a goroutine
// until the stream ends. The caller closes it.
func (s *testServer) openStream(t *testing.T, key string, params url.Values,
	headers map[string]string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		s.URL+"/v1/stream?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	// No client timeout: the stream stays open until the test closes it.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET /v1/stream: %v", err)
	}
	st := &sseStream{Resp: resp, Events: make(chan sseEvent, 64),
		Opened: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	go st.read()
	return st
}

func (st *sseStream) read() {
	defer close(st.done)
	defer close(st.Events)
	sc := bufio.NewScanner(st.Resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var ev sseEvent
	opened := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Data != "" {
				st.Events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ": stream open") && !opened:
			opened = true
			close(st.Opened)
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			ev.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data += strings.TrimPrefix(line, "data: ")
		}
	}
}

// Close disconnects and waits for the reader to finish.
func (st *sseStream) Close() {
	st.cancel()
	st.Resp.Body.Close()
	<-st.done
}

// nextLog waits for the next event and returns the request row in it.
func (st *sseStream) nextLog(t *testing.T) (row, sseEvent) {
	t.Helper()
	ev, ok := <-st.Events
	if !ok {
		t.Fatalf("stream ended before the expected event")
	}
	if ev.Name != "log" {
		t.Fatalf("event %q with data %s, want log", ev.Name, ev.Data)
	}
	var r row
	if err := json.Unmarshal([]byte(ev.Data), &r); err != nil {
		t.Fatalf("decode event data %s: %v", ev.Data, err)
	}
	return r, ev
}

// streamGoroutines returns the stacks of goroutines serving a live-tail stream.
func streamGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "internal/api.(*Handler).stream(") {
			found = append(found, g)
		}
	}
	return found
}

// waitNoStreamGoroutines fails when stream handlers keep running after their clients left.
// A handler notices a departed client on its next poll, so the check waits for up to 5 s.
func waitNoStreamGoroutines(t *testing.T) {
	t.Helper()
	var left []string
	for range 250 {
		if left = streamGoroutines(); len(left) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%d stream handlers still running after their clients left:\n%s", len(left),
		strings.Join(left, "\n\n"))
}

const streamBase = 400

func TestStreamLiveTail(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, streamBase)

	st := srv.openStream(t, srv.Key, url.Values{"q": {`property.env = "prod"`}}, nil)
	if st.Resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/stream: status %d", st.Resp.StatusCode)
	}
	if ct := st.Resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q, want text/event-stream", ct)
	}
	if got := st.Resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
	<-st.Opened

	// Logs stored before the stream opened are not sent. Of the new logs, only those with
	// env=prod are; the last one marks the end, because logs arrive in the order stored.
	post := func(n int, env string) {
		srv.postAt(t, idN(streamBase+n), baseSeconds+int64(n),
			map[string]string{"Helicone-Property-Env": env})
	}
	post(10, "dev")
	post(11, "prod")
	post(12, "staging")
	post(13, "prod")
	var got []string
	var last sseEvent
	for len(got) < 2 {
		r, ev := st.nextLog(t)
		got = append(got, r.RequestID)
		last = ev
		if r.Properties["env"] != "prod" || r.RequestBody != nil {
			t.Errorf("event row %s: properties %v, body %s; want env=prod and no body",
				r.RequestID, r.Properties, r.RequestBody)
		}
	}
	if want := []string{idN(streamBase + 11), idN(streamBase + 13)}; !slices.Equal(got, want) {
		t.Errorf("streamed %v, want %v", got, want)
	}
	if last.ID == "" {
		t.Errorf("last event of a page has no id")
	}
	st.Close()
	waitNoStreamGoroutines(t)

	t.Run("resume from position 0", func(t *testing.T) {
		st := srv.openStream(t, srv.Key, url.Values{"q": {`property.env = "prod"`},
			"after": {"0"}}, nil)
		defer st.Close()
		var got []string
		for len(got) < 5 {
			r, _ := st.nextLog(t)
			got = append(got, r.RequestID)
		}
		want := []string{idN(streamBase + 1), idN(streamBase + 3), idN(streamBase + 6),
			idN(streamBase + 11), idN(streamBase + 13)}
		if !slices.Equal(got, want) {
			t.Errorf("after=0: %v, want %v", got, want)
		}
	})

	t.Run("resume with Last-Event-ID", func(t *testing.T) {
		st := srv.openStream(t, srv.Key, url.Values{}, map[string]string{
			"Last-Event-ID": last.ID})
		defer st.Close()
		<-st.Opened
		post(14, "none")
		r, _ := st.nextLog(t)
		if r.RequestID != idN(streamBase+14) {
			t.Errorf("after Last-Event-ID %s: first log %s, want the one stored after it",
				last.ID, r.RequestID)
		}
	})
	waitNoStreamGoroutines(t)
}

func TestStreamErrorsAndLimit(t *testing.T) {
	srv := startServer(t)
	srv.apiError(t, http.MethodGet, "/v1/stream?q="+url.QueryEscape("latency > fast"), srv.Key,
		"", http.StatusBadRequest, "q: position")
	srv.apiError(t, http.MethodGet, "/v1/stream?after=-3", srv.Key, "", http.StatusBadRequest,
		"after", `"-3"`)

	// A project may hold 16 streams open and the server 64; a stream beyond either limit is
	// refused until one closes.
	keys := []string{srv.Key}
	for _, name := range []string{"p2", "p3", "p4", "p5"} {
		keys = append(keys, srv.newProjectKey(t, name, store.ScopeRead))
	}
	var open []*sseStream
	for _, key := range keys[:4] {
		for range 16 {
			st := srv.openStream(t, key, url.Values{}, nil)
			if st.Resp.StatusCode != http.StatusOK {
				t.Fatalf("stream %d: status %d", len(open), st.Resp.StatusCode)
			}
			open = append(open, st)
		}
		srv.apiError(t, http.MethodGet, "/v1/stream", key, "",
			http.StatusServiceUnavailable, "too many open streams for this project", "16")
	}
	srv.apiError(t, http.MethodGet, "/v1/stream", keys[4], "", http.StatusServiceUnavailable,
		"too many open streams, the limit is 64")
	open[0].Close()
	waitFor(t, "a freed stream slot", func() bool {
		st := srv.openStream(t, keys[4], url.Values{}, nil)
		ok := st.Resp.StatusCode == http.StatusOK
		if ok {
			open[0] = st
		} else {
			st.Close()
		}
		return ok
	})
	for _, st := range open {
		st.Close()
	}
	waitNoStreamGoroutines(t)
}
