package storetest

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

func score(name string) filter.Field { return filter.Field{Name: filter.FieldScore, Key: name} }

// queryIDs returns the sorted request ids of the logs of the project that match e.
func queryIDs(t *testing.T, s store.Store, projectID string, e filter.Expr) []string {
	t.Helper()
	ids := requestIDs(mustQuery(t, s, projectID, store.LogQuery{Filter: e}))
	slices.Sort(ids)
	return ids
}

func testSetProperty(t *testing.T, s store.Store) {
	ctx := t.Context()
	projectID, _ := fixture(t, s)
	other := mustProject(t, s, "other")
	reviewed := prop("reviewed")

	if err := s.SetProperty(ctx, projectID, "r3", "reviewed", "yes"); err != nil {
		t.Fatalf("SetProperty(r3, reviewed) = %v, want nil", err)
	}
	checkIDs(t, "QueryLogs(reviewed = yes)", queryIDs(t, s, projectID, eq(reviewed, "yes")),
		[]string{"r3"})
	keys, err := s.PropertyKeys(ctx, projectID, store.Scope{})
	if err != nil || !slices.Contains(keys, "reviewed") {
		t.Errorf("PropertyKeys() after SetProperty = %v, %v, want it to list reviewed", keys, err)
	}

	// Replacing the value, including a property the log had at insert.
	if err := s.SetProperty(ctx, projectID, "r3", "reviewed", "no"); err != nil {
		t.Fatalf("SetProperty(r3, reviewed, no) = %v, want nil", err)
	}
	if err := s.SetProperty(ctx, projectID, "r1", "env", "staging"); err != nil {
		t.Fatalf("SetProperty(r1, env) = %v, want nil", err)
	}
	checkIDs(t, "QueryLogs(reviewed = yes) after replace",
		queryIDs(t, s, projectID, eq(reviewed, "yes")), []string{})
	checkIDs(t, "QueryLogs(reviewed = no)", queryIDs(t, s, projectID, eq(reviewed, "no")),
		[]string{"r3"})
	checkIDs(t, "QueryLogs(env = prod) after replace",
		queryIDs(t, s, projectID, eq(prop("env"), "prod")), []string{})
	r1, err := s.GetLog(ctx, projectID, "r1")
	if err != nil || r1.Properties["env"] != "staging" || len(r1.Properties) != 4 {
		t.Errorf("GetLog(r1) properties = %v, %v, want env staging among 4", r1.Properties, err)
	}

	cases := []struct {
		name                      string
		projectID, requestID, key string
		want                      error
	}{
		{"missing log", projectID, "nope", "k", store.ErrNotFound},
		{"other project", other.ID, "r1", "k", store.ErrNotFound},
		{"unknown project", "no-such-project", "r1", "k", store.ErrNotFound},
		{"empty key", projectID, "r1", "", store.ErrInvalidQuery},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.SetProperty(ctx, tc.projectID, tc.requestID, tc.key, "v")
			if !errors.Is(err, tc.want) {
				t.Errorf("SetProperty(%s, %q) = %v, want %v", tc.requestID, tc.key, err, tc.want)
			}
		})
	}
}

// A log holds at most record.MaxProperties properties, as ingest accepts, besides the session
// feedback property: a new key beyond them is refused, and a key it has may still change.
func testSetPropertyLimit(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProject(t, s, "full")
	r := newRecord(p.ID, "full", t0)
	r.Properties = map[string]string{}
	for i := range record.MaxProperties {
		r.Properties[fmt.Sprintf("k%d", i)] = "v"
	}
	mustInsert(t, s, r)

	err := s.SetProperty(ctx, p.ID, "full", "one-more", "v")
	if !errors.Is(err, store.ErrPropertyLimit) {
		t.Errorf("SetProperty of key %d = %v, want ErrPropertyLimit", record.MaxProperties+1,
			err)
	}
	// The session feedback property does not count, on a full log and beside it.
	err = s.SetProperty(ctx, p.ID, "full", record.SessionFeedbackProperty, "1")
	if err != nil {
		t.Errorf("SetProperty of %s on a full log = %v, want nil",
			record.SessionFeedbackProperty, err)
	}
	if err := s.SetProperty(ctx, p.ID, "full", "k0", "changed"); err != nil {
		t.Errorf("SetProperty of a key the full log has = %v, want nil", err)
	}
	got, err := s.GetLog(ctx, p.ID, "full")
	if err != nil || len(got.Properties) != record.MaxProperties+1 ||
		got.Properties["k0"] != "changed" {
		t.Errorf("GetLog(full): %d properties, k0 %q, %v; want %d and changed",
			len(got.Properties), got.Properties["k0"], err, record.MaxProperties+1)
	}
}

