package api

import (
	"net/http"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/store"
)

// defaultMetricsRange is the range of GET /v1/metrics without from.
const defaultMetricsRange = 24 * time.Hour

// bucketSteps are the widths GET /v1/metrics picks from when no bucket is given: the
// smallest that splits the range into at most targetBuckets buckets.
var bucketSteps = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour,
	30 * 24 * time.Hour,
}

const targetBuckets = 120

// percentiles are the 50th, 95th and 99th percentiles of a distribution in milliseconds.
type percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

type tokenCounts struct {
	Prompt     int64 `json:"prompt"`
	Completion int64 `json:"completion"`
	Total      int64 `json:"total"`
}

// metricsPoint holds the metrics of the logs that started in one bucket. ErrorRate is
// Errors / Requests, 0 for an empty bucket; an error is a status other than 200.
type metricsPoint struct {
	Start     string      `json:"start"`
	Requests  int64       `json:"requests"`
	Errors    int64       `json:"errors"`
	ErrorRate float64     `json:"error_rate"`
	LatencyMs percentiles `json:"latency_ms"`
	TTFTMs    percentiles `json:"ttft_ms"`
	Tokens    tokenCounts `json:"tokens"`
	Cost      float64     `json:"cost"`
}

// metricsSeries is the data of GET /v1/metrics: one point per bucket from the bucket that
// holds From up to the one that holds To, empty buckets included.
type metricsSeries struct {
	From     string         `json:"from"`
	To       string         `json:"to"`
	BucketMs int64          `json:"bucket_ms"`
	Buckets  []metricsPoint `json:"buckets"`
}

// getMetrics serves GET /v1/metrics?q=&from=&to=&bucket=.
func (h *Handler) getMetrics(r *http.Request, p auth.Principal) (any, error) {
	agg, err := h.aggregates()
	if err != nil {
		return nil, err
	}
	f, err := parseFilterParam(r.URL.Query().Get("q"))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	from, to, err := metricsRange(r, now)
	if err != nil {
		return nil, err
	}
	bucket, err := metricsBucket(r.URL.Query().Get("bucket"), from, to)
	if err != nil {
		return nil, err
	}

	buckets, err := agg.Metrics(r.Context(), p.ProjectID, store.MetricsQuery{
		Scope: store.Scope{Filter: f, From: from, To: to}, Bucket: bucket})
	if err != nil {
		return nil, storeError(err, "metrics")
	}
	return metricsSeries{From: formatTime(from), To: formatTime(to),
		BucketMs: bucket.Milliseconds(), Buckets: fillBuckets(buckets, from, to, bucket)}, nil
}

// metricsRange reads from and to: RFC 3339 times, dates, "now" or offsets such as -24h or -7d.
// The defaults are the last 24 hours.
func metricsRange(r *http.Request, now time.Time) (from, to time.Time, err error) {
	to = now
	if s := r.URL.Query().Get("to"); s != "" {
		if to, err = parseInstant(s, now); err != nil {
			return from, to, httperr.New(http.StatusBadRequest, "to: %s", err.Error())
		}
	}
	from = to.Add(-defaultMetricsRange)
	if s := r.URL.Query().Get("from"); s != "" {
		if from, err = parseInstant(s, now); err != nil {
			return from, to, httperr.New(http.StatusBadRequest, "from: %s", err.Error())
		}
	}
	if !from.Before(to) {
		return from, to, httperr.New(http.StatusBadRequest,
			"from: %s must be before to: %s", formatTime(from), formatTime(to))
	}
	return from, to, nil
}

// metricsBucket reads the bucket width or, when s is empty, picks one for the range.
func metricsBucket(s string, from, to time.Time) (time.Duration, error) {
	if s == "" {
		span := to.Sub(from)
		for _, step := range bucketSteps {
			if span/step <= targetBuckets {
				return step, nil
			}
		}
		return bucketSteps[len(bucketSteps)-1], checkBucketCount(from, to,
			bucketSteps[len(bucketSteps)-1], "bucket")
	}
	bucket, err := parseBucket(s)
	if err != nil {
		return 0, err
	}
	return bucket, checkBucketCount(from, to, bucket, "bucket")
}

// parseBucket reads a bucket width: numbers with units ms, s, m, h, d (24 hours) or w (7
// days), such as 30s, 5m, 1h30m or 1d, making a whole number of milliseconds of at least 1s.
func parseBucket(s string) (time.Duration, error) {
	bucket, err := parseRelative(s)
	if err != nil || bucket < time.Second || bucket%time.Millisecond != 0 {
		return 0, httperr.New(http.StatusBadRequest,
			"bucket: %q must be a whole number of milliseconds and at least 1s, written as "+
				"numbers with units ms, s, m, h, d or w, such as 5m, 1h or 1d", s)
	}
	return bucket, nil
}

// fillBuckets returns one point per bucket of [from, to), taking the store's buckets where
// they exist and empty points elsewhere.
func fillBuckets(buckets []store.MetricsBucket, from, to time.Time,
	bucket time.Duration) []metricsPoint {
	byStart := make(map[int64]store.MetricsBucket, len(buckets))
	for _, b := range buckets {
		byStart[b.Start.UnixMilli()] = b
	}
	first := bucketStart(from, bucket)
	points := make([]metricsPoint, 0, int(to.Sub(first)/bucket)+1)
	for start := first; start.Before(to); start = start.Add(bucket) {
		b, ok := byStart[start.UnixMilli()]
		if !ok {
			b = store.MetricsBucket{Start: start}
		}
		points = append(points, newMetricsPoint(b))
	}
	return points
}

// bucketStart returns the start of the bucket that holds t; buckets start at multiples of
// their width since the Unix epoch.
func bucketStart(t time.Time, bucket time.Duration) time.Time {
	ms := t.UnixMilli()
	width := bucket.Milliseconds()
	start := ms - ms%width
	if ms < 0 && ms%width != 0 {
		start -= width
	}
	return time.UnixMilli(start).UTC()
}

func newMetricsPoint(b store.MetricsBucket) metricsPoint {
	pt := metricsPoint{
		Start:     formatTime(b.Start),
		Requests:  b.Requests,
		Errors:    b.Errors,
		LatencyMs: percentiles{P50: b.LatencyP50, P95: b.LatencyP95, P99: b.LatencyP99},
		TTFTMs:    percentiles{P50: b.TTFTP50, P95: b.TTFTP95, P99: b.TTFTP99},
		Tokens: tokenCounts{Prompt: b.PromptTokens, Completion: b.CompletionTokens,
			Total: b.TotalTokens},
		Cost: b.Cost,
	}
	if b.Requests > 0 {
		pt.ErrorRate = float64(b.Errors) / float64(b.Requests)
	}
	return pt
}
