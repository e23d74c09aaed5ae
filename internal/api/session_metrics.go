package api

import (
	"encoding/json"
	"net/http"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
)

// Session metrics are computed from the session summaries of the scope. The scan reads at
// most maxMetricsSessions sessions, latest activity first, and marks the answer truncated
// when more match.
const (
	maxMetricsSessions = 10_000
	metricsSessionPage = 1000
	histogramBins      = 10
)

// sessionMetricsQuery is the body of POST /v1/session/metrics/query. nameContains keeps the
// sessions whose id or name contains it. Helicone's timezoneDifference, pSize and
// useInterquartile are accepted and ignored.
type sessionMetricsQuery struct {
	NameContains string          `json:"nameContains"`
	TimeFilter   *timeFilter     `json:"timeFilter"`
	Filter       json.RawMessage `json:"filter"`
}

// histogramRow counts the sessions whose value lies in [RangeStart, RangeEnd); the last bin
// includes its end.
type histogramRow struct {
	RangeStart float64 `json:"range_start"`
	RangeEnd   float64 `json:"range_end"`
	Value      int64   `json:"value"`
}

type averageRow struct {
	Average float64 `json:"average"`
}

type sessionAverages struct {
	SessionCount    []averageRow `json:"session_count"`
	SessionDuration []averageRow `json:"session_duration"`
	SessionCost     []averageRow `json:"session_cost"`
}

// sessionMetrics is the data of POST /v1/session/metrics/query. SessionCount is the
// histogram of requests per session, SessionDuration of session durations in seconds (first
// start to last end) and SessionCost of session costs in US dollars.
type sessionMetrics struct {
	SessionCount    []histogramRow  `json:"session_count"`
	SessionDuration []histogramRow  `json:"session_duration"`
	SessionCost     []histogramRow  `json:"session_cost"`
	Average         sessionAverages `json:"average"`
	Sessions        int             `json:"sessions"`
	Truncated       bool            `json:"truncated"`
}

// querySessionMetrics serves POST /v1/session/metrics/query.
func (h *Handler) querySessionMetrics(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	var body sessionMetricsQuery
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	scope, err := heliconeScope(body.Filter, body.TimeFilter)
	if err != nil {
		return nil, err
	}

	var sessions []store.SessionSummary
	truncated := false
	for len(sessions) < maxMetricsSessions+1 {
		page, err := agg.Sessions(r.Context(), p.ProjectID, store.SessionQuery{Scope: scope,
			Search: body.NameContains, Limit: metricsSessionPage, Offset: len(sessions)})
		if err != nil {
			return nil, storeError(err, "session")
		}
		sessions = append(sessions, page...)
		if len(page) < metricsSessionPage {
			break
		}
	}
	if len(sessions) > maxMetricsSessions {
		sessions, truncated = sessions[:maxMetricsSessions], true
	}

	counts := make([]float64, len(sessions))
	durations := make([]float64, len(sessions))
	costs := make([]float64, len(sessions))
	for i, s := range sessions {
		counts[i] = float64(s.Requests)
		// Milliseconds, not time.Duration, which saturates at about 292 years.
		durations[i] = max(float64(s.LastAt.UnixMilli()-s.FirstAt.UnixMilli())/1000, 0)
		costs[i] = s.Cost
	}
	return sessionMetrics{
		SessionCount:    histogram(counts, histogramBins),
		SessionDuration: histogram(durations, histogramBins),
		SessionCost:     histogram(costs, histogramBins),
		Average: sessionAverages{
			SessionCount:    []averageRow{{mean(counts)}},
			SessionDuration: []averageRow{{mean(durations)}},
			SessionCost:     []averageRow{{mean(costs)}},
		},
		Sessions:  len(sessions),
		Truncated: truncated,
	}, nil
}

// histogram splits [min, max] of values into bins of equal width and counts the values in
// each. All-equal values make one bin; no values make none.
func histogram(values []float64, bins int) []histogramRow {
	if len(values) == 0 {
		return []histogramRow{}
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo == hi {
		return []histogramRow{{RangeStart: lo, RangeEnd: hi, Value: int64(len(values))}}
	}
	width := (hi - lo) / float64(bins)
	rows := make([]histogramRow, bins)
	for i := range rows {
		rows[i].RangeStart = lo + float64(i)*width
		rows[i].RangeEnd = lo + float64(i+1)*width
	}
	rows[bins-1].RangeEnd = hi
	for _, v := range values {
		// The last bin takes hi itself, and any value whose position is not a number (an
		// infinite width), so the index stays in range.
		i := bins - 1
		if pos := (v - lo) / width; pos < float64(bins-1) {
			i = int(pos)
		}
		rows[i].Value++
	}
	return rows
}

func mean(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	var sum float64
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}
