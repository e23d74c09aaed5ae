package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Column lists of a log read, in the order of [scanLog].
const (
	logMetaColumns = "seq, request_id, created_at, ended_at, latency_ms, ttft_ms, " +
		"status, kind, model, request_model, response_model, model_override, provider, path, " +
		"user_id, session_id, session_name, session_path, prompt_id, prompt_tokens, " +
		"completion_tokens, total_tokens, cache_read_tokens, cache_write_tokens, cost, error, " +
		"streamed"
	logBodyColumns = ", request_body, response_body, response_raw"
)

// projectPKSQL selects the pk of the project whose id is the argument. SQLite evaluates it
// once per statement, and it yields NULL, which matches no log, for an unknown project.
const projectPKSQL = "(SELECT pk FROM projects WHERE id = ?)"

const (
	defaultLimit = 100
	// propertyBatch is the number of seqs per property query, far below SQLite's limit of
	// 32766 parameters.
	propertyBatch = 500
)

// GetLog returns one log of the project with its bodies and properties, or
// [store.ErrNotFound].
func (db *DB) GetLog(ctx context.Context, projectID, requestID string) (*record.Record, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()

	// One read transaction, so the log and its properties come from the same snapshot.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("get log %s: %w", requestID, err)
	}
	defer func() { _ = tx.Rollback() }()

	row := tx.QueryRowContext(ctx, "SELECT "+logMetaColumns+logBodyColumns+
		" FROM logs WHERE project_pk = "+projectPKSQL+" AND request_id = ?", projectID, requestID)
	r, seq, err := scanLog(row, projectID, true)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get log %s: %w", requestID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get log %s: %w", requestID, err)
	}
	if err := loadProperties(ctx, tx, []int64{seq}, []*record.Record{r}); err != nil {
		return nil, fmt.Errorf("get log %s: %w", requestID, err)
	}
	return r, nil
}

// QueryLogs returns the logs of the project that match q, with their properties unless
// q.WithoutProperties is set. Errors in q
// wrap [store.ErrInvalidQuery].
func (db *DB) QueryLogs(ctx context.Context, projectID string, q store.LogQuery) (
	[]*record.Record, error) {
	lq, err := buildLogQuery(projectID, q)
	if err != nil {
		return nil, err
	}
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()

	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("query logs: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	var recs []*record.Record
	var seqs []int64
	if lq.sort.emptyLast == "" {
		query, args := lq.page("", lq.sort.order, lq.sort.args, lq.limit, lq.offset)
		recs, seqs, err = queryLogRows(ctx, tx, query, args, projectID, q.WithBodies)
	} else {
		recs, seqs, err = lq.emptyLastRows(ctx, tx, projectID, q.WithBodies)
	}
	if err != nil {
		return nil, fmt.Errorf("query logs: %w", err)
	}
	if q.WithoutProperties {
		return recs, nil
	}
	if err := loadProperties(ctx, tx, seqs, recs); err != nil {
		return nil, fmt.Errorf("query logs: %w", err)
	}
	return recs, nil
}

func queryLogRows(ctx context.Context, tx *sql.Tx, query string, args []any, projectID string,
	withBodies bool) ([]*record.Record, []int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()

	recs := []*record.Record{}
	var seqs []int64
	for rows.Next() {
		r, seq, err := scanLog(rows, projectID, withBodies)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
		seqs = append(seqs, seq)
	}
	return recs, seqs, rows.Err()
}

// scanLog reads one row of the project selected with [logMetaColumns], followed by
// [logBodyColumns] when withBodies is set, and returns the record and its seq.
func scanLog(r rowScanner, projectID string, withBodies bool) (*record.Record, int64, error) {
	var (
		rec            record.Record
		seq            int64
		created, ended int64
		ttft           sql.NullInt64
		streamed       int64
	)
	rec.ProjectID = projectID
	dest := []any{&seq, &rec.RequestID, &created, &ended, &rec.LatencyMs, &ttft,
		&rec.Status, &rec.Kind, &rec.Model, &rec.RequestModel, &rec.ResponseModel,
		&rec.ModelOverride, &rec.Provider, &rec.Path, &rec.UserID, &rec.SessionID,
		&rec.SessionName, &rec.SessionPath, &rec.PromptID, &rec.PromptTokens,
		&rec.CompletionTokens, &rec.TotalTokens, &rec.CacheReadTokens, &rec.CacheWriteTokens,
		&rec.Cost, &rec.Error, &streamed}
	if withBodies {
		dest = append(dest, &rec.RequestBody, &rec.ResponseBody, &rec.ResponseRaw)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, 0, err
	}
	rec.CreatedAt = fromMilli(created)
	rec.EndedAt = fromMilli(ended)
	if ttft.Valid {
		rec.TimeToFirstTokenMs = &ttft.Int64
	}
	rec.Streamed = streamed != 0
	return &rec, seq, nil
}

// loadProperties fills the Properties of recs, where seqs[i] is the seq of recs[i], with one
// query per [propertyBatch] logs.
func loadProperties(ctx context.Context, tx *sql.Tx, seqs []int64, recs []*record.Record) error {
	bySeq := make(map[int64]*record.Record, len(seqs))
	for i, s := range seqs {
		bySeq[s] = recs[i]
	}
	for start := 0; start < len(seqs); start += propertyBatch {
		batch := seqs[start:min(start+propertyBatch, len(seqs))]
		if err := loadPropertyBatch(ctx, tx, batch, bySeq); err != nil {
			return fmt.Errorf("load properties: %w", err)
		}
	}
	return nil
}

func loadPropertyBatch(ctx context.Context, tx *sql.Tx, seqs []int64,
	bySeq map[int64]*record.Record) error {
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	query := "SELECT log_seq, key, value FROM log_properties WHERE log_seq IN (?" +
		strings.Repeat(", ?", len(seqs)-1) + ")"
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		var seq int64
		var k, v string
		if err := rows.Scan(&seq, &k, &v); err != nil {
			return err
		}
		r := bySeq[seq]
		if r.Properties == nil {
			r.Properties = make(map[string]string)
		}
		r.Properties[k] = v
	}
	return rows.Err()
}
