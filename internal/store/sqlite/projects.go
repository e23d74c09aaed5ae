package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/heliograph/heliograph/internal/store"
)

// CreateProject creates a project with a random id. It returns [store.ErrExists] if the name
// is taken.
func (db *DB) CreateProject(ctx context.Context, name string) (store.Project, error) {
	if err := db.enter(); err != nil {
		return store.Project{}, err
	}
	defer db.mu.RUnlock()

	p := store.Project{ID: newID(), Name: name, CreatedAt: nowMilli()}
	_, err := db.write.ExecContext(ctx,
		"INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)",
		p.ID, p.Name, p.CreatedAt.UnixMilli())
	if isUniqueViolation(err) {
		return store.Project{}, fmt.Errorf("create project %q: %w", name, store.ErrExists)
	}
	if err != nil {
		return store.Project{}, fmt.Errorf("create project %q: %w", name, err)
	}
	return p, nil
}

// ProjectByName returns the project with that name or [store.ErrNotFound].
func (db *DB) ProjectByName(ctx context.Context, name string) (store.Project, error) {
	if err := db.enter(); err != nil {
		return store.Project{}, err
	}
	defer db.mu.RUnlock()

	var p store.Project
	var created int64
	err := db.read.QueryRowContext(ctx,
		"SELECT id, name, created_at FROM projects WHERE name = ?", name,
	).Scan(&p.ID, &p.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Project{}, fmt.Errorf("project %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.Project{}, fmt.Errorf("read project %q: %w", name, err)
	}
	p.CreatedAt = fromMilli(created)
	return p, nil
}

// ListProjects returns every project ordered by name.
func (db *DB) ListProjects(ctx context.Context) ([]store.Project, error) {
	if err := db.enter(); err != nil {
		return nil, err
	}
	defer db.mu.RUnlock()

	rows, err := db.read.QueryContext(ctx,
		"SELECT id, name, created_at FROM projects ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()

	var out []store.Project
	for rows.Next() {
		var p store.Project
		var created int64
		if err := rows.Scan(&p.ID, &p.Name, &created); err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		p.CreatedAt = fromMilli(created)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// newID returns a random 128-bit identifier in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error since Go 1.24.
	return hex.EncodeToString(b[:])
}

// nowMilli returns the current time in UTC truncated to the millisecond, the precision of
// every stored time.
func nowMilli() time.Time {
	return fromMilli(time.Now().UnixMilli())
}

// fromMilli converts stored Unix milliseconds to a UTC time.
func fromMilli(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}
