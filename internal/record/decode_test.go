package record_test

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

func TestDecodeJSShapedLog(t *testing.T) {
	reqJSON := `{"model":"test-model","messages":[{"role":"user","content":"hi"}]}`
	respJSON := `{"id":"c1","model":"test-model-2025","choices":[{"message":` +
		`{"role":"assistant","content":"hello"}}],"usage":{"prompt_tokens":3,` +
		`"completion_tokens":2,"total_tokens":5}}`
	body := `{"providerRequest":{"url":"custom-model-nopath","json":` + reqJSON +
		`,"meta":{}},"providerResponse":{"json":` + respJSON + `,"status":200,"headers":{}},` +
		`"timing":{"startTime":{"seconds":1735689600,"milliseconds":5},` +
		`"endTime":{"seconds":1735689601,"milliseconds":250},"timeToFirstToken":87},` +
		`"provider":"openai"}`
	rec := mustDecode(t, body, nil)

	checks := []struct {
		name      string
		got, want any
	}{
		{"CreatedAt", rec.CreatedAt, time.Date(2025, 1, 1, 0, 0, 0, 5_000_000, time.UTC)},
		{"EndedAt", rec.EndedAt, time.Date(2025, 1, 1, 0, 0, 1, 250_000_000, time.UTC)},
		{"LatencyMs", rec.LatencyMs, int64(1245)},
		{"TimeToFirstTokenMs", derefInt(rec.TimeToFirstTokenMs), int64(87)},
		{"Status", rec.Status, int64(200)},
		{"Kind", rec.Kind, record.KindLLM},
		{"Model", rec.Model, "test-model-2025"},
		{"RequestModel", rec.RequestModel, "test-model"},
		{"ResponseModel", rec.ResponseModel, "test-model-2025"},
		{"Provider", rec.Provider, "OPENAI"},
		{"Path", rec.Path, "/custom/v1/log"},
		{"PromptTokens", rec.PromptTokens, int64(3)},
		{"CompletionTokens", rec.CompletionTokens, int64(2)},
		{"TotalTokens", rec.TotalTokens, int64(5)},
		{"RequestBody", string(rec.RequestBody), reqJSON},
		{"ResponseBody", string(rec.ResponseBody), respJSON},
		{"ResponseRaw", string(rec.ResponseRaw), respJSON},
		{"Streamed", rec.Streamed, false},
		{"Error", rec.Error, ""},
		{"ProjectID", rec.ProjectID, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Decode: %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !record.ValidRequestID(rec.RequestID) {
		t.Errorf("Decode: RequestID = %q, want a valid UUID", rec.RequestID)
	}
	if rec.CreatedAt.Location() != time.UTC {
		t.Errorf("Decode: CreatedAt location = %v, want UTC", rec.CreatedAt.Location())
	}
}

func TestDecodePythonShapedLog(t *testing.T) {
	body := `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"gpt-4o-mini",` +
		`"messages":[]},"meta":{}},"providerResponse":{"json":{"answer":42,"_type":"unknown",` +
		`"toolName":"unknown"},"textBody":null,"status":200,"headers":{}},` +
		`"timing":{"startTime":{"seconds":1735689600,"milliseconds":123},` +
		`"endTime":{"seconds":1735689602,"milliseconds":7},"timeToFirstToken":null}}`
	rec := mustDecode(t, body, nil)

	if rec.LatencyMs != 1884 {
		t.Errorf("Decode: LatencyMs = %d, want 1884", rec.LatencyMs)
	}
	if rec.TimeToFirstTokenMs != nil {
		t.Errorf("Decode: TimeToFirstTokenMs = %d, want nil", *rec.TimeToFirstTokenMs)
	}
	if rec.Kind != record.KindLLM {
		t.Errorf("Decode: Kind = %q, want %q", rec.Kind, record.KindLLM)
	}
	if rec.Model != "gpt-4o-mini" {
		t.Errorf("Decode: Model = %q, want gpt-4o-mini", rec.Model)
	}
	if rec.Provider != record.ProviderCustom {
		t.Errorf("Decode: Provider = %q, want CUSTOM", rec.Provider)
	}
	want := `{"answer":42,"_type":"unknown","toolName":"unknown"}`
	if string(rec.ResponseBody) != want {
		t.Errorf("Decode: ResponseBody = %s, want %s", rec.ResponseBody, want)
	}
}

func TestDecodeFractionalSeconds(t *testing.T) {
	body := `{"providerRequest":{"json":{}},"providerResponse":{"json":{}},` +
		`"timing":{"startTime":{"seconds":1735689600.5},` +
		`"endTime":{"seconds":1735689601.123,"milliseconds":0}}}`
	rec := mustDecode(t, body, nil)
	wantStart := time.Date(2025, 1, 1, 0, 0, 0, 500_000_000, time.UTC)
	if !rec.CreatedAt.Equal(wantStart) {
		t.Errorf("Decode: CreatedAt = %v, want %v", rec.CreatedAt, wantStart)
	}
	if rec.LatencyMs != 623 {
		t.Errorf("Decode: LatencyMs = %d, want 623", rec.LatencyMs)
	}
}

func TestDecodeProvider(t *testing.T) {
	tests := []struct {
		name, extra, route, want string
	}{
		{"body field upper-cased", `,"provider":"anthropic"`, "OPENAI", "ANTHROPIC"},
		{"route when absent", "", record.ProviderGoogle, "GOOGLE"},
		{"route when null", `,"provider":null`, record.ProviderOpenAI, "OPENAI"},
		{"route when empty", `,"provider":""`, record.ProviderOpenAI, "OPENAI"},
		{"custom by default", "", "", "CUSTOM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := options()
			opts.Provider = tt.route
			body := logBody(`{}`, `"json":{}`, tt.extra)
			rec, err := record.Decode([]byte(body), nil, opts)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if rec.Provider != tt.want {
				t.Errorf("Decode: Provider = %q, want %q", rec.Provider, tt.want)
			}
		})
	}
}

func TestDecodeBigIntegersSurvive(t *testing.T) {
	reqJSON := `{"model":"m","seed":12345678901234567890,"n":9007199254740993,` +
		`"f":1.000000000000000000001}`
	respJSON := `{"id":9007199254740993,"big":-12345678901234567890}`

	t.Run("json response", func(t *testing.T) {
		rec := mustDecode(t, logBody(reqJSON, `"json":`+respJSON, ""), nil)
		if string(rec.RequestBody) != reqJSON {
			t.Errorf("Decode: RequestBody = %s, want %s", rec.RequestBody, reqJSON)
		}
		if string(rec.ResponseBody) != respJSON {
			t.Errorf("Decode: ResponseBody = %s, want %s", rec.ResponseBody, respJSON)
		}
	})
	t.Run("text response", func(t *testing.T) {
		rec := mustDecode(t, logBody(reqJSON, textMember(t, respJSON), ""), nil)
		if string(rec.ResponseBody) != respJSON {
			t.Errorf("Decode: ResponseBody = %s, want %s", rec.ResponseBody, respJSON)
		}
	})
	t.Run("stream chunks", func(t *testing.T) {
		stream := `{"seq":12345678901234567890}` + "\n" + `{"seq":9007199254740993}` + "\n"
		rec := mustDecode(t, logBody(`{"stream":true}`, textMember(t, stream), ""), nil)
		for _, n := range []string{"12345678901234567890", "9007199254740993"} {
			if !bytes.Contains(rec.ResponseBody, []byte(`{"seq":`+n+`}`)) {
				t.Errorf("Decode: ResponseBody = %s, want it to contain %s", rec.ResponseBody, n)
			}
		}
	})
}

func TestDecodeNonASCIIText(t *testing.T) {
	text := "Grüße, 世界! 😀 — ключ"
	reqJSON := `{"model":"m","prompt":"` + text + `","esc":"\u00e9\ud83d\ude00"}`
	rec := mustDecode(t, logBody(reqJSON, textMember(t, text), ""), nil)
	if string(rec.RequestBody) != reqJSON {
		t.Errorf("Decode: RequestBody = %s, want %s", rec.RequestBody, reqJSON)
	}
	if string(rec.ResponseRaw) != text {
		t.Errorf("Decode: ResponseRaw = %q, want %q", rec.ResponseRaw, text)
	}
	if got := path(t, jsonValue(t, rec.ResponseBody), "text"); got != text {
		t.Errorf("Decode: ResponseBody.text = %q, want %q", got, text)
	}
}

func TestDecodeTextResponse(t *testing.T) {
	html := "<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>"
	tests := []struct {
		name     string
		text     string
		wantBody string
	}{
		{"plain text", "just words", `{"text":"just words"}`},
		{"html stays text", html, ""},
		{"json object text", ` {"a":1} `, `{"a":1}`},
		{"json array text", `[1,2]`, `[1,2]`},
		{"json string text", `"quoted"`, `"quoted"`},
		{"quotes and control characters", "a\"b\\c\nd\te\u0001",
			`{"text":"a\"b\\c\nd\te\u0001"}`},
		{"backslash-u text stays text", "x\\ud83dy", `{"text":"x\\ud83dy"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, logBody(`{}`, textMember(t, tt.text), ""), nil)
			if string(rec.ResponseRaw) != tt.text {
				t.Errorf("Decode: ResponseRaw = %q, want %q", rec.ResponseRaw, tt.text)
			}
			if rec.Streamed {
				t.Errorf("Decode: Streamed = true, want false")
			}
			if tt.wantBody != "" && string(rec.ResponseBody) != tt.wantBody {
				t.Errorf("Decode: ResponseBody = %s, want %s", rec.ResponseBody, tt.wantBody)
			}
			if tt.wantBody == "" {
				if got := path(t, jsonValue(t, rec.ResponseBody), "text"); got != tt.text {
					t.Errorf("Decode: ResponseBody.text = %q, want %q", got, tt.text)
				}
			}
		})
	}
}

func TestDecodeEscapedLoneSurrogateInTextBody(t *testing.T) {
	// The textBody escape \ud83d has no partner, so it stands for no character: the body is
	// rejected rather than stored with text that no UTF-8 reader can decode.
	body := logBody(`{}`, `"textBody":"a\ud83db"`, "")
	de := decodeError(t, body, nil)
	if de.Field != "providerResponse.textBody" || !errors.Is(de, record.ErrLoneSurrogate) {
		t.Errorf("Decode error = %q (field %q), want ErrLoneSurrogate on providerResponse.textBody",
			de, de.Field)
	}
}

func TestDecodeResponseSelection(t *testing.T) {
	tests := []struct {
		name    string
		members string
		body    string
		raw     string
	}{
		{"text wins over json", `"textBody":"hi","json":{"a":1}`, `{"text":"hi"}`, "hi"},
		{"empty text uses json", `"textBody":"","json":{"a":1}`, `{"a":1}`, `{"a":1}`},
		{"null text uses json", `"textBody":null,"json":{"a":1}`, `{"a":1}`, `{"a":1}`},
		{"null json and no text", `"json":null`, `{}`, ""},
		{"neither json nor text", `"status":200`, `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, logBody(`{}`, tt.members, ""), nil)
			if string(rec.ResponseBody) != tt.body {
				t.Errorf("Decode: ResponseBody = %s, want %s", rec.ResponseBody, tt.body)
			}
			if string(rec.ResponseRaw) != tt.raw {
				t.Errorf("Decode: ResponseRaw = %q, want %q", rec.ResponseRaw, tt.raw)
			}
		})
	}
}

