package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
	"github.com/heliograph/heliograph/internal/store/storetest"
)

func openTemp(t testing.TB, opts sqlite.Options) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "heliograph.db")
	db, err := sqlite.Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v, want nil", path, err)
	}
	return db, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openTemp(t, sqlite.Options{})
		return db
	})
}

func TestConformanceSynchronousNormal(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openTemp(t, sqlite.Options{Synchronous: "normal", MaxReadConns: 2})
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	db, path := openTemp(t, sqlite.Options{})
	p, err := db.CreateProject(ctx, "durable")
	if err != nil {
		t.Fatalf("CreateProject() = %v", err)
	}
	ttft := int64(7)
	rec := &record.Record{
		ProjectID: p.ID, RequestID: "kept", CreatedAt: time.UnixMilli(1735689600123).UTC(),
		EndedAt: time.UnixMilli(1735689601373).UTC(), LatencyMs: 1250, TimeToFirstTokenMs: &ttft,
		Status: 200, Kind: record.KindLLM, Model: "m", RequestBody: []byte(`{"n":12345678901234567890}`),
		Properties: map[string]string{"env": "prod"},
	}
	if _, err := db.InsertLogs(ctx, []*record.Record{rec}); err != nil {
		t.Fatalf("InsertLogs() = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	again, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open(%s) again = %v, want nil", path, err)
	}
	defer again.Close()
	got, err := again.GetLog(ctx, p.ID, "kept")
	if err != nil {
		t.Fatalf("GetLog(kept) after reopen = %v, want nil", err)
	}
	if string(got.RequestBody) != string(rec.RequestBody) || got.Properties["env"] != "prod" ||
		!got.CreatedAt.Equal(rec.CreatedAt) || *got.TimeToFirstTokenMs != 7 {
		t.Errorf("GetLog(kept) after reopen = %+v, want %+v", got, rec)
	}
	if _, err := again.ProjectByName(ctx, "durable"); err != nil {
		t.Errorf("ProjectByName(durable) after reopen = %v, want nil", err)
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	cases := map[string]sqlite.Options{
		"synchronous off":  {Synchronous: "off"},
		"negative timeout": {BusyTimeout: -time.Second},
		"negative readers": {MaxReadConns: -1},
		"pragma injection": {Synchronous: "full); DROP TABLE logs; --"},
	}
	for name, opts := range cases {
		if db, err := sqlite.Open(t.Context(), path, opts); err == nil {
			db.Close()
			t.Errorf("Open(%s) = nil, want an error", name)
		}
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x.db")
	if db, err := sqlite.Open(t.Context(), path, sqlite.Options{}); err == nil {
		db.Close()
		t.Errorf("Open(%s) = nil, want an error", path)
	}
}

func TestPathWithSpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "db file.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open(%q) = %v, want nil", path, err)
	}
	defer db.Close()
	if err := db.Ping(t.Context()); err != nil {
		t.Errorf("Ping() = %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file %q was not created at that exact path: %v", path, err)
	}
}

func TestInsertUnknownProjectStoresNothing(t *testing.T) {
	ctx := t.Context()
	db, _ := openTemp(t, sqlite.Options{})
	defer db.Close()
	p, err := db.CreateProject(ctx, "known")
	if err != nil {
		t.Fatal(err)
	}
	good := &record.Record{ProjectID: p.ID, RequestID: "good", Properties: map[string]string{"k": "v"}}
	bad := &record.Record{ProjectID: "unknown-project", RequestID: "bad"}
	_, err = db.InsertLogs(ctx, []*record.Record{good, bad})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("InsertLogs(good, unknown project) = %v, want ErrNotFound", err)
	}
	if _, err := db.GetLog(ctx, p.ID, "good"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetLog(good) after failed batch = %v, want ErrNotFound", err)
	}
	// The write connection must be usable after the rollback.
	if _, err := db.InsertLogs(ctx, []*record.Record{good}); err != nil {
		t.Errorf("InsertLogs(good) after failed batch = %v, want nil", err)
	}
}
