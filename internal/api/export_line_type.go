package api

// ExportLine is one line of GET /v1/export?format=jsonl and of `heliograph export --format
// jsonl`: everything needed to store the log again with the same id and byte-equal bodies.
// RequestBody and ResponseRaw hold the stored bytes as JSON strings, and ResponseRaw is null
// for a log stored without a response. The export handler writes these lines with its own
// encoder (appendExportLine), which keeps the members, their order and omitempty in step
// with this type, and the encoder's tests compare its output with encoding/json of this type.
type ExportLine struct {
	RequestID          string             `json:"request_id"`
	CreatedAt          string             `json:"created_at"`
	EndedAt            string             `json:"ended_at"`
	Status             int64              `json:"status"`
	Provider           string             `json:"provider"`
	Path               string             `json:"path"`
	Kind               string             `json:"kind"`
	Model              string             `json:"model"`
	ResponseModel      string             `json:"response_model,omitempty"`
	ModelOverride      string             `json:"model_override,omitempty"`
	UserID             string             `json:"user_id,omitempty"`
	SessionID          string             `json:"session_id,omitempty"`
	SessionName        string             `json:"session_name,omitempty"`
	SessionPath        string             `json:"session_path,omitempty"`
	PromptID           string             `json:"prompt_id,omitempty"`
	Properties         map[string]string  `json:"properties,omitempty"`
	TimeToFirstTokenMs *int64             `json:"time_to_first_token_ms"`
	Cost               float64            `json:"cost"`
	Streamed           bool               `json:"streamed"`
	Scores             map[string]float64 `json:"scores,omitempty"`
	RequestBody        string             `json:"request_body"`
	ResponseRaw        *string            `json:"response_raw"`
}
