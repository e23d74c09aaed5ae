package record_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// openAIToolStream is an OpenAI chat stream with a keep-alive comment, one \r\n\r\n
// separator, an emoji, tool-call arguments split across three chunks and a usage chunk.
const openAIToolStream = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk",` +
	`"created":1735689600,"model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant",` +
	`"content":"Hel"}}]}` + "\r\n\r\n" +
	`: keep-alive` + "\n\n" +
	`data: {"choices":[{"index":0,"delta":{"content":"lo 😀"}}]}` + "\n\n" +
	`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1",` +
	`"type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]}}]}` + "\n\n" +
	`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":` +
	`{"arguments":"ty\":\"Pa"}}]}}]}` + "\n\n" +
	`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":` +
	`{"arguments":"ris\"}"}}]}}]}` + "\n\n" +
	`data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}` + "\n\n" +
	`data: {"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":9,` +
	`"total_tokens":21}}` + "\n\n" +
	`data: [DONE]` + "\n\n"

func TestDecodeOpenAIStream(t *testing.T) {
	req := `{"model":"gpt-x","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	rec := mustDecode(t, logBody(req, textMember(t, openAIToolStream), ""), nil)

	if !rec.Streamed {
		t.Errorf("Decode: Streamed = false, want true")
	}
	if string(rec.ResponseRaw) != openAIToolStream {
		t.Errorf("Decode: ResponseRaw differs from the stream text:\n%q", rec.ResponseRaw)
	}
	out := jsonValue(t, rec.ResponseBody)
	strs := []struct {
		steps []any
		want  string
	}{
		{[]any{"object"}, "chat.completion"},
		{[]any{"id"}, "chatcmpl-1"},
		{[]any{"model"}, "gpt-x"},
		{[]any{"choices", 0, "message", "role"}, "assistant"},
		{[]any{"choices", 0, "message", "content"}, "Hello 😀"},
		{[]any{"choices", 0, "message", "tool_calls", 0, "id"}, "call_1"},
		{[]any{"choices", 0, "message", "tool_calls", 0, "type"}, "function"},
		{[]any{"choices", 0, "message", "tool_calls", 0, "function", "name"}, "get_weather"},
		{[]any{"choices", 0, "message", "tool_calls", 0, "function", "arguments"},
			`{"city":"Paris"}`},
		{[]any{"choices", 0, "finish_reason"}, "tool_calls"},
	}
	for _, s := range strs {
		if got := path(t, out, s.steps...); got != s.want {
			t.Errorf("Decode: ResponseBody %v = %q, want %q", s.steps, got, s.want)
		}
	}
	if got := path(t, out, "created"); got != json.Number("1735689600") {
		t.Errorf("Decode: ResponseBody created = %v, want 1735689600", got)
	}
	if n := len(path(t, out, "streamed_data").([]any)); n != 7 {
		t.Errorf("Decode: streamed_data has %d chunks, want 7", n)
	}
	if rec.PromptTokens != 12 || rec.CompletionTokens != 9 || rec.TotalTokens != 21 {
		t.Errorf("Decode: tokens = %d/%d/%d, want 12/9/21",
			rec.PromptTokens, rec.CompletionTokens, rec.TotalTokens)
	}
	if rec.Model != "gpt-x" {
		t.Errorf("Decode: Model = %q, want gpt-x", rec.Model)
	}
	if bytes.Contains(rec.ResponseBody, []byte("\uFFFD")) ||
		bytes.Contains(rec.ResponseBody, []byte(`\ufffd`)) {
		t.Errorf("Decode: ResponseBody contains U+FFFD: %s", rec.ResponseBody)
	}
}

func TestDecodeOpenAIStreamDetectedWithoutFlag(t *testing.T) {
	rec := mustDecode(t, logBody(`{"model":"gpt-x"}`, textMember(t, openAIToolStream), ""), nil)
	if !rec.Streamed {
		t.Fatalf("Decode: Streamed = false, want true for SSE text")
	}
	got := path(t, jsonValue(t, rec.ResponseBody), "choices", 0, "message", "content")
	if got != "Hello 😀" {
		t.Errorf("Decode: content = %q, want %q", got, "Hello 😀")
	}
}

func TestDecodeStreamSurrogatePairSplitAcrossChunks(t *testing.T) {
	// A JavaScript producer that slices text by UTF-16 code units can put the two halves
	// of one emoji into two chunks, each escaped on its own.
	stream := `data: {"choices":[{"index":0,"delta":{"content":"a\ud83d"}}]}` + "\n\n" +
		`data: {"choices":[{"index":0,"delta":{"content":"\ude00b"}}]}` + "\n\n" +
		`data: {"choices":[{"index":0,"delta":{"content":" \udc00"}}]}` + "\n\n"
	rec := mustDecode(t, logBody(`{"stream":true}`, textMember(t, stream), ""), nil)
	// The lone low surrogate at the end cannot be UTF-8, so it stays a \u escape.
	want := `"content":"a😀b \udc00"`
	if !bytes.Contains(rec.ResponseBody, []byte(want)) {
		t.Errorf("Decode: ResponseBody = %s, want it to contain %s", rec.ResponseBody, want)
	}
	if bytes.Contains(rec.ResponseBody, []byte(`\ufffd`)) {
		t.Errorf("Decode: ResponseBody contains U+FFFD: %s", rec.ResponseBody)
	}
}

func TestDecodeOpenAICompletionsStream(t *testing.T) {
	stream := `data: {"id":"cmpl-1","object":"text_completion","model":"davinci",` +
		`"choices":[{"index":0,"text":"Once","finish_reason":null}]}` + "\n\n" +
		`data: {"choices":[{"index":0,"text":" upon","finish_reason":"length"}]}` + "\n\n" +
		"data: [DONE]\n\n"
	rec := mustDecode(t, logBody(`{"stream":true}`, textMember(t, stream), ""), nil)
	out := jsonValue(t, rec.ResponseBody)
	if got := path(t, out, "object"); got != "text_completion" {
		t.Errorf("Decode: object = %q, want text_completion", got)
	}
	if got := path(t, out, "choices", 0, "text"); got != "Once upon" {
		t.Errorf("Decode: text = %q, want %q", got, "Once upon")
	}
	if got := path(t, out, "choices", 0, "finish_reason"); got != "length" {
		t.Errorf("Decode: finish_reason = %q, want length", got)
	}
}

func TestDecodeOpenAIStreamSeveralChoicesAndTools(t *testing.T) {
	stream := `{"choices":[{"index":1,"delta":{"content":"B"}},` +
		`{"index":0,"delta":{"content":"A"}}]}` + "\n" +
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"t2",` +
		`"function":{"name":"two","arguments":"{}"}},{"index":0,"id":"t1",` +
		`"function":{"name":"one","arguments":"[1"}}]}}]}` + "\n" +
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":` +
		`{"name":"ignored","arguments":"]"}}]}}]}` + "\n"
	rec := mustDecode(t, logBody(`{"stream":true}`, textMember(t, stream), ""), nil)
	out := jsonValue(t, rec.ResponseBody)
	checks := []struct {
		steps []any
		want  any
	}{
		{[]any{"choices", 0, "message", "content"}, "A"},
		{[]any{"choices", 1, "message", "content"}, "B"},
		{[]any{"choices", 1, "message", "role"}, "assistant"},
		{[]any{"choices", 0, "message", "tool_calls", 0, "function", "name"}, "one"},
		{[]any{"choices", 0, "message", "tool_calls", 0, "function", "arguments"}, "[1]"},
		{[]any{"choices", 0, "message", "tool_calls", 1, "id"}, "t2"},
		{[]any{"choices", 0, "finish_reason"}, nil},
	}
	for _, c := range checks {
		if got := path(t, out, c.steps...); got != c.want {
			t.Errorf("Decode: ResponseBody %v = %v, want %v", c.steps, got, c.want)
		}
	}
}

