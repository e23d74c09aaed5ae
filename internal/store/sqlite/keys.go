package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/heliograph/heliograph/internal/store"
)

const keyColumns = "id, project_id, name, scope, hash, prefix, created_at, revoked_at"

// CreateKey stores k with CreatedAt set to now and returns it. It returns [store.ErrExists]
// when the id, the hash or the (project, name) pair is taken and [store.ErrNotFound] when the
// project does not exist.
func (db *DB) CreateKey(ctx context.Context, k store.Key) (store.Key, error) {
	if err := validateKey(k); err != nil {
		return store.Key{}, err
	}
	if err := db.enter(); err != nil {
		return store.Key{}, err
	}
	defer db.mu.RUnlock()

	k.CreatedAt = nowMilli()
	var revoked any // NULL while active
	if !k.RevokedAt.IsZero() {
		revoked = k.RevokedAt.UnixMilli()
		k.RevokedAt = fromMilli(k.RevokedAt.UnixMilli())
	}
	_, err := db.write.ExecContext(ctx,
		"INSERT INTO api_keys ("+keyColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		k.ID, k.ProjectID, k.Name, k.Scope, k.Hash, k.Prefix, k.CreatedAt.UnixMilli(), revoked)
	switch {
	case isUniqueViolation(err):
		return store.Key{}, fmt.Errorf("create key %q: %w", k.Name, store.ErrExists)
	case isForeignKeyViolation(err):
		return store.Key{}, fmt.Errorf("create key %q: project %s: %w",
			k.Name, k.ProjectID, store.ErrNotFound)
	case err != nil:
		return store.Key{}, fmt.Errorf("create key %q: %w", k.Name, err)
	}
	return k, nil
}

func validateKey(k store.Key) error {
	switch {
	case k.ID == "":
		return errors.New("create key: missing id")
	case len(k.Hash) == 0:
		return errors.New("create key: missing hash")
	}
	switch k.Scope {
	case store.ScopeRead, store.ScopeWrite, store.ScopeAll:
		return nil
	default:
		return fmt.Errorf("create key: invalid scope %q: use read, write or all", k.Scope)
	}
}

// KeyByHash returns the key with that hash, revoked or not, or [store.ErrNotFound].
func (db *DB) KeyByHash(ctx context.Context, hash []byte) (store.Key, error) {
	if err := db.enter(); err != nil {
		return store.Key{}, err
	}
	defer db.mu.RUnlock()

	row := db.read.QueryRowContext(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE hash = ?", hash)
	k, err := scanKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Key{}, fmt.Errorf("key by hash: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Key{}, fmt.Errorf("key by hash: %w", err)
	}
	return k, nil
}

// ListKeys returns every key of every project, oldest first.
func (db *DB) ListKeys(ctx context.Context) ([]store.Key, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()

	// rowid breaks ties between keys created in the same millisecond by insertion order.
	rows, err := db.read.QueryContext(ctx,
		"SELECT "+keyColumns+" FROM api_keys ORDER BY created_at, rowid")
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()

	var out []store.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return out, nil
}

// RevokeKey marks the key revoked now. Revoking a revoked key keeps its first revocation
// time. It returns [store.ErrNotFound] if no key has that id.
func (db *DB) RevokeKey(ctx context.Context, id string) error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.mu.RUnlock()

	res, err := db.write.ExecContext(ctx,
		"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
		nowMilli().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("revoke key %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("revoke key %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("revoke key %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// rowScanner is the Scan method shared by *sql.Row and *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

func scanKey(r rowScanner) (store.Key, error) {
	var k store.Key
	var created int64
	var revoked sql.NullInt64
	if err := r.Scan(&k.ID, &k.ProjectID, &k.Name, &k.Scope, &k.Hash, &k.Prefix,
		&created, &revoked); err != nil {
		return store.Key{}, err
	}
	k.CreatedAt = fromMilli(created)
	if revoked.Valid {
		k.RevokedAt = fromMilli(revoked.Int64)
	}
	return k, nil
}
