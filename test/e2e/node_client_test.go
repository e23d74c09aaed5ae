package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeDir holds the Node project that installs the official client.
const nodeDir = "../node"

// requireNode skips when Node or the installed client is missing, unless the test command
// asked for every test to run (HELIOGRAPH_REQUIRE_NODE=1), where it fails instead.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(nodeDir, "node_modules", "@helicone", "helpers"))
	}
	if err != nil {
		if os.Getenv("HELIOGRAPH_REQUIRE_NODE") == "1" {
			t.Fatalf("node or @helicone/helpers missing (run npm ci in test/node): %v", err)
		}
		t.Skipf("node or @helicone/helpers missing (run npm ci in test/node): %v", err)
	}
	return node
}

type nodeManifest struct {
	SessionID string            `json:"sessionId"`
	Logs      map[string]string `json:"logs"`
	Returned  map[string]any    `json:"returned"`
}

func TestOfficialNodeClient(t *testing.T) {
	node := requireNode(t)
	srv := startServer(t)

	cmd := exec.CommandContext(t.Context(), node, "log-with-helpers.mjs")
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(), "HELIOGRAPH_URL="+srv.URL, "HELIOGRAPH_API_KEY="+srv.Key)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node log-with-helpers.mjs: %v\n%s", err, stderr.String())
	}
	// The official client prints to stderr when the server rejects a log.
	if stderr.Len() > 0 {
		t.Errorf("client printed errors:\n%s", stderr.String())
	}
	var m nodeManifest
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("decode manifest %q: %v", out, err)
	}

	checkReturned(t, m.Returned)
	for _, tc := range nodeCases {
		t.Run(tc.label, func(t *testing.T) {
			id := m.Logs[tc.label]
			if id == "" {
				t.Fatalf("manifest has no request id for %q", tc.label)
			}
			r, status := srv.getRow(t, srv.Key, id)
			if status != 200 {
				t.Fatalf("GET /v1/request/%s: status %d", id, status)
			}
			checkCommon(t, r, m.SessionID, tc)
			tc.check(t, r)
		})
	}
}

// checkReturned confirms logRequest handed back what each operation returned.
func checkReturned(t *testing.T, got map[string]any) {
	t.Helper()
	want := map[string]any{
		"db_query":     "db-result",
		"ml_inference": "positive",
		"tool":         float64(3),
		"vector_db":    float64(2),
		"llm":          "Salut ! 👋",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("logRequest for %s returned %v, want %v", k, got[k], v)
		}
	}
	if n, _ := got["stream"].(float64); n <= 0 {
		t.Errorf("stream reader got %v bytes, want > 0", got["stream"])
	}
}

type nodeCase struct {
	label  string
	kind   string
	model  string
	path   string
	status int64
	// minLatency is the operation's sleep less 2 ms, because Date.now() rounds both ends of
	// the measurement down to whole milliseconds.
	minLatency int64
	check      func(t *testing.T, r row)
}

