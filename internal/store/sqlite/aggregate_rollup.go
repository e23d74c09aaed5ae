package sqlite

import (
	"context"
	"database/sql"
	"math"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// hourMs is the width of a rollup row: metrics_latency_hourly and metrics_ttft_hourly hold
// one row per project, hour and histogram bin.
const hourMs = int64(time.Hour / time.Millisecond)

// rollupChunk is the number of rollup rows per multi-row upsert: 64 rows × 11 columns = 704
// parameters.
const rollupChunk = 64

// rollupKey identifies a rollup row.
type rollupKey struct {
	projectPK, hour, bin int64
}

// rollupRow is the contribution of the logs of one InsertLogs call to one rollup row. The
// TTFT rollup uses only requests, min and max.
type rollupRow struct {
	requests, errors                       int64
	promptTokens, completionTokens, tokens int64
	cost                                   float64
	min, max                               int64
}

// rollupBatch collects the rollup rows of the logs one InsertLogs call stores, so each
// rollup row is written once per call.
// NOTE: the rollups only ever grow, which is right while no code deletes logs or changes
// their time, latency, status, tokens or cost. A deletion path must subtract from them.
type rollupBatch struct {
	latency map[rollupKey]*rollupRow
	ttft    map[rollupKey]*rollupRow
}

// add counts the log r of the project pk.
func (rb *rollupBatch) add(pk int64, r *record.Record) {
	if rb.latency == nil {
		rb.latency = make(map[rollupKey]*rollupRow)
		rb.ttft = make(map[rollupKey]*rollupRow)
	}
	hour := floorDiv(r.CreatedAt.UnixMilli(), hourMs)
	row := rb.row(rb.latency, rollupKey{pk, hour, binOf(r.LatencyMs)}, max(r.LatencyMs, 0))
	if r.Status != 200 {
		row.errors++
	}
	row.promptTokens += r.PromptTokens
	row.completionTokens += r.CompletionTokens
	row.tokens += r.TotalTokens
	row.cost += r.Cost
	if r.TimeToFirstTokenMs != nil {
		ttft := *r.TimeToFirstTokenMs
		rb.row(rb.ttft, rollupKey{pk, hour, binOf(ttft)}, max(ttft, 0))
	}
}

// row returns the row of k in rows, counting one more value v.
func (rb *rollupBatch) row(rows map[rollupKey]*rollupRow, k rollupKey, v int64) *rollupRow {
	row := rows[k]
	if row == nil {
		row = &rollupRow{min: v, max: v}
		rows[k] = row
	}
	row.requests++
	row.min, row.max = min(row.min, v), max(row.max, v)
	return row
}

// binOf returns the histogram bin of a value in milliseconds, floor(8·log2(v+1)) with
// negative values counted as 0, as latencyBinSQL and ttftBinSQL compute it in SQLite.
// 8·log2(v+1) is an integer only when v+1 is a power of two, where both logarithms are exact.
// NOTE: elsewhere the two could differ only if Go's and SQLite's log2 rounded to different
// sides of an integer; TestMetricsRollupMatchesLogs and TestMigrateFillsRollups compare both.
func binOf(v int64) int64 {
	return int64(math.Log2(float64(max(v, 0)+1)) * 8)
}

// write adds the collected rows to the rollup tables within tx.
func (rb *rollupBatch) write(ctx context.Context, tx *sql.Tx, stmts *stmtCache) error {
	if err := writeRollup(ctx, tx, stmts, stmtAddLatencyRollup, rb.latency,
		func(args []any, r *rollupRow) []any {
			return append(args, r.requests, r.errors, r.promptTokens, r.completionTokens,
				r.tokens, r.cost, r.min, r.max)
		}); err != nil {
		return err
	}
	return writeRollup(ctx, tx, stmts, stmtAddTTFTRollup, rb.ttft,
		func(args []any, r *rollupRow) []any {
			return append(args, r.requests, r.min, r.max)
		})
}

// writeRollup upserts rows in chunks of rollupChunk with the statement kind, whose values per
// row are the key followed by what values appends.
func writeRollup(ctx context.Context, tx *sql.Tx, stmts *stmtCache, kind string,
	rows map[rollupKey]*rollupRow, values func([]any, *rollupRow) []any) error {
	w := &chunkWriter{ctx: ctx, tx: tx, stmts: stmts, kind: kind, chunk: rollupChunk}
	for k, r := range rows {
		if err := w.add(values([]any{k.projectPK, k.hour, k.bin}, r)...); err != nil {
			return err
		}
	}
	return w.flush()
}

// addLatencyRollupSQL returns the upsert of rows latency rollup rows.
func addLatencyRollupSQL(rows int) string {
	return "INSERT INTO metrics_latency_hourly (project_pk, hour, bin, requests, errors, " +
		"prompt_tokens, completion_tokens, total_tokens, cost, min_ms, max_ms) VALUES " +
		repeatJoin("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows) +
		" ON CONFLICT (project_pk, hour, bin) DO UPDATE SET " +
		"requests = requests + excluded.requests, errors = errors + excluded.errors, " +
		"prompt_tokens = prompt_tokens + excluded.prompt_tokens, " +
		"completion_tokens = completion_tokens + excluded.completion_tokens, " +
		"total_tokens = total_tokens + excluded.total_tokens, cost = cost + excluded.cost, " +
		"min_ms = min(min_ms, excluded.min_ms), max_ms = max(max_ms, excluded.max_ms)"
}

// addTTFTRollupSQL returns the upsert of rows TTFT rollup rows.
func addTTFTRollupSQL(rows int) string {
	return "INSERT INTO metrics_ttft_hourly (project_pk, hour, bin, requests, min_ms, " +
		"max_ms) VALUES " + repeatJoin("(?, ?, ?, ?, ?, ?)", rows) +
		" ON CONFLICT (project_pk, hour, bin) DO UPDATE SET " +
		"requests = requests + excluded.requests, " +
		"min_ms = min(min_ms, excluded.min_ms), max_ms = max(max_ms, excluded.max_ms)"
}

// metricsPart is a piece of a metrics scope: whole hours read from the rollups, or a raw
// scope read from the logs.
type metricsPart struct {
	rollup           bool
	fromHour, toHour int64 // rollup hours [fromHour, toHour)
	scope            store.Scope
}

// splitMetricsScope splits s into the parts Metrics reads. A scope without a filter and
// buckets of whole hours reads the whole hours within it from the rollups, and only the
// partial hours at its ends from the logs. Any other scope is read from the logs.
func splitMetricsScope(s store.Scope, width int64) ([]metricsPart, error) {
	where, _, err := CompileFilter(s.Filter)
	if err != nil {
		return nil, err
	}
	if where != "TRUE" || width%hourMs != 0 {
		return []metricsPart{{scope: s}}, nil
	}
	return splitHours(s), nil
}

// splitHours splits s into the whole hours within it, read from a rollup, and the partial
// hours at its ends, read from the logs with the filter of s. A scope within one hour is
// read from the logs only.
func splitHours(s store.Scope) []metricsPart {
	fromHour, toHour := int64(math.MinInt64), int64(math.MaxInt64)
	if !s.From.IsZero() {
		fromHour = ceilDiv(s.From.UnixMilli(), hourMs)
	}
	if !s.To.IsZero() {
		toHour = floorDiv(s.To.UnixMilli(), hourMs)
	}
	if fromHour >= toHour {
		return []metricsPart{{scope: s}}
	}

	parts := []metricsPart{{rollup: true, fromHour: fromHour, toHour: toHour}}
	if !s.From.IsZero() && s.From.UnixMilli() < fromHour*hourMs {
		parts = append(parts, metricsPart{scope: store.Scope{Filter: s.Filter, From: s.From,
			To: fromMilli(fromHour * hourMs)}})
	}
	if !s.To.IsZero() && toHour*hourMs < s.To.UnixMilli() {
		parts = append(parts, metricsPart{scope: store.Scope{Filter: s.Filter,
			From: fromMilli(toHour * hourMs), To: s.To}})
	}
	return parts
}

// readLatencyRollup adds the latency rollup rows of hours [fromHour, toHour) to accs.
func readLatencyRollup(ctx context.Context, tx *sql.Tx, pk, fromHour, toHour, width int64,
	accs map[int64]*metricsAcc) error {
	rows, err := tx.QueryContext(ctx, "SELECT hour, bin, requests, errors, prompt_tokens, "+
		"completion_tokens, total_tokens, cost, min_ms, max_ms FROM metrics_latency_hourly "+
		"WHERE project_pk = ? AND hour >= ? AND hour < ?", pk, fromHour, toHour)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		var hour int64
		var h histBin
		var row store.MetricsBucket
		if err := rows.Scan(&hour, &h.bin, &h.count, &row.Errors, &row.PromptTokens,
			&row.CompletionTokens, &row.TotalTokens, &row.Cost, &h.min, &h.max); err != nil {
			return err
		}
		row.Requests = h.count
		accFor(accs, floorDiv(hour*hourMs, width)).addLatency(row, h)
	}
	return rows.Err()
}

// readTTFTRollup adds the TTFT rollup rows of hours [fromHour, toHour) to accs.
func readTTFTRollup(ctx context.Context, tx *sql.Tx, pk, fromHour, toHour, width int64,
	accs map[int64]*metricsAcc) error {
	rows, err := tx.QueryContext(ctx, "SELECT hour, bin, requests, min_ms, max_ms "+
		"FROM metrics_ttft_hourly WHERE project_pk = ? AND hour >= ? AND hour < ?",
		pk, fromHour, toHour)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		var hour int64
		var h histBin
		if err := rows.Scan(&hour, &h.bin, &h.count, &h.min, &h.max); err != nil {
			return err
		}
		// Every log with a TTFT is also in the latency rollup of the same snapshot.
		if acc := accs[floorDiv(hour*hourMs, width)]; acc != nil {
			acc.ttft = append(acc.ttft, h)
		}
	}
	return rows.Err()
}

// floorDiv and ceilDiv divide rounding toward minus and plus infinity; d is positive.
func floorDiv(n, d int64) int64 {
	q := n / d
	if n%d != 0 && n < 0 {
		q--
	}
	return q
}

func ceilDiv(n, d int64) int64 {
	q := n / d
	if n%d != 0 && n > 0 {
		q++
	}
	return q
}
