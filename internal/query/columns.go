package query

import (
	"strings"

	"github.com/heliograph/heliograph/internal/filter"
)

// columnState is the outcome of looking up a column of a Helicone table.
type columnState int

const (
	columnUnknown     columnState = iota // not a column of the table
	columnUnsupported                    // a Helicone column with no counterpart here
	columnPlain                          // a column that maps to one field
	columnKeyed                          // properties or scores: a key follows
)

// columnLookup maps a column name of one table to its field.
type columnLookup func(column string) (filter.Field, columnState)

// feedbackScore is the score key that Helicone's thumbs-up/down feedback is stored under;
// true is 1 and false is 0.
const feedbackScore = "helicone-score-feedback"

// tableNames lists the Helicone tables that filter leaves may name.
func tableNames() []string {
	return []string{"request_response_rmt", "request_response_log",
		"sessions_request_response_rmt", "users_view", "request", "response", "feedback",
		"properties"}
}

// tableColumns returns the column lookup of a Helicone table. The properties table is
// handled by the caller because its leaves name a key, not a column.
func tableColumns(table string) (columnLookup, bool) {
	switch table {
	case "request_response_rmt", "request_response_log":
		return rmtColumn, true
	case "sessions_request_response_rmt":
		return sessionColumn, true
	case "users_view":
		return userColumn, true
	case "request":
		return requestColumn, true
	case "response":
		return responseColumn, true
	case "feedback":
		return feedbackColumn, true
	}
	return nil, false
}

func plain(name string) (filter.Field, columnState) {
	return filter.Field{Name: name}, columnPlain
}

// rmtColumn looks up a column of request_response_rmt, Helicone's ClickHouse table of
// requests.
func rmtColumn(column string) (filter.Field, columnState) {
	switch column {
	case "request_id":
		return plain(filter.FieldRequestID)
	case "request_created_at", "created_at":
		return plain(filter.FieldCreatedAt)
	case "response_created_at":
		return plain(filter.FieldEndedAt)
	case "latency":
		return plain(filter.FieldLatency)
	case "time_to_first_token":
		return plain(filter.FieldTTFT)
	case "status":
		return plain(filter.FieldStatus)
	case "model":
		return plain(filter.FieldModel)
	case "request_model":
		return plain(filter.FieldRequestModel)
	case "response_model":
		return plain(filter.FieldResponseModel)
	case "provider":
		return plain(filter.FieldProvider)
	case "user_id":
		return plain(filter.FieldUser)
	case "prompt_id":
		return plain(filter.FieldPromptID)
	case "request_body":
		return plain(filter.FieldRequestBody)
	case "response_body":
		return plain(filter.FieldResponseBody)
	case "properties":
		return filter.Field{Name: filter.FieldProperty}, columnKeyed
	case "scores":
		return filter.Field{Name: filter.FieldScore}, columnKeyed
	case feedbackScore:
		return filter.Field{Name: filter.FieldScore, Key: feedbackScore}, columnPlain
	case "country_code", "target_url", "threat", "cache_enabled", "cache_reference_id",
		"cached", "assets", "prompt_version", "request_referrer", "is_passthrough_billing",
		"scores_column", "organization_id", "proxy_key_id":
		return filter.Field{}, columnUnsupported
	}
	return tokenColumn(column)
}

// tokenColumn looks up the token and cost columns shared by request_response_rmt and
// response.
func tokenColumn(column string) (filter.Field, columnState) {
	switch column {
	case "prompt_tokens":
		return plain(filter.FieldPromptTokens)
	case "completion_tokens":
		return plain(filter.FieldCompletionTokens)
	case "total_tokens":
		return plain(filter.FieldTotalTokens)
	case "prompt_cache_read_tokens":
		return plain(filter.FieldCacheReadTokens)
	case "prompt_cache_write_tokens":
		return plain(filter.FieldCacheWriteTokens)
	case "cost":
		return plain(filter.FieldCost)
	}
	return filter.Field{}, columnUnknown
}

// sessionColumn looks up a column of sessions_request_response_rmt. Only the session id and
// name apply to single requests, so the session_* aggregates are not supported.
func sessionColumn(column string) (filter.Field, columnState) {
	switch column {
	case "session_session_id":
		return plain(filter.FieldSessionID)
	case "session_session_name":
		return plain(filter.FieldSessionName)
	}
	if strings.HasPrefix(column, "session_") {
		return filter.Field{}, columnUnsupported
	}
	return filter.Field{}, columnUnknown
}

// userColumn looks up a column of users_view. Only the user id applies to single requests;
// the user_* aggregates are not supported.
func userColumn(column string) (filter.Field, columnState) {
	if column == "user_user_id" {
		return plain(filter.FieldUser)
	}
	if strings.HasPrefix(column, "user_") {
		return filter.Field{}, columnUnsupported
	}
	return filter.Field{}, columnUnknown
}

// requestColumn looks up a column of request, the request table of Helicone's older
// PostgreSQL schema.
func requestColumn(column string) (filter.Field, columnState) {
	switch column {
	case "id", "request_id":
		return plain(filter.FieldRequestID)
	case "created_at":
		return plain(filter.FieldCreatedAt)
	case "user_id":
		return plain(filter.FieldUser)
	case "prompt_id":
		return plain(filter.FieldPromptID)
	case "path":
		return plain(filter.FieldPath)
	case "model":
		return plain(filter.FieldRequestModel)
	case "provider":
		return plain(filter.FieldProvider)
	case "body":
		return plain(filter.FieldRequestBody)
	case "properties":
		return filter.Field{Name: filter.FieldProperty}, columnKeyed
	case "model_override", "country_code", "target_url", "threat", "prompt_version",
		"cache_enabled", "auth_hash", "helicone_user", "helicone_api_key_id",
		"helicone_org_id", "helicone_proxy_key_id":
		return filter.Field{}, columnUnsupported
	}
	return filter.Field{}, columnUnknown
}

// responseColumn looks up a column of response, the response table of Helicone's older
// PostgreSQL schema. body_model is the model Helicone displays, so it maps to model.
func responseColumn(column string) (filter.Field, columnState) {
	switch column {
	case "status":
		return plain(filter.FieldStatus)
	case "body_model":
		return plain(filter.FieldModel)
	case "model":
		return plain(filter.FieldResponseModel)
	case "delay_ms":
		return plain(filter.FieldLatency)
	case "time_to_first_token":
		return plain(filter.FieldTTFT)
	case "created_at":
		return plain(filter.FieldEndedAt)
	case "body":
		return plain(filter.FieldResponseBody)
	case "id", "feedback":
		return filter.Field{}, columnUnsupported
	}
	return tokenColumn(column)
}

// feedbackColumn looks up a column of feedback, where rating is the thumbs-up/down score.
func feedbackColumn(column string) (filter.Field, columnState) {
	switch column {
	case "rating":
		return filter.Field{Name: filter.FieldScore, Key: feedbackScore}, columnPlain
	case "id", "created_at", "response_id":
		return filter.Field{}, columnUnsupported
	}
	return filter.Field{}, columnUnknown
}