func TestDecodeNDJSONStream(t *testing.T) {
	ndjson := `{"step":1,"msg":"start"}` + "\n" + `{"step":2,"msg":"done"}` + "\n"
	tests := []struct {
		name     string
		req      string
		text     string
		streamed bool
		chunks   int
	}{
		{"builder lines with stream flag", `{"stream":true}`, ndjson, true, 2},
		{"detected without flag", `{}`, ndjson, true, 2},
		{"crlf lines", `{}`, strings.ReplaceAll(ndjson, "\n", "\r\n"), true, 2},
		{"error preamble with stream flag", `{"stream":true}`,
			"Error: boom\n    at x (y.js:1:1)\n\n" + ndjson, true, 2},
		{"error preamble without flag stays text", `{}`,
			"Error: boom\n\n" + ndjson, false, 0},
		{"single object is plain json", `{"stream":true}`, `{"step":1}`, false, 0},
		{"plain text with stream flag", `{"stream":true}`, "just text\nmore text", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, logBody(tt.req, textMember(t, tt.text), ""), nil)
			if rec.Streamed != tt.streamed {
				t.Fatalf("Decode: Streamed = %v, want %v (body %s)", rec.Streamed, tt.streamed,
					rec.ResponseBody)
			}
			if string(rec.ResponseRaw) != tt.text {
				t.Errorf("Decode: ResponseRaw = %q, want %q", rec.ResponseRaw, tt.text)
			}
			if !tt.streamed {
				return
			}
			data := path(t, jsonValue(t, rec.ResponseBody), "streamed_data").([]any)
			if len(data) != tt.chunks {
				t.Errorf("Decode: streamed_data has %d chunks, want %d", len(data), tt.chunks)
			}
			if got := path(t, data[1], "msg"); got != "done" {
				t.Errorf("Decode: streamed_data[1].msg = %v, want done", got)
			}
		})
	}
}

