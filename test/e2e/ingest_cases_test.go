package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/store"
)

func TestDuplicateRequestIDStoredOnce(t *testing.T) {
	srv := startServer(t)
	const id = "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e"
	hdr := map[string]string{"Helicone-Request-Id": id, "Helicone-Session-Id": "S-dup"}
	for i := range 2 {
		resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody), hdr)
		if resp.Status != http.StatusOK {
			t.Fatalf("POST %d: status %d %s", i, resp.Status, resp.Body)
		}
		if got := resp.Header.Get("Helicone-Id"); got != id {
			t.Errorf("POST %d: Helicone-Id = %q, want %q", i, got, id)
		}
	}
	rows, _ := srv.queryRows(t, srv.Key, `{"filter":"all"}`)
	if len(rows) != 1 || rows[0].RequestID != id {
		t.Fatalf("stored %d rows, want exactly one with id %s", len(rows), id)
	}
	sessionRows, _ := srv.queryRows(t, srv.Key, `{"filter":{"request_response_rmt":`+
		`{"properties":{"Helicone-Session-Id":{"equals":"S-dup"}}}}}`)
	if len(sessionRows) != 1 {
		t.Errorf("session S-dup has %d rows, want 1", len(sessionRows))
	}
}

func TestInvalidRequestIDReplaced(t *testing.T) {
	srv := startServer(t)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody),
		map[string]string{"Helicone-Request-Id": "not-a-uuid"})
	var ack struct{ ID string }
	resp.json(t, &ack)
	if ack.ID == "" || ack.ID == "not-a-uuid" {
		t.Errorf("id = %q, want a fresh UUID", ack.ID)
	}
	if resp.Header.Get("Helicone-Id") != ack.ID {
		t.Errorf("Helicone-Id = %q, body id = %q", resp.Header.Get("Helicone-Id"), ack.ID)
	}
}

func TestProjectIsolation(t *testing.T) {
	srv := startServer(t)
	keyB := srv.newProjectKey(t, "project-b", store.ScopeAll)
	const idA = "0b0c3c1e-8f1d-4a57-9d8e-2a0b0c3c1e8f"
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody),
		map[string]string{"Helicone-Request-Id": idA, "Helicone-Property-Secret": "a",
			"Helicone-Session-Id": "S_A", "Helicone-User-Id": "alice-a"})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST with key A: %d %s", resp.Status, resp.Body)
	}

	if _, status := srv.getRow(t, keyB, idA); status != http.StatusNotFound {
		t.Errorf("GET A's request with key B: status %d, want 404", status)
	}
	if _, status := srv.getRow(t, keyB, "11111111-1111-4111-8111-111111111111"); status !=
		http.StatusNotFound {
		t.Errorf("GET unknown request: status %d, want the same 404", status)
	}
	for _, filter := range []string{`"all"`,
		`{"request_response_rmt":{"request_id":{"equals":"` + idA + `"}}}`,
		`{"request_response_rmt":{"user_id":{"equals":"alice-a"}}}`,
		`{"request_response_rmt":{"properties":{"secret":{"equals":"a"}}}}`} {
		rows, status := srv.queryRows(t, keyB, `{"filter":`+filter+`}`)
		if status != http.StatusOK || len(rows) != 0 {
			t.Errorf("key B query %s: status %d, %d rows, want 200 and none", filter, status,
				len(rows))
		}
	}

	// B may log its own record under the same id; it lands in B's project only.
	resp = srv.do(t, http.MethodPost, "/custom/v1/log", keyB, []byte(baseBody),
		map[string]string{"Helicone-Request-Id": idA, "Helicone-Property-Owner": "b"})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST with key B: %d %s", resp.Status, resp.Body)
	}
	a, _ := srv.getRow(t, srv.Key, idA)
	if a.Properties["secret"] != "a" || a.Properties["owner"] != "" {
		t.Errorf("A's record changed after B's log: properties %v", a.Properties)
	}
	b, _ := srv.getRow(t, keyB, idA)
	if b.Properties["owner"] != "b" || b.Properties["secret"] != "" {
		t.Errorf("B's record: properties %v, want only owner=b", b.Properties)
	}
}

func TestOversizedBodies(t *testing.T) {
	srv := startServer(t)
	const limit = 10 << 20

	big := strings.Repeat("x", 9<<20)
	body := withRequestJSON(`{"input":"` + big + `"}`)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(body), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("9 MiB field: status %d %.200s", resp.Status, resp.Body)
	}
	var ack struct{ ID string }
	resp.json(t, &ack)
	r, _ := srv.getRow(t, srv.Key, ack.ID)
	want := sha256.Sum256([]byte(`{"input":"` + big + `"}`))
	if got := sha256.Sum256(r.RequestBody); got != want {
		t.Errorf("9 MiB request body did not round-trip byte for byte")
	}

	over := withRequestJSON(`{"input":"` + strings.Repeat("y", 12<<20) + `"}`)
	resp = srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(over),
		map[string]string{"Helicone-Property-Doc": "big", "Helicone-Session-Id": "S-big"})
	if resp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("12 MiB body: status %d, want 413", resp.Status)
	}

	pad := func(n int) []byte {
		return append([]byte(baseBody), bytes.Repeat([]byte(" "), n-len(baseBody))...)
	}
	if resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, pad(limit+1),
		nil); resp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("body of limit+1 bytes: status %d, want 413", resp.Status)
	}
	if resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, pad(limit),
		nil); resp.Status != http.StatusOK {
		t.Errorf("body of exactly the limit: status %d, want 200 (%.200s)", resp.Status,
			resp.Body)
	}
	rows, _ := srv.queryRows(t, srv.Key, `{"filter":{"request_response_rmt":`+
		`{"properties":{"doc":{"equals":"big"}}}}}`)
	if len(rows) != 0 {
		t.Errorf("rejected 12 MiB log left %d rows", len(rows))
	}
}

