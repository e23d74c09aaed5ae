package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/heliograph/heliograph/internal/store"
)

// loadScores fills the scores of rows, one store read per row; rows is at most one page
// (maxLimit rows). A store without aggregates leaves every row's scores empty.
func (h *Handler) loadScores(ctx context.Context, projectID string, rows []requestRow) error {
	if h.agg == nil {
		return nil
	}
	for i := range rows {
		scores, err := h.agg.Scores(ctx, projectID, rows[i].RequestID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return storeError(err, "request")
		}
		if len(scores) > 0 {
			rows[i].Scores = scores
		}
	}
	return nil
}

// rawParam reports whether the request asks for the stored bodies byte for byte (raw=1).
func rawParam(r *http.Request) bool {
	switch r.URL.Query().Get("raw") {
	case "1", "true":
		return true
	}
	return false
}
