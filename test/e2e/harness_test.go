// Package e2e tests Heliograph end to end: a real server over a real SQLite file, reached over
// HTTP on 127.0.0.1, driven by the official Node client, raw bodies and the built binary.
package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/server"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// testServer is a running server with a project key.
type testServer struct {
	URL   string
	Key   string
	Store *sqlite.DB
}

// startServer runs a server on a fresh data directory and stops it when the test ends.
func startServer(t *testing.T) *testServer {
	t.Helper()
	return startServerWith(t, server.Options{})
}

// newProjectKey creates another project with its own key.
func (s *testServer) newProjectKey(t *testing.T, project, scope string) string {
	t.Helper()
	p, err := s.Store.CreateProject(t.Context(), project)
	if err != nil {
		t.Fatalf("CreateProject(%q): %v", project, err)
	}
	secret, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Store.CreateKey(t.Context(), store.Key{ID: auth.NewID(), ProjectID: p.ID,
		Name: "test", Scope: scope, Hash: auth.HashKey(secret), Prefix: auth.DisplayPrefix(secret)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return secret
}

// response is a finished HTTP exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response %q: %v", r.Body, err)
	}
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// do sends one request with the key and the given headers.
func (s *testServer) do(t *testing.T, method, path, key string, body []byte,
	headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// row is the part of a request row the tests check.
type row struct {
	RequestID         string            `json:"request_id"`
	RequestCreatedAt  string            `json:"request_created_at"`
	ResponseCreatedAt string            `json:"response_created_at"`
	RequestBody       json.RawMessage   `json:"request_body"`
	ResponseBody      json.RawMessage   `json:"response_body"`
	ResponseRaw       *string           `json:"response_raw"`
	ResponseStatus    int64             `json:"response_status"`
	Model             string            `json:"model"`
	Kind              string            `json:"kind"`
	Provider          string            `json:"provider"`
	DelayMs           int64             `json:"delay_ms"`
	TimeToFirstToken  *int64            `json:"time_to_first_token"`
	PromptTokens      int64             `json:"prompt_tokens"`
	CompletionTokens  int64             `json:"completion_tokens"`
	TotalTokens       int64             `json:"total_tokens"`
	CacheReadTokens   int64             `json:"prompt_cache_read_tokens"`
	Properties        map[string]string `json:"properties"`
	UserID            string            `json:"user_id"`
	SessionID         string            `json:"session_id"`
	SessionName       string            `json:"session_name"`
	SessionPath       string            `json:"session_path"`
	Error             string            `json:"error"`
	Streamed          bool              `json:"streamed"`
}

// getRow reads one request through GET /v1/request/{id}.
func (s *testServer) getRow(t *testing.T, key, id string) (row, int) {
	t.Helper()
	resp := s.do(t, http.MethodGet, "/v1/request/"+id, key, nil, nil)
	var env struct {
		Data  *row    `json:"data"`
		Error *string `json:"error"`
	}
	resp.json(t, &env)
	if env.Data == nil {
		return row{}, resp.Status
	}
	return *env.Data, resp.Status
}

// queryRows runs POST /v1/request/query with a Helicone filter tree.
func (s *testServer) queryRows(t *testing.T, key string, body string) ([]row, int) {
	t.Helper()
	resp := s.do(t, http.MethodPost, "/v1/request/query", key, []byte(body), nil)
	var env struct {
		Data  []row   `json:"data"`
		Error *string `json:"error"`
	}
	resp.json(t, &env)
	return env.Data, resp.Status
}
