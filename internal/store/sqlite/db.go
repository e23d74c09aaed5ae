// Package sqlite implements [store.Store] on one embedded SQLite database file with the pure-Go
// driver modernc.org/sqlite, so builds need no cgo.
//
// The database runs in WAL mode. Writes go through a pool of exactly one connection, so write
// transactions queue inside the process instead of failing with SQLITE_BUSY. Reads use a
// separate pool of query-only connections, and in WAL mode a read does not wait for a write
// transaction to finish.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/heliograph/heliograph/internal/store"
)

// optimizeEvery is the number of inserted logs after which InsertLogs runs PRAGMA optimize.
const optimizeEvery = 10000

// Defaults applied by [Open] to zero [Options] fields.
const (
	DefaultSynchronous  = "full"
	DefaultBusyTimeout  = 5 * time.Second
	DefaultMaxReadConns = 4
)

// Options configures [Open]. The zero value selects every default.
type Options struct {
	// Logger receives schema migrations and warnings about failed maintenance steps; nil
	// discards them.
	Logger *slog.Logger
	// Synchronous is the PRAGMA synchronous level, "full" (the default) or "normal". With
	// "full" a write is on disk when the call returns, so it survives a crash of the process
	// or of the machine. With "normal" the last commits can roll back after a power
	// loss or an operating system crash, but not after a crash of the process alone.
	Synchronous string
	// BusyTimeout is how long a statement waits for a lock held by another process before it
	// fails with SQLITE_BUSY; zero means [DefaultBusyTimeout].
	BusyTimeout time.Duration
	// MaxReadConns is the size of the read pool; zero means [DefaultMaxReadConns].
	MaxReadConns int
}

// DB is a [store.Store] backed by one SQLite file. It is safe for concurrent use. Close waits
// for calls in progress to finish; calls after Close return [store.ErrClosed].
type DB struct {
	write *sql.DB // exactly one connection; every write transaction runs on it
	read  *sql.DB // query_only connections
	log   *slog.Logger
	path  string

	// mu is held shared by every call and exclusively by Close.
	mu     sync.RWMutex
	closed bool

	// projectPKs caches the pk of each project id that InsertLogs has looked up.
	projectPKs sync.Map

	// ckpt copies the WAL into the database file in the background.
	ckpt *checkpointer

	// stmts holds the prepared statements of the ingest path.
	stmts *stmtCache
	// scores is scoresSQL prepared on the read pool: GET /v1/requests reads the scores of
	// every row it returns, and preparing the statement took most of each call.
	scores *sql.Stmt

	// Inserted rows since the last PRAGMA optimize, and how many trigger the next one.
	sinceOptimize atomic.Int64
	optimizeEvery int64
}

var _ store.Store = (*DB)(nil)

// Open opens or creates the database file at path and applies pending schema migrations.
// The database file and its -wal and -shm files get mode 0600. The directory of path must
// exist. path must name a file, not ":memory:", because the read
// and write handles open it separately.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("invalid database path %q: name a file", path)
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	db := &DB{log: opts.Logger, path: path}

	if err := createPrivateFile(path); err != nil {
		return nil, err
	}

	// The write handle is opened first: it switches the file to WAL mode, which is stored in
	// the file, before any reader connects.
	db.write, err = sql.Open("sqlite", writeDSN(path, opts))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	if err := db.write.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open %s: %w", path, err), db.write.Close())
	}

	if err := migrate(ctx, db.write, db.log); err != nil {
		return nil, errors.Join(fmt.Errorf("migrate %s: %w", path, err), db.write.Close())
	}
	db.stmts = newStmtCache(db.write, ingestStatements())
	db.optimizeEvery = optimizeEvery
	db.optimize(ctx)

	db.read, err = sql.Open("sqlite", readDSN(path, opts))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s for reading: %w", path, err),
			db.closeHandles())
	}
	db.read.SetMaxOpenConns(opts.MaxReadConns)
	db.read.SetMaxIdleConns(opts.MaxReadConns)
	if err := db.read.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open %s for reading: %w", path, err), db.read.Close(),
			db.closeHandles())
	}
	if db.scores, err = db.read.PrepareContext(ctx, scoresSQL); err != nil {
		return nil, errors.Join(fmt.Errorf("prepare scores query: %w", err), db.read.Close(),
			db.closeHandles())
	}
	own, err := sql.Open("sqlite", checkpointDSN(path, opts))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s for checkpoints: %w", path, err),
			db.scores.Close(), db.read.Close(), db.closeHandles())
	}
	db.ckpt = newCheckpointer(own, db.write, path, db.log)
	db.restrictSideFiles()
	return db, nil
}

// createPrivateFile creates the database file with mode 0600 when it is missing, and sets an
// existing one to 0600, because it holds logged content and key hashes. SQLite creates the
// -wal and -shm files with the mode of the database file, and reads an empty file as an
// empty database.
func createPrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err // The *PathError names the operation and the file.
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// restrictSideFiles sets the -wal and -shm files to mode 0600. Files created by this version
// have that mode already; files left by an earlier version may not. A failure is logged
// because the store works without it.
func (db *DB) restrictSideFiles() {
	for _, p := range []string{db.path + "-wal", db.path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.log.Warn("restrict file mode", "path", p, "error", err)
		}
	}
}

