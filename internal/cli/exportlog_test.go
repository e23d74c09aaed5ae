package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/heliograph/heliograph/internal/record"
)

// exportLogOf converts a record into the line that GET /v1/export writes for it.
func exportLogOf(rec *record.Record) exportLog {
	l := exportLog{
		RequestID:          rec.RequestID,
		CreatedAt:          rec.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		EndedAt:            rec.EndedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		Status:             rec.Status,
		Provider:           rec.Provider,
		Path:               rec.Path,
		Kind:               rec.Kind,
		Model:              rec.Model,
		ResponseModel:      rec.ResponseModel,
		ModelOverride:      rec.ModelOverride,
		UserID:             rec.UserID,
		SessionID:          rec.SessionID,
		SessionName:        rec.SessionName,
		SessionPath:        rec.SessionPath,
		PromptID:           rec.PromptID,
		Properties:         rec.Properties,
		TimeToFirstTokenMs: rec.TimeToFirstTokenMs,
		Cost:               rec.Cost,
		Streamed:           rec.Streamed,
		RequestBody:        string(rec.RequestBody),
	}
	if rec.ResponseRaw != nil {
		raw := string(rec.ResponseRaw)
		l.ResponseRaw = &raw
	}
	return l
}

// decodeItem decodes a batch item the way the batch endpoint does.
func decodeItem(t *testing.T, item []byte) *record.Record {
	t.Helper()
	var parsed struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(item, &parsed); err != nil {
		t.Fatalf("batch item is not valid JSON: %v\n%s", err, item)
	}
	h := http.Header{}
	for k, v := range parsed.Headers {
		h.Set(k, v)
	}
	rec, err := record.Decode(parsed.Body, h, record.Options{Path: "/v1/log/batch"})
	if err != nil {
		t.Fatalf("record.Decode(rebuilt body): %v\n%s", err, parsed.Body)
	}
	return rec
}

func TestBatchItemRebuildsRecord(t *testing.T) {
	const id = "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e"
	timing := `"timing":{"startTime":{"seconds":1735689600,"milliseconds":120},` +
		`"endTime":{"seconds":1735689601,"milliseconds":370}}`
	tests := []struct {
		name    string
		body    string
		headers map[string]string
	}{
		{"json response with spacing and html", `{"providerRequest":{"url":"u","json":` +
			`{ "model" : "gpt-4o", "messages": [{"role":"user","content":"<b>&</b>"}] },` +
			`"meta":{}},"providerResponse":{"json":{"model":"gpt-4o", "usage":` +
			`{"prompt_tokens":12,"completion_tokens":3}, "x": 1.50},"status":200,` +
			`"headers":{}},` + timing + `}`, nil},
		{"json text in textBody", `{"providerRequest":{"url":"u","json":{"model":"m"},` +
			`"meta":{}},"providerResponse":{"json":{},"textBody":"{\"model\":\"m2\"}",` +
			`"status":200,"headers":{}},` + timing + `}`, nil},
		{"sse stream with ttft", `{"providerRequest":{"url":"u","json":{"model":"gpt-4o",` +
			`"stream":true},"meta":{}},"providerResponse":{"json":{},"textBody":` +
			`"data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n` +
			`data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}` +
			`\n\ndata: [DONE]\n\n","status":200,"headers":{}},"timing":{"startTime":` +
			`{"seconds":1735689600,"milliseconds":0},"endTime":{"seconds":1735689602,` +
			`"milliseconds":0},"timeToFirstToken":250}}`, nil},
		{"cancelled stream", `{"providerRequest":{"url":"u","json":{"model":"m",` +
			`"stream":true},"meta":{}},"providerResponse":{"json":{},"textBody":` +
			`"{\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n{\"cho",` +
			`"status":-3,"headers":{}},` + timing + `}`, nil},
		{"plain text", `{"providerRequest":{"url":"u","json":{"model":"m"},"meta":{}},` +
			`"providerResponse":{"json":{},"textBody":"  just text\twith \u00e9 \ud83d\ude00 ",` +
			`"status":500,"headers":{}},` + timing + `}`, nil},
		{"tool named only by the response", `{"providerRequest":{"url":"u","json":` +
			`{"input":{"q":"x"}},"meta":{}},"providerResponse":{"json":{"_type":"tool",` +
			`"toolName":"search"},"textBody":"3 hits","status":200,"headers":{}},` +
			timing + `}`, nil},
		{"data log with cost and provider", `{"providerRequest":{"url":"u","json":` +
			`{"_type":"data","name":"user_query"},"meta":{}},"providerResponse":{"json":` +
			`{"rows":2},"status":200,"headers":{},"cost":0.00125},"provider":"anthropic",` +
			timing + `}`, nil},
		{"streamed_data object", `{"providerRequest":{"url":"u","json":{"model":"m"},` +
			`"meta":{}},"providerResponse":{"json":{"streamed_data":[{"model":"m",` +
			`"choices":[{"delta":{"content":"x"}}]}]},"status":200,"headers":{}},` +
			timing + `}`, nil},
		{"no response", `{"providerRequest":{"url":"u","json":{"model":"m"},"meta":{}},` +
			`"providerResponse":{"status":-1,"headers":{}},` + timing + `}`, nil},
		{"headers and properties", `{"providerRequest":{"url":"u","json":{"model":"m"},` +
			`"meta":{}},"providerResponse":{"json":{"ok":true},"status":200,"headers":{}},` +
			timing + `}`, map[string]string{
			"Helicone-User-Id": "u-1", "Helicone-Session-Id": "s-1",
			"Helicone-Session-Name": "agent run", "Helicone-Session-Path": "/a/b",
			"Helicone-Prompt-Id": "p-1", "Helicone-Model-Override": "override-1",
			"Helicone-Property-Environment": "prod", "Helicone-Property-uni.flow.id": "wf-1"}},
		{"omitted bodies", `{"providerRequest":{"url":"u","json":{"model":"m","secret":1},` +
			`"meta":{}},"providerResponse":{"json":{"model":"m","secret":2},"status":200,` +
			`"headers":{}},` + timing + `}`, map[string]string{
			"Helicone-Omit-Request": "true", "Helicone-Omit-Response": "true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Helicone-Request-Id": {id}}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			orig, err := record.Decode([]byte(tc.body), h, record.Options{
				Provider: record.ProviderCustom, Path: "/custom/v1/log"})
			if err != nil {
				t.Fatalf("record.Decode(original): %v", err)
			}
			l := exportLogOf(orig)
			item, err := l.appendBatchItem(nil)
			if err != nil {
				t.Fatalf("appendBatchItem: %v", err)
			}
			got := decodeItem(t, item)

			if !bytes.Equal(got.RequestBody, orig.RequestBody) {
				t.Errorf("request body = %q, want %q", got.RequestBody, orig.RequestBody)
			}
			if !bytes.Equal(got.ResponseRaw, orig.ResponseRaw) {
				t.Errorf("response raw = %q, want %q", got.ResponseRaw, orig.ResponseRaw)
			}
			got.Path = orig.Path
			if !reflect.DeepEqual(got, orig) {
				t.Errorf("rebuilt record differs:\n got %+v\nwant %+v", got, orig)
			}
		})
	}
}

func TestIsJSONObject(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{}`, true},
		{`{"a":[1,2]}`, true},
		{` {}`, false},
		{`{}` + "\n", false},
		{`[1]`, false},
		{`{"a":`, false},
		{`text`, false},
	}
	for _, tc := range tests {
		if got := isJSONObject(tc.in); got != tc.want {
			t.Errorf("isJSONObject(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
