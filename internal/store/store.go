// Package store defines the storage contract shared by every backend. Backends live in
// sub-packages (sqlite now; postgres and clickhouse can follow) and all pass the conformance
// suite in package storetest.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
)

// Outcome sentinels returned by every backend.
var (
	// ErrNotFound reports that no project, key or log matched.
	ErrNotFound = errors.New("not found")
	// ErrExists reports that a project or key with the same unique name already exists.
	ErrExists = errors.New("already exists")
	// ErrClosed reports a call after Close.
	ErrClosed = errors.New("store closed")
	// ErrInvalidQuery reports a [LogQuery] the store cannot run: an unknown filter or sort
	// field, an operator the field does not support, a value of the wrong type, or a negative
	// limit or offset. It is the caller's mistake, not a storage failure.
	ErrInvalidQuery = errors.New("invalid query")
	// ErrPropertyLimit reports a new property key on a log that has [record.MaxProperties]
	// properties already.
	ErrPropertyLimit = errors.New("property limit reached")
)

// Scopes an API key can carry.
const (
	ScopeWrite = "write" // ingest only
	ScopeRead  = "read"  // query only
	ScopeAll   = "all"   // both
)

// Project is an isolated tenant: every log belongs to exactly one project.
type Project struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Key is an API key as stored: only the SHA-256 hash of the secret is kept.
type Key struct {
	ID        string
	ProjectID string
	Name      string
	Scope     string
	// Hash is the SHA-256 digest of the full secret.
	Hash []byte
	// Prefix is the first characters of a generated secret, shown in listings to tell keys
	// apart, and empty for a secret chosen by an operator.
	Prefix    string
	CreatedAt time.Time
	// RevokedAt is the zero time for an active key.
	RevokedAt time.Time
}

// InsertStatus is the per-record outcome of [Store.InsertLogs].
type InsertStatus int

// Insert outcomes.
const (
	// Inserted means the record was stored by this call.
	Inserted InsertStatus = iota + 1
	// Duplicate means a record with the same project and request id was already stored; the
	// stored record is left unchanged.
	Duplicate
)

// LogQuery selects logs of one project.
type LogQuery struct {
	// Filter is nil or [filter.All] for every log.
	Filter filter.Expr
	// Sort is the order; the zero value is newest first.
	Sort filter.Sort
	// Limit is the maximum number of rows; 0 means 100.
	Limit int
	// Offset skips rows; ignored when After is set.
	Offset int
	// After starts the page after this row of the default order (keyset pagination).
	After *filter.Cursor
	// WithBodies loads the three body fields; without it they are nil.
	WithBodies bool
	// WithoutProperties leaves Properties nil, for callers that do not show them, such as
	// a session tree. Reading the properties of thousands of logs is a large part of such a
	// query.
	WithoutProperties bool
}

// Store is the storage contract. Implementations are safe for concurrent use. Every method that
// reads or writes logs takes the project id and never returns another project's data.
type Store interface {
	Aggregator

	// Ping reports whether the store can serve reads and writes.
	Ping(ctx context.Context) error
	// Close releases all resources. Calls after Close return ErrClosed.
	Close() error

	// CreateProject creates a project with a unique name; ErrExists if the name is taken.
	CreateProject(ctx context.Context, name string) (Project, error)
	// ProjectByName returns the project with that name or ErrNotFound.
	ProjectByName(ctx context.Context, name string) (Project, error)
	// ListProjects returns every project ordered by name.
	ListProjects(ctx context.Context) ([]Project, error)

	// CreateKey stores a key; the caller fills every field but CreatedAt. ErrExists if the
	// hash or the (project, name) pair is already stored; ErrNotFound if the project is not.
	CreateKey(ctx context.Context, k Key) (Key, error)
	// KeyByHash returns the key with that hash, revoked or not, or ErrNotFound.
	KeyByHash(ctx context.Context, hash []byte) (Key, error)
	// ListKeys returns every key ordered by creation time.
	ListKeys(ctx context.Context) ([]Key, error)
	// RevokeKey marks a key revoked; ErrNotFound if no key has that id.
	RevokeKey(ctx context.Context, id string) error

	// InsertLogs stores the records in one durable transaction and returns one status per
	// record, in order. Either every record is accounted for or an error is returned and
	// nothing is stored. Two records with the same project and request id in one call store the
	// first and report the second as Duplicate.
	InsertLogs(ctx context.Context, recs []*record.Record) ([]InsertStatus, error)
	// GetLog returns one log with bodies, or ErrNotFound.
	GetLog(ctx context.Context, projectID, requestID string) (*record.Record, error)
	// QueryLogs returns the logs of a project that match q.
	QueryLogs(ctx context.Context, projectID string, q LogQuery) ([]*record.Record, error)
}
