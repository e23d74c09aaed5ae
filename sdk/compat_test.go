package sdk

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestCompatModeShape(t *testing.T) {
	s := newSink(t)
	l := newLogger(t, s.url()+"/v1/trace", WithCompatMode(true),
		WithDefaultHeaders(map[string]string{"Helicone-Property-env": "prod"}))
	start := time.UnixMilli(1735689600000)
	l.SendLog(t.Context(), Log{Request: toolReq, Response: map[string]any{"hits": 3},
		Start: start, End: start.Add(1250 * time.Millisecond)}, WithProperty("k", "v"))
	l.SendLog(t.Context(), Log{Request: LLM{Model: "gpt"}, Response: "hello",
		Start: start, End: start.Add(time.Second), TimeToFirstToken: 10 * time.Millisecond},
		WithProvider(ProviderOpenAI))
	flush(t, l)

	logs := s.stored()
	if len(logs) != 2 {
		t.Fatalf("sink stored %d logs, want 2", len(logs))
	}
	tool, llm := logs[0], logs[1]
	if tool.Path != "/v1/trace/custom/v1/log" || llm.Path != "/v1/trace/oai/v1/log" {
		t.Errorf("paths %q and %q, want the custom and oai routes", tool.Path, llm.Path)
	}
	h := tool.HTTPHeader
	if h.Get("Authorization") != "Bearer test-key" || h.Get("Content-Type") != "application/json" ||
		h.Get("Helicone-Property-k") != "v" || h.Get("Helicone-Property-env") != "prod" ||
		h.Get("Content-Encoding") != "" {
		t.Errorf("HTTP headers = %v", h)
	}
	if _, ok := parseRequestID(h.Get("Helicone-Request-Id")); !ok {
		t.Errorf("Helicone-Request-Id = %q, want a UUID", h.Get("Helicone-Request-Id"))
	}

	// The body of the official JavaScript client for the same tool call.
	wantTool := `{"providerRequest":{"url":"custom-model-nopath",` +
		`"json":{"_type":"tool","toolName":"search","input":{"q":"x"}},"meta":{}},` +
		`"providerResponse":{"json":{"hits":3,"_type":"tool","toolName":"search"},` +
		`"status":200,"headers":{}},` +
		`"timing":{"startTime":{"seconds":1735689600,"milliseconds":0},` +
		`"endTime":{"seconds":1735689601,"milliseconds":250}}}`
	got, _ := json.Marshal(tool.Body)
	if !jsonEqual(t, string(got), wantTool) {
		t.Errorf("tool body = %s\nwant %s", got, wantTool)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		slices.Sort(k)
		return k
	}
	if got := keys(llm.Body); !slices.Equal(got, []string{"provider", "providerRequest",
		"providerResponse", "timing"}) {
		t.Errorf("LLM body keys = %v", got)
	}
	resp := llm.response()
	if resp["textBody"] != "hello" || len(resp["json"].(map[string]any)) != 0 ||
		llm.Body["provider"] != "OPENAI" {
		t.Errorf("LLM response = %v, provider %v", resp, llm.Body["provider"])
	}
}

func TestCompatURLs(t *testing.T) {
	for endpoint, want := range map[string]string{
		"http://h:1":                    "http://h:1/custom/v1/log",
		"http://h:1/v1/trace":           "http://h:1/v1/trace/custom/v1/log",
		"http://h:1/oai/v1/log":         "http://h:1/custom/v1/log",
		"http://h:1/x/anthropic/v1/log": "http://h:1/x/custom/v1/log",
	} {
		if got := compatURLs(endpoint)[ProviderCustom]; got != want {
			t.Errorf("compatURLs(%q)[CUSTOM] = %q, want %q", endpoint, got, want)
		}
	}
}