func TestDecodeAnthropicStream(t *testing.T) {
	stream := "event: message_start\n" +
		`data: {"type":"message_start","message":{"id":"msg_1","type":"message",` +
		`"role":"assistant","model":"claude-x","content":[],"stop_reason":null,` +
		`"usage":{"input_tokens":10,"cache_read_input_tokens":100,` +
		`"cache_creation_input_tokens":5,"output_tokens":1}}}` + "\n\n" +
		"event: content_block_start\n" +
		`data: {"type":"content_block_start","index":0,"content_block":{"type":"text",` +
		`"text":""}}` + "\n\n" +
		"event: ping\ndata: {\"type\":\"ping\"}\n\n" +
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",` +
		`"text":"Hi "}}` + "\n\n" +
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta",` +
		`"text":"there ✨"}}` + "\n\n" +
		`data: {"type":"content_block_stop","index":0}` + "\n\n" +
		`data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use",` +
		`"id":"toolu_1","name":"get_weather","input":{}}}` + "\n\n" +
		`data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta",` +
		`"partial_json":"{\"city\": \"Pa"}}` + "\n\n" +
		`data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta",` +
		`"partial_json":"ris\", \"n\": 12345678901234567890}"}}` + "\n\n" +
		`data: {"type":"message_delta","delta":{"stop_reason":"tool_use",` +
		`"stop_sequence":null},"usage":{"output_tokens":42}}` + "\n\n" +
		`data: {"type":"message_stop"}` + "\n\n"
	rec := mustDecode(t, logBody(`{"model":"claude-x","stream":true}`,
		textMember(t, stream), ""), nil)
	out := jsonValue(t, rec.ResponseBody)
	checks := []struct {
		steps []any
		want  any
	}{
		{[]any{"id"}, "msg_1"},
		{[]any{"type"}, "message"},
		{[]any{"model"}, "claude-x"},
		{[]any{"content", 0, "type"}, "text"},
		{[]any{"content", 0, "text"}, "Hi there ✨"},
		{[]any{"content", 1, "type"}, "tool_use"},
		{[]any{"content", 1, "name"}, "get_weather"},
		{[]any{"content", 1, "input", "city"}, "Paris"},
		{[]any{"content", 1, "input", "n"}, json.Number("12345678901234567890")},
		{[]any{"stop_reason"}, "tool_use"},
		{[]any{"usage", "output_tokens"}, json.Number("42")},
	}
	for _, c := range checks {
		if got := path(t, out, c.steps...); got != c.want {
			t.Errorf("Decode: ResponseBody %v = %v, want %v", c.steps, got, c.want)
		}
	}
	if rec.PromptTokens != 115 || rec.CompletionTokens != 42 || rec.TotalTokens != 157 {
		t.Errorf("Decode: tokens = %d/%d/%d, want 115/42/157",
			rec.PromptTokens, rec.CompletionTokens, rec.TotalTokens)
	}
	if rec.CacheReadTokens != 100 || rec.CacheWriteTokens != 5 {
		t.Errorf("Decode: cache tokens = %d/%d, want 100/5",
			rec.CacheReadTokens, rec.CacheWriteTokens)
	}
	if rec.Model != "claude-x" {
		t.Errorf("Decode: Model = %q, want claude-x", rec.Model)
	}
}

