package api

import (
	"encoding/json"
	"net/http"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
)

// Session query limits. Helicone returns at most 50 sessions per query; a larger limit may be
// asked for, up to maxSessionLimit.
const (
	defaultSessionLimit = 50
	maxSessionLimit     = 1000
)

// sessionQuery is the body of POST /v1/session/query. timezoneDifference is accepted and
// ignored: every time is returned in UTC.
type sessionQuery struct {
	Search             string          `json:"search"`
	TimeFilter         *timeFilter     `json:"timeFilter"`
	TimezoneDifference json.RawMessage `json:"timezoneDifference"`
	Filter             json.RawMessage `json:"filter"`
	NameEquals         string          `json:"nameEquals"`
	Limit              *int            `json:"limit"`
	Offset             *int            `json:"offset"`
}

// sessionRow is one session of POST /v1/session/query, in Helicone's shape.
type sessionRow struct {
	SessionID   string `json:"session_id"`
	SessionName string `json:"session_name"`
	// CreatedAt is the start of the session's earliest log; LatestRequestCreatedAt is the
	// end of its latest log.
	CreatedAt              string  `json:"created_at"`
	LatestRequestCreatedAt string  `json:"latest_request_created_at"`
	TotalCost              float64 `json:"total_cost"`
	TotalRequests          int64   `json:"total_requests"`
	TotalErrors            int64   `json:"total_errors"`
	PromptTokens           int64   `json:"prompt_tokens"`
	CompletionTokens       int64   `json:"completion_tokens"`
	TotalTokens            int64   `json:"total_tokens"`
	AvgLatency             float64 `json:"avg_latency"`
}

func newSessionRow(s store.SessionSummary) sessionRow {
	return sessionRow{
		SessionID:              s.SessionID,
		SessionName:            s.SessionName,
		CreatedAt:              formatTime(s.FirstAt),
		LatestRequestCreatedAt: formatTime(s.LastAt),
		TotalCost:              s.Cost,
		TotalRequests:          s.Requests,
		TotalErrors:            s.Errors,
		PromptTokens:           s.PromptTokens,
		CompletionTokens:       s.CompletionTokens,
		TotalTokens:            s.TotalTokens,
		AvgLatency:             s.AvgLatencyMs,
	}
}

// querySessions serves POST /v1/session/query: session summaries, latest activity first.
func (h *Handler) querySessions(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body sessionQuery
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}
	limit, offset, err := pageBounds(body.Limit, body.Offset, defaultSessionLimit,
		maxSessionLimit)
	if err != nil {
		return nil, err
	}

	sessions, err := agg.Sessions(r.Context(), p.ProjectID, store.SessionQuery{Scope: scope,
		Search: body.Search, NameEquals: body.NameEquals, Limit: limit, Offset: offset})
	if err != nil {
		return nil, storeError(err, "session")
	}
	rows := make([]sessionRow, len(sessions))
	for i, s := range sessions {
		rows[i] = newSessionRow(s)
	}
	return rows, nil
}

// sessionNameQuery is the body of POST /v1/session/name/query.
type sessionNameQuery struct {
	NameContains       string          `json:"nameContains"`
	TimeFilter         *timeFilter     `json:"timeFilter"`
	TimezoneDifference json.RawMessage `json:"timezoneDifference"`
	Filter             json.RawMessage `json:"filter"`
}

// sessionNameRow is one session name of POST /v1/session/name/query.
type sessionNameRow struct {
	Name          string  `json:"name"`
	CreatedAt     string  `json:"created_at"`
	FirstUsed     string  `json:"first_used"`
	LastUsed      string  `json:"last_used"`
	SessionCount  int64   `json:"session_count"`
	TotalRequests int64   `json:"total_requests"`
	TotalCost     float64 `json:"total_cost"`
	AvgLatency    float64 `json:"avg_latency"`
}

// querySessionNames serves POST /v1/session/name/query: sessions grouped by name.
func (h *Handler) querySessionNames(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body sessionNameQuery
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}

	names, err := agg.SessionNames(r.Context(), p.ProjectID, body.NameContains, scope)
	if err != nil {
		return nil, storeError(err, "session")
	}
	rows := make([]sessionNameRow, len(names))
	for i, n := range names {
		rows[i] = sessionNameRow{
			Name:          n.Name,
			CreatedAt:     formatTime(n.FirstAt),
			FirstUsed:     formatTime(n.FirstAt),
			LastUsed:      formatTime(n.LastAt),
			SessionCount:  n.Sessions,
			TotalRequests: n.Requests,
			TotalCost:     n.Cost,
			AvgLatency:    n.AvgLatencyMs,
		}
	}
	return rows, nil
}

// listSessions serves GET /v1/sessions?q=&limit=&offset=: session summaries of the logs that
// match the filter-language expression q, latest activity first.
func (h *Handler) listSessions(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	lp, err := parseListParams(r, defaultSessionLimit, maxSessionLimit)
	if err != nil {
		return nil, err
	}

	sessions, err := agg.Sessions(r.Context(), p.ProjectID, store.SessionQuery{
		Scope: store.Scope{Filter: lp.filter}, Search: r.URL.Query().Get("search"),
		Limit: lp.limit, Offset: lp.offset})
	if err != nil {
		return nil, storeError(err, "session")
	}
	rows := make([]sessionRow, len(sessions))
	for i, s := range sessions {
		rows[i] = newSessionRow(s)
	}
	return rows, nil
}
