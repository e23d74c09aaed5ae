package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Rows per multi-row INSERT. One statement per chunk instead of one per row saves the
// per-statement work of the driver and of SQLite, which dominates small rows. Both stay far
// below SQLite's limit of 32766 parameters.
const (
	logChunk  = 32  // 32 rows × 30 columns = 960 parameters
	propChunk = 128 // 128 rows × 4 columns = 512 parameters
)

// logInsertColumns lists the columns InsertLogs writes, in the order of [appendLogArgs].
const logInsertColumns = "project_pk, request_id, created_at, ended_at, latency_ms, ttft_ms, " +
	"status, kind, model, request_model, response_model, model_override, provider, path, " +
	"user_id, session_id, session_name, session_path, prompt_id, prompt_tokens, " +
	"completion_tokens, total_tokens, cache_read_tokens, cache_write_tokens, cost, error, " +
	"streamed, request_body, response_body, response_raw"

const logInsertArgs = 30

// Statement kinds of the ingest path in [stmtCache].
const (
	stmtInsertLogs        = "insert logs"
	stmtInsertProps       = "insert properties"
	stmtAddLatencyRollup  = "add to latency rollup"
	stmtAddTTFTRollup     = "add to ttft rollup"
	stmtAddSessionRollup  = "add to session rollup"
	stmtAddUserRollup     = "add to user rollup"
	stmtAddPropertyRollup = "add to property rollup"
)

// ingestStatements returns the builders of the multi-row ingest statements.
func ingestStatements() map[string]func(rows int) string {
	return map[string]func(rows int) string{
		stmtInsertLogs:        insertLogsSQL,
		stmtInsertProps:       insertPropsSQL,
		stmtAddLatencyRollup:  addLatencyRollupSQL,
		stmtAddTTFTRollup:     addTTFTRollupSQL,
		stmtAddSessionRollup:  addGroupRollupSQL("session_rollup", "session_id"),
		stmtAddUserRollup:     addGroupRollupSQL("user_rollup", "user_id"),
		stmtAddPropertyRollup: addPropertyRollupSQL,
	}
}

// insertLogsSQL returns an INSERT of rows logs. A row whose (project_pk, request_id) is stored
// already, or appears earlier in the same statement, is skipped, and RETURNING lists only the
// rows inserted, which is how InsertLogs distinguishes Inserted from Duplicate.
func insertLogsSQL(rows int) string {
	row := "(" + strings.Repeat("?, ", logInsertArgs-1) + "?)"
	return "INSERT INTO logs (" + logInsertColumns + ") VALUES " + repeatJoin(row, rows) +
		" ON CONFLICT (project_pk, request_id) DO NOTHING RETURNING seq, project_pk, request_id"
}

func insertPropsSQL(rows int) string {
	return "INSERT INTO log_properties (log_seq, project_pk, key, value) VALUES " +
		repeatJoin("(?, ?, ?, ?)", rows)
}

func repeatJoin(s string, n int) string {
	return strings.Repeat(s+", ", n-1) + s
}

