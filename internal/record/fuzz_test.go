package record_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/record"
)

// fuzzSeeds are bodies that reach every branch of the decoder.
func fuzzSeeds() []string {
	sse, _ := json.Marshal(openAIToolStream)
	anthropic, _ := json.Marshal("event: message_start\ndata: {\"type\":\"message_start\"," +
		"\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":3}}}\n\ndata: " +
		"{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":" +
		"\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\\ud83d\"}}\n")
	google, _ := json.Marshal(`data: {"candidates":[{"content":{"parts":[{"text":"a"},` +
		`{"functionCall":{}}]}}],"usageMetadata":{"promptTokenCount":1}}`)
	return []string{
		logBody(`{"model":"m","messages":[]}`, `"json":{"choices":[],"usage":`+
			`{"prompt_tokens":1,"completion_tokens":2}},"status":200`, `,"provider":"x"`),
		`{"providerRequest":{"json":{"_type":"data"},"meta":{"Helicone-Property-A":"b"}},` +
			`"providerResponse":{"json":{"_type":"unknown"},"textBody":null},"timing":` +
			`{"startTime":{"seconds":1735689600.5,"milliseconds":1},"endTime":"1735689601",` +
			`"timeToFirstToken":null}}`,
		logBody(`{"stream":true}`, `"textBody":`+string(sse)+`,"status":-3`, ""),
		logBody(`{"stream":true}`, `"textBody":`+string(anthropic), ""),
		logBody(`{}`, `"textBody":`+string(google), ""),
		logBody(`{"stream":true}`, `"textBody":"{\"a\":1}\n{\"b\":\"\\ud83d\"}\n{\"c\":"`, ""),
		logBody(`{}`, `"json":{"streamed_data":[{"choices":[{"delta":{"content":"x"}}]}]}`, ""),
		logBody(`{}`, `"json":{"error":{"message":"bad"}},"status":500,"cost":0.5`, ""),
		logBody(`{"_type":"tool","toolName":"t"}`, `"textBody":"<html>x</html>"`, ""),
		timingBody(`{"startTime":"2025-01-01T00:00:00Z","endTime":1735689600300}`),
		`{"a":[1,2,{"b":null}],"c":"\u00e9"}`,
		`[[[[[[]]]]]]`,
		`{"providerRequest":{"json":{"a":NaN}}}`,
		logBody(`{"a":"\ud800","b":"\ud83d\ude00"}`, `"json":{"c":"\udc00x"}`, ""),
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s), "Helicone-Property-Env", "prod")
	}
	f.Add([]byte(logBody(`{}`, `"json":{}`, "")), "Helicone-Request-Id",
		"3F1C0F4E-8A51-4B7E-9A2C-5D2A1B3C4D5E")
	f.Add([]byte(logBody(`{"model":"m"}`, `"json":{"model":"n"}`, "")),
		"Helicone-Omit-Response", "true")

	f.Fuzz(func(t *testing.T, body []byte, name, value string) {
		opts := record.Options{
			Now:      func() time.Time { return fixedNow },
			MaxDepth: 64,
		}
		rec, err := record.Decode(body, http.Header{name: {value}}, opts)
		if err != nil {
			checkFuzzError(t, body, err)
			return
		}
		checkFuzzRecord(t, body, rec)
	})
}

// loneSurrogateEscape matches a \u escape of a surrogate that no low surrogate escape follows,
// or a low surrogate escape. It may also match inside an escaped backslash, so it is a
// necessary condition for a lone surrogate, not a sufficient one.
var loneSurrogateEscape = regexp.MustCompile(`\\u[dD][89abAB][0-9a-fA-F]{2}` +
	`(?:$|[^\\]|\\[^u]|\\u(?:[^dD]|[dD][^c-fC-F]))|\\u[dD][c-fC-F][0-9a-fA-F]{2}`)

// checkFuzzError checks that a rejection is an *Error and agrees with encoding/json about
// the syntax of the body.
func checkFuzzError(t *testing.T, body []byte, err error) {
	var de *record.Error
	if !errors.As(err, &de) {
		t.Fatalf("Decode error %v has type %T, want *record.Error", err, err)
	}
	if de.Msg == "" {
		t.Fatalf("Decode error has an empty message")
	}
	if errors.Is(err, record.ErrInvalidUTF8) && utf8.Valid(body) {
		t.Fatalf("Decode rejected valid UTF-8 as invalid: %v", err)
	}
	if errors.Is(err, record.ErrInvalidJSON) && json.Valid(body) {
		t.Fatalf("Decode rejected JSON that encoding/json accepts: %v", err)
	}
	if errors.Is(err, record.ErrLoneSurrogate) && !loneSurrogateEscape.Match(body) {
		t.Fatalf("Decode reported a lone surrogate in a body without one: %v", err)
	}
	// A depth or surrogate error stops the syntax check early, so the rest of the body may be
	// invalid.
	early := errors.Is(err, record.ErrInvalidJSON) || errors.Is(err, record.ErrInvalidUTF8) ||
		errors.Is(err, record.ErrTooDeep) || errors.Is(err, record.ErrLoneSurrogate)
	if !early && (!json.Valid(body) || !utf8.Valid(body)) {
		t.Fatalf("Decode reported %v for a body that is not valid UTF-8 JSON", err)
	}
}

