package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/store"
)

// Limits of Heliograph's own endpoints.
const (
	defaultPageSize = 50
	// maxTreeLogs bounds the logs read for one session tree; larger sessions are cut and
	// marked truncated.
	maxTreeLogs = 100_000
)

// requestPage is the data of GET /v1/requests.
type requestPage struct {
	Rows []requestRow `json:"rows"`
	// NextCursor fetches the following page; empty on the last page.
	NextCursor string `json:"next_cursor"`
}

// listRequests serves GET /v1/requests?q=&limit=&cursor=&raw=: newest first, ties broken by
// request id, with keyset pagination so no row is skipped or repeated when logs arrive between
// pages. raw=1 adds response_raw and request_body_raw, the stored bodies byte for byte.
func (h *Handler) listRequests(r *http.Request, p auth.Principal) (any, error) {
	f, err := parseFilterParam(r.URL.Query().Get("q"))
	if err != nil {
		return nil, err
	}
	limit, err := intParam(r, "limit", defaultPageSize, 1, maxLimit)
	if err != nil {
		return nil, err
	}
	q := store.LogQuery{Filter: f, Limit: limit + 1, WithBodies: true}
	if c := r.URL.Query().Get("cursor"); c != "" {
		if q.After, err = decodeCursor(c); err != nil {
			return nil, err
		}
	}

	recs, err := h.store.QueryLogs(r.Context(), p.ProjectID, q)
	if err != nil {
		return nil, storeError(err, "request")
	}
	raw := rawParam(r)
	page := requestPage{Rows: make([]requestRow, 0, min(len(recs), limit))}
	for i, rec := range recs {
		if i == limit {
			last := recs[limit-1]
			page.NextCursor = encodeCursor(filter.Cursor{CreatedAt: last.CreatedAt,
				RequestID: last.RequestID})
			break
		}
		row := newRow(rec, raw)
		if raw {
			row.withRequestRaw(rec)
		}
		page.Rows = append(page.Rows, row)
	}
	if err := h.loadScores(r.Context(), p.ProjectID, page.Rows); err != nil {
		return nil, err
	}
	return page, nil
}

// sessionTree is the data of GET /v1/sessions/{id}/tree.
type sessionTree struct {
	SessionID        string          `json:"session_id"`
	SessionName      string          `json:"session_name"`
	TotalRequests    int             `json:"total_requests"`
	TotalCost        float64         `json:"total_cost"`
	PromptTokens     int64           `json:"prompt_tokens"`
	CompletionTokens int64           `json:"completion_tokens"`
	TotalTokens      int64           `json:"total_tokens"`
	Start            time.Time       `json:"start"`
	End              time.Time       `json:"end"`
	DurationMs       int64           `json:"duration_ms"`
	Truncated        bool            `json:"truncated"`
	Tree             *query.TreeNode `json:"tree"`
}

func (h *Handler) getSessionTree(r *http.Request, p auth.Principal) (any, error) {
	id := r.PathValue("id")
	recs, err := h.store.QueryLogs(r.Context(), p.ProjectID, store.LogQuery{
		Filter: filter.Cond{Field: filter.Field{Name: filter.FieldSessionID}, Op: filter.OpEq,
			Value: id},
		Sort:  filter.Sort{Field: filter.Field{Name: filter.FieldCreatedAt}},
		Limit: maxTreeLogs + 1, WithoutProperties: true,
	})
	if err != nil {
		return nil, storeError(err, "session")
	}
	if len(recs) == 0 {
		return nil, httperr.New(http.StatusNotFound, "session not found")
	}
	out := sessionTree{SessionID: id, Truncated: len(recs) > maxTreeLogs}
	recs = recs[:min(len(recs), maxTreeLogs)]
	for _, rec := range recs {
		if out.SessionName == "" {
			out.SessionName = rec.SessionName
		}
		out.TotalCost += rec.Cost
		out.PromptTokens += rec.PromptTokens
		out.CompletionTokens += rec.CompletionTokens
		out.TotalTokens += rec.TotalTokens
	}
	out.TotalRequests = len(recs)
	out.Tree = query.BuildSessionTree(recs)
	out.Start, out.End, out.DurationMs = out.Tree.Start, out.Tree.End, out.Tree.DurationMs
	return out, nil
}

func parseFilterParam(src string) (filter.Expr, error) {
	f, err := query.Parse(src, time.Now())
	if err != nil {
		return nil, httperr.New(http.StatusBadRequest, "q: %s", err.Error())
	}
	return f, nil
}

// listParams are the query parameters shared by the GET list routes.
type listParams struct {
	filter filter.Expr
	limit  int
	offset int
}

// parseListParams reads q (filter language), limit (1 to maxRows, default defLimit) and
// offset (0 to maxOffset) of a GET list route.
func parseListParams(r *http.Request, defLimit, maxRows int) (listParams, error) {
	var lp listParams
	var err error
	if lp.filter, err = parseFilterParam(r.URL.Query().Get("q")); err != nil {
		return lp, err
	}
	if lp.limit, err = intParam(r, "limit", defLimit, 1, maxRows); err != nil {
		return lp, err
	}
	lp.offset, err = intParam(r, "offset", 0, 0, maxOffset)
	return lp, err
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, httperr.New(http.StatusBadRequest, "%s: %q must be an integer from %d to %d",
			name, s, lo, hi)
	}
	return n, nil
}
