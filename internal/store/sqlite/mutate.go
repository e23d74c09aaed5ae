package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// logSeqSQL selects the seq and project pk of one log from a project id and a request id.
const logSeqSQL = "SELECT seq, project_pk FROM logs WHERE project_pk = " + projectPKSQL +
	" AND request_id = ?"

// propertyLogSQL selects what SetProperty needs of one log from a project id and a request id.
const propertyLogSQL = "SELECT seq, project_pk, created_at, cost FROM logs " +
	"WHERE project_pk = " + projectPKSQL + " AND request_id = ?"

// setPropertySQL adds or replaces one property of the log with the given seq.
const setPropertySQL = "INSERT INTO log_properties (log_seq, project_pk, key, value) " +
	"VALUES (?, ?, ?, ?) ON CONFLICT (log_seq, key) DO UPDATE SET value = excluded.value"

// The upserts select the log in the same statement, so a log that does not exist inserts no
// row and the statement changes nothing. The WHERE clause of the SELECT is what tells SQLite
// that ON CONFLICT belongs to the INSERT.
const (
	setScoreSQL = "INSERT INTO scores (log_seq, project_pk, name, value) " +
		"SELECT seq, project_pk, ?, ? FROM (" + logSeqSQL + ") WHERE TRUE " +
		"ON CONFLICT (log_seq, name) DO UPDATE SET value = excluded.value"
)

// SetProperty adds or replaces the property key of a stored log and moves the log to its new
// value's row of property_hourly, in one transaction. The key is stored as given and compared
// case-sensitively. It returns [store.ErrNotFound] when the project has no log with that
// request id and an error wrapping [store.ErrInvalidQuery] for an empty key.
func (db *DB) SetProperty(ctx context.Context, projectID, requestID, key, value string) error {
	if key == "" {
		return fmt.Errorf("set property of log %s: %w: empty key", requestID,
			store.ErrInvalidQuery)
	}
	if err := db.enter(); err != nil {
		return err
	}
	defer db.mu.RUnlock()

	if err := db.setProperty(ctx, projectID, requestID, key, value); err != nil {
		return fmt.Errorf("set property %q of log %s: %w", key, requestID, err)
	}
	return nil
}

func (db *DB) setProperty(ctx context.Context, projectID, requestID, key, value string) (
	err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, rollback(tx))
		}
	}()

	var seq, pk, created int64
	var cost float64
	err = tx.QueryRowContext(ctx, propertyLogSQL, projectID, requestID).
		Scan(&seq, &pk, &created, &cost)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	var old string
	err = tx.QueryRowContext(ctx, "SELECT value FROM log_properties WHERE log_seq = ? AND "+
		"key = ?", seq, key).Scan(&old)
	had := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if had && old == value {
		return tx.Commit()
	}
	if !had && key != record.SessionFeedbackProperty {
		var n int
		err = tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM log_properties WHERE log_seq = ? "+
			"AND key <> ?", seq, record.SessionFeedbackProperty).Scan(&n)
		if err != nil {
			return err
		}
		if n >= record.MaxProperties {
			return store.ErrPropertyLimit
		}
	}

	// The log moves from the old value's row of the hour it was created in to the new one's.
	hour := floorDiv(created, hourMs)
	type step struct {
		query string
		args  []any
	}
	steps := []step{
		{setPropertySQL, []any{seq, pk, key, value}},
		{propertyRollupAddSQL, []any{pk, key, value, hour, cost}},
	}
	if had {
		steps = append(steps, step{propertyRollupSubtractSQL, []any{cost, pk, key, old, hour}},
			step{propertyRollupDropEmptySQL, []any{pk, key, old, hour}})
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
			return err
		}
	}
	return tx.Commit()
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

// scoresSQL lists the scores of one log in one statement, which reads one snapshot without
// an explicit transaction. The LEFT JOIN returns one row with a NULL name for a log without
// scores and no row for a missing log.
const scoresSQL = "SELECT s.name, s.value FROM logs LEFT JOIN scores s ON s.log_seq = logs.seq " +
	"WHERE logs.project_pk = " + projectPKSQL + " AND logs.request_id = ?"

// Scores returns the scores of a stored log, an empty map when it has none, or
// [store.ErrNotFound] when the project has no log with that request id.
func (db *DB) Scores(ctx context.Context, projectID, requestID string) (
	map[string]float64, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()

	rows, err := db.scores.QueryContext(ctx, projectID, requestID)
	if err != nil {
		return nil, fmt.Errorf("scores of log %s: %w", requestID, err)
	}
	defer rows.Close()
	found := false
	scores := make(map[string]float64)
	for rows.Next() {
		found = true
		var name sql.NullString
		var v sql.NullFloat64
		if err := rows.Scan(&name, &v); err != nil {
			return nil, fmt.Errorf("scores of log %s: %w", requestID, err)
		}
		if name.Valid {
			scores[name.String] = v.Float64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scores of log %s: %w", requestID, err)
	}
	if !found {
		return nil, fmt.Errorf("scores of log %s: %w", requestID, store.ErrNotFound)
	}
	return scores, nil
}
