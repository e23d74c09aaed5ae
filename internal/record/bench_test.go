package record_test

import (
	"encoding/json"
	"testing"

	"github.com/heliograph/heliograph/internal/record"
)

// benchBody is a JS-SDK-shaped OpenAI chat log of about 1 KB.
const benchBody = `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"gpt-4o-mini",` +
	`"temperature":0.2,"messages":[{"role":"system","content":"You are a helpful assistant ` +
	`that answers questions about the weather in short sentences."},{"role":"user",` +
	`"content":"What is the weather in Paris today, and should I take an umbrella?"}]},` +
	`"meta":{}},"providerResponse":{"json":{"id":"chatcmpl-AbCdEf123456","object":` +
	`"chat.completion","created":1735689601,"model":"gpt-4o-mini-2024-07-18","choices":` +
	`[{"index":0,"message":{"role":"assistant","content":"Paris is cloudy with light rain ` +
	`expected in the afternoon, around 9 degrees Celsius. Yes, take an umbrella, and a ` +
	`light jacket would help too."},"logprobs":null,"finish_reason":"stop"}],"usage":` +
	`{"prompt_tokens":52,"completion_tokens":38,"total_tokens":90,"prompt_tokens_details":` +
	`{"cached_tokens":0}},"system_fingerprint":"fp_0123456789"},"status":200,"headers":{}},` +
	`"timing":{"startTime":{"seconds":1735689600,"milliseconds":120},"endTime":` +
	`{"seconds":1735689601,"milliseconds":370},"timeToFirstToken":310},"provider":"OPENAI"}`

func BenchmarkDecode(b *testing.B) {
	body := []byte(benchBody)
	h := header("Helicone-Property-Environment", "production", "Helicone-User-Id", "user-1",
		"Helicone-Session-Id", "s-1", "Authorization", "Bearer sk-helicone-x",
		"Content-Type", "application/json")
	opts := record.Options{Provider: record.ProviderCustom, Path: "/custom/v1/log"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := record.Decode(body, h, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeStream(b *testing.B) {
	text, err := json.Marshal(openAIToolStream)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(logBody(`{"model":"gpt-x","stream":true}`, `"textBody":`+string(text), ""))
	opts := record.Options{Provider: record.ProviderOpenAI, Path: "/oai/v1/log"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := record.Decode(body, nil, opts); err != nil {
			b.Fatal(err)
		}
	}
}
