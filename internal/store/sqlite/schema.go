package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
)

// migrations returns the schema, one step per version. Step i moves the database from version
// i to version i+1, and PRAGMA user_version records the version reached. Steps are only
// appended, never edited, because databases in use already ran the old ones.
//
// Times are integer Unix milliseconds in UTC. Text columns are NOT NULL and hold the empty
// string for "no value"; only ttft_ms, revoked_at and the bodies may be NULL. The PostgreSQL
// and ClickHouse backends mirror these tables and columns, and may key logs by the text
// project id where this schema uses projects.pk.
func migrations() []string {
	return []string{schemaV1, schemaV2, schemaV3, schemaV4, schemaV5, schemaV6, schemaV7}
}

// schemaV1 creates projects, API keys, logs, their properties and scores.
const schemaV1 = `
-- pk is the compact project key stored in every log, property and score row: an integer
-- takes one or two bytes where the text id takes 33, which keeps the log indexes small.
CREATE TABLE projects (
	pk         INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	project_id TEXT NOT NULL REFERENCES projects (id),
	name       TEXT NOT NULL,
	scope      TEXT NOT NULL CHECK (scope IN ('write', 'read', 'all')),
	hash       BLOB NOT NULL UNIQUE,
	prefix     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER, -- NULL while the key is active
	UNIQUE (project_id, name)
) STRICT;

-- seq is the insertion order. AUTOINCREMENT keeps it from ever being reused, even after the
-- newest rows are deleted, so a reader that remembers the last seq it saw never misses a row.
CREATE TABLE logs (
	seq                INTEGER PRIMARY KEY AUTOINCREMENT,
	project_pk         INTEGER NOT NULL REFERENCES projects (pk),
	request_id         TEXT NOT NULL,
	created_at         INTEGER NOT NULL,
	ended_at           INTEGER NOT NULL,
	latency_ms         INTEGER NOT NULL,
	ttft_ms            INTEGER, -- NULL when the client did not report it
	status             INTEGER NOT NULL,
	kind               TEXT NOT NULL,
	model              TEXT NOT NULL,
	request_model      TEXT NOT NULL,
	response_model     TEXT NOT NULL,
	model_override     TEXT NOT NULL,
	provider           TEXT NOT NULL,
	path               TEXT NOT NULL,
	user_id            TEXT NOT NULL,
	session_id         TEXT NOT NULL,
	session_name       TEXT NOT NULL,
	session_path       TEXT NOT NULL,
	prompt_id          TEXT NOT NULL,
	prompt_tokens      INTEGER NOT NULL,
	completion_tokens  INTEGER NOT NULL,
	total_tokens       INTEGER NOT NULL,
	cache_read_tokens  INTEGER NOT NULL,
	cache_write_tokens INTEGER NOT NULL,
	cost               REAL NOT NULL,
	error              TEXT NOT NULL,
	streamed           INTEGER NOT NULL,
	-- The bodies come last so that reading the other columns never walks their pages.
	request_body       BLOB,
	response_body      BLOB,
	response_raw       BLOB,
	UNIQUE (project_pk, request_id)
) STRICT;

CREATE INDEX logs_project_created ON logs (project_pk, created_at DESC, request_id DESC);
CREATE INDEX logs_project_session ON logs (project_pk, session_id, created_at);
CREATE INDEX logs_project_user ON logs (project_pk, user_id, created_at);
CREATE INDEX logs_project_model ON logs (project_pk, model, created_at);

-- Keys are stored exactly as given and compared case-sensitively.
CREATE TABLE log_properties (
	log_seq    INTEGER NOT NULL REFERENCES logs (seq) ON DELETE CASCADE,
	project_pk INTEGER NOT NULL,
	key        TEXT NOT NULL,
	value      TEXT NOT NULL,
	PRIMARY KEY (log_seq, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX log_properties_project_key ON log_properties (project_pk, key, value, log_seq);

CREATE TABLE scores (
	log_seq    INTEGER NOT NULL REFERENCES logs (seq) ON DELETE CASCADE,
	project_pk INTEGER NOT NULL,
	name       TEXT NOT NULL,
	value      REAL NOT NULL,
	PRIMARY KEY (log_seq, name)
) STRICT, WITHOUT ROWID;

CREATE INDEX scores_project_name ON scores (project_pk, name, value, log_seq);
`

