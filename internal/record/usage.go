package record

import (
	"bytes"
)

// usage is the token usage and cost of one log. Cache counts are part of prompt.
type usage struct {
	prompt, completion, total int64
	cacheRead, cacheWrite     int64
	cost                      float64
}

// copyTo sets the usage fields of rec.
func (u usage) copyTo(rec *Record) {
	rec.PromptTokens = u.prompt
	rec.CompletionTokens = u.completion
	rec.TotalTokens = u.total
	rec.CacheReadTokens = u.cacheRead
	rec.CacheWriteTokens = u.cacheWrite
	rec.Cost = u.cost
}

// capCounts caps every count at maxCount. Each count read is capped already, but sums of
// several, such as Anthropic's input and cache tokens or Google's repeated candidate counts,
// can pass it.
func (u *usage) capCounts() {
	for _, n := range []*int64{&u.prompt, &u.completion, &u.total, &u.cacheRead,
		&u.cacheWrite} {
		*n = min(*n, maxCount)
	}
}

// usageMembers contains the raw members of a usage object that any supported provider uses.
type usageMembers struct {
	promptTokens, completionTokens, totalTokens []byte // OpenAI chat and completions
	cachedTokens, cacheHitTokens                []byte // OpenAI details, DeepSeek
	inputTokens, outputTokens                   []byte // Anthropic, OpenAI Responses
	cacheReadInput, cacheCreationInput          []byte // Anthropic
	inputCachedTokens                           []byte // OpenAI Responses details
	inputTokensCamel, outputTokensCamel         []byte // Bedrock Converse, AI SDKs
	totalTokensCamel                            []byte
	cachedInputCamel                            []byte // included in inputTokens
	cacheReadCamel, cacheWriteCamel             []byte // Bedrock: excluded from inputTokens
	promptTokenCount, generationTokenCount      []byte
	cost                                        []byte
}

// readUsage extracts token counts from a response object: its `usage` object, else
// Google's `usageMetadata`, else top-level prompt_token_count and generation_token_count.
// explicitCost is providerResponse.cost when the log carried one.
func readUsage(f *bodyFields, explicitCost []byte) usage {
	var u usage
	var um usageMembers
	if kindOf(f.usage) == kindObject {
		um = scanUsage(f.usage)
		u = um.tokens()
	}
	if u == (usage{}) && kindOf(f.usageMetadata) == kindObject {
		u = googleUsage(f.usageMetadata)
	}
	if u == (usage{}) {
		u.prompt = countOrZero(f.promptTokenCount)
		u.completion = countOrZero(f.generationTokenCount)
	}
	if u.total == 0 {
		u.total = u.prompt + u.completion
	}
	u.capCounts()

	if c, ok := floatValue(explicitCost); ok {
		u.cost = c
	} else if c, ok := floatValue(um.cost); ok && c > 0 && c <= maxCost {
		u.cost = c
	}
	return u
}

// scanUsage reads the members of a usage object.
func scanUsage(obj []byte) usageMembers {
	var um usageMembers
	m := newMembers(obj)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		if bytes.IndexByte(key, '\\') >= 0 {
			key = unquoteInner(key, nil, keepEscaped)
		}
		switch string(key) {
		case "prompt_tokens":
			um.promptTokens = val
		case "completion_tokens":
			um.completionTokens = val
		case "total_tokens":
			um.totalTokens = val
		case "prompt_tokens_details":
			um.cachedTokens = memberValue(val, "cached_tokens")
		case "prompt_cache_hit_tokens":
			um.cacheHitTokens = val
		case "input_tokens":
			um.inputTokens = val
		case "output_tokens":
			um.outputTokens = val
		case "cache_read_input_tokens":
			um.cacheReadInput = val
		case "cache_creation_input_tokens":
			um.cacheCreationInput = val
		case "input_tokens_details":
			um.inputCachedTokens = memberValue(val, "cached_tokens")
		case "inputTokens":
			um.inputTokensCamel = val
		case "outputTokens":
			um.outputTokensCamel = val
		case "totalTokens":
			um.totalTokensCamel = val
		case "cachedInputTokens":
			um.cachedInputCamel = val
		case "cacheReadInputTokens":
			um.cacheReadCamel = val
		case "cacheWriteInputTokens":
			um.cacheWriteCamel = val
		case "prompt_token_count":
			um.promptTokenCount = val
		case "generation_token_count":
			um.generationTokenCount = val
		case "cost":
			um.cost = val
		}
	}
	return um
}