func TestDecodeMissingRequestJSON(t *testing.T) {
	body := `{"providerRequest":{"url":"x","meta":{}},"providerResponse":{"json":{}}}`
	rec := mustDecode(t, body, nil)
	if string(rec.RequestBody) != "{}" {
		t.Errorf("Decode: RequestBody = %s, want {}", rec.RequestBody)
	}
}

func TestDecodeMissingTimingUsesClock(t *testing.T) {
	body := `{"providerRequest":{"json":{}},"providerResponse":{"json":{}}}`
	rec := mustDecode(t, body, nil)
	if !rec.CreatedAt.Equal(fixedNow) || !rec.EndedAt.Equal(fixedNow) {
		t.Errorf("Decode: CreatedAt, EndedAt = %v, %v, want both %v",
			rec.CreatedAt, rec.EndedAt, fixedNow)
	}
	if rec.LatencyMs != 0 {
		t.Errorf("Decode: LatencyMs = %d, want 0", rec.LatencyMs)
	}
}

func TestDecodeStatusVerbatim(t *testing.T) {
	tests := []struct {
		status    string
		want      int64
		wantError string
	}{
		{"200", 200, ""},
		{"201", 201, "status 201"},
		{"500", 500, "status 500"},
		{"0", 0, "status 0"},
		{"-1", -1, "status -1 (timeout)"},
		{"-2", -2, "status -2 (pending)"},
		{"-3", -3, "status -3 (cancelled)"},
		{"-4", -4, "status -4 (threat)"},
		{"2e2", 200, ""},
		{"null", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			rec := mustDecode(t, logBody(`{}`, `"json":{},"status":`+tt.status, ""), nil)
			if rec.Status != tt.want {
				t.Errorf("Decode: Status = %d, want %d", rec.Status, tt.want)
			}
			if rec.Error != tt.wantError {
				t.Errorf("Decode: Error = %q, want %q", rec.Error, tt.wantError)
			}
		})
	}
}