// schemaV2 adds the indexes of the aggregates and of live tail.
const schemaV2 = `
-- The newest seq of a project, and the logs after a seq, for live tail.
CREATE INDEX logs_project_seq ON logs (project_pk, seq);
`

// schemaV3 adds the hourly rollups that Metrics reads for logs without a filter, so that
// metrics over millions of logs read thousands of rollup rows. InsertLogs keeps them up to
// date in the transaction that stores the logs. This step fills them from the logs stored so
// far. It spells out the hour and the bins of aggregate_metrics.go, because a schema step is
// never edited.
const schemaV3 = `
-- One row per project, hour (created_at / 3600000, rounded down) and latency bin.
CREATE TABLE metrics_latency_hourly (
	project_pk        INTEGER NOT NULL,
	hour              INTEGER NOT NULL,
	bin               INTEGER NOT NULL,
	requests          INTEGER NOT NULL,
	errors            INTEGER NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	total_tokens      INTEGER NOT NULL,
	cost              REAL NOT NULL,
	min_ms            INTEGER NOT NULL,
	max_ms            INTEGER NOT NULL,
	PRIMARY KEY (project_pk, hour, bin)
) STRICT, WITHOUT ROWID;

-- One row per project, hour and TTFT bin, for the logs with a known TTFT.
CREATE TABLE metrics_ttft_hourly (
	project_pk INTEGER NOT NULL,
	hour       INTEGER NOT NULL,
	bin        INTEGER NOT NULL,
	requests   INTEGER NOT NULL,
	min_ms     INTEGER NOT NULL,
	max_ms     INTEGER NOT NULL,
	PRIMARY KEY (project_pk, hour, bin)
) STRICT, WITHOUT ROWID;

INSERT INTO metrics_latency_hourly
SELECT project_pk,
	(CASE WHEN created_at >= 0 THEN created_at / 3600000 ELSE (created_at + 1) / 3600000 - 1 END),
	CAST(log2(max(latency_ms, 0) + 1) * 8 AS INTEGER),
	COUNT(*), SUM(status <> 200), SUM(prompt_tokens), SUM(completion_tokens),
	SUM(total_tokens), TOTAL(cost), MIN(max(latency_ms, 0)), MAX(max(latency_ms, 0))
FROM logs GROUP BY 1, 2, 3;

INSERT INTO metrics_ttft_hourly
SELECT project_pk,
	(CASE WHEN created_at >= 0 THEN created_at / 3600000 ELSE (created_at + 1) / 3600000 - 1 END),
	CAST(log2(max(ttft_ms, 0) + 1) * 8 AS INTEGER),
	COUNT(*), MIN(max(ttft_ms, 0)), MAX(max(ttft_ms, 0))
FROM logs WHERE ttft_ms IS NOT NULL GROUP BY 1, 2, 3;
`

// schemaV4 adds the session rollup that Sessions and SessionNames read when their scope
// selects every log, so that the first page of sessions over millions of logs reads one row
// per session instead of every log. InsertLogs keeps it up to date in the transaction that
// stores the logs; this step fills it from the logs stored so far.
const schemaV4 = `
-- One row per project and session id, over the logs that have a session id. last_at is the
-- latest ended_at and latency_sum the sum of latency_ms, a float because latencies of
-- centuries summed over many logs would overflow a 64-bit integer.
CREATE TABLE session_rollup (
	project_pk        INTEGER NOT NULL,
	session_id        TEXT NOT NULL,
	first_at          INTEGER NOT NULL,
	last_at           INTEGER NOT NULL,
	requests          INTEGER NOT NULL,
	errors            INTEGER NOT NULL,
	cost              REAL NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	total_tokens      INTEGER NOT NULL,
	latency_sum       REAL NOT NULL,
	PRIMARY KEY (project_pk, session_id)
) STRICT, WITHOUT ROWID;

INSERT INTO session_rollup
SELECT project_pk, session_id, MIN(created_at), MAX(ended_at), COUNT(*), SUM(status <> 200),
	TOTAL(cost), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), TOTAL(latency_ms)
FROM logs WHERE session_id <> '' GROUP BY project_pk, session_id;
`