func TestDecodeAnthropicStreamError(t *testing.T) {
	stream := `data: {"type":"message_start","message":{"id":"m","model":"c"}}` + "\n\n" +
		`data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}` +
		"\n\n"
	rec := mustDecode(t, logBody(`{"stream":true}`, textMember(t, stream), ""), nil)
	if rec.Error != "Overloaded" {
		t.Errorf("Decode: Error = %q, want Overloaded", rec.Error)
	}
}

func TestDecodeGoogleStream(t *testing.T) {
	stream := `data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Bon"}]}}],` +
		`"modelVersion":"gemini-2.0-flash"}` + "\r\n\r\n" +
		`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"jour"}]},` +
		`"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,` +
		`"candidatesTokenCount":2,"totalTokenCount":6}}` + "\r\n\r\n"
	rec := mustDecode(t, logBody(`{}`, textMember(t, stream), ""), nil)
	out := jsonValue(t, rec.ResponseBody)
	if got := path(t, out, "candidates", 0, "content", "parts", 0, "text"); got != "Bonjour" {
		t.Errorf("Decode: text = %q, want Bonjour", got)
	}
	if got := path(t, out, "candidates", 0, "finishReason"); got != "STOP" {
		t.Errorf("Decode: finishReason = %v, want STOP", got)
	}
	if rec.PromptTokens != 4 || rec.CompletionTokens != 2 || rec.TotalTokens != 6 {
		t.Errorf("Decode: tokens = %d/%d/%d, want 4/2/6",
			rec.PromptTokens, rec.CompletionTokens, rec.TotalTokens)
	}
	if rec.Model != "gemini-2.0-flash" {
		t.Errorf("Decode: Model = %q, want gemini-2.0-flash", rec.Model)
	}
}

func TestDecodeGoogleJSONArrayStream(t *testing.T) {
	text := "[{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}]}\n," +
		"{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]}}]}]"
	rec := mustDecode(t, logBody(`{"stream":true}`, textMember(t, text), ""), nil)
	got := path(t, jsonValue(t, rec.ResponseBody), "candidates", 0, "content", "parts", 0, "text")
	if !rec.Streamed || got != "ab" {
		t.Errorf("Decode: Streamed, text = %v, %q, want true, ab", rec.Streamed, got)
	}
}