func testSetScore(t *testing.T, s store.Store) {
	ctx := t.Context()
	projectID, _ := fixture(t, s)
	other := mustProject(t, s, "other")
	quality := score("quality")

	for id, v := range map[string]float64{"r1": 0.8, "r2": 0.2, "r4": 1} {
		if err := s.SetScore(ctx, projectID, id, "quality", v); err != nil {
			t.Fatalf("SetScore(%s, quality, %v) = %v, want nil", id, v, err)
		}
	}
	if err := s.SetScore(ctx, projectID, "r1", "helpful", 1); err != nil {
		t.Fatalf("SetScore(r1, helpful) = %v, want nil", err)
	}
	filters := []struct {
		name string
		expr filter.Expr
		want []string
	}{
		{"score >", cond(quality, filter.OpGt, 0.5), []string{"r1", "r4"}},
		{"score =", eq(quality, int64(1)), []string{"r4"}},
		{"score in", cond(quality, filter.OpIn, []any{0.2, 0.8}), []string{"r1", "r2"}},
		{"score exists", cond(quality, filter.OpExists, nil), []string{"r1", "r2", "r4"}},
		{"score null", cond(quality, filter.OpNull, nil), []string{"r3", "r5"}},
		{"score != includes missing", cond(quality, filter.OpNe, 0.8),
			[]string{"r2", "r3", "r4", "r5"}},
		{"two scores", and(eq(score("helpful"), int64(1)), cond(quality, filter.OpLt, 0.9)),
			[]string{"r1"}},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			checkIDs(t, "QueryLogs", queryIDs(t, s, projectID, tc.expr), tc.want)
		})
	}

	t.Run("replace", func(t *testing.T) {
		if err := s.SetScore(ctx, projectID, "r4", "quality", 0.1); err != nil {
			t.Fatalf("SetScore(r4, quality, 0.1) = %v, want nil", err)
		}
		checkIDs(t, "QueryLogs(quality > 0.5) after replace",
			queryIDs(t, s, projectID, cond(quality, filter.OpGt, 0.5)), []string{"r1"})
	})
	t.Run("scores", func(t *testing.T) {
		got, err := s.Scores(ctx, projectID, "r1")
		want := map[string]float64{"quality": 0.8, "helpful": 1}
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("Scores(r1) = %v, %v, want %v", got, err, want)
		}
		got, err = s.Scores(ctx, projectID, "r3")
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("Scores(r3) = %#v, %v, want an empty map", got, err)
		}
		if _, err := s.Scores(ctx, projectID, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Scores(missing log) = %v, want ErrNotFound", err)
		}
		if _, err := s.Scores(ctx, other.ID, "r1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Scores(other project, r1) = %v, want ErrNotFound", err)
		}
	})

	cases := []struct {
		name                            string
		projectID, requestID, scoreName string
		value                           float64
		want                            error
	}{
		{"missing log", projectID, "nope", "q", 1, store.ErrNotFound},
		{"other project", other.ID, "r1", "q", 1, store.ErrNotFound},
		{"empty name", projectID, "r1", "", 1, store.ErrInvalidQuery},
		{"NaN", projectID, "r1", "q", math.NaN(), store.ErrInvalidQuery},
		{"infinity", projectID, "r1", "q", math.Inf(1), store.ErrInvalidQuery},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.SetScore(ctx, tc.projectID, tc.requestID, tc.scoreName, tc.value)
			if !errors.Is(err, tc.want) {
				t.Errorf("SetScore(%s, %q, %v) = %v, want %v", tc.requestID, tc.scoreName, tc.value,
					err, tc.want)
			}
		})
	}
}
