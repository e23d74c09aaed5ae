package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/heliograph/heliograph/internal/store"
)

// Default page sizes of the aggregates.
const (
	defaultSessionLimit  = 50
	defaultUserLimit     = 100
	defaultPropertyLimit = 100
)

// view runs fn in one read-only transaction, so every query of fn reads the same snapshot.
// fn receives the pk of the project, or ok false when no project has that id, which the
// aggregates treat as a project without logs.
func (db *DB) view(ctx context.Context, projectID string,
	fn func(tx *sql.Tx, pk int64) error) error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.mu.RUnlock()

	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()

	var pk int64
	err = tx.QueryRowContext(ctx, "SELECT pk FROM projects WHERE id = ?", projectID).Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up project %s: %w", projectID, err)
	}
	return fn(tx, pk)
}

// compileScope returns the condition that selects the logs of the project pk within s, and
// its arguments. The condition names the logs table as logs, so a query that joins another
// table must not alias it. Errors wrap [store.ErrInvalidQuery].
func compileScope(pk int64, s store.Scope) (string, []any, error) {
	where, fargs, err := CompileFilter(s.Filter)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString("logs.project_pk = ?")
	args := []any{pk}
	if !s.From.IsZero() {
		b.WriteString(" AND logs.created_at >= ?")
		args = append(args, s.From.UnixMilli())
	}
	if !s.To.IsZero() {
		b.WriteString(" AND logs.created_at < ?")
		args = append(args, s.To.UnixMilli())
	}
	if where != "TRUE" {
		b.WriteString(" AND (" + where + ")")
		args = append(args, fargs...)
	}
	return b.String(), args, nil
}

// checkPage rejects a negative limit or offset.
func checkPage(limit, offset int) error {
	if limit < 0 || offset < 0 {
		return fmt.Errorf("%w: negative limit or offset", store.ErrInvalidQuery)
	}
	return nil
}

// orDefault returns n, or def when n is zero.
func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// containsSQL is a case-insensitive test for a literal substring of expr, the same test as
// the ~ operator of the filter, so % and _ in the argument match themselves.
func containsSQL(expr string) string {
	return "instr(lower(" + expr + "), lower(?)) > 0"
}
