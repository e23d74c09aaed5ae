package seed

import (
	"strconv"
	"time"
)

// logSpec is what the builder decided about one log before writing it.
type logSpec struct {
	id        string
	kind      string
	step      string
	start     time.Time
	latencyMs int64
	status    int64
	streamed  bool
}

// model is an LLM with illustrative prices in US dollars per million tokens. The prices only
// make the generated costs plausible; they are not a price table.
type model struct {
	name, provider  string
	input, output   float64
	anthropicFormat bool
}

var models = []model{
	{"gpt-4o-mini", "OPENAI", 0.15, 0.60, false},
	{"gpt-4o", "OPENAI", 2.50, 10.00, false},
	{"claude-3-5-sonnet-20241022", "ANTHROPIC", 3.00, 15.00, true},
	{"claude-3-5-haiku-20241022", "ANTHROPIC", 0.80, 4.00, true},
	{"gemini-1.5-flash", "GOOGLE", 0.075, 0.30, false},
}

var words = []string{"the", "customer", "asked", "about", "billing", "invoice", "refund",
	"policy", "for", "annual", "plans", "and", "whether", "discounts", "apply", "to", "teams",
	"with", "more", "than", "ten", "seats", "please", "summarize", "latest", "release",
	"notes", "highlight", "breaking", "changes", "in", "api", "search", "results", "show",
	"three", "relevant", "documents", "from", "knowledge", "base", "order", "status",
	"shipping", "delayed", "because", "warehouse", "inventory", "is", "low", "this", "week"}

var toolNames = map[string]string{"search": "web_search", "fetch": "http_fetch",
	"calculator": "calculator", "calendar": "calendar_lookup", "code-exec": "python_exec"}

var llmErrors = map[int64]string{
	500: "The server had an error while processing your request.",
	502: "Bad gateway from upstream provider.",
	429: "Rate limit reached for requests per minute.",
	400: "This model's maximum context length was exceeded.",
}

// appendItem appends the batch item of l: headers, provider and custom-log body.
func (b *builder) appendItem(dst []byte, l *logSpec) []byte {
	m := models[b.rng.IntN(len(models))]
	provider := "CUSTOM"
	if l.kind == kindLLM {
		provider = m.provider
	}
	dst = append(dst, `{"headers":{"Helicone-Request-Id":`...)
	dst = appendString(dst, l.id)
	dst = b.appendHeaders(dst)
	dst = append(dst, `},"provider":"`...)
	dst = append(dst, provider...)
	dst = append(dst, `","body":{"providerRequest":{"url":"custom-model-nopath","json":`...)

	var cost float64
	var ttft int64 = -1
	switch l.kind {
	case kindLLM:
		dst, cost, ttft = b.appendLLM(dst, l, m)
	case kindTool:
		dst = b.appendTool(dst, l)
	case kindVectorDB:
		dst = b.appendVectorDB(dst, l)
	default:
		dst = b.appendData(dst, l)
	}

	dst = append(dst, `,"status":`...)
	dst = strconv.AppendInt(dst, l.status, 10)
	dst = append(dst, `,"headers":{}`...)
	if cost > 0 {
		dst = append(dst, `,"cost":`...)
		dst = strconv.AppendFloat(dst, cost, 'g', -1, 64)
	}
	dst = append(dst, `},"timing":{"startTime":`...)
	dst = appendInstant(dst, l.start)
	dst = append(dst, `,"endTime":`...)
	dst = appendInstant(dst, l.start.Add(time.Duration(l.latencyMs)*time.Millisecond))
	if ttft >= 0 {
		dst = append(dst, `,"timeToFirstToken":`...)
		dst = strconv.AppendInt(dst, ttft, 10)
	}
	return append(dst, "}}}"...)
}

// appendHeaders appends the user, session and property headers, each preceded by a comma.
func (b *builder) appendHeaders(dst []byte) []byte {
	header := func(dst []byte, name, value string) []byte {
		dst = append(dst, `,"`...)
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		return appendString(dst, value)
	}
	dst = header(dst, "Helicone-User-Id", b.user)
	if b.u.session >= 0 {
		dst = header(dst, "Helicone-Session-Id", b.sessionID)
		dst = header(dst, "Helicone-Session-Name", b.sessionName)
		dst = header(dst, "Helicone-Session-Path", b.sessionPath())
	}
	dst = header(dst, "Helicone-Property-Environment", b.environment)
	dst = header(dst, "Helicone-Property-Feature", b.feature)
	return header(dst, "Helicone-Property-Customer", b.customer)
}

