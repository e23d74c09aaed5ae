package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/heliograph/heliograph/internal/cli"
)

// cliResult is the outcome of one heliograph command run in process.
type cliResult struct {
	Stdout string
	Stderr string
	Code   int
}

// runCLI runs the heliograph command line args against the server with key. The URL and the
// key reach the command through HELIOGRAPH_URL and HELIOGRAPH_API_KEY.
func (s *testServer) runCLI(t *testing.T, key string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(t.Context(), args, cli.Env{Stdout: &stdout, Stderr: &stderr,
		Getenv: s.cliEnv(key)})
	return cliResult{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
}

// cliEnv returns the environment that points the command line at the server with key.
func (s *testServer) cliEnv(key string) func(string) string {
	env := map[string]string{"HELIOGRAPH_URL": s.URL, "HELIOGRAPH_API_KEY": key}
	return func(name string) string { return env[name] }
}

// mustRunCLI runs the command and fails the test unless it exits with 0.
func (s *testServer) mustRunCLI(t *testing.T, key string, args ...string) cliResult {
	t.Helper()
	res := s.runCLI(t, key, args...)
	if res.Code != 0 {
		t.Fatalf("heliograph %q: exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", args,
			res.Code, res.Stdout, res.Stderr)
	}
	return res
}

// lockedWriter is an io.Writer that a command goroutine and the test may share.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startCLI runs a long-running command such as tail in a goroutine. The returned stop
// function cancels its context and returns its exit code.
func (s *testServer) startCLI(t *testing.T, key string, args ...string) (stdout,
	stderr *lockedWriter, stop func() int) {
	t.Helper()
	stdout, stderr = &lockedWriter{}, &lockedWriter{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, args, cli.Env{Stdout: stdout, Stderr: stderr,
			Getenv: s.cliEnv(key)})
	}()
	stopped, code := false, 0
	stop = func() int {
		if !stopped {
			stopped = true
			cancel()
			code = <-done
		}
		return code
	}
	t.Cleanup(func() { stop() })
	return stdout, stderr, stop
}

// cliLog is one log of the command line fixture, stored through POST /custom/v1/log.
type cliLog struct {
	id       string
	startMs  int64 // milliseconds after baseSeconds
	latency  int64 // milliseconds
	status   int
	request  string // providerRequest.json
	response string // providerResponse members: "json":... and/or "textBody":...
	ttft     string // timing.timeToFirstToken, "" for none
	cost     string // providerResponse.cost, "" for none
	headers  map[string]string
}

// cliLogs is the fixture of the command line tests: every kind, a stream, a text response,
// a failure, a timeout, odd property values and large integers. Newest first is the reverse
// of this order, because each log starts later than the one before it.
var cliLogs = []cliLog{
	{id: idN(9001), startMs: 0, latency: 120, status: 200, ttft: "40", cost: "0.0125",
		request: `{"model":"gpt-4o","messages":[{"role":"user","content":"weather in Oslo"}]}`,
		response: `"json":{"model":"gpt-4o-2024-08-06","choices":[{"message":{"role":` +
			`"assistant","content":"Sunny"}}],"usage":{"prompt_tokens":12,` +
			`"completion_tokens":7,"total_tokens":19}}`,
		headers: map[string]string{"Helicone-Property-Environment": "production",
			"Helicone-Property-Team": "alpha", "Helicone-User-Id": "u-1",
			"Helicone-Session-Id": "cli-s1", "Helicone-Session-Name": "agent",
			"Helicone-Session-Path": "/plan"}},
	{id: idN(9002), startMs: 1500, latency: 2300, status: 200, ttft: "310",
		request: `{"model":"gpt-4o-mini","stream":true,"messages":[]}`,
		response: `"json":{},"textBody":"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}` +
			`\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\ndata: [DONE]\n\n"`,
		headers: map[string]string{"Helicone-Property-Environment": "production",
			"Helicone-User-Id": "u-2", "Helicone-Session-Id": "cli-s1",
			"Helicone-Session-Name": "agent", "Helicone-Session-Path": "/plan/answer"}},
	{id: idN(9003), startMs: 4000, latency: 480, status: 502,
		request: `{"_type":"tool","toolName":"search",` +
			`"input":{"q":"tabs\there","n":12345678901234567890}}`,
		response: `"json":{"error":"bad gateway","id":98765432109876543210}`,
		headers: map[string]string{
			"Helicone-Property-Environment": "staging",
			"Helicone-Property-Note":        "comma, \"quote\" and ünïcode",
			"Helicone-User-Id":              "u-1",
			"Helicone-Session-Id":           "cli-s2",
			"Helicone-Session-Path":         "/tools/search",
		}},
	{id: idN(9004), startMs: 6000, latency: 35, status: 200,
		request:  `{"_type":"data","name":"db_query","query":"SELECT 1"}`,
		response: `"json":{"_type":"data","name":"db_query"},"textBody":"plain text, not JSON"`,
		headers:  map[string]string{"Helicone-Property-Environment": "production"}},
	{id: idN(9005), startMs: 8000, latency: 30000, status: -1,
		request:  `{"_type":"vector_db","operation":"search","text":"refund policy","topK":3}`,
		response: `"json":{"error":"timed out"}`,
		headers: map[string]string{"Helicone-Property-Environment": "development",
			"Helicone-User-Id": "u-3"}},
}

