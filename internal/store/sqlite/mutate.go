package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/heliograph/heliograph/internal/store"
)

// logSeqSQL selects the seq and project pk of one log from a project id and a request id.
const logSeqSQL = "SELECT seq, project_pk FROM logs WHERE project_pk = " + projectPKSQL +
	" AND request_id = ?"

// The upserts select the log in the same statement, so a log that does not exist inserts no
// row and the statement changes nothing. The WHERE clause of the SELECT is what tells SQLite
// that ON CONFLICT belongs to the INSERT.
const (
	setPropertySQL = "INSERT INTO log_properties (log_seq, project_pk, key, value) " +
		"SELECT seq, project_pk, ?, ? FROM (" + logSeqSQL + ") WHERE TRUE " +
		"ON CONFLICT (log_seq, key) DO UPDATE SET value = excluded.value"
	setScoreSQL = "INSERT INTO scores (log_seq, project_pk, name, value) " +
		"SELECT seq, project_pk, ?, ? FROM (" + logSeqSQL + ") WHERE TRUE " +
		"ON CONFLICT (log_seq, name) DO UPDATE SET value = excluded.value"
)

// SetProperty adds or replaces the property key of a stored log. The key is stored as given
// and compared case-sensitively. It returns [store.ErrNotFound] when the project has no log
// with that request id and an error wrapping [store.ErrInvalidQuery] for an empty key.
func (db *DB) SetProperty(ctx context.Context, projectID, requestID, key, value string) error {
	if key == "" {
		return fmt.Errorf("set property of log %s: %w: empty key", requestID,
			store.ErrInvalidQuery)
	}
	err := db.upsert(ctx, setPropertySQL, key, value, projectID, requestID)
	if err != nil {
		return fmt.Errorf("set property %q of log %s: %w", key, requestID, err)
	}
	return nil
}

// SetScore adds or replaces the score name of a stored log. It returns [store.ErrNotFound]
// when the project has no log with that request id and an error wrapping
// [store.ErrInvalidQuery] for an empty name or a value that is not a finite number.
func (db *DB) SetScore(ctx context.Context, projectID, requestID, name string,
	value float64) error {
	switch {
	case name == "":
		return fmt.Errorf("set score of log %s: %w: empty name", requestID,
			store.ErrInvalidQuery)
	case math.IsNaN(value) || math.IsInf(value, 0):
		// SQLite would store NaN as NULL and fail the NOT NULL constraint.
		return fmt.Errorf("set score %q of log %s: %w: value %v is not a finite number", name,
			requestID, store.ErrInvalidQuery, value)
	}
	err := db.upsert(ctx, setScoreSQL, name, value, projectID, requestID)
	if err != nil {
		return fmt.Errorf("set score %q of log %s: %w", name, requestID, err)
	}
	return nil
}

// upsert runs one of the upserts and turns "no row changed" into [store.ErrNotFound].
func (db *DB) upsert(ctx context.Context, query string, args ...any) error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.mu.RUnlock()

	res, err := db.write.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Scores returns the scores of a stored log, an empty map when it has none, or
// [store.ErrNotFound] when the project has no log with that request id.
func (db *DB) Scores(ctx context.Context, projectID, requestID string) (
	map[string]float64, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()

	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("scores of log %s: %w", requestID, err)
	}
	defer func() { _ = tx.Rollback() }()

	var seq, pk int64
	err = tx.QueryRowContext(ctx, logSeqSQL, projectID, requestID).Scan(&seq, &pk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("scores of log %s: %w", requestID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("scores of log %s: %w", requestID, err)
	}
	scores := make(map[string]float64)
	if err := readScores(ctx, tx, seq, scores); err != nil {
		return nil, fmt.Errorf("scores of log %s: %w", requestID, err)
	}
	return scores, nil
}

func readScores(ctx context.Context, tx *sql.Tx, seq int64, scores map[string]float64) error {
	rows, err := tx.QueryContext(ctx, "SELECT name, value FROM scores WHERE log_seq = ?", seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v float64
		if err := rows.Scan(&name, &v); err != nil {
			return err
		}
		scores[name] = v
	}
	return rows.Err()
}