func TestDecodeErrorText(t *testing.T) {
	long := bytes.Repeat([]byte("é"), 400)
	tests := []struct {
		name    string
		members string
		want    string
	}{
		{"openai error object", `"json":{"error":{"message":"bad key","type":"auth"}},` +
			`"status":401`, "bad key"},
		{"error object on status 200", `"json":{"error":{"message":"quota"}}`, "quota"},
		{"error string", `"json":{"error":"boom"},"status":500`, "boom"},
		{"error type only", `"json":{"error":{"type":"overloaded_error"}},"status":529`,
			"overloaded_error"},
		{"tool status error", `"json":{"status":"error","message":"no hits"}`, "no hits"},
		{"tool status success", `"json":{"status":"success","message":"ok"}`, ""},
		{"first line of text", `"textBody":"\n Error: boom\n    at f (x.js:1)\n","status":500`,
			"Error: boom"},
		{"python traceback with status 200", `"textBody":"Traceback (most recent call last):` +
			`\n  File \"a.py\", line 1, in <module>\n    f()\nValueError: bad input\n\n{}"`,
			"ValueError: bad input"},
		{"status fallback", `"json":{},"status":502`, "status 502"},
		{"capped at a character boundary", `"json":{"error":"` + string(long) + `"}`,
			string(long[:500])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, logBody(`{}`, tt.members, ""), nil)
			if rec.Error != tt.want {
				t.Errorf("Decode: Error = %q, want %q", rec.Error, tt.want)
			}
		})
	}
}

