package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/heliograph/heliograph/internal/store"
)

// bucketSQL is the bucket number of a log, created_at divided by the bucket width in
// milliseconds (two arguments), rounded down also for times before 1970.
const bucketSQL = "(CASE WHEN logs.created_at >= 0 THEN logs.created_at / ? " +
	"ELSE (logs.created_at + 1) / ? - 1 END)"

// Percentiles come from a histogram with binsPerDoubling bins per doubling of the value:
// a value v in milliseconds falls in bin floor(8·log2(v+1)). Each bin also keeps its smallest
// and largest value, and a percentile is estimated as the geometric mean of the two in the
// bin that holds the percentile's rank. The exact value lies in that bin, so the estimate is
// off by at most a factor sqrt(max/min). A bin narrower than 1 ms (v < 10) holds a single
// integer and is exact. Above that, max+1 < 2^(1/8)·(min+1) and min >= 10, so max/min <
// 2^(1/8) + (2^(1/8)-1)/10 < 1.0996 and the estimate is within 4.9% of the exact value.
// Negative values count as 0.
const (
	binsPerDoubling = "8"
	latencyValueSQL = "max(latency_ms, 0)"
	ttftValueSQL    = "max(ttft_ms, 0)"
	latencyBinSQL   = "CAST(log2(" + latencyValueSQL + " + 1) * " + binsPerDoubling +
		" AS INTEGER)"
	ttftBinSQL = "CAST(log2(" + ttftValueSQL + " + 1) * " + binsPerDoubling + " AS INTEGER)"
)

// metricsSQL groups the logs within a scope by bucket and latency bin; the caller appends
// the scope condition.
const metricsSQL = "SELECT " + bucketSQL + " AS b, " + latencyBinSQL + " AS bin, COUNT(*), " +
	"SUM(status <> 200), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), " +
	"TOTAL(cost), MIN(" + latencyValueSQL + "), MAX(" + latencyValueSQL + ") FROM logs WHERE "

// ttftSQL groups the logs with a known TTFT within a scope by bucket and TTFT bin.
const ttftSQL = "SELECT " + bucketSQL + " AS b, " + ttftBinSQL + " AS bin, COUNT(*), " +
	"MIN(" + ttftValueSQL + "), MAX(" + ttftValueSQL + ") FROM logs WHERE ttft_ms IS NOT NULL AND "

// histBin is one bin of a histogram: how many values fell in it and their range.
type histBin struct {
	bin      int64
	count    int64
	min, max int64
}

// metricsAcc collects the rows of one bucket.
type metricsAcc struct {
	bucket  store.MetricsBucket
	latency []histBin
	ttft    []histBin
}

// Metrics returns the metrics of the logs within q.Scope per bucket of width q.Bucket, oldest
// first, leaving out buckets without logs. Latency and TTFT percentiles are estimates within
// 4.9% of the exact nearest-rank percentile (the value at rank ceil(p·n) of the sorted
// values). Without a filter and for buckets of whole hours, the whole hours come from the
// hourly rollups, and only partial hours at the ends from the logs. Otherwise the logs are
// read with two GROUP BY queries, one per histogram. Both ways give the same counts and
// percentiles, and costs that differ only by the rounding of their sums.
func (db *DB) Metrics(ctx context.Context, projectID string, q store.MetricsQuery) (
	[]store.MetricsBucket, error) {
	width, err := bucketWidth(q.Bucket)
	if err != nil {
		return nil, err
	}
	out := []store.MetricsBucket{}
	err = db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		parts, err := splitMetricsScope(q.Scope, width)
		if err != nil {
			return err
		}
		accs := make(map[int64]*metricsAcc)
		for _, part := range parts {
			if part.rollup {
				err = readRollups(ctx, tx, pk, part, width, accs)
			} else {
				err = readLogMetrics(ctx, tx, pk, part.scope, width, accs)
			}
			if err != nil {
				return err
			}
		}
		out = finishBuckets(accs, width)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return out, nil
}

// readLogMetrics adds the histogram bins of the logs within scope to accs.
func readLogMetrics(ctx context.Context, tx *sql.Tx, pk int64, scope store.Scope, width int64,
	accs map[int64]*metricsAcc) error {
	where, args, err := compileScope(pk, scope)
	if err != nil {
		return err
	}
	args = append([]any{width, width}, args...)
	if err := readLatencyBins(ctx, tx, metricsSQL+where+" GROUP BY b, bin", args,
		accs); err != nil {
		return err
	}
	return readTTFTBins(ctx, tx, ttftSQL+where+" GROUP BY b, bin", args, accs)
}

