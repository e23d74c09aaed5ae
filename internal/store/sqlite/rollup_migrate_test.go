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

// readGroupRollups returns the rows of session_rollup and user_rollup as text by table,
// project and key.
func readGroupRollups(t *testing.T, db *DB) map[string]string {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), "SELECT 'session', project_pk, session_id, "+
		"first_at, last_at, requests, errors, prompt_tokens, completion_tokens, total_tokens, "+
		"latency_sum, cost FROM session_rollup UNION ALL SELECT 'user', project_pk, user_id, "+
		"first_at, last_at, requests, errors, prompt_tokens, completion_tokens, total_tokens, "+
		"latency_sum, cost FROM user_rollup")
	if err != nil {
		t.Fatalf("read group rollups: %v", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, id string
		var pk int64
		var v [8]int64
		var cost float64
		if err := rows.Scan(&table, &pk, &id, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			&v[7], &cost); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(table, "/", pk, "/", id)] = fmt.Sprintf("%v cost %.9f", v, cost)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readPropertyHourly returns the rows of property_hourly as text by project, key, value and
// hour.
func readPropertyHourly(t *testing.T, db *DB) map[string]string {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), "SELECT project_pk, key, value, hour, "+
		"requests, cost FROM property_hourly")
	if err != nil {
		t.Fatalf("read property rollup: %v", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var pk, hour, requests int64
		var key, value string
		var cost float64
		if err := rows.Scan(&pk, &key, &value, &hour, &requests, &cost); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(pk, "/", key, "/", value, "/", hour)] =
			fmt.Sprintf("%d cost %.9f", requests, cost)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateFillsRollups checks that schema versions 3 to 6 fill the rollups of the logs
// stored before them with the rows that InsertLogs and SetProperty keep up to date afterwards.
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
		if i%3 != 0 {
			rec.SessionID = fmt.Sprintf("s-%d", i%7)
		}
		if i%2 == 0 {
			rec.UserID = fmt.Sprintf("u-%d", i%5)
		}
		if i%5 != 0 {
			rec.Properties = map[string]string{"env": fmt.Sprintf("e-%d", i%3)}
			if i%2 == 0 {
				rec.Properties["team"] = fmt.Sprintf("t-%d", i%4)
			}
		}
		recs = append(recs, rec)
	}
	for start := 0; start < len(recs); start += 150 {
		if _, err := db.InsertLogs(ctx, recs[start:min(start+150, len(recs))]); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}
	// Mutations move logs between values, add a key to a log without properties, set a value
	// again and leave some rows of the first values empty.
	for i := 0; i < 400; i += 7 {
		value := fmt.Sprintf("moved-%d", i%2)
		if i%3 == 0 {
			value = fmt.Sprintf("e-%d", i%3) // the value the log has, or a new key for i%5 == 0
		}
		if err := db.SetProperty(ctx, p.ID, fmt.Sprintf("r-%d", i), "env", value); err != nil {
			t.Fatalf("SetProperty: %v", err)
		}
	}
	maintained := readRollupTables(t, db)
	maintainedProps := readPropertyHourly(t, db)
	if len(maintainedProps) == 0 {
		t.Fatal("InsertLogs and SetProperty left the property rollup empty")
	}
	if len(maintained) == 0 {
		t.Fatal("InsertLogs left the rollups empty")
	}
	maintainedGroups := readGroupRollups(t, db)
	if len(maintainedGroups) != 7+5 {
		t.Fatalf("InsertLogs wrote %d session and user rollup rows, want 12",
			len(maintainedGroups))
	}

	// Go back to schema version 2 and let Open apply versions 3 to 6 to the stored logs.
	if _, err := db.write.ExecContext(ctx, "DROP TABLE metrics_latency_hourly; "+
		"DROP TABLE metrics_ttft_hourly; DROP TABLE session_rollup; DROP TABLE user_rollup; "+
		"DROP TABLE property_hourly; PRAGMA user_version = 2"); err != nil {
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
	migratedGroups := readGroupRollups(t, db)
	for key, want := range maintainedGroups {
		if got := migratedGroups[key]; got != want {
			t.Errorf("rollup row %s = %q after migration, InsertLogs wrote %q", key, got, want)
		}
	}
	if got := len(migratedGroups); got != len(maintainedGroups) {
		t.Errorf("migration wrote %d session and user rollup rows, InsertLogs %d", got,
			len(maintainedGroups))
	}
	migratedProps := readPropertyHourly(t, db)
	for key, want := range maintainedProps {
		if got := migratedProps[key]; got != want {
			t.Errorf("property rollup row %s = %q after migration, maintained %q", key, got,
				want)
		}
	}
	if got := len(migratedProps); got != len(maintainedProps) {
		t.Errorf("migration wrote %d property rollup rows, InsertLogs and SetProperty %d", got,
			len(maintainedProps))
	}
}
