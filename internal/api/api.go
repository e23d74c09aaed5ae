// Package api serves the read API: Helicone-compatible request queries and Heliograph's own
// endpoints. Their JSON responses use the {"data": ..., "error": ...} envelope.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

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
	// agg is st's aggregate half, or nil when st has none. The aggregate routes then return 501.
	agg Aggregates
	// exporter is st's export read, or nil when st has none. GET /v1/export then returns 501.
	exporter LogExporter
	log      *slog.Logger
	// keys re-resolves the key of an open stream; [Handler.Register] sets it.
	keys *auth.Authenticator
	// streams limits the open live-tail streams; stop ends them on [Handler.CloseStreams].
	streams  *streamSlots
	stop     chan struct{}
	stopOnce sync.Once
}

// NewHandler returns a Handler over st. When st also implements [Aggregates], as every
// [store.Store] does, the session, property, user, metrics, mutation and stream routes use it.
func NewHandler(st LogReader, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	agg, _ := st.(Aggregates)
	exporter, _ := st.(LogExporter)
	return &Handler{store: st, agg: agg, exporter: exporter, log: log,
		streams: &streamSlots{}, stop: make(chan struct{})}
}

// CloseStreams ends every open live-tail stream and makes new ones end at once. A server
// calls it when it starts shutting down, because a stream never goes idle on its own.
func (h *Handler) CloseStreams() {
	h.stopOnce.Do(func() { close(h.stop) })
}

// handlerFunc serves one API route: it returns the data of the envelope or an error.
type handlerFunc func(*http.Request, auth.Principal) (any, error)

// Register adds the API routes to mux. Queries require the read scope and mutations the
// write scope; a key of scope "all" may do both. Open live-tail streams check their key
// through a again before every poll. Register must be called before the handler serves.
func (h *Handler) Register(mux *http.ServeMux, a *auth.Authenticator) {
	h.keys = a
	read := func(fn handlerFunc) http.Handler {
		return a.RequireWith(store.ScopeRead, h.writeError, h.envelope(http.StatusOK, fn))
	}
	write := func(status int, fn handlerFunc) http.Handler {
		return a.RequireWith(store.ScopeWrite, h.writeError, h.envelope(status, fn))
	}
	mux.Handle("GET /v1/request/{id}", read(h.getRequest))
	mux.Handle("POST /v1/request/query", read(h.queryRequests))
	mux.Handle("POST /v1/request/query-clickhouse", read(h.queryRequests))
	mux.Handle("PUT /v1/request/{id}/property", write(http.StatusOK, h.putProperty))
	mux.Handle("POST /v1/request/{id}/score", write(http.StatusCreated, h.postScore))
	mux.Handle("POST /v1/request/{id}/feedback", write(http.StatusOK, h.postFeedback))

	mux.Handle("POST /v1/session/query", read(h.querySessions))
	mux.Handle("POST /v1/session/name/query", read(h.querySessionNames))
	mux.Handle("POST /v1/session/metrics/query", read(h.querySessionMetrics))
	mux.Handle("POST /v1/session/{id}/feedback", write(http.StatusOK, h.postSessionFeedback))

	mux.Handle("POST /v1/property/query", read(h.queryPropertyKeys))
	mux.Handle("POST /v1/property/{key}/search", read(h.searchPropertyValues))
	mux.Handle("POST /v1/property/{key}/top-costs/query", read(h.topPropertyCosts))
	mux.Handle("POST /v1/property/{key}/top-requests/query", read(h.topPropertyRequests))
	mux.Handle("POST /v1/property/properties/over-time", read(h.propertyOverTime))

	mux.Handle("POST /v1/user/query", read(h.queryUsers))
	mux.Handle("POST /v1/user/metrics/query", read(h.queryUserMetrics))

	mux.Handle("GET /v1/requests", read(h.listRequests))
	mux.Handle("GET /v1/sessions", read(h.listSessions))
	mux.Handle("GET /v1/sessions/{id}/tree", read(h.getSessionTree))
	mux.Handle("GET /v1/properties", read(h.listProperties))
	mux.Handle("GET /v1/users", read(h.listUsers))
	mux.Handle("GET /v1/metrics", read(h.getMetrics))
	mux.Handle("GET /v1/stream",
		a.RequireWith(store.ScopeRead, h.writeError, http.HandlerFunc(h.stream)))
	mux.Handle("GET /v1/export",
		a.RequireWith(store.ScopeRead, h.writeError, http.HandlerFunc(h.export)))
}

type envelope struct {
	Data  any     `json:"data"`
	Error *string `json:"error"`
}

// envelope runs fn and writes its result with status, or its error, in the {"data", "error"}
// envelope.
func (h *Handler) envelope(status int, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		data, err := fn(r, p)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		httperr.WriteJSON(w, status, envelope{Data: data})
	})
}

// writeError writes err in the envelope. Errors without a status become 500 with a generic
// message. Every error of status 500 or more is logged with its detail. A 503 is logged as a
// warning, because it means a limit was reached or the store is unavailable, and a retry
// may pass.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := httperr.Status(err)
	switch {
	case status == http.StatusServiceUnavailable:
		h.log.Warn("api request failed", "method", r.Method, "path", r.URL.Path,
			"status", status, "error", err)
	case status >= 500:
		h.log.Error("api request failed", "method", r.Method, "path", r.URL.Path,
			"status", status, "error", err)
	}
	msg := httperr.Message(err)
	httperr.WriteJSON(w, status, envelope{Error: &msg})
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
