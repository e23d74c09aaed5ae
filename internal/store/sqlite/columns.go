package sqlite

import "github.com/heliograph/heliograph/internal/filter"

// fieldKind is the comparison and sort behaviour of a filter field.
type fieldKind int

const (
	kindText     fieldKind = iota + 1 // NOT NULL text, '' when absent
	kindNumber                        // integer or real
	kindTime                          // integer Unix milliseconds
	kindBody                          // blob searched as text; not sortable
	kindProperty                      // row of log_properties, selected by Field.Key
	kindScore                         // row of scores, selected by Field.Key
)

// column is the SQL side of a filter field.
type column struct {
	expr     string // SQL expression over the logs table; empty for keyed fields
	kind     fieldKind
	nullable bool // only ttft can be NULL
	keyed    bool // the field needs filter.Field.Key
}

// Body expressions for text search. COALESCE turns a missing body into the empty string so
// that every condition on it is true or false, never NULL.
const (
	requestBodyExpr  = "COALESCE(CAST(request_body AS TEXT), '')"
	responseBodyExpr = "COALESCE(CAST(response_body AS TEXT), '')"
)

// nameExpr is the SQL expression of [filter.FieldName]: the model without its "data:" or
// "tool:" prefix for data and tool logs, and the model itself for every other kind. The prefix
// is removed only when the model has it, because a model override replaces the whole model.
const nameExpr = "(CASE WHEN kind IN ('data', 'tool') AND substr(model, 1, 5) = kind || ':' " +
	"THEN substr(model, 6) ELSE model END)"

// lookupColumn maps a filter field name to its column. This switch is the only source of
// column names in compiled SQL.
func lookupColumn(name string) (column, bool) {
	text := func(expr string) (column, bool) { return column{expr: expr, kind: kindText}, true }
	number := func(expr string) (column, bool) { return column{expr: expr, kind: kindNumber}, true }
	switch name {
	case filter.FieldRequestID:
		return text("request_id")
	case filter.FieldKind:
		return text("kind")
	case filter.FieldModel:
		return text("model")
	case filter.FieldName:
		return text(nameExpr)
	case filter.FieldRequestModel:
		return text("request_model")
	case filter.FieldResponseModel:
		return text("response_model")
	case filter.FieldProvider:
		return text("provider")
	case filter.FieldUser:
		return text("user_id")
	case filter.FieldSessionID:
		return text("session_id")
	case filter.FieldSessionName:
		return text("session_name")
	case filter.FieldSessionPath:
		return text("session_path")
	case filter.FieldPromptID:
		return text("prompt_id")
	case filter.FieldPath:
		return text("path")
	case filter.FieldCreatedAt:
		return column{expr: "created_at", kind: kindTime}, true
	case filter.FieldEndedAt:
		return column{expr: "ended_at", kind: kindTime}, true
	case filter.FieldStatus:
		return number("status")
	case filter.FieldLatency:
		return number("latency_ms")
	case filter.FieldTTFT:
		return column{expr: "ttft_ms", kind: kindNumber, nullable: true}, true
	case filter.FieldPromptTokens:
		return number("prompt_tokens")
	case filter.FieldCompletionTokens:
		return number("completion_tokens")
	case filter.FieldTotalTokens:
		return number("total_tokens")
	case filter.FieldCacheReadTokens:
		return number("cache_read_tokens")
	case filter.FieldCacheWriteTokens:
		return number("cache_write_tokens")
	case filter.FieldCost:
		return number("cost")
	case filter.FieldRequestBody:
		return column{expr: requestBodyExpr, kind: kindBody}, true
	case filter.FieldResponseBody:
		return column{expr: responseBodyExpr, kind: kindBody}, true
	case filter.FieldBody:
		return column{kind: kindBody}, true
	case filter.FieldProperty:
		return column{kind: kindProperty, keyed: true}, true
	case filter.FieldScore:
		return column{kind: kindScore, keyed: true}, true
	}
	return column{}, false
}
