// Package api serves the read API: Helicone-compatible request queries and Heliograph's own
// endpoints, all answering with the {"data": ..., "error": ...} envelope.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// LogReader is the part of the store the read API needs.
type LogReader interface {
	GetLog(ctx context.Context, projectID, requestID string) (*record.Record, error)
	QueryLogs(ctx context.Context, projectID string, q store.LogQuery) ([]*record.Record, error)
}

// Handler serves the read API. Safe for concurrent use.
type Handler struct {
	store LogReader
	log   *slog.Logger
}

// NewHandler returns a Handler over st.
func NewHandler(st LogReader, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{store: st, log: log}
}

// Register adds the read routes to mux, each requiring the read scope.
func (h *Handler) Register(mux *http.ServeMux, a *auth.Authenticator) {
	read := func(fn func(*http.Request, auth.Principal) (any, error)) http.Handler {
		return a.Require(store.ScopeRead, h.envelope(fn))
	}
	mux.Handle("GET /v1/request/{id}", read(h.getRequest))
	mux.Handle("POST /v1/request/query", read(h.queryRequests))
	mux.Handle("POST /v1/request/query-clickhouse", read(h.queryRequests))
	mux.Handle("GET /v1/requests", read(h.listRequests))
	mux.Handle("GET /v1/sessions/{id}/tree", read(h.getSessionTree))
}

type envelope struct {
	Data  any     `json:"data"`
	Error *string `json:"error"`
}

// envelope runs fn and writes its result or error in the {"data", "error"} envelope. Errors
// without a status become 500 with a generic message and are logged with their detail.
func (h *Handler) envelope(fn func(*http.Request, auth.Principal) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		data, err := fn(r, p)
		if err != nil {
			status := httperr.Status(err)
			if status >= 500 {
				h.log.Error("read request failed", "method", r.Method, "path", r.URL.Path,
					"status", status, "error", err)
			}
			msg := httperr.Message(err)
			httperr.WriteJSON(w, status, envelope{Error: &msg})
			return
		}
		httperr.WriteJSON(w, http.StatusOK, envelope{Data: data})
	})
}

// storeError maps store failures: not found is 404, a query the store cannot run is 400 with
// the store's explanation, everything else is 503.
func storeError(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return httperr.New(http.StatusNotFound, "%s not found", what)
	}
	if errors.Is(err, store.ErrInvalidQuery) {
		return httperr.New(http.StatusBadRequest, "%s", err.Error())
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return httperr.Wrap(http.StatusServiceUnavailable, "query cancelled", err)
	}
	return httperr.Wrap(http.StatusServiceUnavailable, "store unavailable", err)
}