func TestDecodeOmitBodies(t *testing.T) {
	reqJSON := `{"model":"gpt-x","messages":[{"role":"user","content":"secret"}]}`
	respJSON := `{"model":"gpt-x-0613","error":{"message":"leaks secret"},"usage":` +
		`{"prompt_tokens":4,"completion_tokens":1}}`
	tests := []struct {
		name             string
		h                http.Header
		wantReq, wantRes string
		wantError        string
	}{
		{"omit request", header("Helicone-Omit-Request", "true"),
			`{"model":"gpt-x"}`, respJSON, "leaks secret"},
		{"omit response", header("helicone-omit-response", "TRUE"),
			reqJSON, `{"model":"gpt-x-0613"}`, "error reported in the omitted response"},
		{"omit both", header("Helicone-Omit-Request", "True", "Helicone-Omit-Response", "true"),
			`{"model":"gpt-x"}`, `{"model":"gpt-x-0613"}`,
			"error reported in the omitted response"},
		{"false keeps bodies", header("Helicone-Omit-Request", "false"),
			reqJSON, respJSON, "leaks secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, logBody(reqJSON, `"json":`+respJSON, ""), tt.h)
			if string(rec.RequestBody) != tt.wantReq {
				t.Errorf("Decode: RequestBody = %s, want %s", rec.RequestBody, tt.wantReq)
			}
			if string(rec.ResponseBody) != tt.wantRes {
				t.Errorf("Decode: ResponseBody = %s, want %s", rec.ResponseBody, tt.wantRes)
			}
			if rec.Error != tt.wantError {
				t.Errorf("Decode: Error = %q, want %q", rec.Error, tt.wantError)
			}
			if rec.PromptTokens != 4 {
				t.Errorf("Decode: PromptTokens = %d, want 4", rec.PromptTokens)
			}
		})
	}
	t.Run("no model gives empty object", func(t *testing.T) {
		h := header("Helicone-Omit-Request", "true", "Helicone-Omit-Response", "true")
		rec := mustDecode(t, logBody(`{"q":1}`, `"textBody":"secret text"`, ""), h)
		if string(rec.RequestBody) != "{}" || string(rec.ResponseBody) != "{}" ||
			string(rec.ResponseRaw) != "{}" {
			t.Errorf("Decode: bodies = %s, %s, %s, want {} each",
				rec.RequestBody, rec.ResponseBody, rec.ResponseRaw)
		}
	})
}

func TestDecodeDoesNotShareBody(t *testing.T) {
	body := []byte(logBody(`{"model":"m"}`, `"json":{"x":"y"}`, ""))
	rec, err := record.Decode(body, nil, options())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	for i := range body {
		body[i] = 'X'
	}
	if string(rec.RequestBody) != `{"model":"m"}` || string(rec.ResponseBody) != `{"x":"y"}` {
		t.Errorf("Decode: bodies changed with the input buffer: %s, %s",
			rec.RequestBody, rec.ResponseBody)
	}
}

func TestDecodeDeepRequestRoundTrips(t *testing.T) {
	const depth = 200
	reqJSON := string(bytes.Repeat([]byte(`{"a":`), depth)) + "1" +
		string(bytes.Repeat([]byte("}"), depth))
	rec := mustDecode(t, logBody(reqJSON, `"json":{}`, ""), nil)
	if string(rec.RequestBody) != reqJSON {
		t.Errorf("Decode: RequestBody differs from the %d-level input", depth)
	}
}

func TestDecodeDuplicateKeysLastWins(t *testing.T) {
	body := `{"providerRequest":{"json":{"model":"a"}},"providerResponse":{"json":{},` +
		`"status":500,"status":200},"providerRequest":{"json":{"model":"b"}}}`
	rec := mustDecode(t, body, nil)
	if rec.Status != 200 || rec.RequestModel != "b" {
		t.Errorf("Decode: Status, RequestModel = %d, %q, want 200, b", rec.Status, rec.RequestModel)
	}
}

func derefInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
