package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// headSQL selects the seq of the newest log of the project pk, or 0 when it has none. The
// (project_pk, seq) index answers it with one lookup.
const headSQL = "SELECT COALESCE(MAX(seq), 0) FROM logs WHERE project_pk = ?"

// TailPosition returns the seq of the newest log of the project, or 0 when it has none. A seq
// is never reused, so the logs stored later all have a larger one.
func (db *DB) TailPosition(ctx context.Context, projectID string) (int64, error) {
	var head int64
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		return tx.QueryRowContext(ctx, headSQL, pk).Scan(&head)
	})
	if err != nil {
		return 0, fmt.Errorf("tail position: %w", err)
	}
	return head, nil
}

// Tail returns up to q.Limit logs of the project with a seq above q.After that match
// q.Filter, in seq order, with bodies and properties, and the position to pass next. When
// fewer than q.Limit logs match, the position is the newest seq of the project, so the next
// call does not read the logs that failed the filter again. It is never below q.After.
func (db *DB) Tail(ctx context.Context, projectID string, q store.TailQuery) (
	[]*record.Record, int64, error) {
	if err := checkPage(q.Limit, 0); err != nil {
		return nil, 0, err
	}
	where, fargs, err := CompileFilter(q.Filter)
	if err != nil {
		return nil, 0, err
	}
	limit := orDefault(q.Limit, defaultLimit)

	recs, next := []*record.Record{}, q.After
	err = db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		var head int64
		if err := tx.QueryRowContext(ctx, headSQL, pk).Scan(&head); err != nil {
			return err
		}
		query := "SELECT " + logMetaColumns + logBodyColumns + " FROM logs " +
			"WHERE project_pk = ? AND seq > ? AND seq <= ? AND (" + where + ") " +
			"ORDER BY seq LIMIT ?"
		args := append([]any{pk, q.After, head}, fargs...)
		rows, seqs, err := queryLogRows(ctx, tx, query, append(args, limit), projectID, true)
		if err != nil {
			return err
		}
		if err := loadProperties(ctx, tx, seqs, rows); err != nil {
			return err
		}
		recs = rows
		switch {
		case len(seqs) == limit:
			next = seqs[len(seqs)-1]
		case head > next:
			next = head
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("tail: %w", err)
	}
	return recs, next, nil
}
