package record_test

import (
	"testing"
)

func TestDecodeUsage(t *testing.T) {
	type counts struct {
		prompt, completion, total, cacheRead, cacheWrite int64
		cost                                             float64
	}
	tests := []struct {
		name    string
		members string
		want    counts
	}{
		{"openai", `"json":{"usage":{"prompt_tokens":100,"completion_tokens":20,` +
			`"total_tokens":120}}`, counts{100, 20, 120, 0, 0, 0}},
		{"openai cached tokens inside prompt", `"json":{"usage":{"prompt_tokens":100,` +
			`"completion_tokens":20,"total_tokens":120,` +
			`"prompt_tokens_details":{"cached_tokens":64}}}`, counts{100, 20, 120, 64, 0, 0}},
		{"openai total computed", `"json":{"usage":{"prompt_tokens":7,"completion_tokens":5}}`,
			counts{7, 5, 12, 0, 0, 0}},
		{"openai shape with anthropic cache counts", `"json":{"usage":{"prompt_tokens":260,` +
			`"completion_tokens":30,"cache_read_input_tokens":200,` +
			`"cache_creation_input_tokens":50}}`, counts{260, 30, 290, 200, 50, 0}},
		{"anthropic cache added once", `"json":{"usage":{"input_tokens":10,` +
			`"output_tokens":30,"cache_read_input_tokens":200,` +
			`"cache_creation_input_tokens":50}}`, counts{260, 30, 290, 200, 50, 0}},
		{"anthropic without cache", `"json":{"usage":{"input_tokens":10,"output_tokens":3}}`,
			counts{10, 3, 13, 0, 0, 0}},
		{"openai responses api", `"json":{"usage":{"input_tokens":90,"output_tokens":10,` +
			`"total_tokens":100,"input_tokens_details":{"cached_tokens":40}}}`,
			counts{90, 10, 100, 40, 0, 0}},
		{"camel case", `"json":{"usage":{"inputTokens":11,"outputTokens":4}}`,
			counts{11, 4, 15, 0, 0, 0}},
		{"bedrock camel case cache", `"json":{"usage":{"inputTokens":11,"outputTokens":4,` +
			`"cacheReadInputTokens":100,"cacheWriteInputTokens":5,"totalTokens":120}}`,
			counts{116, 4, 120, 100, 5, 0}},
		{"google", `"json":{"usageMetadata":{"promptTokenCount":50,` +
			`"candidatesTokenCount":8,"totalTokenCount":58,"cachedContentTokenCount":32}}`,
			counts{50, 8, 58, 32, 0, 0}},
		{"google thoughts count as completion", `"json":{"usageMetadata":` +
			`{"promptTokenCount":5,"candidatesTokenCount":8,"thoughtsTokenCount":20,` +
			`"totalTokenCount":33}}`, counts{5, 28, 33, 0, 0, 0}},
		{"bedrock llama top level", `"json":{"generation":"x","prompt_token_count":9,` +
			`"generation_token_count":3}`, counts{9, 3, 12, 0, 0, 0}},
		{"bedrock llama in usage", `"json":{"usage":{"prompt_token_count":9,` +
			`"generation_token_count":3}}`, counts{9, 3, 12, 0, 0, 0}},
		{"negative clamped", `"json":{"usage":{"prompt_tokens":-5,"completion_tokens":2}}`,
			counts{0, 2, 2, 0, 0, 0}},
		{"fractions truncated", `"json":{"usage":{"prompt_tokens":5.9,"completion_tokens":2}}`,
			counts{5, 2, 7, 0, 0, 0}},
		{"strings ignored", `"json":{"usage":{"prompt_tokens":"5","completion_tokens":2}}`,
			counts{0, 2, 2, 0, 0, 0}},
		{"usage cost", `"json":{"usage":{"prompt_tokens":1,"completion_tokens":1,` +
			`"cost":0.0025}}`, counts{1, 1, 2, 0, 0, 0.0025}},
		{"explicit cost wins", `"json":{"usage":{"cost":0.5}},"cost":0.125`,
			counts{0, 0, 0, 0, 0, 0.125}},
		{"explicit zero cost wins", `"json":{"usage":{"cost":0.5}},"cost":0`,
			counts{0, 0, 0, 0, 0, 0}},
		{"overflowing usage cost ignored", `"json":{"usage":{"cost":1e400}}`,
			counts{0, 0, 0, 0, 0, 0}},
		{"negative usage cost ignored", `"json":{"usage":{"cost":-1}}`,
			counts{0, 0, 0, 0, 0, 0}},
		{"usage cost over a billion ignored", `"json":{"usage":{"cost":1.7e308}}`,
			counts{0, 0, 0, 0, 0, 0}},
		{"explicit cost of a billion kept", `"json":{},"cost":1e9`,
			counts{0, 0, 0, 0, 0, 1e9}},
		{"huge counts capped", `"json":{"usage":{"prompt_tokens":9007199254740993,` +
			`"completion_tokens":1e30}}`, counts{1 << 32, 1 << 32, 1 << 32, 0, 0, 0}},
		{"counts past the cap in total", `"json":{"usage":{"prompt_tokens":4294967000,` +
			`"completion_tokens":4294967000}}`, counts{4294967000, 4294967000, 1 << 32, 0, 0, 0}},
		{"anthropic sum capped", `"json":{"usage":{"input_tokens":5e9,` +
			`"cache_read_input_tokens":5e9,"cache_creation_input_tokens":5e9}}`,
			counts{1 << 32, 0, 1 << 32, 1 << 32, 1 << 32, 0}},
		{"google repeated counts capped", `"json":{"usageMetadata":{"candidatesTokenCount":` +
			`9e9,"thoughtsTokenCount":9e9,"thoughtsTokenCount":9e9}}`,
			counts{0, 1 << 32, 1 << 32, 0, 0, 0}},
		{"no usage", `"json":{"choices":[]}`, counts{}},
		{"usage in json text", `"textBody":"{\"usage\":{\"prompt_tokens\":4,` +
			`\"completion_tokens\":1}}"`, counts{4, 1, 5, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, logBody(`{}`, tt.members, ""), nil)
			got := counts{rec.PromptTokens, rec.CompletionTokens, rec.TotalTokens,
				rec.CacheReadTokens, rec.CacheWriteTokens, rec.Cost}
			if got != tt.want {
				t.Errorf("Decode: usage = %+v, want %+v", got, tt.want)
			}
		})
	}
}
