package query

import (
	"fmt"
	"strings"

	"github.com/heliograph/heliograph/internal/filter"
)

// valueKind is the type of value a field compares with.
type valueKind int

const (
	kindText     valueKind = iota // any string
	kindEnum                      // the record kinds llm, data, tool, vector_db
	kindProvider                  // text stored upper-cased
	kindBody                      // a stored body, searched as text
	kindInt                       // int64
	kindDuration                  // int64 milliseconds
	kindFloat                     // float64
	kindScore                     // float64; true and false are 1 and 0
	kindTime                      // time.Time in UTC
)

// String returns the name used in error messages.
func (k valueKind) String() string {
	switch k {
	case kindBody:
		return "body"
	case kindInt:
		return "integer"
	case kindDuration:
		return "duration"
	case kindFloat, kindScore:
		return "number"
	case kindTime:
		return "time"
	default:
		return "text"
	}
}

// article returns the kind's name with "a" or "an".
func (k valueKind) article() string {
	if k == kindInt {
		return "an " + k.String()
	}
	return "a " + k.String()
}

func (k valueKind) isText() bool {
	return k == kindText || k == kindEnum || k == kindProvider
}

// kindOf returns the value kind of a field, with ok false for a name that is not a field.
func kindOf(f filter.Field) (kind valueKind, ok bool) {
	switch f.Name {
	case filter.FieldRequestID, filter.FieldModel, filter.FieldName, filter.FieldRequestModel,
		filter.FieldResponseModel, filter.FieldUser, filter.FieldSessionID,
		filter.FieldSessionName, filter.FieldSessionPath, filter.FieldPromptID,
		filter.FieldPath, filter.FieldProperty:
		return kindText, true
	case filter.FieldKind:
		return kindEnum, true
	case filter.FieldProvider:
		return kindProvider, true
	case filter.FieldRequestBody, filter.FieldResponseBody, filter.FieldBody:
		return kindBody, true
	case filter.FieldStatus, filter.FieldPromptTokens, filter.FieldCompletionTokens,
		filter.FieldTotalTokens, filter.FieldCacheReadTokens, filter.FieldCacheWriteTokens:
		return kindInt, true
	case filter.FieldLatency, filter.FieldTTFT:
		return kindDuration, true
	case filter.FieldCost:
		return kindFloat, true
	case filter.FieldScore:
		return kindScore, true
	case filter.FieldCreatedAt, filter.FieldEndedAt:
		return kindTime, true
	}
	return kindText, false
}

// languageField maps a lower-cased field name of the filter language, aliases included, to its
// field. Property and score fields are resolved by the parser, not here.
func languageField(name string) (string, bool) {
	switch name {
	case "kind":
		return filter.FieldKind, true
	case "name":
		return filter.FieldName, true
	case "model":
		return filter.FieldModel, true
	case "request_model":
		return filter.FieldRequestModel, true
	case "response_model":
		return filter.FieldResponseModel, true
	case "provider":
		return filter.FieldProvider, true
	case "status":
		return filter.FieldStatus, true
	case "latency":
		return filter.FieldLatency, true
	case "ttft", "time_to_first_token":
		return filter.FieldTTFT, true
	case "prompt_tokens":
		return filter.FieldPromptTokens, true
	case "completion_tokens":
		return filter.FieldCompletionTokens, true
	case "tokens", "total_tokens":
		return filter.FieldTotalTokens, true
	case "cache_read_tokens":
		return filter.FieldCacheReadTokens, true
	case "cache_write_tokens":
		return filter.FieldCacheWriteTokens, true
	case "cost":
		return filter.FieldCost, true
	case "user", "user_id":
		return filter.FieldUser, true
	case "session", "session.id", "session_id":
		return filter.FieldSessionID, true
	case "session.name", "session_name":
		return filter.FieldSessionName, true
	case "session.path", "session_path":
		return filter.FieldSessionPath, true
	case "request_id", "id":
		return filter.FieldRequestID, true
	case "prompt_id":
		return filter.FieldPromptID, true
	case "path":
		return filter.FieldPath, true
	case "request", "request_body":
		return filter.FieldRequestBody, true
	case "response", "response_body":
		return filter.FieldResponseBody, true
	case "body":
		return filter.FieldBody, true
	case "time", "created_at":
		return filter.FieldCreatedAt, true
	case "ended_at":
		return filter.FieldEndedAt, true
	}
	return "", false
}

// propertyField returns the field for a property key. Keys are lower-cased, because ingest
// stores Helicone-Property-* keys lower-cased. The Helicone-Session-*, Helicone-Prompt-Id and
// Helicone-User-Id keys name values that the store keeps in their own columns, so they map to
// those fields.
func propertyField(key string) filter.Field {
	key = strings.ToLower(key)
	switch key {
	case "helicone-session-id":
		return filter.Field{Name: filter.FieldSessionID}
	case "helicone-session-name":
		return filter.Field{Name: filter.FieldSessionName}
	case "helicone-session-path":
		return filter.Field{Name: filter.FieldSessionPath}
	case "helicone-prompt-id":
		return filter.Field{Name: filter.FieldPromptID}
	case "helicone-user-id":
		return filter.Field{Name: filter.FieldUser}
	}
	return filter.Field{Name: filter.FieldProperty, Key: key}
}

// fieldLabel names a field in error messages the way the filter language writes it.
func fieldLabel(f filter.Field) string {
	switch f.Name {
	case filter.FieldProperty, filter.FieldScore:
		return f.Name + "." + formatKey(f.Key)
	}
	return f.Name
}

// checkOp reports whether op applies to a field of the given kind. opName is the operator as
// the caller's surface spells it.
func checkOp(f filter.Field, kind valueKind, op filter.Op, opName string) error {
	label := fieldLabel(f)
	switch op {
	case filter.OpContains, filter.OpNotContains, filter.OpLike, filter.OpILike:
		if kind.isText() || kind == kindBody {
			return nil
		}
		return fmt.Errorf("%s is %s field; %s needs a text field", label, kind.article(), opName)
	}
	if kind == kindBody {
		return fmt.Errorf("%s is a body, searched as text; %s is not supported on it, "+
			"use a substring or like test", label, opName)
	}
	switch op {
	case filter.OpLt, filter.OpLe, filter.OpGt, filter.OpGe:
		if kind.isText() {
			return fmt.Errorf("%s is a text field; %s needs a number or time field", label, opName)
		}
	case filter.OpEmpty:
		if !kind.isText() {
			return fmt.Errorf("%s is %s field; %s needs a text field", label, kind.article(),
				opName)
		}
	}
	return nil
}
