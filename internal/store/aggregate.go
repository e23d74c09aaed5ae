package store

import (
	"context"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
)

// Scope selects the logs an aggregate is computed over: a filter and an optional time range on
// created_at. Every aggregate applies its Scope before grouping, so an active filter always
// narrows the totals.
type Scope struct {
	// Filter is nil or [filter.All] for every log.
	Filter filter.Expr
	// From and To bound created_at (From inclusive, To exclusive); zero means unbounded.
	From time.Time
	To   time.Time
}

// Bound returns t for use as [Scope.From] or [Scope.To]. The zero time.Time means "no bound"
// there, so the instant 0001-01-01T00:00:00Z itself becomes one nanosecond later, which a
// store that keeps milliseconds treats as the same instant.
func Bound(t time.Time) time.Time {
	if t.IsZero() {
		return t.Add(time.Nanosecond)
	}
	return t
}

// SelectsAll reports whether s selects every log: no filter other than [filter.All] and no
// time bound.
func (s Scope) SelectsAll() bool {
	if !s.From.IsZero() || !s.To.IsZero() {
		return false
	}
	switch s.Filter.(type) {
	case nil, filter.All, *filter.All:
		return true
	}
	return false
}

// SessionQuery selects session summaries. Only logs with a session id take part.
type SessionQuery struct {
	Scope
	// Search keeps sessions whose id or name contains it, case-insensitively.
	Search string
	// NameEquals keeps sessions with exactly this name when non-empty.
	NameEquals string
	// Limit defaults to 50; Offset skips rows. Order: latest activity first, then session id.
	Limit  int
	Offset int
}

// SessionSummary aggregates the logs of one session id.
type SessionSummary struct {
	SessionID string
	// SessionName is the name of the session's earliest log that has one.
	SessionName      string
	FirstAt          time.Time // earliest created_at
	LastAt           time.Time // latest ended_at
	Requests         int64
	Errors           int64 // logs whose status is not 200
	Cost             float64
	PromptTokens     int64
	CompletionTokens int64
	TotalTokens      int64
	AvgLatencyMs     float64
}

// SessionNameSummary aggregates sessions sharing a name.
type SessionNameSummary struct {
	Name         string
	FirstAt      time.Time
	LastAt       time.Time
	Sessions     int64
	Requests     int64
	AvgLatencyMs float64
	Cost         float64
}

// ValueCount is one property value with its totals.
type ValueCount struct {
	Value    string
	Requests int64
	Cost     float64
}

// UserQuery selects user summaries. Only logs with a user id take part.
type UserQuery struct {
	Scope
	// UserIDs keeps only these users when non-empty.
	UserIDs []string
	// Search keeps users whose id contains it, case-insensitively.
	Search string
	// Limit defaults to 100; Offset skips rows. Order: most requests first, then user id.
	Limit  int
	Offset int
}

// UserSummary aggregates the logs of one user id.
type UserSummary struct {
	UserID           string
	FirstAt          time.Time
	LastAt           time.Time
	Requests         int64
	Errors           int64
	PromptTokens     int64
	CompletionTokens int64
	TotalTokens      int64
	Cost             float64
	AvgLatencyMs     float64
}

// MetricsQuery selects time-bucketed metrics.
type MetricsQuery struct {
	Scope
	// Bucket is the width of a bucket; buckets start at multiples of it since the Unix epoch.
	Bucket time.Duration
}

// MetricsBucket holds the metrics of the logs that started in [Start, Start+Bucket).
// Percentiles may be approximate; each backend documents its error bound.
type MetricsBucket struct {
	Start            time.Time
	Requests         int64
	Errors           int64 // status other than 200
	LatencyP50       float64
	LatencyP95       float64
	LatencyP99       float64
	TTFTP50          float64 // over logs with a known time to first token; 0 when none
	TTFTP95          float64
	TTFTP99          float64
	PromptTokens     int64
	CompletionTokens int64
	TotalTokens      int64
	Cost             float64
}

// PropertyPoint is the request count of one property value in one time bucket.
type PropertyPoint struct {
	Start    time.Time
	Value    string
	Requests int64
	Cost     float64
}

// TailQuery reads logs stored after a position, for live tail.
type TailQuery struct {
	Filter filter.Expr
	// After is a position returned by a previous call or by [Aggregator.TailPosition].
	After int64
	// Limit defaults to 100.
	Limit int
}

// Aggregator is the aggregate and mutation half of the storage contract; every [Store]
// implements it. All methods are scoped to one project.
type Aggregator interface {
	Sessions(ctx context.Context, projectID string, q SessionQuery) ([]SessionSummary, error)
	SessionNames(ctx context.Context, projectID string, nameContains string, s Scope) (
		[]SessionNameSummary, error)
	// PropertyKeys returns the property keys of the logs within s, sorted.
	PropertyKeys(ctx context.Context, projectID string, s Scope) ([]string, error)
	// PropertyValues returns up to limit values of key containing search
	// (case-insensitive), most used first.
	PropertyValues(ctx context.Context, projectID, key, search string, limit int) ([]ValueCount, error)
	// PropertyTop returns the values of key within s, by request count when byCost is false,
	// by cost otherwise, at most limit of them.
	PropertyTop(ctx context.Context, projectID, key string, s Scope, byCost bool, limit int) (
		[]ValueCount, error)
	// PropertyOverTime returns per-bucket counts of each value of key.
	PropertyOverTime(ctx context.Context, projectID, key string, q MetricsQuery) ([]PropertyPoint, error)
	// Users returns user summaries and the number of users matching q before paging.
	Users(ctx context.Context, projectID string, q UserQuery) ([]UserSummary, int, error)
	// Metrics returns one bucket per interval that holds at least one log, oldest first.
	Metrics(ctx context.Context, projectID string, q MetricsQuery) ([]MetricsBucket, error)

	// SetProperty adds or replaces a property of a stored log; ErrNotFound if the project has
	// no log with that id, and ErrPropertyLimit for a new key on a log that has
	// record.MaxProperties properties already, record.SessionFeedbackProperty not counted.
	SetProperty(ctx context.Context, projectID, requestID, key, value string) error
	// SetScore adds or replaces a named score of a stored log; ErrNotFound as above.
	SetScore(ctx context.Context, projectID, requestID, name string, value float64) error
	// Scores returns the scores of a log (empty map when none).
	Scores(ctx context.Context, projectID, requestID string) (map[string]float64, error)

	// TailPosition returns the position of the newest stored log (0 when none).
	TailPosition(ctx context.Context, projectID string) (int64, error)
	// Tail returns logs stored after q.After that match q.Filter, in storage order, with
	// bodies, and the position to pass next time.
	Tail(ctx context.Context, projectID string, q TailQuery) ([]*record.Record, int64, error)

	// ExportLogs calls fn once for every log of the project that matches f (nil for every
	// log), in storage order (the order of Tail), for the logs stored before the call. Each
	// record carries the fields of an export line: ids, times, status, kind, models, provider,
	// path, links, cost, streamed, RequestBody, ResponseRaw and Properties. It has no token
	// counts, latency, request model, error or ResponseBody. scores is nil for a log without
	// scores. The logs are read in pages, each from its own snapshot. fn must not keep rec or
	// scores after it returns. An error from fn stops the export and is returned as is.
	// Errors in f wrap ErrInvalidQuery.
	ExportLogs(ctx context.Context, projectID string, f filter.Expr,
		fn func(rec *record.Record, scores map[string]float64) error) error
}
