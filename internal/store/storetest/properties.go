package storetest

import (
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
)

func testPropertyKeys(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	r := newRecord(f.projectID, "keys", t0)
	r.Properties = map[string]string{"Zeta": "1", "a b": "2", "ключ": "3", "env": "prod"}
	mustInsert(t, s, r)

	got, err := s.PropertyKeys(t.Context(), f.projectID, store.Scope{})
	if err != nil {
		t.Fatalf("PropertyKeys() = %v, want nil", err)
	}
	checkIDs(t, "PropertyKeys(agg)", got, []string{"Zeta", "a b", "env", "ключ"})

	got, err = s.PropertyKeys(t.Context(), f.noiseID, store.Scope{})
	if err != nil {
		t.Fatalf("PropertyKeys(noise) = %v, want nil", err)
	}
	checkIDs(t, "PropertyKeys(noise)", got, []string{"env", "secret"})

	empty := mustProject(t, s, "empty")
	got, err = s.PropertyKeys(t.Context(), empty.ID, store.Scope{})
	if err != nil || len(got) != 0 {
		t.Errorf("PropertyKeys(empty project) = %v, %v, want none", got, err)
	}

	lateAt := t0.Add(1234567 * time.Millisecond)
	late := newRecord(f.projectID, "keys-late", lateAt)
	late.Properties = map[string]string{"late only": "1"}
	mustInsert(t, s, late)
	byID := filter.Cond{Field: filter.Field{Name: filter.FieldRequestID}, Op: filter.OpEq,
		Value: "keys"}
	got, err = s.PropertyKeys(t.Context(), f.projectID, store.Scope{Filter: byID})
	if err != nil {
		t.Fatalf("PropertyKeys(request_id = keys) = %v, want nil", err)
	}
	checkIDs(t, "PropertyKeys(request_id = keys)", got, []string{"Zeta", "a b", "env", "ключ"})

	window := store.Scope{From: lateAt, To: lateAt.Add(time.Millisecond)}
	got, err = s.PropertyKeys(t.Context(), f.projectID, window)
	if err != nil {
		t.Fatalf("PropertyKeys(time window) = %v, want nil", err)
	}
	checkIDs(t, "PropertyKeys(time window)", got, []string{"late only"})
}

// valueCount is a ValueCount without the cost, for compact expectations.
type valueCount struct {
	value    string
	requests int64
}

func checkValueCounts(t *testing.T, call string, got []store.ValueCount, want []valueCount,
	wantCost map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s returned %+v, want %+v", call, got, want)
		return
	}
	for i := range want {
		if got[i].Value != want[i].value || got[i].Requests != want[i].requests {
			t.Errorf("%s[%d] = %+v, want %+v", call, i, got[i], want[i])
		}
		if c, ok := wantCost[got[i].Value]; ok && !closeTo(got[i].Cost, c) {
			t.Errorf("%s[%d] cost = %v, want %v", call, i, got[i].Cost, c)
		}
	}
}

func testPropertyValues(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	cost := map[string]float64{"prod": 0.5, "dev": 5, "staging": 0}
	cases := []struct {
		name   string
		search string
		limit  int
		want   []valueCount
	}{
		{"most used first", "", 0, []valueCount{{"prod", 3}, {"dev", 1}, {"staging", 1}}},
		{"limit", "", 1, []valueCount{{"prod", 3}}},
		{"search ignores case", "PRO", 0, []valueCount{{"prod", 3}}},
		{"search no match", "%", 0, []valueCount{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PropertyValues(t.Context(), f.projectID, "env", tc.search, tc.limit)
			if err != nil {
				t.Fatalf("PropertyValues(env, %q, %d) = %v, want nil", tc.search, tc.limit, err)
			}
			checkValueCounts(t, "PropertyValues(env)", got, tc.want, cost)
		})
	}
	t.Run("project isolation", func(t *testing.T) {
		got, err := s.PropertyValues(t.Context(), f.noiseID, "env", "", 0)
		if err != nil {
			t.Fatalf("PropertyValues(noise, env) = %v, want nil", err)
		}
		checkValueCounts(t, "PropertyValues(noise, env)", got,
			[]valueCount{{"dev", 1}, {"prod", 1}}, nil)
	})
}

func testPropertyTop(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	cost := map[string]float64{"prod": 0.5, "dev": 5, "staging": 0}
	cases := []struct {
		name   string
		scope  store.Scope
		byCost bool
		limit  int
		want   []valueCount
	}{
		{"by requests", store.Scope{}, false, 0,
			[]valueCount{{"prod", 3}, {"dev", 1}, {"staging", 1}}},
		{"by cost", store.Scope{}, true, 0,
			[]valueCount{{"dev", 1}, {"prod", 3}, {"staging", 1}}},
		{"limit", store.Scope{}, true, 2, []valueCount{{"dev", 1}, {"prod", 3}}},
		{"filter narrows", store.Scope{Filter: eq(field(filter.FieldStatus), int64(200))}, false,
			0, []valueCount{{"prod", 3}, {"staging", 1}}},
		{"time range", store.Scope{From: t0.Add(time.Minute), To: t0.Add(2 * time.Hour)}, false,
			0, []valueCount{{"prod", 2}, {"dev", 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PropertyTop(t.Context(), f.projectID, "env", tc.scope, tc.byCost,
				tc.limit)
			if err != nil {
				t.Fatalf("PropertyTop(env) = %v, want nil", err)
			}
			want := cost
			if tc.scope != (store.Scope{}) {
				want = nil
			}
			checkValueCounts(t, "PropertyTop(env)", got, tc.want, want)
		})
	}
}

func testPropertyOverTime(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	type point struct {
		start    time.Time
		value    string
		requests int64
	}
	cases := []struct {
		name  string
		scope store.Scope
		want  []point
	}{
		{"hourly", store.Scope{}, []point{{t0, "dev", 1}, {t0, "prod", 2},
			{t0.Add(time.Hour), "prod", 1}, {t0.Add(2 * time.Hour), "staging", 1}}},
		{"filter narrows", store.Scope{Filter: eq(field(filter.FieldUser), "u1")},
			[]point{{t0, "dev", 1}, {t0, "prod", 1}}},
		{"time range", store.Scope{From: t0.Add(time.Hour)},
			[]point{{t0.Add(time.Hour), "prod", 1}, {t0.Add(2 * time.Hour), "staging", 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PropertyOverTime(t.Context(), f.projectID, "env",
				store.MetricsQuery{Scope: tc.scope, Bucket: time.Hour})
			if err != nil {
				t.Fatalf("PropertyOverTime(env) = %v, want nil", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("PropertyOverTime(env) = %+v, want %+v", got, tc.want)
			}
			for i, w := range tc.want {
				g := got[i]
				if !g.Start.Equal(w.start) || g.Value != w.value || g.Requests != w.requests {
					t.Errorf("PropertyOverTime(env)[%d] = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}
