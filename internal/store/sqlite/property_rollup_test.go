package sqlite_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// TestPropertyRollupMatchesLogs compares the top values and the trend of a property read from
// property_hourly with the same figures grouped from the logs, which a filter that matches
// every log forces. Duplicates, another project's logs and SetProperty calls must keep both
// equal.
func TestPropertyRollupMatchesLogs(t *testing.T) {
	db, _ := openTemp(t, sqlite.Options{})
	ctx := t.Context()
	p, err := db.CreateProject(ctx, "properties")
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateProject(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	logs := rollupLogs(p.ID, 2500, 5)
	rng := rand.New(rand.NewPCG(5, 9))
	for i, r := range logs {
		if i%5 == 0 {
			continue // A fifth of the logs have no property.
		}
		r.Properties = map[string]string{"env": []string{"prod", "dev", "test", "é"}[rng.IntN(4)],
			"customer": fmt.Sprintf("c-%02d", rng.IntN(30))}
	}
	for start := 0; start < len(logs); start += 400 {
		if _, err := db.InsertLogs(ctx, logs[start:min(start+400, len(logs))]); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}
	if _, err := db.InsertLogs(ctx, logs[:300]); err != nil {
		t.Fatalf("InsertLogs of duplicates: %v", err)
	}
	others := rollupLogs(other.ID, 300, 6)
	for _, r := range others {
		r.Properties = map[string]string{"env": "prod"}
	}
	if _, err := db.InsertLogs(ctx, others); err != nil {
		t.Fatalf("InsertLogs of another project: %v", err)
	}
	// Move logs to other values, to a new value, to the value they have, and give a key to
	// logs that had no property.
	for i := 0; i < len(logs); i += 13 {
		value := []string{"prod", "staging", "dev"}[i%3]
		if err := db.SetProperty(ctx, p.ID, logs[i].RequestID, "env", value); err != nil {
			t.Fatalf("SetProperty: %v", err)
		}
	}

	everything := cnd(fld(filter.FieldStatus), filter.OpGt, int64(math.MinInt32))
	env := filter.Field{Name: filter.FieldProperty, Key: "env"}
	picked := cnd(env, filter.OpIn, []any{"prod", "é", "staging", "absent"})
	for _, byCost := range []bool{false, true} {
		for _, f := range []filter.Expr{nil, picked, cnd(env, filter.OpEq, "dev")} {
			name := fmt.Sprintf("top by cost %v, filter %v", byCost, f)
			fast, err := db.PropertyTop(ctx, p.ID, "env", store.Scope{Filter: f}, byCost, 0)
			if err != nil {
				t.Fatalf("%s: PropertyTop: %v", name, err)
			}
			slow, err := db.PropertyTop(ctx, p.ID, "env",
				store.Scope{Filter: filter.And{Exprs: []filter.Expr{everything, f}}}, byCost, 0)
			if err != nil {
				t.Fatalf("%s: PropertyTop with a filter: %v", name, err)
			}
			compareValueCounts(t, name, fast, slow)
		}
	}
	values, err := db.PropertyValues(ctx, p.ID, "customer", "", 0)
	if err != nil {
		t.Fatalf("PropertyValues: %v", err)
	}
	grouped, err := db.PropertyTop(ctx, p.ID, "customer", store.Scope{Filter: everything},
		false, 0)
	if err != nil {
		t.Fatalf("PropertyTop of customer: %v", err)
	}
	compareValueCounts(t, "values of customer", values, grouped)

	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	ranges := []struct {
		name     string
		bucket   time.Duration
		from, to time.Time
	}{
		{"hourly over all", time.Hour, time.Time{}, time.Time{}},
		{"six hours, partial ends", 6 * time.Hour, day.Add(95 * time.Minute),
			day.Add(49*time.Hour + 3*time.Minute)},
		{"within one hour", time.Hour, day.Add(7*time.Hour + 2*time.Minute),
			day.Add(7*time.Hour + 40*time.Minute)},
		{"open start", 24 * time.Hour, time.Time{}, day.Add(30*time.Hour + 30*time.Minute)},
		{"minutes read from logs", 20 * time.Minute, time.Time{}, time.Time{}},
	}
	for _, r := range ranges {
		for _, f := range []filter.Expr{nil, picked} {
			name := fmt.Sprintf("%s, filter %v", r.name, f)
			q := store.MetricsQuery{Bucket: r.bucket,
				Scope: store.Scope{Filter: f, From: r.from, To: r.to}}
			fast, err := db.PropertyOverTime(ctx, p.ID, "env", q)
			if err != nil {
				t.Fatalf("%s: PropertyOverTime: %v", name, err)
			}
			q.Scope.Filter = filter.And{Exprs: []filter.Expr{everything, f}}
			slow, err := db.PropertyOverTime(ctx, p.ID, "env", q)
			if err != nil {
				t.Fatalf("%s: PropertyOverTime with a filter: %v", name, err)
			}
			comparePropertyPoints(t, name, fast, slow)
		}
	}
}

func compareValueCounts(t *testing.T, name string, got, want []store.ValueCount) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%s: %d values from the rollup, %d from the logs: %v, %v", name, len(got),
			len(want), got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Value != w.Value || g.Requests != w.Requests {
			t.Errorf("%s: value %d = %q with %d logs, the logs give %q with %d", name, i,
				g.Value, g.Requests, w.Value, w.Requests)
		}
		if math.Abs(g.Cost-w.Cost) > 1e-9*math.Max(1, math.Abs(w.Cost)) {
			t.Errorf("%s: cost of %q = %v, the logs give %v", name, g.Value, g.Cost, w.Cost)
		}
	}
}

func comparePropertyPoints(t *testing.T, name string, got, want []store.PropertyPoint) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%s: %d points from the rollup, %d from the logs", name, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Start.Equal(w.Start) || g.Value != w.Value || g.Requests != w.Requests {
			t.Errorf("%s: point %d = %v %q %d, the logs give %v %q %d", name, i, g.Start,
				g.Value, g.Requests, w.Start, w.Value, w.Requests)
		}
		if math.Abs(g.Cost-w.Cost) > 1e-9*math.Max(1, math.Abs(w.Cost)) {
			t.Errorf("%s: cost of point %d = %v, the logs give %v", name, i, g.Cost, w.Cost)
		}
	}
}
