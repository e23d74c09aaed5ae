package api

import (
	"context"
	"net/http"

	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Aggregates is the aggregate, mutation and tail part of the store that the read API needs.
// Its methods are those of [store.Aggregator].
type Aggregates interface {
	Sessions(ctx context.Context, projectID string, q store.SessionQuery) (
		[]store.SessionSummary, error)
	SessionNames(ctx context.Context, projectID string, nameContains string, s store.Scope) (
		[]store.SessionNameSummary, error)
	PropertyKeys(ctx context.Context, projectID string, s store.Scope) ([]string, error)
	PropertyValues(ctx context.Context, projectID, key, search string, limit int) (
		[]store.ValueCount, error)
	PropertyTop(ctx context.Context, projectID, key string, s store.Scope, byCost bool,
		limit int) ([]store.ValueCount, error)
	PropertyOverTime(ctx context.Context, projectID, key string, q store.MetricsQuery) (
		[]store.PropertyPoint, error)
	Users(ctx context.Context, projectID string, q store.UserQuery) ([]store.UserSummary, int,
		error)
	Metrics(ctx context.Context, projectID string, q store.MetricsQuery) (
		[]store.MetricsBucket, error)

	SetProperty(ctx context.Context, projectID, requestID, key, value string) error
	SetScore(ctx context.Context, projectID, requestID, name string, value float64) error
	Scores(ctx context.Context, projectID, requestID string) (map[string]float64, error)

	TailPosition(ctx context.Context, projectID string) (int64, error)
	Tail(ctx context.Context, projectID string, q store.TailQuery) ([]*record.Record, int64,
		error)
}

// Every store aggregator serves the read API.
var _ Aggregates = store.Aggregator(nil)

// aggregates returns the store's aggregate half, or a 501 error for a store without one.
func (h *Handler) aggregates() (Aggregates, error) {
	if h.agg == nil {
		return nil, httperr.New(http.StatusNotImplemented,
			"this store does not support aggregate queries")
	}
	return h.agg, nil
}