// tokens resolves the counts by naming scheme. OpenAI's prompt_tokens already include the
// cached tokens. Anthropic's input_tokens exclude cache reads and writes, so those are added
// once to give the full prompt. Bedrock's camelCase cacheRead/WriteInputTokens are likewise
// outside inputTokens, while cachedInputTokens (AI SDKs) is inside it.
func (um *usageMembers) tokens() usage {
	var u usage
	switch {
	case um.promptTokens != nil || um.completionTokens != nil:
		u.prompt = countOrZero(um.promptTokens)
		u.completion = countOrZero(um.completionTokens)
		u.total = countOrZero(um.totalTokens)
		u.cacheRead = countOrZero(firstPresent(um.cachedTokens, um.cacheHitTokens,
			um.cacheReadInput))
		// Proxies such as LiteLLM add Anthropic's cache counts to an OpenAI-style usage
		// object whose prompt_tokens already include them.
		u.cacheWrite = countOrZero(um.cacheCreationInput)
	case um.inputTokens != nil || um.outputTokens != nil:
		u.cacheRead = countOrZero(um.cacheReadInput)
		u.cacheWrite = countOrZero(um.cacheCreationInput)
		u.prompt = countOrZero(um.inputTokens) + u.cacheRead + u.cacheWrite
		u.completion = countOrZero(um.outputTokens)
		u.total = countOrZero(um.totalTokens)
		if um.cacheReadInput == nil {
			u.cacheRead = countOrZero(um.inputCachedTokens)
		}
	case um.inputTokensCamel != nil || um.outputTokensCamel != nil:
		// NOTE: the Bedrock TokenUsage reference does not say whether inputTokens includes
		// the cache counts. They are treated as excluded, as Anthropic's input_tokens are.
		cacheRead := countOrZero(um.cacheReadCamel)
		u.cacheWrite = countOrZero(um.cacheWriteCamel)
		u.prompt = countOrZero(um.inputTokensCamel) + cacheRead + u.cacheWrite
		u.cacheRead = cacheRead + countOrZero(um.cachedInputCamel)
		u.completion = countOrZero(um.outputTokensCamel)
		u.total = countOrZero(um.totalTokensCamel)
	default:
		u.prompt = countOrZero(um.promptTokenCount)
		u.completion = countOrZero(um.generationTokenCount)
	}
	return u
}

// googleUsage reads Gemini usageMetadata. cachedContentTokenCount is part of
// promptTokenCount. thoughtsTokenCount is billed as output, so it counts as completion.
func googleUsage(obj []byte) usage {
	var u usage
	m := newMembers(obj)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "promptTokenCount"):
			u.prompt = countOrZero(val)
		case keyIs(key, "candidatesTokenCount"):
			u.completion += countOrZero(val)
		case keyIs(key, "thoughtsTokenCount"):
			u.completion += countOrZero(val)
		case keyIs(key, "totalTokenCount"):
			u.total = countOrZero(val)
		case keyIs(key, "cachedContentTokenCount"):
			u.cacheRead = countOrZero(val)
		}
	}
	return u
}

// memberValue returns the raw value of the member name of obj, or nil.
func memberValue(obj []byte, name string) []byte {
	m := newMembers(obj)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		if keyIs(key, name) {
			return val
		}
	}
	return nil
}

func firstPresent(values ...[]byte) []byte {
	for _, v := range values {
		if v != nil {
			return v
		}
	}
	return nil
}

// countOrZero converts a token count, giving 0 for anything that is not a number.
func countOrZero(raw []byte) int64 {
	n, _ := countValue(raw)
	return n
}
