package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/store"
)

// Property query limits, as Helicone applies them: 25 values per search, the top 10 values
// plus an "Other" bucket for the top queries.
const (
	propertySearchLimit = 25
	propertyTopLimit    = 10
	otherValue          = "Other"
	// defaultOverTimeRange is the range of an over-time query without a time filter.
	defaultOverTimeRange = 30 * 24 * time.Hour
	// totalsBucket is one bucket wide enough to hold every log from 1970 to 2070, so that a
	// metrics query with it returns the totals of a scope in one or two buckets.
	totalsBucket = 100 * 365 * 24 * time.Hour
)

// dbIncrements maps Helicone's dbIncrement values to bucket widths. Buckets start at
// multiples of the width since the Unix epoch, so a month is 30 days and a year 365 days,
// and weeks start on Thursdays.
var dbIncrements = map[string]time.Duration{
	"min":   time.Minute,
	"hour":  time.Hour,
	"day":   24 * time.Hour,
	"week":  7 * 24 * time.Hour,
	"month": 30 * 24 * time.Hour,
	"year":  365 * 24 * time.Hour,
}

type propertyKeyRow struct {
	Property string `json:"property"`
}

// propertyKeyQuery is the optional body of POST /v1/property/query. Helicone sends none;
// filter and timeFilter are additions that narrow the keys to those of the logs within them.
type propertyKeyQuery struct {
	Filter     json.RawMessage `json:"filter"`
	TimeFilter *timeFilter     `json:"timeFilter"`
}

// queryPropertyKeys serves POST /v1/property/query: the property keys of the project's logs
// within the body's filter and time filter, or of all its logs without a body.
func (h *Handler) queryPropertyKeys(r *http.Request, p auth.Principal) (any, error) {
	var body propertyKeyQuery
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}
	keys, err := h.propertyKeys(r.Context(), p.ProjectID, scope)
	if err != nil {
		return nil, err
	}
	rows := make([]propertyKeyRow, len(keys))
	for i, k := range keys {
		rows[i] = propertyKeyRow{Property: k}
	}
	return rows, nil
}

// listProperties serves GET /v1/properties?q=: the property keys of the logs matching the
// filter q, sorted.
func (h *Handler) listProperties(r *http.Request, p auth.Principal) (any, error) {
	f, err := parseFilterParam(r.URL.Query().Get("q"))
	if err != nil {
		return nil, err
	}
	return h.propertyKeys(r.Context(), p.ProjectID, store.Scope{Filter: f})
}

func (h *Handler) propertyKeys(ctx context.Context, projectID string, s store.Scope) (
	[]string, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	keys, err := agg.PropertyKeys(ctx, projectID, s)
	if err != nil {
		return nil, storeError(err, "property")
	}
	if keys == nil {
		keys = []string{}
	}
	return keys, nil
}

// propertySearch is the body of POST /v1/property/{key}/search. filter and timeFilter are
// additions to Helicone's body.
type propertySearch struct {
	SearchTerm string          `json:"searchTerm"`
	TimeFilter *timeFilter     `json:"timeFilter"`
	Filter     json.RawMessage `json:"filter"`
}

// propertyValueRow is one value of a property with its totals.
type propertyValueRow struct {
	Property string  `json:"property,omitempty"`
	Value    string  `json:"value"`
	Requests int64   `json:"requests"`
	Cost     float64 `json:"cost"`
}

// searchPropertyValues serves POST /v1/property/{key}/search: up to 25 values of the key
// that contain searchTerm, case-insensitively, most used first, then by value. The counts
// and costs cover the logs within the filter and time filter when the body has them.
func (h *Handler) searchPropertyValues(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	key, err := propertyKey(r.PathValue("key"), "key")
	if err != nil {
		return nil, err
	}
	var body propertySearch
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}

	var values []store.ValueCount
	if scope.SelectsAll() {
		values, err = agg.PropertyValues(r.Context(), p.ProjectID, key, body.SearchTerm,
			propertySearchLimit)
	} else {
		values, err = scopedPropertyValues(r.Context(), agg, p.ProjectID, key,
			body.SearchTerm, scope)
	}
	if err != nil {
		return nil, storeError(err, "property")
	}
	rows := make([]propertyValueRow, len(values))
	for i, v := range values {
		rows[i] = propertyValueRow{Property: key, Value: v.Value, Requests: v.Requests,
			Cost: v.Cost}
	}
	return rows, nil
}

// scopedPropertyValues returns the values of key within s that contain search, most used
// first, then by value: the order of [Aggregates.PropertyValues], restricted to a scope.
func scopedPropertyValues(ctx context.Context, agg Aggregates, projectID, key, search string,
	s store.Scope) ([]store.ValueCount, error) {
	if search != "" {
		s.Filter = andFilter(s.Filter, filter.Cond{
			Field: filter.Field{Name: filter.FieldProperty, Key: key}, Op: filter.OpContains,
			Value: search})
	}
	return agg.PropertyTop(ctx, projectID, key, s, false, propertySearchLimit)
}

// propertyTopQuery is the body of the top-costs and top-requests queries.
type propertyTopQuery struct {
	TimeFilter *timeFilter     `json:"timeFilter"`
	Filter     json.RawMessage `json:"filter"`
}