// checkFuzzRecord checks that an accepted body gives a self-consistent record.
func checkFuzzRecord(t *testing.T, body []byte, rec *record.Record) {
	if !json.Valid(body) || !utf8.Valid(body) {
		t.Fatalf("Decode accepted a body that is not valid UTF-8 JSON")
	}
	// time.Time.Sub saturates after about 292 years, so the check uses Unix milliseconds.
	if rec.LatencyMs < 0 || rec.LatencyMs != rec.EndedAt.UnixMilli()-rec.CreatedAt.UnixMilli() {
		t.Fatalf("Decode: LatencyMs = %d for %v to %v", rec.LatencyMs, rec.CreatedAt, rec.EndedAt)
	}
	if rec.CreatedAt.Location() != time.UTC || rec.CreatedAt.Nanosecond()%1e6 != 0 {
		t.Fatalf("Decode: CreatedAt = %v, want UTC with millisecond precision", rec.CreatedAt)
	}
	if !record.ValidRequestID(rec.RequestID) || strings.ToLower(rec.RequestID) != rec.RequestID {
		t.Fatalf("Decode: RequestID = %q, want a lower-case UUID", rec.RequestID)
	}
	switch rec.Kind {
	case record.KindLLM, record.KindData, record.KindTool, record.KindVectorDB:
	default:
		t.Fatalf("Decode: Kind = %q", rec.Kind)
	}
	if rec.Model == "" || rec.Provider == "" {
		t.Fatalf("Decode: Model, Provider = %q, %q, want both set", rec.Model, rec.Provider)
	}
	for _, n := range []int64{rec.PromptTokens, rec.CompletionTokens, rec.TotalTokens,
		rec.CacheReadTokens, rec.CacheWriteTokens} {
		if n < 0 {
			t.Fatalf("Decode: negative token count %d", n)
		}
	}
	if rec.Cost < 0 || math.IsNaN(rec.Cost) || math.IsInf(rec.Cost, 0) {
		t.Fatalf("Decode: Cost = %v", rec.Cost)
	}
	if rec.TimeToFirstTokenMs != nil && *rec.TimeToFirstTokenMs < 0 {
		t.Fatalf("Decode: TimeToFirstTokenMs = %d", *rec.TimeToFirstTokenMs)
	}
	checkFuzzBodies(t, body, rec)
}

func checkFuzzBodies(t *testing.T, body []byte, rec *record.Record) {
	if !json.Valid(rec.RequestBody) {
		t.Fatalf("Decode: RequestBody is not valid JSON: %q", rec.RequestBody)
	}
	if !json.Valid(rec.ResponseBody) || !utf8.Valid(rec.ResponseBody) {
		t.Fatalf("Decode: ResponseBody is not valid UTF-8 JSON: %q", rec.ResponseBody)
	}
	if !utf8.Valid(rec.ResponseRaw) {
		t.Fatalf("Decode: ResponseRaw is not valid UTF-8: %q", rec.ResponseRaw)
	}
	if len(rec.Error) > 500 || !utf8.ValidString(rec.Error) {
		t.Fatalf("Decode: Error = %q, want at most 500 bytes of UTF-8", rec.Error)
	}
	// U+FFFD may appear only when the input carried it.
	inputHasReplacement := bytes.Contains(body, []byte("\uFFFD")) ||
		bytes.Contains(bytes.ToLower(body), []byte("fffd"))
	outputHasReplacement := bytes.Contains(rec.ResponseBody, []byte("\uFFFD")) ||
		bytes.Contains(bytes.ToLower(rec.ResponseBody), []byte(`\ufffd`))
	if outputHasReplacement && !inputHasReplacement {
		t.Fatalf("Decode: ResponseBody contains U+FFFD that the input did not: %q",
			rec.ResponseBody)
	}
}

func FuzzDecodeStream(f *testing.F) {
	f.Add(openAIToolStream, true, int64(200))
	f.Add(`{"a":1}`+"\n"+`{"b":2}`+"\n"+`{"c":`, false, int64(-3))
	f.Add("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n"+
		"data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"partial_json\":"+
		"\"{\\\"a\\\":\\ud83d\"}}\n", true, int64(200))
	f.Add(`data: {"candidates":[{"index":1,"content":{"parts":[{"text":"a","thought":true},`+
		`{"text":"\udc00"}]}}]}`, false, int64(500))
	f.Add(`[{"candidates":[]},{"usageMetadata":{"promptTokenCount":-1}}]`, true, int64(200))

	f.Fuzz(func(t *testing.T, text string, stream bool, status int64) {
		if !utf8.ValidString(text) {
			return
		}
		quoted, err := json.Marshal(text)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		req := `{}`
		if stream {
			req = `{"stream":true}`
		}
		body := logBody(req, fmt.Sprintf(`"textBody":%s,"status":%d`, quoted, status), "")
		rec, err := record.Decode([]byte(body), nil, record.Options{MaxDepth: 32})
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if text != "" && string(rec.ResponseRaw) != text {
			t.Fatalf("Decode: ResponseRaw = %q, want %q", rec.ResponseRaw, text)
		}
		checkFuzzRecord(t, []byte(body), rec)
	})
}
