package e2e

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heliograph/heliograph/sdk"
)

// storeThenDropProxy forwards requests to a server. The first batch is forwarded and, once
// the server has responded, the client's connection is closed without a response, as when
// a connection breaks after the server committed. Later requests are forwarded normally.
type storeThenDropProxy struct {
	target  string
	client  *http.Client
	batches atomic.Int64
	dropped atomic.Int64
}

func (p *storeThenDropProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(),
		bytes.NewReader(body))
	if err != nil {
		http.Error(w, "build request", http.StatusInternalServerError)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, "forward: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, "read response", http.StatusBadGateway)
		return
	}

	if r.URL.Path == "/v1/log/batch" && p.batches.Add(1) == 1 {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
			p.dropped.Add(1)
			return
		}
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(respBody)
}

// logNumbered logs n data steps, each with a fixed request id, and checks that every
// wrapped operation returned its own result. It returns the ids.
func logNumbered(t *testing.T, l *sdk.Logger, session string, n int) []string {
	t.Helper()
	ctx := sdk.ContextWithSession(t.Context(), session, "delivery")
	ids := make([]string, n)
	for i := range n {
		ids[i] = newUUID()
		got, err := sdk.Wrap(ctx, l, sdk.Data{Name: "step", Fields: map[string]any{"i": i}},
			func(context.Context, *sdk.Recorder) (int, error) { return i * i, nil },
			sdk.WithRequestID(ids[i]))
		if err != nil || got != i*i {
			t.Fatalf("Wrap step %d = %d, %v; want %d, nil", i, got, err, i*i)
		}
	}
	return ids
}

// checkStoredOnce checks that each id is stored exactly once and that the project holds no
// other row.
func checkStoredOnce(t *testing.T, srv *testServer, ids []string) {
	t.Helper()
	for _, id := range ids {
		if n := srv.countRowsWithID(t, id); n != 1 {
			t.Errorf("request %s stored %d times, want 1", id, n)
		}
	}
	if n := srv.countAllRows(t); n != len(ids) {
		t.Errorf("project holds %d rows, want %d", n, len(ids))
	}
}

// fastRetry retries transient failures quickly, for up to two minutes.
var fastRetry = sdk.RetryPolicy{
	MaxAttempts:    10000,
	InitialBackoff: 10 * time.Millisecond,
	MaxBackoff:     100 * time.Millisecond,
	MaxElapsed:     2 * time.Minute,
}

func TestSDKRetryAfterDroppedAnswerStoresOnce(t *testing.T) {
	const logs, batch = 40, 10
	srv := startServer(t)
	proxy := &storeThenDropProxy{target: srv.URL, client: &http.Client{Timeout: time.Minute}}
	front := httptest.NewServer(proxy)
	defer front.Close()
	l := newSDKLogger(t, front.URL, sdk.WithBatchSize(batch), sdk.WithRetry(fastRetry))

	ids := logNumbered(t, l, newUUID(), logs)
	closeSDKLogger(t, l)

	if n := proxy.dropped.Load(); n != 1 {
		t.Fatalf("proxy dropped %d responses, want 1", n)
	}
	st := l.Stats()
	if st.Sent != logs || st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("Stats = %+v, want %d sent, none failed or dropped", st, logs)
	}
	if st.Retried < 1 {
		t.Errorf("Stats.Retried = %d, want the dropped batch retried", st.Retried)
	}
	checkStoredOnce(t, srv, ids)
}

func TestSDKServerDownThenUpStoresOnce(t *testing.T) {
	const logs = 50
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	// Nothing listens on addr until the server starts below.
	ln.Close()
	l := newSDKLogger(t, "http://"+addr, sdk.WithBatchSize(10), sdk.WithRetry(fastRetry))

	ids := logNumbered(t, l, newUUID(), logs)
	waitForRetry(t, l)

	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := startServerOn(t, ln)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := l.Flush(ctx); err != nil {
		t.Fatalf("Flush after the server started: %v (stats %+v)", err, l.Stats())
	}
	closeSDKLogger(t, l)

	if st := l.Stats(); st.Sent != logs || st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("Stats = %+v, want %d sent, none failed or dropped", st, logs)
	}
	checkStoredOnce(t, srv, ids)
}

// waitForRetry waits until the logger has retried a delivery, so that the logs met the
// stopped server at least once.
func waitForRetry(t *testing.T, l *sdk.Logger) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for l.Stats().Retried == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no retry within 30 s while the server was down (stats %+v)", l.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := l.Stats(); st.Sent != 0 || st.Failed != 0 {
		t.Fatalf("Stats = %+v while the server was down, want nothing sent or failed", st)
	}
}