// appendLLM appends the request json and the response members of an LLM call and returns
// its cost and time to first token (-1 when not streamed).
func (b *builder) appendLLM(dst []byte, l *logSpec, m model) ([]byte, float64, int64) {
	prompt := 50 + b.rng.Int64N(4000)
	completion := 5 + b.rng.Int64N(800)
	dst = append(dst, `{"model":"`...)
	dst = append(dst, m.name...)
	dst = append(dst, `","messages":[{"role":"system","content":"You are a helpful `...)
	dst = append(dst, b.feature...)
	dst = append(dst, ` assistant."},{"role":"user","content":`...)
	dst = b.appendSentence(dst, 8, 40)
	dst = append(dst, `}],"temperature":0.2`...)
	if l.streamed {
		dst = append(dst, `,"stream":true,"stream_options":{"include_usage":true}`...)
	}
	dst = append(dst, `},"meta":{}},"providerResponse":{`...)

	switch {
	case l.status == -1:
		dst = append(dst, `"json":{"error":{"message":"request timed out after 30s"}}`...)
		return dst, 0, -1
	case l.status != 200 && l.status != -3:
		dst = append(dst, `"json":{"error":{"message":`...)
		dst = appendString(dst, llmErrors[l.status])
		dst = append(dst, `,"type":"api_error"}}`...)
		return dst, 0, -1
	}
	cost := (float64(prompt)*m.input + float64(completion)*m.output) / 1e6
	if l.streamed {
		ttft := min(80+b.rng.Int64N(600), l.latencyMs)
		if l.status == -3 {
			cost = 0 // A cancelled stream never received its usage chunk.
		}
		return b.appendStream(dst, l, m, prompt, completion), cost, ttft
	}
	if l.status == -3 {
		dst = append(dst, `"json":{}`...)
		return dst, 0, -1
	}
	dst = append(dst, `"json":`...)
	if m.anthropicFormat {
		dst = append(dst, `{"id":"msg_`...)
		dst = append(dst, l.id[:8]...)
		dst = append(dst, `","type":"message","role":"assistant","model":"`...)
		dst = append(dst, m.name...)
		dst = append(dst, `","content":[{"type":"text","text":`...)
		dst = b.appendSentence(dst, 10, 60)
		dst = append(dst, `}],"stop_reason":"end_turn","usage":{"input_tokens":`...)
		dst = strconv.AppendInt(dst, prompt, 10)
		dst = append(dst, `,"output_tokens":`...)
		dst = strconv.AppendInt(dst, completion, 10)
		return append(dst, "}}"...), cost, -1
	}
	dst = append(dst, `{"id":"chatcmpl-`...)
	dst = append(dst, l.id[:8]...)
	dst = append(dst, `","object":"chat.completion","created":`...)
	dst = strconv.AppendInt(dst, l.start.Unix(), 10)
	dst = append(dst, `,"model":"`...)
	dst = append(dst, m.name...)
	dst = append(dst, `","choices":[{"index":0,"message":{"role":"assistant","content":`...)
	dst = b.appendSentence(dst, 10, 60)
	dst = append(dst, `},"finish_reason":"stop"}],"usage":{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, prompt, 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, completion, 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, prompt+completion, 10)
	return append(dst, "}}"...), cost, -1
}

// appendStream appends an SSE textBody of chat completion chunks. A cancelled stream (-3)
// stops in the middle of a chunk and has no usage chunk.
func (b *builder) appendStream(dst []byte, l *logSpec, m model, prompt, completion int64) []byte {
	var sse []byte
	chunks := 3 + b.rng.IntN(6)
	for range chunks {
		sse = append(sse, `data: {"id":"chatcmpl-`...)
		sse = append(sse, l.id[:8]...)
		sse = append(sse, `","object":"chat.completion.chunk","model":"`...)
		sse = append(sse, m.name...)
		sse = append(sse, `","choices":[{"index":0,"delta":{"content":"`...)
		sse = append(sse, words[b.rng.IntN(len(words))]...)
		sse = append(sse, ` "}}]}`+"\n\n"...)
	}
	if l.status == -3 {
		sse = append(sse, `data: {"id":"chatcmpl-`...)
	} else {
		sse = append(sse, `data: {"id":"chatcmpl-`...)
		sse = append(sse, l.id[:8]...)
		sse = append(sse, `","object":"chat.completion.chunk","choices":[],"usage":`...)
		sse = append(sse, `{"prompt_tokens":`...)
		sse = strconv.AppendInt(sse, prompt, 10)
		sse = append(sse, `,"completion_tokens":`...)
		sse = strconv.AppendInt(sse, completion, 10)
		sse = append(sse, `,"total_tokens":`...)
		sse = strconv.AppendInt(sse, prompt+completion, 10)
		sse = append(sse, "}}\n\ndata: [DONE]\n\n"...)
	}
	dst = append(dst, `"json":{},"textBody":`...)
	return appendString(dst, string(sse))
}

func (b *builder) appendTool(dst []byte, l *logSpec) []byte {
	name := toolNames[l.step]
	n := 1 + b.rng.IntN(5)
	dst = append(dst, `{"_type":"tool","toolName":"`...)
	dst = append(dst, name...)
	dst = append(dst, `","input":{"query":`...)
	dst = b.appendSentence(dst, 3, 10)
	dst = append(dst, `,"limit":`...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, `}},"meta":{}},"providerResponse":{"json":`...)
	if l.status != 200 {
		dst = append(dst, `{"status":"error","message":"upstream returned `...)
		dst = strconv.AppendInt(dst, l.status, 10)
		dst = append(dst, '"')
	} else {
		dst = append(dst, `{"status":"success","results":[`...)
		for i := range n {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"title":`...)
			dst = b.appendSentence(dst, 3, 8)
			dst = append(dst, `,"url":"https://example.com/doc/`...)
			dst = strconv.AppendInt(dst, b.rng.Int64N(100000), 10)
			dst = append(dst, `"}`...)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"_type":"tool","toolName":"`...)
	dst = append(dst, name...)
	return append(dst, `"}`...)
}

func (b *builder) appendVectorDB(dst []byte, l *logSpec) []byte {
	k := 3 + b.rng.IntN(5)
	dst = append(dst, `{"_type":"vector_db","operation":"search","text":`...)
	dst = b.appendSentence(dst, 4, 12)
	dst = append(dst, `,"topK":`...)
	dst = strconv.AppendInt(dst, int64(k), 10)
	dst = append(dst, `,"databaseName":"kb-`...)
	dst = append(dst, b.feature...)
	dst = append(dst, `","filter":{"lang":"en"}},"meta":{}},"providerResponse":{"json":`...)
	if l.status != 200 {
		return append(dst,
			`{"status":"error","message":"index unavailable","_type":"vector_db"}`...)
	}
	dst = append(dst, `{"matches":[`...)
	score := 0.95
	for i := range k {
		if i > 0 {
			dst = append(dst, ',')
		}
		score -= b.rng.Float64() * 0.08
		dst = append(dst, `{"id":"doc-`...)
		dst = strconv.AppendInt(dst, b.rng.Int64N(50000), 10)
		dst = append(dst, `","score":`...)
		dst = strconv.AppendFloat(dst, score, 'f', 4, 64)
		dst = append(dst, `,"text":`...)
		dst = b.appendSentence(dst, 8, 25)
		dst = append(dst, '}')
	}
	return append(dst, `],"_type":"vector_db"}`...)
}

func (b *builder) appendData(dst []byte, l *logSpec) []byte {
	dst = append(dst, `{"_type":"data","name":"`...)
	dst = append(dst, l.step...)
	dst = append(dst, `","meta":{"source":"postgres","customer":"`...)
	dst = append(dst, b.customer...)
	dst = append(dst, `"}},"meta":{}},"providerResponse":{"json":`...)
	if l.status != 200 {
		dst = append(dst, `{"status":"error","message":"query failed","_type":"data","name":"`...)
	} else {
		dst = append(dst, `{"status":"ok","data":{"rows":`...)
		dst = strconv.AppendInt(dst, b.rng.Int64N(500), 10)
		dst = append(dst, `,"fields":["id","name","plan"]},"_type":"data","name":"`...)
	}
	dst = append(dst, l.step...)
	return append(dst, `"}`...)
}

// appendSentence appends a JSON string of lo to hi words.
func (b *builder) appendSentence(dst []byte, lo, hi int) []byte {
	n := lo + b.rng.IntN(hi-lo+1)
	dst = append(dst, '"')
	for i := range n {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, words[b.rng.IntN(len(words))]...)
	}
	return append(dst, '"')
}

// appendInstant appends a Helicone timing instant, {"seconds": s, "milliseconds": ms}.
func appendInstant(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	dst = append(dst, `{"seconds":`...)
	dst = strconv.AppendInt(dst, ms/1000, 10)
	dst = append(dst, `,"milliseconds":`...)
	dst = strconv.AppendInt(dst, ms%1000, 10)
	return append(dst, '}')
}

// appendString appends s as a JSON string, escaping quotes, backslashes and control
// characters; other characters are copied as UTF-8.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