func TestDecodeCancelledStreamDropsLastLine(t *testing.T) {
	lines := `{"choices":[{"index":0,"delta":{"content":"one "}}]}` + "\n" +
		`{"choices":[{"index":0,"delta":{"content":"two "}}]}` + "\n" +
		`{"choices":[{"index":0,"delta":{"content":"thr`
	tests := []struct {
		name, status, want string
		chunks             int
	}{
		{"cancelled", "-3", "one two ", 2},
		{"cancelled sse", "-3", "one two ", 2},
		{"not cancelled", "200", "one two ", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := lines
			if strings.HasSuffix(tt.name, "sse") {
				text = "data: " + strings.ReplaceAll(lines, "\n", "\n\ndata: ")
			}
			members := textMember(t, text)
			members = strings.Replace(members, `"status":200`, `"status":`+tt.status, 1)
			rec := mustDecode(t, logBody(`{"stream":true}`, members, ""), nil)
			out := jsonValue(t, rec.ResponseBody)
			if got := path(t, out, "choices", 0, "message", "content"); got != tt.want {
				t.Errorf("Decode: content = %q, want %q", got, tt.want)
			}
			if n := len(path(t, out, "streamed_data").([]any)); n != tt.chunks {
				t.Errorf("Decode: streamed_data has %d chunks, want %d", n, tt.chunks)
			}
		})
	}

	t.Run("complete last line dropped", func(t *testing.T) {
		text := `{"n":1}` + "\n" + `{"n":2}` + "\n" + `{"n":3}` + "\n"
		members := strings.Replace(textMember(t, text), `"status":200`, `"status":-3`, 1)
		rec := mustDecode(t, logBody(`{"stream":true}`, members, ""), nil)
		data := path(t, jsonValue(t, rec.ResponseBody), "streamed_data").([]any)
		if len(data) != 2 {
			t.Errorf("Decode: streamed_data has %d chunks, want 2", len(data))
		}
		if rec.Error != "status -3 (cancelled)" {
			t.Errorf("Decode: Error = %q, want %q", rec.Error, "status -3 (cancelled)")
		}
	})
}

func TestDecodeStreamLineRules(t *testing.T) {
	stream := "retry: 100\nid: 7\n: comment\nevent: delta\n" +
		"data:{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n" +
		"data: not json\n" +
		"data:   {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"y\"}}]}   \r\n" +
		"data: [DONE]\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"after done\"}}]}\n"
	rec := mustDecode(t, logBody(`{}`, textMember(t, stream), ""), nil)
	out := jsonValue(t, rec.ResponseBody)
	if got := path(t, out, "choices", 0, "message", "content"); got != "xy" {
		t.Errorf("Decode: content = %q, want xy", got)
	}
	if got := path(t, out, "invalid_lines"); got != json.Number("1") {
		t.Errorf("Decode: invalid_lines = %v, want 1", got)
	}
}

func TestDecodeStreamedDataMember(t *testing.T) {
	resp := `{"streamed_data":[{"choices":[{"index":0,"delta":{"content":"a"}}]},` +
		`{"choices":[{"index":0,"delta":{"content":"b"}}],"model":"m2"}]}`
	rec := mustDecode(t, logBody(`{}`, `"json":`+resp, ""), nil)
	if !rec.Streamed {
		t.Fatalf("Decode: Streamed = false, want true")
	}
	if string(rec.ResponseRaw) != resp {
		t.Errorf("Decode: ResponseRaw = %s, want %s", rec.ResponseRaw, resp)
	}
	got := path(t, jsonValue(t, rec.ResponseBody), "choices", 0, "message", "content")
	if got != "ab" || rec.Model != "m2" {
		t.Errorf("Decode: content, Model = %q, %q, want ab, m2", got, rec.Model)
	}
}

func TestDecodeStreamErrorText(t *testing.T) {
	chunks := `{"choices":[{"index":0,"delta":{"content":"a"}}]}` + "\n" +
		`{"choices":[{"index":0,"delta":{"content":"b"}}]}` + "\n"
	tests := []struct {
		name, text, status, want string
	}{
		{"js builder error before chunks", "Error: boom\n    at run (app.js:3:9)\n\n" + chunks,
			"500", "Error: boom"},
		{"python traceback before chunks with status 200", "Traceback (most recent call " +
			"last):\n  File \"app.py\", line 3, in run\nRuntimeError: stream broke\n\n" + chunks,
			"200", "RuntimeError: stream broke"},
		{"chunks only with status 500", chunks, "500", "status 500"},
		{"sse only with status 500", "data: " + strings.ReplaceAll(chunks, "\n", "\n\ndata: "),
			"500", "status 500"},
		{"json text with status 500", `{"result":"partial"}`, "500", "status 500"},
		{"chunks only with status 200", chunks, "200", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members := strings.Replace(textMember(t, tt.text), `"status":200`,
				`"status":`+tt.status, 1)
			rec := mustDecode(t, logBody(`{"stream":true}`, members, ""), nil)
			if rec.Error != tt.want {
				t.Errorf("Decode: Error = %q, want %q", rec.Error, tt.want)
			}
		})
	}
}
