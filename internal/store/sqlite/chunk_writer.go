package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// chunkWriter executes a multi-row statement of a [stmtCache] for rows added one at a time.
// It executes the statement once for each full chunk and once for the remaining rows on flush.
type chunkWriter struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts *stmtCache
	kind  string // the statement kind in stmts
	chunk int    // rows per statement

	args []any
	rows int
}

// add appends the values of one row and executes the statement when a chunk is full.
func (w *chunkWriter) add(values ...any) error {
	w.args = append(w.args, values...)
	if w.rows++; w.rows == w.chunk {
		return w.flush()
	}
	return nil
}

// flush executes the statement for the rows added since the last execution, if any.
func (w *chunkWriter) flush() error {
	if w.rows == 0 {
		return nil
	}
	st, err := w.stmts.get(w.ctx, w.tx, w.kind, w.rows)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(w.ctx, w.args...); err != nil {
		return fmt.Errorf("%s: %w", w.kind, err)
	}
	w.args, w.rows = w.args[:0], 0
	return nil
}