// InsertLogs stores the records in one transaction, committed durably when Synchronous is
// "full", and returns one status per record. A record whose project and request id are stored
// already, or appeared earlier in recs, is reported as [store.Duplicate] and changes nothing.
// On error nothing of the call is stored. A record of an unknown project fails the call with
// an error wrapping [store.ErrNotFound].
func (db *DB) InsertLogs(ctx context.Context, recs []*record.Record) ([]store.InsertStatus, error) {
	if err := validateRecords(recs); err != nil {
		return nil, err
	}
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()

	if len(recs) == 0 {
		return []store.InsertStatus{}, nil
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("insert logs: begin: %w", err)
	}
	ins := &logInserter{tx: tx, stmts: db.stmts, knownPKs: &db.projectPKs,
		statuses: make([]store.InsertStatus, len(recs)),
		sessions: newSessionRollup(), users: newUserRollup()}
	if err := ins.run(ctx, recs); err != nil {
		return nil, errors.Join(fmt.Errorf("insert logs: %w", err), rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("insert logs: commit: %w", err)
	}

	// The records are stored. What follows outside the transaction only affects speed.
	db.ckpt.added(walEstimate(recs))
	if err := db.stmts.fill(ctx); err != nil && ctx.Err() == nil {
		db.log.Warn("prepare ingest statements failed", "error", err)
	}
	if db.sinceOptimize.Add(int64(len(recs))) >= db.optimizeEvery {
		db.optimize(ctx)
	}
	return ins.statuses, nil
}

func validateRecords(recs []*record.Record) error {
	for i, r := range recs {
		switch {
		case r == nil:
			return fmt.Errorf("insert logs: record %d is nil", i)
		case r.ProjectID == "":
			return fmt.Errorf("insert logs: record %d: missing project id", i)
		case r.RequestID == "":
			return fmt.Errorf("insert logs: record %d: missing request id", i)
		case math.IsNaN(r.Cost) || math.IsInf(r.Cost, 0):
			// SQLite would store NaN as NULL and fail the NOT NULL constraint.
			return fmt.Errorf("insert logs: record %d: cost %v is not a finite number", i, r.Cost)
		}
	}
	return nil
}

// logKey identifies a log within the store.
type logKey struct {
	projectPK int64
	requestID string
}

// logInserter carries the state of one InsertLogs transaction.
type logInserter struct {
	tx       *sql.Tx
	stmts    *stmtCache
	knownPKs *sync.Map // project pk by project id, shared by every call
	statuses []store.InsertStatus

	pks      map[string]int64 // project pk by project id
	args     []any            // reused argument buffer of the log INSERT
	props    []any            // pending property rows, 4 values each
	rollups  rollupBatch      // the hourly metrics rollup rows of the inserted logs
	sessions groupRollup      // the session rollup rows of the inserted logs
	users    groupRollup      // the user rollup rows of the inserted logs
	propSums propertyRollup   // the property rollup rows of the inserted logs
}

func (ins *logInserter) run(ctx context.Context, recs []*record.Record) error {
	if err := ins.loadProjectPKs(ctx, recs); err != nil {
		return err
	}
	for start := 0; start < len(recs); start += logChunk {
		end := min(start+logChunk, len(recs))
		if err := ins.insertChunk(ctx, recs[start:end], ins.statuses[start:end]); err != nil {
			return fmt.Errorf("records %d to %d: %w", start, end-1, err)
		}
		if err := ins.flushProps(ctx, false); err != nil {
			return err
		}
	}
	if err := ins.flushProps(ctx, true); err != nil {
		return err
	}
	if err := ins.rollups.write(ctx, ins.tx, ins.stmts); err != nil {
		return err
	}
	if err := ins.sessions.write(ctx, ins.tx, ins.stmts); err != nil {
		return err
	}
	if err := ins.users.write(ctx, ins.tx, ins.stmts); err != nil {
		return err
	}
	return ins.propSums.write(ctx, ins.tx, ins.stmts)
}

// loadProjectPKs maps the project ids of recs to their pks, or returns an error wrapping
// [store.ErrNotFound] for the first unknown project. A project's pk never changes and no
// project is ever deleted, so a pk found once is kept in knownPKs for every later call.
func (ins *logInserter) loadProjectPKs(ctx context.Context, recs []*record.Record) error {
	ins.pks = make(map[string]int64, 1)
	for _, r := range recs {
		if _, ok := ins.pks[r.ProjectID]; ok {
			continue
		}
		if pk, ok := ins.knownPKs.Load(r.ProjectID); ok {
			ins.pks[r.ProjectID] = pk.(int64)
			continue
		}
		var pk int64
		err := ins.tx.QueryRowContext(ctx, "SELECT pk FROM projects WHERE id = ?", r.ProjectID).
			Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("project %s: %w", r.ProjectID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("look up project %s: %w", r.ProjectID, err)
		}
		ins.pks[r.ProjectID] = pk
		ins.knownPKs.Store(r.ProjectID, pk)
	}
	return nil
}

// insertChunk inserts up to logChunk records with one statement, sets their statuses and
// queues the properties of the inserted ones.
func (ins *logInserter) insertChunk(ctx context.Context, recs []*record.Record,
	statuses []store.InsertStatus) error {
	st, err := ins.stmts.get(ctx, ins.tx, stmtInsertLogs, len(recs))
	if err != nil {
		return err
	}
	ins.args = ins.args[:0]
	for _, r := range recs {
		ins.args = appendLogArgs(ins.args, ins.pks[r.ProjectID], r)
	}
	inserted, err := queryInserted(ctx, st, ins.args)
	if err != nil {
		return err
	}

	for i, r := range recs {
		k := logKey{ins.pks[r.ProjectID], r.RequestID}
		seq, ok := inserted[k]
		if !ok {
			statuses[i] = store.Duplicate
			continue
		}
		// A later record with the same key in this chunk is a duplicate of this one.
		delete(inserted, k)
		statuses[i] = store.Inserted
		ins.rollups.add(k.projectPK, r)
		ins.sessions.add(k.projectPK, r)
		ins.users.add(k.projectPK, r)
		ins.propSums.add(k.projectPK, r)
		for key, value := range r.Properties {
			ins.props = append(ins.props, seq, k.projectPK, key, value)
		}
	}
	return nil
}

// queryInserted runs a multi-row log INSERT and returns the seq of each inserted row.
func queryInserted(ctx context.Context, st *sql.Stmt, args []any) (map[logKey]int64, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, insertError(err)
	}
	defer rows.Close()

	inserted := make(map[logKey]int64, len(args)/logInsertArgs)
	for rows.Next() {
		var k logKey
		var seq int64
		if err := rows.Scan(&seq, &k.projectPK, &k.requestID); err != nil {
			return nil, err
		}
		inserted[k] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, insertError(err)
	}
	return inserted, nil
}

