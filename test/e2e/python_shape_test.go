package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// pythonCase is one body shaped as the Python client sends it.
type pythonCase struct {
	name      string
	path      string
	body      string
	kind      string
	model     string
	latencyMs int64
	check     func(t *testing.T, r row)
}

func TestPythonClientBodies(t *testing.T) {
	srv := startServer(t)
	start := float64(baseSeconds) + 0.25
	cases := []pythonCase{
		{
			name: "data log",
			path: "/custom/v1/log",
			body: pythonBody(`{"_type": "data", "name": "db_query", "query": "SELECT 1"}`,
				`{"rows": [[1]], "_type": "data", "toolName": "unknown"}`, start, start+0.5),
			kind: "data", model: "data:db_query", latencyMs: 500,
		},
		{
			name: "tool log",
			path: "/custom/v1/log",
			body: pythonBody(`{"_type": "tool", "toolName": "calculator", "input": {"x": 2}}`,
				`{"result": 4, "_type": "tool", "toolName": "calculator"}`, start, start+0.125),
			kind: "tool", model: "tool:calculator", latencyMs: 125,
		},
		{
			name: "vector db log",
			path: "/custom/v1/log",
			body: pythonBody(`{"_type": "vector_db", "operation": "search", "text": "q", "topK": 3}`,
				`{"matches": [], "_type": "vector_db", "toolName": "unknown"}`, start, start+0.0625),
			kind: "vector_db", model: "vector_db", latencyMs: 62,
		},
		{
			name: "llm log with unknown markers",
			path: "/oai/v1/log",
			body: pythonBody(`{"model": "gpt-4o", "messages": [{"role": "user", "content": "hé"}]}`,
				`{"model": "gpt-4o-2024-08-06", "choices": [{"message": {"role": "assistant", `+
					`"content": "ok"}}], "usage": {"prompt_tokens": 5, "completion_tokens": 2, `+
					`"total_tokens": 7}, "_type": "unknown", "toolName": "unknown"}`,
				start, start+1.5),
			kind: "llm", model: "gpt-4o-2024-08-06", latencyMs: 1500,
			check: func(t *testing.T, r row) {
				if r.Provider != "OPENAI" {
					t.Errorf("provider = %q, want OPENAI from the route", r.Provider)
				}
				if r.TotalTokens != 7 {
					t.Errorf("total tokens = %d, want 7", r.TotalTokens)
				}
			},
		},
		{
			name: "builder error log sent with status 200",
			path: "/custom/v1/log",
			body: pythonTextBody(`{"model": "claude-3"}`,
				"Traceback (most recent call last):\nValueError: boom\n\npartial", start, start+2),
			kind: "llm", model: "claude-3", latencyMs: 2000,
			check: func(t *testing.T, r row) {
				if r.ResponseStatus != 200 {
					t.Errorf("status = %d, want the 200 the client sent", r.ResponseStatus)
				}
				if r.ResponseRaw == nil || !strings.HasPrefix(*r.ResponseRaw, "Traceback") {
					t.Errorf("response_raw = %v, want the text body", r.ResponseRaw)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := srv.do(t, http.MethodPost, tc.path, srv.Key, []byte(tc.body),
				map[string]string{"Helicone-Property-Client": "python",
					"Helicone-User-Id": "py-user"})
			if resp.Status != http.StatusOK {
				t.Fatalf("POST %s: status %d %s", tc.path, resp.Status, resp.Body)
			}
			var ack struct{ ID string }
			resp.json(t, &ack)
			r, status := srv.getRow(t, srv.Key, ack.ID)
			if status != http.StatusOK {
				t.Fatalf("GET request %s: status %d", ack.ID, status)
			}
			if r.Kind != tc.kind || r.Model != tc.model {
				t.Errorf("kind, model = %q, %q, want %q, %q", r.Kind, r.Model, tc.kind, tc.model)
			}
			if r.DelayMs != tc.latencyMs {
				t.Errorf("delay_ms = %d, want %d", r.DelayMs, tc.latencyMs)
			}
			if r.TimeToFirstToken != nil {
				t.Errorf("time_to_first_token = %d, want null", *r.TimeToFirstToken)
			}
			if r.RequestCreatedAt != "2025-01-01T00:00:00.250Z" {
				t.Errorf("request_created_at = %q, want 2025-01-01T00:00:00.250Z",
					r.RequestCreatedAt)
			}
			if r.Properties["client"] != "python" || r.UserID != "py-user" {
				t.Errorf("property client = %q, user = %q", r.Properties["client"], r.UserID)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}
