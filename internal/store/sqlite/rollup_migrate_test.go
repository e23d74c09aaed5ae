package sqlite

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

// storedRollupRow is one row of metrics_latency_hourly or metrics_ttft_hourly, as text.
type storedRollupRow struct {
	key  string // project, hour and bin
	vals string // the counts, tokens and range
	cost float64
}

func readRollupTables(t *testing.T, db *DB) map[string]storedRollupRow {
	t.Helper()
	out := map[string]storedRollupRow{}
	for _, q := range []string{
		"SELECT 'latency', project_pk, hour, bin, requests, errors, prompt_tokens, " +
			"completion_tokens, total_tokens, min_ms, max_ms, cost FROM metrics_latency_hourly",
		"SELECT 'ttft', project_pk, hour, bin, requests, 0, 0, 0, 0, min_ms, max_ms, 0.0 " +
			"FROM metrics_ttft_hourly",
	} {
		rows, err := db.read.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatalf("read rollups: %v", err)
		}
		for rows.Next() {
			var table string
			var v [10]int64
			var cost float64
			if err := rows.Scan(&table, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
				&v[8], &v[9], &cost); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprint(table, v[:3])
			out[key] = storedRollupRow{key: key, vals: fmt.Sprint(v[3:]), cost: cost}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestMigrateFillsRollups checks that schema version 3 fills the rollups of the logs stored
// before it with the rows that InsertLogs keeps up to date afterwards.
func TestMigrateFillsRollups(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rollup.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	p, err := db.CreateProject(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(1969, 12, 31, 22, 0, 0, 0, time.UTC) // Hours before 1970 round down.
	var recs []*record.Record
	for i := range 400 {
		created := start.Add(time.Duration(i) * 37 * time.Second)
		rec := &record.Record{ProjectID: p.ID, RequestID: fmt.Sprintf("r-%d", i),
			CreatedAt: created, EndedAt: created, LatencyMs: int64(i * i % 5000),
			Status: int64(200 + i%3*100), Kind: record.KindLLM, Provider: record.ProviderCustom,
			PromptTokens: int64(i), TotalTokens: int64(i), Cost: float64(i) / 1000}
		if i%4 == 0 {
			ttft := int64(i % 700)
			rec.TimeToFirstTokenMs = &ttft
		}
		recs = append(recs, rec)
	}
	for start := 0; start < len(recs); start += 150 {
		if _, err := db.InsertLogs(ctx, recs[start:min(start+150, len(recs))]); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}
	maintained := readRollupTables(t, db)
	if len(maintained) == 0 {
		t.Fatal("InsertLogs left the rollups empty")
	}

	// Go back to schema version 2 and let Open apply version 3 to the stored logs.
	if _, err := db.write.ExecContext(ctx, "DROP TABLE metrics_latency_hourly; "+
		"DROP TABLE metrics_ttft_hourly; PRAGMA user_version = 2"); err != nil {
		t.Fatalf("downgrade: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open() of a version 2 file = %v", err)
	}
	defer db.Close()
	migrated := readRollupTables(t, db)

	if len(migrated) != len(maintained) {
		t.Errorf("migration wrote %d rollup rows, InsertLogs %d", len(migrated),
			len(maintained))
	}
	for key, want := range maintained {
		got, ok := migrated[key]
		if !ok {
			t.Errorf("rollup row %s missing after migration", key)
			continue
		}
		if got.vals != want.vals || math.Abs(got.cost-want.cost) > 1e-9 {
			t.Errorf("rollup row %s = %s cost %v after migration, InsertLogs wrote %s cost %v",
				key, got.vals, got.cost, want.vals, want.cost)
		}
	}
}