// readRollups adds the rollup rows of the whole hours of part to accs.
func readRollups(ctx context.Context, tx *sql.Tx, pk int64, part metricsPart, width int64,
	accs map[int64]*metricsAcc) error {
	if err := readLatencyRollup(ctx, tx, pk, part.fromHour, part.toHour, width,
		accs); err != nil {
		return err
	}
	return readTTFTRollup(ctx, tx, pk, part.fromHour, part.toHour, width, accs)
}

// accFor returns the accumulator of bucket b, adding it to accs when missing.
func accFor(accs map[int64]*metricsAcc, b int64) *metricsAcc {
	acc := accs[b]
	if acc == nil {
		acc = &metricsAcc{}
		accs[b] = acc
	}
	return acc
}

// addLatency adds the totals of row and the latency bin h to the bucket.
func (acc *metricsAcc) addLatency(row store.MetricsBucket, h histBin) {
	m := &acc.bucket
	m.Requests += row.Requests
	m.Errors += row.Errors
	m.PromptTokens += row.PromptTokens
	m.CompletionTokens += row.CompletionTokens
	m.TotalTokens += row.TotalTokens
	m.Cost += row.Cost
	acc.latency = append(acc.latency, h)
}

// bucketWidth returns the bucket width in milliseconds, or an error wrapping
// [store.ErrInvalidQuery] for a width under 1 ms.
func bucketWidth(d time.Duration) (int64, error) {
	if d < time.Millisecond {
		return 0, fmt.Errorf("%w: bucket width %v is under 1ms", store.ErrInvalidQuery, d)
	}
	return d.Milliseconds(), nil
}

func readLatencyBins(ctx context.Context, tx *sql.Tx, query string, args []any,
	accs map[int64]*metricsAcc) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		var b int64
		var h histBin
		var row store.MetricsBucket
		if err := rows.Scan(&b, &h.bin, &h.count, &row.Errors, &row.PromptTokens,
			&row.CompletionTokens, &row.TotalTokens, &row.Cost, &h.min, &h.max); err != nil {
			return err
		}
		row.Requests = h.count
		accFor(accs, b).addLatency(row, h)
	}
	return rows.Err()
}

func readTTFTBins(ctx context.Context, tx *sql.Tx, query string, args []any,
	accs map[int64]*metricsAcc) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		var b int64
		var h histBin
		if err := rows.Scan(&b, &h.bin, &h.count, &h.min, &h.max); err != nil {
			return err
		}
		// Both queries read the same snapshot, so every TTFT bucket also has a latency bucket.
		if acc := accs[b]; acc != nil {
			acc.ttft = append(acc.ttft, h)
		}
	}
	return rows.Err()
}

// finishBuckets computes the percentiles of every bucket and returns the buckets in time
// order.
func finishBuckets(accs map[int64]*metricsAcc, width int64) []store.MetricsBucket {
	keys := make([]int64, 0, len(accs))
	for b := range accs {
		keys = append(keys, b)
	}
	slices.Sort(keys)

	out := make([]store.MetricsBucket, 0, len(keys))
	for _, b := range keys {
		acc := accs[b]
		m := acc.bucket
		m.Start = fromMilli(b * width)
		m.LatencyP50, m.LatencyP95, m.LatencyP99 = percentiles(acc.latency)
		m.TTFTP50, m.TTFTP95, m.TTFTP99 = percentiles(acc.ttft)
		out = append(out, m)
	}
	return out
}

// percentiles returns the estimated 50th, 95th and 99th percentiles of a histogram, or zeros
// for an empty one.
func percentiles(bins []histBin) (p50, p95, p99 float64) {
	bins = mergeBins(bins)
	var n int64
	for _, h := range bins {
		n += h.count
	}
	if n == 0 {
		return 0, 0, 0
	}
	return percentile(bins, n, 50), percentile(bins, n, 95), percentile(bins, n, 99)
}

// mergeBins sorts bins by bin and merges the entries of one bin, which the rollups of
// several hours and the logs of a partial hour each contribute.
func mergeBins(bins []histBin) []histBin {
	slices.SortFunc(bins, func(a, b histBin) int { return cmp.Compare(a.bin, b.bin) })
	out := bins[:0]
	for _, h := range bins {
		if n := len(out); n > 0 && out[n-1].bin == h.bin {
			last := &out[n-1]
			last.count += h.count
			last.min = min(last.min, h.min)
			last.max = max(last.max, h.max)
			continue
		}
		out = append(out, h)
	}
	return out
}

// percentile estimates the value at rank ceil(pct·n/100) from bins sorted by bin.
func percentile(bins []histBin, n, pct int64) float64 {
	rank := max((n*pct+99)/100, 1)
	var seen int64
	for _, h := range bins {
		seen += h.count
		if seen >= rank {
			return math.Sqrt(float64(h.min) * float64(h.max))
		}
	}
	last := bins[len(bins)-1]
	return float64(last.max)
}
