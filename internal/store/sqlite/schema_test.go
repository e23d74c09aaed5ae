package sqlite

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/heliograph/heliograph/internal/record"
)

func TestMigrateIdempotent(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i := range 2 {
		if err := migrate(ctx, db.write, log); err != nil {
			t.Fatalf("migrate() run %d on a migrated database = %v, want nil", i+2, err)
		}
	}
	if v := userVersion(t, db); v != len(migrations()) {
		t.Errorf("user_version = %d, want %d", v, len(migrations()))
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open() of a migrated file = %v, want nil", err)
	}
	defer db.Close()
	if v := userVersion(t, db); v != len(migrations()) {
		t.Errorf("user_version after reopen = %d, want %d", v, len(migrations()))
	}
	for _, table := range []string{"projects", "api_keys", "logs", "log_properties", "scores"} {
		var n int
		err := db.read.QueryRowContext(ctx,
			"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: count %d, error %v; want 1, nil", table, n, err)
		}
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "newer.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA user_version = 999"); err != nil {
		t.Fatalf("set user_version: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if db, err := Open(ctx, path, Options{}); err == nil {
		db.Close()
		t.Errorf("Open() of a schema newer than this build = nil, want an error")
	}
}

func TestWALAndPragmas(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"), Options{})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer db.Close()

	checks := []struct {
		handle string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "synchronous", "2"}, // FULL
		{"write", "foreign_keys", "1"},
		{"write", "busy_timeout", "5000"},
		{"read", "journal_mode", "wal"},
		{"read", "query_only", "1"},
		{"read", "busy_timeout", "5000"},
	}
	for _, c := range checks {
		h := db.write
		if c.handle == "read" {
			h = db.read
		}
		var got string
		if err := h.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Errorf("PRAGMA %s on %s handle: %v", c.pragma, c.handle, err)
			continue
		}
		if got != c.want {
			t.Errorf("PRAGMA %s on %s handle = %s, want %s", c.pragma, c.handle, got, c.want)
		}
	}
	if _, err := db.read.ExecContext(ctx, "DELETE FROM projects"); err == nil {
		t.Errorf("DELETE on the read handle = nil, want an error from query_only")
	}
}

func userVersion(t *testing.T, db *DB) int {
	t.Helper()
	var v int
	if err := db.write.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&v); err != nil {
		t.Fatalf("PRAGMA user_version: %v", err)
	}
	return v
}

func TestInsertRunsOptimize(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "o.db"), Options{})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer db.Close()
	db.optimizeEvery = 100
	p, err := db.CreateProject(ctx, "opt")
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]*record.Record, 300)
	for i := range recs {
		recs[i] = &record.Record{ProjectID: p.ID, RequestID: fmt.Sprint(i),
			SessionID: fmt.Sprint(i % 30)}
	}
	if _, err := db.InsertLogs(ctx, recs); err != nil {
		t.Fatalf("InsertLogs() = %v", err)
	}
	var n int
	err = db.read.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_stat1 WHERE idx = 'logs_project_session'").Scan(&n)
	if err != nil || n != 1 {
		t.Errorf("statistics of logs_project_session: %d rows, error %v; want 1 row", n, err)
	}
}