// withDefaults fills zero fields and validates the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o.Synchronous = strings.ToLower(o.Synchronous)
	switch o.Synchronous {
	case "":
		o.Synchronous = DefaultSynchronous
	case "full", "normal":
	default:
		return o, fmt.Errorf("invalid synchronous level %q: use full or normal", o.Synchronous)
	}
	if o.BusyTimeout < 0 || o.MaxReadConns < 0 {
		return o, errors.New("invalid options: busy timeout and read connections must not " +
			"be negative")
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.MaxReadConns == 0 {
		o.MaxReadConns = DefaultMaxReadConns
	}
	return o, nil
}

// writeDSN returns the data source name of the write handle. Pragmas go in the DSN so the
// driver applies them to every connection it opens, including one that replaces a broken one.
// _txlock=immediate makes BEGIN take the write lock at once. When another process holds it,
// BEGIN waits up to BusyTimeout, whereas a deferred transaction could fail with SQLITE_BUSY at
// its first write.
func writeDSN(path string, o Options) string {
	q := baseQuery(o)
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+o.Synchronous+")")
	q.Add("_pragma", "foreign_keys(1)")
	// Truncate the WAL file to 64 MiB after a checkpoint instead of letting it keep its peak
	// size.
	q.Add("_pragma", "journal_size_limit(67108864)")
	// Checkpoints run in the background (see checkpointer). The write connection checkpoints
	// by itself only if the WAL outgrows them.
	q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walBackstopPages)+")")
	q.Set("_txlock", "immediate")
	return fileURI(path) + "?" + q.Encode()
}

// checkpointDSN returns the data source name of the checkpoint connection. A checkpoint
// flushes the files according to its connection's synchronous level, so that level matches
// the write handle's.
func checkpointDSN(path string, o Options) string {
	q := baseQuery(o)
	q.Add("_pragma", "synchronous("+o.Synchronous+")")
	return fileURI(path) + "?" + q.Encode()
}

// readDSN returns the data source name of the read pool, whose connections reject writes.
func readDSN(path string, o Options) string {
	q := baseQuery(o)
	q.Add("_pragma", "query_only(1)")
	return fileURI(path) + "?" + q.Encode()
}

func baseQuery(o Options) url.Values {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10)+")")
	// Statement journals of multi-row INSERTs and sorter spills stay in memory instead of
	// temporary files, which saves a write system call per page.
	q.Add("_pragma", "temp_store(MEMORY)")
	return q
}

// fileURI returns path as an SQLite URI filename, so characters such as ? and # in the path
// stay part of the name.
func fileURI(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

// Ping checks that both handles can reach the database file.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.enter(); err != nil {
		return err
	}
	defer db.mu.RUnlock()

	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.path, err)
	}
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping %s: %w", db.path, err)
	}
	return nil
}

// Close waits for calls in progress, refreshes the query planner statistics, checkpoints the
// WAL into the database file, truncates the WAL and closes both handles. A second Close
// returns [store.ErrClosed].
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return store.ErrClosed
	}
	db.closed = true

	// The background checkpoints stop, then readers close, so that none holds a snapshot the
	// final checkpoint would have to keep.
	readErr := errors.Join(db.ckpt.close(), db.scores.Close(), db.read.Close())

	// PRAGMA optimize refreshes the statistics the query planner uses to choose between the
	// log indexes; SQLite recommends running it before closing a connection.
	if _, err := db.write.Exec("PRAGMA optimize"); err != nil {
		db.log.Warn("optimize failed", "path", db.path, "error", err)
	}
	var ckptErr error
	if _, err := db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		ckptErr = fmt.Errorf("checkpoint %s: %w", db.path, err)
	}
	return errors.Join(readErr, ckptErr, db.closeHandles())
}

// optimize runs PRAGMA optimize on the write handle, which analyzes the tables that have an
// index never analyzed or that grew or shrank tenfold since their last analysis. The query
// planner needs those statistics: without them it walks the created_at index to filter a rare
// session instead of reading that session's rows from its own index. In the mask, 0x02 turns
// on the analysis, 0x10 caps it at about 2000 rows per index so it stays fast on a large
// database, and 0x10000 includes tables this connection has not queried.
func (db *DB) optimize(ctx context.Context) {
	db.sinceOptimize.Store(0)
	if _, err := db.write.ExecContext(ctx, "PRAGMA optimize=0x10012"); err != nil &&
		ctx.Err() == nil {
		db.log.Warn("optimize failed", "path", db.path, "error", err)
	}
}

// closeHandles closes the prepared statements and the write handle.
func (db *DB) closeHandles() error {
	var errs []error
	if db.stmts != nil {
		errs = append(errs, db.stmts.close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// enter takes the shared lock for one call; the caller releases it with db.mu.RUnlock.
// It returns [store.ErrClosed], without the lock, after Close.
func (db *DB) enter() error {
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// errCode returns the extended SQLite result code of err, or 0 when err does not come from
// SQLite.
func errCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	c := errCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY constraint failure.
func isForeignKeyViolation(err error) bool {
	return errCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