// body returns the custom-log body of l.
func (l cliLog) body() string {
	startMs := baseSeconds*1000 + l.startMs
	endMs := startMs + l.latency
	extra := ""
	if l.cost != "" {
		extra = `,"cost":` + l.cost
	}
	timing := fmt.Sprintf(`"startTime":{"seconds":%d,"milliseconds":%d},`+
		`"endTime":{"seconds":%d,"milliseconds":%d}`, startMs/1000, startMs%1000, endMs/1000,
		endMs%1000)
	if l.ttft != "" {
		timing += `,"timeToFirstToken":` + l.ttft
	}
	return fmt.Sprintf(`{"providerRequest":{"url":"custom-model-nopath","json":%s,"meta":{}},`+
		`"providerResponse":{%s,"status":%d,"headers":{}%s},"timing":{%s}}`,
		l.request, l.response, l.status, extra, timing)
}

// storeCLILogs stores the fixture with key and returns the ids, oldest first.
func (s *testServer) storeCLILogs(t *testing.T, key string) []string {
	t.Helper()
	ids := make([]string, 0, len(cliLogs))
	for _, l := range cliLogs {
		hdr := map[string]string{"Helicone-Request-Id": l.id}
		for k, v := range l.headers {
			hdr[k] = v
		}
		if !json.Valid([]byte(l.body())) {
			t.Fatalf("fixture log %s: body is not valid JSON:\n%s", l.id, l.body())
		}
		resp := s.do(t, http.MethodPost, "/custom/v1/log", key, []byte(l.body()), hdr)
		if resp.Status != http.StatusOK {
			t.Fatalf("POST fixture log %s: %d %s", l.id, resp.Status, resp.Body)
		}
		ids = append(ids, l.id)
	}
	return ids
}

// rawRow reads GET /v1/request/{id} and returns the row's members left encoded.
func (s *testServer) rawRow(t *testing.T, key, id string) map[string]json.RawMessage {
	t.Helper()
	resp := s.do(t, http.MethodGet, "/v1/request/"+id, key, nil, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /v1/request/%s: %d %s", id, resp.Status, resp.Body)
	}
	var env struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	resp.json(t, &env)
	return env.Data
}

// countLogs returns how many logs the key's project holds, read through GET /v1/requests.
func (s *testServer) countLogs(t *testing.T, key string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		path := "/v1/requests?limit=1000"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		resp := s.do(t, http.MethodGet, path, key, nil, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.Status, resp.Body)
		}
		var page pageData
		resp.json(t, &page)
		n += len(page.Data.Rows)
		if page.Data.NextCursor == "" {
			return n
		}
		cursor = page.Data.NextCursor
	}
}

// runWithStderr runs one command with the given writers and returns its exit code.
func runWithStderr(t *testing.T, s *testServer, args []string, stdout, stderr io.Writer) int {
	t.Helper()
	return cli.Run(t.Context(), args, cli.Env{Stdout: stdout, Stderr: stderr,
		Getenv: s.cliEnv(s.Key)})
}
