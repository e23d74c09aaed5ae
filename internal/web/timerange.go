package web

import (
	"context"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/store"
)

// targetBuckets is about how many buckets a chart has: the smallest bucket step that splits
// the range into at most this many is used.
const targetBuckets = 60

var bucketSteps = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour,
	30 * 24 * time.Hour, 365 * 24 * time.Hour}

// rangeChoices are the values of the range parameter of the chart pages.
var rangeChoices = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour,
	"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// timeRange is the span and bucket of a chart page.
type timeRange struct {
	Name     string
	From, To time.Time
	Bucket   time.Duration
	// Empty reports that no log matches, so there is nothing to chart.
	Empty bool
}

// resolveRange turns a range name checked by rangeParam into bounds and a bucket width. "all"
// spans the first to the last matching log.
func (h *Handler) resolveRange(ctx context.Context, projectID, name string,
	f filter.Expr) (timeRange, error) {
	tr := timeRange{Name: name}
	if d, ok := rangeChoices[name]; ok {
		tr.To = h.now().UTC()
		tr.From = tr.To.Add(-d)
	} else {
		tr.Name = "all"
		first, last, ok, err := h.logSpan(ctx, projectID, f)
		if err != nil || !ok {
			tr.Empty = !ok
			return tr, err
		}
		tr.From, tr.To = first, last.Add(time.Millisecond)
	}
	tr.Bucket = bucketFor(tr.To.UnixMilli() - tr.From.UnixMilli())
	// Store buckets start at multiples of the width since the Unix epoch.
	bms := tr.Bucket.Milliseconds()
	tr.From = time.UnixMilli(tr.From.UnixMilli() / bms * bms).UTC()
	return tr, nil
}

// bucketFor returns the smallest step of bucketSteps that splits spanMs milliseconds into at
// most targetBuckets buckets. A longer span, such as one reaching a log dated centuries ahead,
// gets buckets of whole days, as few as keep the count within targetBuckets once the start is
// rounded down to a bucket. The span is in milliseconds because a time.Duration holds only
// 292 years.
func bucketFor(spanMs int64) time.Duration {
	for _, step := range bucketSteps {
		if spanMs/step.Milliseconds() <= targetBuckets {
			return step
		}
	}
	dayMs := (24 * time.Hour).Milliseconds()
	days := spanMs/(targetBuckets-1)/dayMs + 1
	return time.Duration(days) * 24 * time.Hour
}

// logSpan returns the start times of the oldest and newest logs matching f.
func (h *Handler) logSpan(ctx context.Context, projectID string, f filter.Expr) (first,
	last time.Time, ok bool, err error) {
	created := filter.Field{Name: filter.FieldCreatedAt}
	for _, desc := range []bool{false, true} {
		recs, err := h.store.QueryLogs(ctx, projectID, store.LogQuery{Filter: f, Limit: 1,
			Sort: filter.Sort{Field: created, Desc: desc}})
		if err != nil || len(recs) == 0 {
			return first, last, false, err
		}
		if desc {
			last = recs[0].CreatedAt
		} else {
			first = recs[0].CreatedAt
		}
	}
	return first, last, true, nil
}

// bucketTimes returns the start of every bucket of tr.
func (tr timeRange) bucketTimes() []time.Time {
	var out []time.Time
	for t := tr.From; t.Before(tr.To); t = t.Add(tr.Bucket) {
		out = append(out, t)
	}
	return out
}

// index returns the bucket of t, or -1 when t is outside the range.
func (tr timeRange) index(t time.Time) int {
	if t.Before(tr.From) || !t.Before(tr.To) {
		return -1
	}
	return int(query.SpanMs(tr.From, t) / tr.Bucket.Milliseconds())
}