// schemaV5 adds the user rollup, which Users reads when its scope selects every log, as
// Sessions reads the session rollup. InsertLogs keeps it up to date, and this step fills it
// from the logs stored so far.
const schemaV5 = `
-- One row per project and user id, over the logs that have a user id, with the columns of
-- session_rollup.
CREATE TABLE user_rollup (
	project_pk        INTEGER NOT NULL,
	user_id           TEXT NOT NULL,
	first_at          INTEGER NOT NULL,
	last_at           INTEGER NOT NULL,
	requests          INTEGER NOT NULL,
	errors            INTEGER NOT NULL,
	cost              REAL NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	total_tokens      INTEGER NOT NULL,
	latency_sum       REAL NOT NULL,
	PRIMARY KEY (project_pk, user_id)
) STRICT, WITHOUT ROWID;

INSERT INTO user_rollup
SELECT project_pk, user_id, MIN(created_at), MAX(ended_at), COUNT(*), SUM(status <> 200),
	TOTAL(cost), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), TOTAL(latency_ms)
FROM logs WHERE user_id <> '' GROUP BY project_pk, user_id;
`

// schemaV6 adds the hourly property rollup, which the top values of a property and their
// trend read when their scope selects every log or only some values of that property.
// InsertLogs and SetProperty keep it up to date, and this step fills it from the logs stored
// so far.
const schemaV6 = `
-- One row per project, property key, value and hour (created_at / 3600000, rounded down) with
-- the number of logs that have that value and their total cost. Rows count at least one log.
CREATE TABLE property_hourly (
	project_pk INTEGER NOT NULL,
	key        TEXT NOT NULL,
	value      TEXT NOT NULL,
	hour       INTEGER NOT NULL,
	requests   INTEGER NOT NULL,
	cost       REAL NOT NULL,
	PRIMARY KEY (project_pk, key, value, hour)
) STRICT, WITHOUT ROWID;

INSERT INTO property_hourly
SELECT p.project_pk, p.key, p.value,
	(CASE WHEN l.created_at >= 0 THEN l.created_at / 3600000
		ELSE (l.created_at + 1) / 3600000 - 1 END),
	COUNT(*), TOTAL(l.cost)
FROM log_properties AS p JOIN logs AS l ON l.seq = p.log_seq
GROUP BY 1, 2, 3, 4;
`

// schemaV7 clears the stored prefix of keys chosen by an operator. Builds before it stored the
// first 10 characters of every key in clear, which for a 16-character bootstrap key left only
// 6 unknown. A generated key's prefix is "hg_" and 7 base-62 characters. The step keeps
// prefixes of that form, also those of chosen keys that happen to start that way: the stored
// row cannot tell the two apart.
const schemaV7 = `
UPDATE api_keys SET prefix = ''
WHERE NOT (length(prefix) = 10 AND prefix GLOB
	'hg_[0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z][0-9A-Za-z]');
`

// migrate applies the pending migrations, all in one transaction, so a failure leaves the
// schema at its old version. It rejects a database written by a newer build.
func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) (err error) {
	// The write handle begins transactions with BEGIN IMMEDIATE, so a second process that
	// opens the same file waits here and then finds the migrations done.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()

	steps := migrations()
	var from int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&from); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if from > len(steps) {
		return fmt.Errorf("schema version %d is newer than this build supports (%d): "+
			"upgrade heliograph", from, len(steps))
	}
	if from == len(steps) {
		return tx.Rollback()
	}

	if from > 0 {
		// Steps that fill rollups read every stored log, about 10 seconds per million.
		log.Info("migrating schema", "from_version", from, "to_version", len(steps))
	}
	for v := from; v < len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			return fmt.Errorf("apply schema version %d: %w", v+1, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is an integer from this package.
	setVersion := fmt.Sprintf("PRAGMA user_version = %d", len(steps))
	if _, err := tx.ExecContext(ctx, setVersion); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	log.Info("schema migrated", "from_version", from, "to_version", len(steps))
	return nil
}
