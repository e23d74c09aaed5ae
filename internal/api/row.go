package api

import (
	"encoding/json"
	"maps"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

// Helicone keeps session and prompt linkage as properties under these keys; rows carry them
// in "properties" too so that Helicone clients find them where they expect.
const (
	propSessionID   = "Helicone-Session-Id"
	propSessionName = "Helicone-Session-Name"
	propSessionPath = "Helicone-Session-Path"
	propPromptID    = "Helicone-Prompt-Id"
)

// requestRow is the Helicone request-row shape, plus Heliograph's own fields after "kind".
// Bodies are embedded as JSON so that large integers keep every digit.
type requestRow struct {
	RequestID              string             `json:"request_id"`
	RequestCreatedAt       string             `json:"request_created_at"`
	RequestBody            json.RawMessage    `json:"request_body,omitempty"`
	RequestPath            string             `json:"request_path"`
	RequestUserID          *string            `json:"request_user_id"`
	RequestProperties      map[string]string  `json:"request_properties"`
	RequestModel           *string            `json:"request_model"`
	ModelOverride          *string            `json:"model_override"`
	ResponseID             string             `json:"response_id"`
	ResponseCreatedAt      string             `json:"response_created_at"`
	ResponseBody           json.RawMessage    `json:"response_body,omitempty"`
	ResponseStatus         int64              `json:"response_status"`
	ResponseModel          *string            `json:"response_model"`
	Model                  string             `json:"model"`
	Provider               string             `json:"provider"`
	DelayMs                int64              `json:"delay_ms"`
	TimeToFirstToken       *int64             `json:"time_to_first_token"`
	TotalTokens            int64              `json:"total_tokens"`
	PromptTokens           int64              `json:"prompt_tokens"`
	CompletionTokens       int64              `json:"completion_tokens"`
	PromptCacheReadTokens  int64              `json:"prompt_cache_read_tokens"`
	PromptCacheWriteTokens int64              `json:"prompt_cache_write_tokens"`
	Cost                   float64            `json:"cost"`
	CountryCode            *string            `json:"country_code"`
	Scores                 map[string]float64 `json:"scores"`
	Properties             map[string]string  `json:"properties"`
	PromptID               *string            `json:"prompt_id"`
	PromptVersion          *string            `json:"prompt_version"`
	UpdatedAt              string             `json:"updated_at"`
	StorageLocation        string             `json:"storage_location"`
	SignedBodyURL          *string            `json:"signed_body_url"`
	Kind                   string             `json:"kind"`
	UserID                 string             `json:"user_id"`
	SessionID              string             `json:"session_id"`
	SessionName            string             `json:"session_name"`
	SessionPath            string             `json:"session_path"`
	Streamed               bool               `json:"streamed"`
	Error                  string             `json:"error,omitempty"`
	ResponseRaw            *string            `json:"response_raw,omitempty"`
	// RequestBodyRaw is the stored request body as a JSON string, byte for byte, so that a
	// client can rebuild the log exactly; request_body is re-encoded on the way out.
	RequestBodyRaw *string `json:"request_body_raw,omitempty"`
	LatencyMs      int64   `json:"latency_ms"`
}

// timeLayout is ISO 8601 with milliseconds in UTC, as Helicone's API returns times.
const timeLayout = "2006-01-02T15:04:05.000Z"

// newRow converts a record. withRaw adds the response exactly as received.
func newRow(rec *record.Record, withRaw bool) requestRow {
	props := make(map[string]string, len(rec.Properties)+4)
	maps.Copy(props, rec.Properties)
	setIf(props, propSessionID, rec.SessionID)
	setIf(props, propSessionName, rec.SessionName)
	setIf(props, propSessionPath, rec.SessionPath)
	setIf(props, propPromptID, rec.PromptID)

	row := requestRow{
		RequestID:              rec.RequestID,
		RequestCreatedAt:       formatTime(rec.CreatedAt),
		RequestBody:            jsonOrNil(rec.RequestBody),
		RequestPath:            rec.Path,
		RequestUserID:          optional(rec.UserID),
		RequestProperties:      props,
		RequestModel:           optional(rec.RequestModel),
		ModelOverride:          optional(rec.ModelOverride),
		ResponseID:             rec.RequestID,
		ResponseCreatedAt:      formatTime(rec.EndedAt),
		ResponseBody:           jsonOrNil(rec.ResponseBody),
		ResponseStatus:         rec.Status,
		ResponseModel:          optional(rec.ResponseModel),
		Model:                  rec.Model,
		Provider:               rec.Provider,
		DelayMs:                rec.LatencyMs,
		TimeToFirstToken:       rec.TimeToFirstTokenMs,
		TotalTokens:            rec.TotalTokens,
		PromptTokens:           rec.PromptTokens,
		CompletionTokens:       rec.CompletionTokens,
		PromptCacheReadTokens:  rec.CacheReadTokens,
		PromptCacheWriteTokens: rec.CacheWriteTokens,
		Cost:                   rec.Cost,
		Scores:                 map[string]float64{},
		Properties:             props,
		PromptID:               optional(rec.PromptID),
		UpdatedAt:              formatTime(rec.EndedAt),
		StorageLocation:        "heliograph",
		Kind:                   rec.Kind,
		UserID:                 rec.UserID,
		SessionID:              rec.SessionID,
		SessionName:            rec.SessionName,
		SessionPath:            rec.SessionPath,
		Streamed:               rec.Streamed,
		Error:                  rec.Error,
		LatencyMs:              rec.LatencyMs,
	}
	if withRaw && rec.ResponseRaw != nil {
		raw := string(rec.ResponseRaw)
		row.ResponseRaw = &raw
	}
	return row
}

// withRequestRaw adds the request body exactly as stored.
func (row *requestRow) withRequestRaw(rec *record.Record) {
	raw := string(rec.RequestBody)
	row.RequestBodyRaw = &raw
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func jsonOrNil(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}