func (h *Handler) topPropertyCosts(r *http.Request, p auth.Principal) (any, error) {
	return h.topProperty(r, p, true)
}

func (h *Handler) topPropertyRequests(r *http.Request, p auth.Principal) (any, error) {
	return h.topProperty(r, p, false)
}

// topProperty serves POST /v1/property/{key}/top-costs/query and top-requests/query: the 10
// values with the highest cost or request count within the scope, then an "Other" row with
// the totals of every other value when there are any.
func (h *Handler) topProperty(r *http.Request, p auth.Principal, byCost bool) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	key, err := propertyKey(r.PathValue("key"), "key")
	if err != nil {
		return nil, err
	}
	var body propertyTopQuery
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}

	top, err := agg.PropertyTop(r.Context(), p.ProjectID, key, scope, byCost, propertyTopLimit)
	if err != nil {
		return nil, storeError(err, "property")
	}
	rows := make([]propertyValueRow, 0, len(top)+1)
	other := propertyValueRow{Value: otherValue}
	if len(top) == propertyTopLimit {
		// Only a full top list can leave values out; their totals are the scope's totals
		// minus the listed ones.
		withKey := scope
		withKey.Filter = andFilter(scope.Filter, filter.Cond{
			Field: filter.Field{Name: filter.FieldProperty, Key: key}, Op: filter.OpExists})
		if other.Requests, other.Cost, err = scopeTotals(r.Context(), agg, p.ProjectID,
			withKey); err != nil {
			return nil, err
		}
	}
	for _, v := range top {
		rows = append(rows, propertyValueRow{Value: v.Value, Requests: v.Requests, Cost: v.Cost})
		other.Requests -= v.Requests
		other.Cost -= v.Cost
	}
	if other.Requests > 0 {
		other.Cost = max(other.Cost, 0)
		rows = append(rows, other)
	}
	return rows, nil
}

// scopeTotals returns the request count and cost of every log in s.
func scopeTotals(ctx context.Context, agg Aggregates, projectID string, s store.Scope) (
	int64, float64, error) {
	buckets, err := agg.Metrics(ctx, projectID, store.MetricsQuery{Scope: s,
		Bucket: totalsBucket})
	if err != nil {
		return 0, 0, storeError(err, "property")
	}
	var requests int64
	var cost float64
	for _, b := range buckets {
		requests += b.Requests
		cost += b.Cost
	}
	return requests, cost, nil
}

// overTimeQuery is the body of POST /v1/property/properties/over-time. Helicone's
// timeZoneDifference and userFilter are accepted and ignored.
type overTimeQuery struct {
	TimeFilter  *timeFilter     `json:"timeFilter"`
	PropertyKey string          `json:"propertyKey"`
	DBIncrement string          `json:"dbIncrement"`
	Filter      json.RawMessage `json:"filter"`
}

// overTimeRow is the request count and cost of one property value in one bucket.
type overTimeRow struct {
	Time     string  `json:"time"`
	Value    string  `json:"value"`
	Requests int64   `json:"requests"`
	Cost     float64 `json:"cost"`
}

// propertyOverTime serves POST /v1/property/properties/over-time: per bucket and value of the
// property, the request count and cost. Without a time filter the range is the last 30 days.
func (h *Handler) propertyOverTime(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body overTimeQuery
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	key, err := propertyKey(body.PropertyKey, "propertyKey")
	if err != nil {
		return nil, err
	}
	scope, bucket, err := body.scope()
	if err != nil {
		return nil, err
	}

	points, err := agg.PropertyOverTime(r.Context(), p.ProjectID, key,
		store.MetricsQuery{Scope: scope, Bucket: bucket})
	if err != nil {
		return nil, storeError(err, "property")
	}
	rows := make([]overTimeRow, len(points))
	for i, pt := range points {
		rows[i] = overTimeRow{Time: formatTime(pt.Start), Value: pt.Value,
			Requests: pt.Requests, Cost: pt.Cost}
	}
	return rows, nil
}

// scope returns the scope and bucket width of an over-time query. Without a time filter the
// range is the last 30 days; a range over maxBuckets buckets is rejected.
func (q overTimeQuery) scope() (store.Scope, time.Duration, error) {
	bucket, ok := dbIncrements[q.DBIncrement]
	if !ok {
		return store.Scope{}, 0, httperr.New(http.StatusBadRequest,
			"dbIncrement: %q must be min, hour, day, week, month or year", q.DBIncrement)
	}
	scope, err := heliconeScope(q.Filter, q.TimeFilter)
	if err != nil {
		return scope, 0, err
	}
	if scope.To.IsZero() {
		scope.To = time.Now().UTC()
	}
	if scope.From.IsZero() {
		scope.From = scope.To.Add(-defaultOverTimeRange)
	}
	if !scope.From.Before(scope.To) {
		return scope, 0, httperr.New(http.StatusBadRequest,
			"timeFilter: the start %s must be before the end %s", formatTime(scope.From),
			formatTime(scope.To))
	}
	return scope, bucket, checkBucketCount(scope.From, scope.To, bucket, "dbIncrement")
}
