package sqlite

import (
	"context"
	"database/sql"

	"github.com/heliograph/heliograph/internal/record"
)

// groupRollupChunk is the number of rows per multi-row upsert of session_rollup or
// user_rollup: 64 rows × 11 columns = 704 parameters.
const groupRollupChunk = 64

// groupKey identifies a row of session_rollup (by session id) or user_rollup (by user id).
type groupKey struct {
	projectPK int64
	id        string
}

// groupTotals is the contribution of the logs of one InsertLogs call to one session or user.
type groupTotals struct {
	firstAt, lastAt                        int64
	requests, errors                       int64
	cost                                   float64
	promptTokens, completionTokens, tokens int64
	latencySum                             float64 // a float, like session_rollup.latency_sum
}

// groupRollup collects the totals by session or by user of the logs one InsertLogs call
// stores, so that each row of the rollup table is written once per call. Logs whose key is
// empty are left out.
// NOTE: like the metrics rollups, the rows only ever grow, which is right while no code
// deletes logs or changes their session, user, time, latency, status, tokens or cost.
type groupRollup struct {
	kind  string // the statement kind of the upsert in [stmtCache]
	keyOf func(*record.Record) string
	rows  map[groupKey]*groupTotals
}

func newSessionRollup() groupRollup {
	return groupRollup{kind: stmtAddSessionRollup,
		keyOf: func(r *record.Record) string { return r.SessionID }}
}

func newUserRollup() groupRollup {
	return groupRollup{kind: stmtAddUserRollup,
		keyOf: func(r *record.Record) string { return r.UserID }}
}

// add counts the log r of the project pk.
func (g *groupRollup) add(pk int64, r *record.Record) {
	id := g.keyOf(r)
	if id == "" {
		return
	}
	if g.rows == nil {
		g.rows = make(map[groupKey]*groupTotals)
	}
	created, ended := r.CreatedAt.UnixMilli(), r.EndedAt.UnixMilli()
	k := groupKey{pk, id}
	t := g.rows[k]
	if t == nil {
		t = &groupTotals{firstAt: created, lastAt: ended}
		g.rows[k] = t
	}
	t.firstAt, t.lastAt = min(t.firstAt, created), max(t.lastAt, ended)
	t.requests++
	if r.Status != 200 {
		t.errors++
	}
	t.cost += r.Cost
	t.promptTokens += r.PromptTokens
	t.completionTokens += r.CompletionTokens
	t.tokens += r.TotalTokens
	t.latencySum += float64(r.LatencyMs)
}

// write adds the collected rows to the rollup table within tx, in chunks of groupRollupChunk.
func (g *groupRollup) write(ctx context.Context, tx *sql.Tx, stmts *stmtCache) error {
	w := &chunkWriter{ctx: ctx, tx: tx, stmts: stmts, kind: g.kind, chunk: groupRollupChunk}
	for k, t := range g.rows {
		if err := w.add(k.projectPK, k.id, t.firstAt, t.lastAt, t.requests, t.errors, t.cost,
			t.promptTokens, t.completionTokens, t.tokens, t.latencySum); err != nil {
			return err
		}
	}
	return w.flush()
}

// addGroupRollupSQL returns the builder of the upsert of rows rows into table, which is
// session_rollup with key column session_id or user_rollup with key column user_id.
func addGroupRollupSQL(table, keyColumn string) func(rows int) string {
	return func(rows int) string {
		return "INSERT INTO " + table + " (project_pk, " + keyColumn + ", first_at, last_at, " +
			"requests, errors, cost, prompt_tokens, completion_tokens, total_tokens, " +
			"latency_sum) VALUES " + repeatJoin("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows) +
			" ON CONFLICT (project_pk, " + keyColumn + ") DO UPDATE SET " +
			"first_at = min(first_at, excluded.first_at), " +
			"last_at = max(last_at, excluded.last_at), " +
			"requests = requests + excluded.requests, errors = errors + excluded.errors, " +
			"cost = cost + excluded.cost, " +
			"prompt_tokens = prompt_tokens + excluded.prompt_tokens, " +
			"completion_tokens = completion_tokens + excluded.completion_tokens, " +
			"total_tokens = total_tokens + excluded.total_tokens, " +
			"latency_sum = latency_sum + excluded.latency_sum"
	}
}