func TestNestingDepth(t *testing.T) {
	srv := startServer(t)
	inner := nested(200)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(withRequestJSON(inner)),
		nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("200-deep body: status %d %s", resp.Status, resp.Body)
	}
	var ack struct{ ID string }
	resp.json(t, &ack)
	r, _ := srv.getRow(t, srv.Key, ack.ID)
	if string(r.RequestBody) != inner {
		t.Errorf("200-deep request body did not round-trip exactly")
	}
}

func TestLargeIntegersAndUnicodeSurvive(t *testing.T) {
	srv := startServer(t)
	req := `{"model":"m","id":12345678901234567890,"n":9007199254740993,"text":"日本語 😀 é"}`
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key,
		[]byte(withRequestJSON(req)), nil)
	var ack struct{ ID string }
	resp.json(t, &ack)
	r, _ := srv.getRow(t, srv.Key, ack.ID)
	if string(r.RequestBody) != req {
		t.Errorf("request body = %s, want %s", r.RequestBody, req)
	}
}

func TestOddPropertyNames(t *testing.T) {
	srv := startServer(t)
	body := strings.Replace(baseBody, `"meta":{}`,
		`"meta":{"Helicone-Property-key with space":"v","Helicone-Property-ключ":"w"}`, 1)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(body),
		map[string]string{"Helicone-Property-uni.workflow.id": "wf-1",
			"Helicone-Property-MiXeD": "y", "Helicone-Property-o'brien": "q",
			"Helicone-Property-a_b-c~d": "z"})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST: %d %s", resp.Status, resp.Body)
	}
	var ack struct{ ID string }
	resp.json(t, &ack)
	r, _ := srv.getRow(t, srv.Key, ack.ID)
	want := map[string]string{"uni.workflow.id": "wf-1", "mixed": "y", "o'brien": "q",
		"a_b-c~d": "z", "key with space": "v", "ключ": "w"}
	for k, v := range want {
		if r.Properties[k] != v {
			t.Errorf("property %q = %q, want %q", k, r.Properties[k], v)
		}
	}
	for _, key := range []string{"uni.workflow.id", "mixed", "MiXeD", "o'brien",
		"key with space", "ключ"} {
		value := want[strings.ToLower(key)]
		filter := fmt.Sprintf(`{"filter":{"request_response_rmt":{"properties":{%q:`+
			`{"equals":%q}}}}}`, key, value)
		rows, status := srv.queryRows(t, srv.Key, filter)
		if status != http.StatusOK || len(rows) != 1 {
			t.Errorf("filter on property %q: status %d, %d rows, want 1", key, status, len(rows))
		}
	}
}

func TestStreamStitching(t *testing.T) {
	srv := startServer(t)
	text := "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n" +
		": keep-alive\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo 😀\"}}]}\r\n\r\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"ci\"}}]}}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\":\\\"Pa\"}}]}}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ris\\\"}\"}}]}}]}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n" +
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21}}\n\n" +
		"data: [DONE]\n\n"
	textJSON, _ := json.Marshal(text)
	body := `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"gpt-x",` +
		`"stream":true,"messages":[{"role":"user","content":"weather?"}]},"meta":{}},` +
		`"providerResponse":{"textBody":` + string(textJSON) + `,"status":200,"headers":{}},` +
		`"timing":{"startTime":{"seconds":1735689600,"milliseconds":0},` +
		`"endTime":{"seconds":1735689601,"milliseconds":250},"timeToFirstToken":80}}`
	resp := srv.do(t, http.MethodPost, "/oai/v1/log", srv.Key, []byte(body), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("POST: %d %s", resp.Status, resp.Body)
	}
	var ack struct{ ID string }
	resp.json(t, &ack)
	r, _ := srv.getRow(t, srv.Key, ack.ID)

	var merged struct {
		Choices []struct {
			Message struct {
				Content   string `json:"content"`
				ToolCalls []struct {
					Function struct {
						Name      string `json:"name"`
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(r.ResponseBody, &merged); err != nil || len(merged.Choices) != 1 {
		t.Fatalf("merged response %s: %v", r.ResponseBody, err)
	}
	c := merged.Choices[0]
	if c.Message.Content != "Hello 😀" {
		t.Errorf("content = %q, want %q", c.Message.Content, "Hello 😀")
	}
	if len(c.Message.ToolCalls) != 1 ||
		c.Message.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` ||
		c.Message.ToolCalls[0].Function.Name != "get_weather" {
		t.Errorf("tool calls = %+v, want get_weather with {\"city\":\"Paris\"}",
			c.Message.ToolCalls)
	}
	if c.FinishReason != "tool_calls" {
		t.Errorf("finish_reason = %q, want tool_calls", c.FinishReason)
	}
	if r.PromptTokens != 12 || r.CompletionTokens != 9 || r.TotalTokens != 21 {
		t.Errorf("tokens = %d/%d/%d, want 12/9/21", r.PromptTokens, r.CompletionTokens,
			r.TotalTokens)
	}
	if r.ResponseRaw == nil || *r.ResponseRaw != text {
		t.Errorf("raw response not kept byte for byte")
	}
	if r.TimeToFirstToken == nil || *r.TimeToFirstToken != 80 {
		t.Errorf("time_to_first_token = %v, want 80", r.TimeToFirstToken)
	}
}
