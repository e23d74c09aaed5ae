// Package filter defines the backend-neutral filter tree that every query surface produces (the
// Heliograph filter language, Helicone filter trees, the dashboard) and every store compiles to
// its own parameterised SQL.
package filter

import "time"

// Expr is a node of a filter tree: [All], [And], [Or], [Not] or [Cond].
type Expr interface {
	expr()
}

// All matches every record.
type All struct{}

// And matches when every operand matches. An empty And matches everything.
type And struct{ Exprs []Expr }

// Or matches when any operand matches. An empty Or matches nothing.
type Or struct{ Exprs []Expr }

// Not matches when its operand does not.
type Not struct{ X Expr }

// Cond compares one field with a value.
type Cond struct {
	Field Field
	Op    Op
	// Value is a string, int64, float64, bool, time.Time or, for [OpIn], []any of those.
	// It is nil for [OpExists], [OpNull] and [OpEmpty].
	Value any
}

func (All) expr()  {}
func (And) expr()  {}
func (Or) expr()   {}
func (Not) expr()  {}
func (Cond) expr() {}

// Field names a record attribute. Key is set only for [FieldProperty] and [FieldScore].
type Field struct {
	Name string
	Key  string
}

// Field names. Numeric fields compare as numbers, text fields as strings, time fields as
// instants.
//
// FieldName is the operation's own name, computed from the kind and the model: the name of a
// data log (model "data:<name>"), the toolName of a tool call (model "tool:<toolName>"),
// "vector_db" for a vector database operation, and the model of an LLM call. A model override
// replaces the whole model, so a data or tool log with an override has the override as its
// name.
const (
	FieldRequestID        = "request_id" // text
	FieldCreatedAt        = "created_at" // time: start of the operation
	FieldEndedAt          = "ended_at"   // time: end of the operation
	FieldKind             = "kind"       // text: llm, data, tool, vector_db
	FieldModel            = "model"      // text: display name or model
	FieldName             = "name"       // text: the operation's own name
	FieldRequestModel     = "request_model"
	FieldResponseModel    = "response_model"
	FieldProvider         = "provider" // text
	FieldStatus           = "status"   // integer
	FieldLatency          = "latency"  // integer, milliseconds
	FieldTTFT             = "ttft"     // integer, milliseconds; null when unknown
	FieldPromptTokens     = "prompt_tokens"
	FieldCompletionTokens = "completion_tokens"
	FieldTotalTokens      = "total_tokens"
	FieldCacheReadTokens  = "cache_read_tokens"
	FieldCacheWriteTokens = "cache_write_tokens"
	FieldCost             = "cost"         // float, US dollars
	FieldUser             = "user"         // text
	FieldSessionID        = "session_id"   // text
	FieldSessionName      = "session_name" // text
	FieldSessionPath      = "session_path" // text
	FieldPromptID         = "prompt_id"    // text
	FieldPath             = "path"         // text: ingest URL path
	FieldRequestBody      = "request_body" // text search over the stored request body
	FieldResponseBody     = "response_body"
	FieldBody             = "body"     // either body
	FieldProperty         = "property" // text; Key is the property key as stored
	FieldScore            = "score"    // number; Key is the score name
)

// Op is a comparison operator.
type Op string

// Operators. Contains and NotContains are case-insensitive substring tests; Like and ILike take
// SQL LIKE patterns with % and _. Null tests that the field has no value (a missing property,
// an unknown TTFT, an empty text column); Empty tests that a text field is the empty string or
// missing; Exists is the negation of Null.
const (
	OpEq          Op = "="
	OpNe          Op = "!="
	OpLt          Op = "<"
	OpLe          Op = "<="
	OpGt          Op = ">"
	OpGe          Op = ">="
	OpContains    Op = "~"
	OpNotContains Op = "!~"
	OpLike        Op = "like"
	OpILike       Op = "ilike"
	OpIn          Op = "in"
	OpExists      Op = "exists"
	OpNull        Op = "null"
	OpEmpty       Op = "empty"
)

// Sort orders query results by one field. A zero Sort is newest first. Ties are always
// broken by request id in the same direction, so the order is total and stable.
type Sort struct {
	Field Field
	Desc  bool
}

// Cursor marks the last row of a page for keyset pagination under the default order
// (created_at descending, then request id descending).
type Cursor struct {
	CreatedAt time.Time
	RequestID string
}
