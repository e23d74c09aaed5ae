// Package record defines the canonical log record that every ingest path produces and every
// store keeps, and the normalisation of the Helicone custom-log wire format into it.
package record

import "time"

// Kinds of operation a record describes. A record whose request carries no recognised
// `_type` is an LLM call.
const (
	KindLLM      = "llm"
	KindData     = "data"
	KindTool     = "tool"
	KindVectorDB = "vector_db"
)

// Providers assigned by the ingest route.
const (
	ProviderCustom    = "CUSTOM"
	ProviderOpenAI    = "OPENAI"
	ProviderAnthropic = "ANTHROPIC"
	ProviderGoogle    = "GOOGLE"
)

// Record is one logged operation after normalisation. Body fields hold JSON or text exactly as
// described on each field; a Record is a plain value and not safe for concurrent mutation.
type Record struct {
	// ProjectID is the project that owns the record; set from the API key, never from input.
	ProjectID string
	// RequestID is a UUID, unique within the project.
	RequestID string

	// CreatedAt is the start of the operation and EndedAt its end, both with millisecond
	// precision in UTC.
	CreatedAt time.Time
	EndedAt   time.Time
	// LatencyMs is EndedAt minus CreatedAt in milliseconds, never negative.
	LatencyMs int64
	// TimeToFirstTokenMs is nil when the client did not report it.
	TimeToFirstTokenMs *int64
	// Status is the status code reported by the client, stored verbatim. Helicone uses 200 for
	// success, -1 timeout, -2 pending, -3 cancelled and -4 threat.
	Status int64

	// Kind is one of the Kind constants.
	Kind string
	// Model is the display name: "data:<name>", "tool:<toolName>", "vector_db", or the LLM
	// model after the override header.
	Model string
	// RequestModel and ResponseModel are the `model` fields of the two bodies, if any.
	RequestModel  string
	ResponseModel string
	// ModelOverride is the Helicone-Model-Override header value.
	ModelOverride string
	// Provider is one of the Provider constants or the body's `provider` field, upper-cased.
	Provider string
	// Path is the URL path the record arrived on.
	Path string

	UserID      string
	SessionID   string
	SessionName string
	// SessionPath is the Helicone-Session-Path value as sent; empty when absent.
	SessionPath string
	PromptID    string
	// Properties holds the Helicone-Property-* values, keyed by the lower-cased text after the
	// prefix. Session, user and prompt headers are kept in their own fields, not here.
	Properties map[string]string

	PromptTokens     int64
	CompletionTokens int64
	TotalTokens      int64
	// CacheReadTokens and CacheWriteTokens are part of PromptTokens, not added on top.
	CacheReadTokens  int64
	CacheWriteTokens int64
	// Cost is in US dollars; zero when unknown.
	Cost float64

	// RequestBody is providerRequest.json byte for byte as received (JSON), or "{}" when the
	// request was omitted by Helicone-Omit-Request.
	RequestBody []byte
	// ResponseBody is the processed response as JSON: the response object, the merged stream,
	// or a wrapper object around text that is not JSON.
	ResponseBody []byte
	// ResponseRaw is the response as received: textBody's bytes when it was text, otherwise
	// providerResponse.json byte for byte.
	ResponseRaw []byte
	// Streamed reports that ResponseBody was merged from a stream (SSE or NDJSON).
	Streamed bool
	// Error is a short error description derived from the response, empty on success.
	Error string
}
