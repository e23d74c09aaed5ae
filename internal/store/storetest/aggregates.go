package storetest

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// aggFixture is the data of the aggregate tests: project "agg" with eight logs and project
// "noise" with logs that share its session ids, user ids and property keys, which no
// aggregate of "agg" may count.
//
//	log  time    session  session name  user  status  latency  cost  env
//	a1   t0      s-alpha  ""            u1    200     100      0.1   prod
//	a2   t0+1m   s-alpha  Alpha         u1    500     300      5     dev
//	a3   t0+2m   s-alpha  Other         u2    200     200      0.3   prod
//	e1   t0+30m  -        -             u1    200     100      0     -
//	b1   t0+1h   s_50%    Beta 100%     u3    200     1000     0.1   prod
//	c1   t0+2h   sx50y    plain         -     200     400      0     staging
//	d1   t0+3h   s-late   Alpha         -     -1      50       0     -
//	e2   t0+4h   -        -             -     200     100      0     -
type aggFixture struct {
	projectID string
	noiseID   string
	logs      map[string]*record.Record
}

func newAggFixture(t *testing.T, s store.Store) aggFixture {
	t.Helper()
	f := aggFixture{projectID: mustProject(t, s, "agg").ID, noiseID: mustProject(t, s, "noise").ID,
		logs: make(map[string]*record.Record)}
	add := func(id string, at time.Duration, session, name, user string, status,
		latency int64, cost float64, env string) {
		r := newRecord(f.projectID, id, t0.Add(at))
		r.SessionID, r.SessionName, r.UserID, r.Status, r.Cost = session, name, user, status, cost
		r.LatencyMs, r.EndedAt = latency, r.CreatedAt.Add(time.Duration(latency)*time.Millisecond)
		if env != "" {
			r.Properties = map[string]string{"env": env}
		}
		f.logs[id] = r
	}
	add("a1", 0, "s-alpha", "", "u1", 200, 100, 0.1, "prod")
	add("a2", time.Minute, "s-alpha", "Alpha", "u1", 500, 300, 5, "dev")
	add("a3", 2*time.Minute, "s-alpha", "Other", "u2", 200, 200, 0.3, "prod")
	add("e1", 30*time.Minute, "", "", "u1", 200, 100, 0, "")
	add("b1", time.Hour, "s_50%", "Beta 100%", "u3", 200, 1000, 0.1, "prod")
	add("c1", 2*time.Hour, "sx50y", "plain", "", 200, 400, 0, "staging")
	add("d1", 3*time.Hour, "s-late", "Alpha", "", -1, 50, 0, "")
	add("e2", 4*time.Hour, "", "", "", 200, 100, 0, "")
	f.logs["a2"].Kind, f.logs["a2"].Model = record.KindData, "data:lookup"

	// Logs are inserted out of time order, so no aggregate can rely on insertion order.
	var recs []*record.Record
	for _, id := range []string{"d1", "a2", "e2", "a1", "c1", "b1", "a3", "e1"} {
		recs = append(recs, f.logs[id])
	}
	mustInsert(t, s, recs...)

	n1 := newRecord(f.noiseID, "a1", t0.Add(5*time.Hour))
	n1.SessionID, n1.SessionName, n1.UserID, n1.Status = "s-alpha", "Noise", "u1", 500
	n1.Properties = map[string]string{"env": "prod", "secret": "x"}
	n2 := newRecord(f.noiseID, "n2", t0)
	n2.SessionID, n2.UserID, n2.Properties = "s-noise", "u9", map[string]string{"env": "dev"}
	mustInsert(t, s, n1, n2)
	return f
}

func sessionIDs(ss []store.SessionSummary) []string {
	ids := []string{}
	for _, s := range ss {
		ids = append(ids, s.SessionID)
	}
	return ids
}

func mustSessions(t *testing.T, s store.Store, projectID string,
	q store.SessionQuery) []store.SessionSummary {
	t.Helper()
	got, err := s.Sessions(t.Context(), projectID, q)
	if err != nil {
		t.Fatalf("Sessions(%+v) = %v, want nil", q, err)
	}
	return got
}