func insertError(err error) error {
	if isForeignKeyViolation(err) {
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// flushProps inserts the queued property rows in chunks of propChunk; unless all is set, it
// keeps a last partial chunk queued for the next call.
func (ins *logInserter) flushProps(ctx context.Context, all bool) error {
	for len(ins.props) > 0 {
		n := min(len(ins.props)/4, propChunk)
		if n < propChunk && !all {
			return nil
		}
		st, err := ins.stmts.get(ctx, ins.tx, stmtInsertProps, n)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, ins.props[:n*4]...); err != nil {
			return fmt.Errorf("insert properties: %w", err)
		}
		ins.props = append(ins.props[:0], ins.props[n*4:]...)
	}
	return nil
}

// appendLogArgs appends the values of r in the order of [logInsertColumns].
func appendLogArgs(args []any, projectPK int64, r *record.Record) []any {
	var ttft any // NULL when unknown
	if r.TimeToFirstTokenMs != nil {
		ttft = *r.TimeToFirstTokenMs
	}
	streamed := int64(0)
	if r.Streamed {
		streamed = 1
	}
	return append(args,
		projectPK, r.RequestID, r.CreatedAt.UnixMilli(), r.EndedAt.UnixMilli(), r.LatencyMs,
		ttft, r.Status, r.Kind, r.Model, r.RequestModel, r.ResponseModel, r.ModelOverride,
		r.Provider, r.Path, r.UserID, r.SessionID, r.SessionName, r.SessionPath, r.PromptID,
		r.PromptTokens, r.CompletionTokens, r.TotalTokens, r.CacheReadTokens,
		r.CacheWriteTokens, r.Cost, r.Error, streamed,
		r.RequestBody, r.ResponseBody, r.ResponseRaw)
}

// rollback ends a failed transaction. A transaction the driver already ended is not an error.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}
