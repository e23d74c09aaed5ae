package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// stmtKey names a multi-row statement: its kind and its number of rows.
type stmtKey struct {
	kind string
	rows int
}

// stmtCache holds the multi-row INSERT statements of the ingest path, prepared on the write
// handle. The keys are bounded by the chunk sizes, so the cache stays small. It is safe for
// concurrent use.
//
// The write handle has one connection, and a transaction holds it, so a statement cannot be
// prepared on the handle while a transaction runs. A statement missing from the cache is
// therefore prepared on the transaction for that one use, and [stmtCache.fill] prepares it on
// the handle once the transaction has ended.
type stmtCache struct {
	db    *sql.DB
	build map[string]func(rows int) string // SQL text by statement kind

	mu      sync.Mutex
	stmts   map[stmtKey]*sql.Stmt
	missing map[stmtKey]bool
}

func newStmtCache(db *sql.DB, build map[string]func(rows int) string) *stmtCache {
	return &stmtCache{
		db:      db,
		build:   build,
		stmts:   make(map[stmtKey]*sql.Stmt),
		missing: make(map[stmtKey]bool),
	}
}

// get returns the statement of the kind for rows rows within tx. The statement is closed
// when tx ends.
func (c *stmtCache) get(ctx context.Context, tx *sql.Tx, kind string, rows int) (*sql.Stmt, error) {
	k := stmtKey{kind, rows}
	c.mu.Lock()
	st, ok := c.stmts[k]
	if !ok {
		c.missing[k] = true
	}
	c.mu.Unlock()

	if ok {
		// tx runs on the connection st was prepared on, so this reuses the prepared statement.
		return tx.StmtContext(ctx, st), nil
	}
	st, err := tx.PrepareContext(ctx, c.build[kind](rows))
	if err != nil {
		return nil, fmt.Errorf("prepare %s of %d rows: %w", kind, rows, err)
	}
	return st, nil
}

// fill prepares the statements that [stmtCache.get] missed. It must not run inside a
// transaction on the write handle, which would wait for its own connection. It holds no lock
// while it prepares, because preparing waits for the connection, which another caller's
// transaction may hold while that caller needs the cache.
func (c *stmtCache) fill(ctx context.Context) error {
	c.mu.Lock()
	var keys []stmtKey
	for k := range c.missing {
		keys = append(keys, k)
		delete(c.missing, k)
	}
	c.mu.Unlock()

	for _, k := range keys {
		st, err := c.db.PrepareContext(ctx, c.build[k.kind](k.rows))
		if err != nil {
			return fmt.Errorf("prepare %s of %d rows: %w", k.kind, k.rows, err)
		}
		c.mu.Lock()
		old, ok := c.stmts[k]
		if !ok {
			c.stmts[k] = st
		}
		c.mu.Unlock()
		if ok && old != st {
			// Another caller prepared the same statement meanwhile.
			_ = st.Close()
		}
	}
	return nil
}

// close closes every cached statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for k, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, k)
	}
	return errors.Join(errs...)
}