func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func testSessions(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	cases := []struct {
		name string
		q    store.SessionQuery
		want []string
	}{
		{"latest activity first", store.SessionQuery{},
			[]string{"s-late", "sx50y", "s_50%", "s-alpha"}},
		{"page", store.SessionQuery{Limit: 2, Offset: 1}, []string{"sx50y", "s_50%"}},
		{"offset past end", store.SessionQuery{Offset: 10}, []string{}},
		{"search name ignores case", store.SessionQuery{Search: "ALPHA"},
			[]string{"s-late", "s-alpha"}},
		{"search id", store.SessionQuery{Search: "LATE"}, []string{"s-late"}},
		{"search underscore literal", store.SessionQuery{Search: "_50"}, []string{"s_50%"}},
		{"search percent literal", store.SessionQuery{Search: "50%"}, []string{"s_50%"}},
		{"search percent in name", store.SessionQuery{Search: "100%"}, []string{"s_50%"}},
		{"name equals", store.SessionQuery{NameEquals: "Alpha"}, []string{"s-late", "s-alpha"}},
		{"name equals is exact", store.SessionQuery{NameEquals: "alpha"}, []string{}},
		{"name equals and search", store.SessionQuery{NameEquals: "Alpha", Search: "late"},
			[]string{"s-late"}},
		{"filter narrows", store.SessionQuery{Scope: store.Scope{
			Filter: eq(field(filter.FieldStatus), int64(200))}},
			[]string{"sx50y", "s_50%", "s-alpha"}},
		{"time range", store.SessionQuery{Scope: store.Scope{From: t0.Add(time.Hour),
			To: t0.Add(3 * time.Hour)}}, []string{"sx50y", "s_50%"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustSessions(t, s, f.projectID, tc.q)
			checkIDs(t, "Sessions", sessionIDs(got), tc.want)
		})
	}

	t.Run("totals", func(t *testing.T) {
		got := mustSessions(t, s, f.projectID, store.SessionQuery{Search: "s-alpha"})
		if len(got) != 1 {
			t.Fatalf("Sessions(search s-alpha) returned %v, want [s-alpha]", sessionIDs(got))
		}
		a3 := f.logs["a3"]
		want := store.SessionSummary{SessionID: "s-alpha", SessionName: "Alpha", FirstAt: t0,
			LastAt: a3.EndedAt, Requests: 3, Errors: 1, Cost: 5.4, PromptTokens: 30,
			CompletionTokens: 15, TotalTokens: 45, AvgLatencyMs: 200}
		checkSession(t, got[0], want)
	})
	t.Run("filter keeps the session name", func(t *testing.T) {
		// a2 carries the name and fails the filter; the name comes from all logs anyway.
		got := mustSessions(t, s, f.projectID, store.SessionQuery{Search: "s-alpha",
			Scope: store.Scope{Filter: eq(field(filter.FieldStatus), int64(200))}})
		if len(got) != 1 {
			t.Fatalf("Sessions(status 200, s-alpha) returned %v", sessionIDs(got))
		}
		if got[0].SessionName != "Alpha" || got[0].Requests != 2 || got[0].Errors != 0 {
			t.Errorf("Sessions(status 200) s-alpha = %+v, want name Alpha, 2 requests, "+
				"0 errors", got[0])
		}
	})
	t.Run("project isolation", func(t *testing.T) {
		got := mustSessions(t, s, f.noiseID, store.SessionQuery{})
		checkIDs(t, "Sessions(noise)", sessionIDs(got), []string{"s-alpha", "s-noise"})
		if len(got) > 0 && (got[0].Requests != 1 || got[0].SessionName != "Noise") {
			t.Errorf("Sessions(noise)[0] = %+v, want 1 request named Noise", got[0])
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, q := range []store.SessionQuery{{Limit: -1}, {Offset: -1},
			{Scope: store.Scope{Filter: eq(field("nope"), "x")}}} {
			if _, err := s.Sessions(t.Context(), f.projectID, q); !errors.Is(err,
				store.ErrInvalidQuery) {
				t.Errorf("Sessions(%+v) = %v, want ErrInvalidQuery", q, err)
			}
		}
	})
}

func checkSession(t *testing.T, got, want store.SessionSummary) {
	t.Helper()
	if got.SessionID != want.SessionID || got.SessionName != want.SessionName ||
		!got.FirstAt.Equal(want.FirstAt) || !got.LastAt.Equal(want.LastAt) ||
		got.Requests != want.Requests || got.Errors != want.Errors ||
		!closeTo(got.Cost, want.Cost) || got.PromptTokens != want.PromptTokens ||
		got.CompletionTokens != want.CompletionTokens || got.TotalTokens != want.TotalTokens ||
		!closeTo(got.AvgLatencyMs, want.AvgLatencyMs) {
		t.Errorf("Sessions() summary\ngot  %+v\nwant %+v", got, want)
	}
}

func testSessionNames(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	cases := []struct {
		name     string
		contains string
		scope    store.Scope
		want     []string
	}{
		{"all named", "", store.Scope{}, []string{"Alpha", "plain", "Beta 100%"}},
		{"contains ignores case", "ALP", store.Scope{}, []string{"Alpha"}},
		{"contains percent literal", "0%", store.Scope{}, []string{"Beta 100%"}},
		{"time range", "", store.Scope{To: t0.Add(90 * time.Minute)},
			[]string{"Beta 100%", "Alpha"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.SessionNames(t.Context(), f.projectID, tc.contains, tc.scope)
			if err != nil {
				t.Fatalf("SessionNames(%q) = %v, want nil", tc.contains, err)
			}
			names := []string{}
			for _, n := range got {
				names = append(names, n.Name)
			}
			checkIDs(t, "SessionNames("+tc.contains+")", names, tc.want)
		})
	}

	t.Run("totals", func(t *testing.T) {
		got, err := s.SessionNames(t.Context(), f.projectID, "Alpha", store.Scope{})
		if err != nil || len(got) != 1 {
			t.Fatalf("SessionNames(Alpha) = %+v, %v, want one summary", got, err)
		}
		d1 := f.logs["d1"]
		want := store.SessionNameSummary{Name: "Alpha", FirstAt: t0, LastAt: d1.EndedAt,
			Sessions: 2, Requests: 4, AvgLatencyMs: 162.5, Cost: 5.4}
		n := got[0]
		if n.Name != want.Name || !n.FirstAt.Equal(want.FirstAt) || !n.LastAt.Equal(want.LastAt) ||
			n.Sessions != want.Sessions || n.Requests != want.Requests ||
			!closeTo(n.AvgLatencyMs, want.AvgLatencyMs) || !closeTo(n.Cost, want.Cost) {
			t.Errorf("SessionNames(Alpha)\ngot  %+v\nwant %+v", n, want)
		}
	})
}

func testUsers(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	cases := []struct {
		name  string
		q     store.UserQuery
		want  []string
		total int
	}{
		{"most requests first", store.UserQuery{}, []string{"u1", "u2", "u3"}, 3},
		{"page", store.UserQuery{Limit: 1, Offset: 1}, []string{"u2"}, 3},
		{"offset past end", store.UserQuery{Offset: 10}, []string{}, 3},
		{"user ids", store.UserQuery{UserIDs: []string{"u3", "nobody", "u2"}},
			[]string{"u2", "u3"}, 2},
		{"search ignores case", store.UserQuery{Search: "U3"}, []string{"u3"}, 1},
		{"filter narrows", store.UserQuery{Scope: store.Scope{
			Filter: eq(prop("env"), "prod")}}, []string{"u1", "u2", "u3"}, 3},
		{"filter on status", store.UserQuery{Scope: store.Scope{
			Filter: eq(field(filter.FieldStatus), int64(500))}}, []string{"u1"}, 1},
		{"time range", store.UserQuery{Scope: store.Scope{From: t0.Add(time.Minute),
			To: t0.Add(time.Hour)}}, []string{"u1", "u2"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := s.Users(t.Context(), f.projectID, tc.q)
			if err != nil {
				t.Fatalf("Users(%+v) = %v, want nil", tc.q, err)
			}
			ids := []string{}
			for _, u := range got {
				ids = append(ids, u.UserID)
			}
			checkIDs(t, "Users", ids, tc.want)
			if total != tc.total {
				t.Errorf("Users(%+v) total = %d, want %d", tc.q, total, tc.total)
			}
		})
	}

	t.Run("totals", func(t *testing.T) {
		got, _, err := s.Users(t.Context(), f.projectID, store.UserQuery{Limit: 1})
		if err != nil || len(got) != 1 {
			t.Fatalf("Users(limit 1) = %+v, %v, want one summary", got, err)
		}
		e1 := f.logs["e1"]
		want := store.UserSummary{UserID: "u1", FirstAt: t0, LastAt: e1.EndedAt, Requests: 3,
			Errors: 1, PromptTokens: 30, CompletionTokens: 15, TotalTokens: 45, Cost: 5.1,
			AvgLatencyMs: 500.0 / 3}
		u := got[0]
		if u.UserID != want.UserID || !u.FirstAt.Equal(want.FirstAt) ||
			!u.LastAt.Equal(want.LastAt) || u.Requests != want.Requests ||
			u.Errors != want.Errors || u.PromptTokens != want.PromptTokens ||
			u.CompletionTokens != want.CompletionTokens || u.TotalTokens != want.TotalTokens ||
			!closeTo(u.Cost, want.Cost) || !closeTo(u.AvgLatencyMs, want.AvgLatencyMs) {
			t.Errorf("Users()[0]\ngot  %+v\nwant %+v", u, want)
		}
	})
	t.Run("project isolation", func(t *testing.T) {
		got, total, err := s.Users(t.Context(), f.noiseID, store.UserQuery{})
		if err != nil || total != 2 || len(got) != 2 || got[0].Requests != 1 {
			t.Errorf("Users(noise) = %+v, %d, %v; want u1 and u9 with 1 request each", got,
				total, err)
		}
	})
	t.Run("unknown project", func(t *testing.T) {
		got, total, err := s.Users(t.Context(), "no-such-project", store.UserQuery{})
		if err != nil || total != 0 || len(got) != 0 {
			t.Errorf("Users(unknown project) = %+v, %d, %v; want nothing", got, total, err)
		}
	})
}

// sortedCopy returns a sorted copy of ss.
func sortedCopy(ss []string) []string {
	c := slices.Clone(ss)
	slices.Sort(c)
	return c
}