var nodeCases = []nodeCase{
	{label: "db_query", kind: "data", model: "data:db_query", path: "/agent/db", status: 200,
		minLatency: 38, check: func(t *testing.T, r row) {
			wantJSONField(t, r.RequestBody, "query", "SELECT id, total FROM orders WHERE user_id = $1")
			wantJSONField(t, r.ResponseBody, "rowCount", float64(2))
		}},
	{label: "api_call", kind: "data", model: "data:weather_api", path: "/agent/api", status: 200,
		minLatency: 23, check: func(t *testing.T, r row) {
			wantJSONField(t, r.RequestBody, "url", "https://weather.example/v1/today?city=Paris")
			wantJSONField(t, r.ResponseBody, "status", float64(200))
		}},
	{label: "ml_inference", kind: "data", model: "data:sentiment_model", path: "/agent/ml",
		status: 200, minLatency: 13, check: func(t *testing.T, r row) {
			wantJSONField(t, r.ResponseBody, "label", "positive")
		}},
	{label: "tool", kind: "tool", model: "tool:web_search", path: "/agent/tool", status: 200,
		minLatency: 18, check: func(t *testing.T, r row) {
			wantJSONField(t, r.RequestBody, "toolName", "web_search")
			wantJSONField(t, r.ResponseBody, "status", "success")
		}},
	{label: "vector_db", kind: "vector_db", model: "vector_db", path: "/agent/vector",
		status: 200, minLatency: 8, check: func(t *testing.T, r row) {
			wantJSONField(t, r.RequestBody, "databaseName", "docs-index")
			wantJSONField(t, r.RequestBody, "topK", float64(2))
		}},
	{label: "llm", kind: "llm", model: "gpt-4o-mini-2024-07-18", path: "/agent/llm", status: 200,
		minLatency: 28, check: func(t *testing.T, r row) {
			if r.Provider != "OPENAI" {
				t.Errorf("provider = %q, want OPENAI", r.Provider)
			}
			if r.PromptTokens != 11 || r.CompletionTokens != 4 || r.TotalTokens != 15 {
				t.Errorf("tokens = %d/%d/%d, want 11/4/15", r.PromptTokens,
					r.CompletionTokens, r.TotalTokens)
			}
			if r.CacheReadTokens != 3 {
				t.Errorf("cache read tokens = %d, want 3", r.CacheReadTokens)
			}
		}},
	{label: "single", kind: "llm", model: "gpt-4o", path: "/agent/single", status: 200,
		minLatency: 120, check: func(t *testing.T, r row) {
			if r.DelayMs != 120 {
				t.Errorf("delay_ms = %d, want exactly the given 120", r.DelayMs)
			}
			if !strings.Contains(string(r.ResponseBody), "one shot") {
				t.Errorf("response_body = %s, want the text body", r.ResponseBody)
			}
		}},
	{label: "stream", kind: "llm", model: "gpt-4o", path: "/agent/stream", status: 200,
		check: func(t *testing.T, r row) {
			if !r.Streamed {
				t.Errorf("streamed = false, want true")
			}
			if !strings.Contains(string(r.ResponseBody), `"Bonjour le monde"`) {
				t.Errorf("response_body = %s, want merged content \"Bonjour le monde\"",
					r.ResponseBody)
			}
			if r.TimeToFirstToken == nil {
				t.Errorf("time_to_first_token = nil, want the builder's value")
			}
			if r.ResponseRaw == nil || strings.Count(*r.ResponseRaw, "\n") < 5 {
				t.Errorf("response_raw = %v, want the NDJSON text as sent", r.ResponseRaw)
			}
		}},
	{label: "error", kind: "llm", model: "gpt-4o", path: "/agent/error", status: 500,
		check: func(t *testing.T, r row) {
			if !strings.Contains(string(r.ResponseBody)+r.Error, "upstream exploded") {
				t.Errorf("response = %s (error %q), want the error message", r.ResponseBody,
					r.Error)
			}
		}},
}

func checkCommon(t *testing.T, r row, session string, tc nodeCase) {
	t.Helper()
	if r.Kind != tc.kind {
		t.Errorf("kind = %q, want %q", r.Kind, tc.kind)
	}
	if r.Model != tc.model {
		t.Errorf("model = %q, want %q", r.Model, tc.model)
	}
	if r.ResponseStatus != tc.status {
		t.Errorf("response_status = %d, want %d", r.ResponseStatus, tc.status)
	}
	if r.DelayMs < tc.minLatency {
		t.Errorf("delay_ms = %d, want at least %d", r.DelayMs, tc.minLatency)
	}
	if r.SessionID != session || r.Properties["Helicone-Session-Id"] != session {
		t.Errorf("session id = %q (property %q), want %q", r.SessionID,
			r.Properties["Helicone-Session-Id"], session)
	}
	if r.SessionPath != tc.path {
		t.Errorf("session path = %q, want %q", r.SessionPath, tc.path)
	}
	if r.SessionName != "node acceptance" {
		t.Errorf("session name = %q, want %q", r.SessionName, "node acceptance")
	}
	if r.UserID != "user-node" {
		t.Errorf("user = %q, want user-node", r.UserID)
	}
	for k, v := range map[string]string{"label": tc.label, "environment": "Test",
		"app": "node-acceptance", "city": "Zürich"} {
		if r.Properties[k] != v {
			t.Errorf("property %q = %q, want %q", k, r.Properties[k], v)
		}
	}
	start, err1 := time.Parse(time.RFC3339, r.RequestCreatedAt)
	end, err2 := time.Parse(time.RFC3339, r.ResponseCreatedAt)
	if err1 != nil || err2 != nil {
		t.Fatalf("times %q, %q: %v %v", r.RequestCreatedAt, r.ResponseCreatedAt, err1, err2)
	}
	if got := end.Sub(start).Milliseconds(); got != r.DelayMs {
		t.Errorf("end - start = %d ms, delay_ms = %d", got, r.DelayMs)
	}
	if age := time.Since(start); age < 0 || age > 10*time.Minute {
		t.Errorf("request_created_at %s is not the time of the call", start)
	}
}

// wantJSONField checks one top-level field of a JSON object.
func wantJSONField(t *testing.T, raw json.RawMessage, key string, want any) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("body %s is not a JSON object: %v", raw, err)
	}
	if m[key] != want {
		t.Errorf("body field %q = %v, want %v (body %s)", key, m[key], want, raw)
	}
}
