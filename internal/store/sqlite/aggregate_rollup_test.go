package sqlite_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// rollupLogs returns n logs of the project spread over three days from 2025-06-01, a tenth
// of them failed and a third with a TTFT.
func rollupLogs(projectID string, n int, seed uint64) []*record.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]*record.Record, n)
	for i := range recs {
		created := start.Add(time.Duration(rng.Int64N(int64(72 * time.Hour))))
		latency := int64(rng.ExpFloat64() * 800)
		rec := &record.Record{ProjectID: projectID,
			RequestID: fmt.Sprintf("%08x-0000-4000-8000-%012d", seed, i),
			CreatedAt: created, EndedAt: created.Add(time.Duration(latency) * time.Millisecond),
			LatencyMs: latency, Status: 200, Kind: record.KindLLM, Model: "m",
			Provider: record.ProviderCustom, PromptTokens: rng.Int64N(100),
			CompletionTokens: rng.Int64N(50), Cost: rng.Float64() / 100}
		rec.TotalTokens = rec.PromptTokens + rec.CompletionTokens
		if rng.IntN(10) == 0 {
			rec.Status = 500
		}
		if rng.IntN(3) == 0 {
			ttft := rng.Int64N(latency + 1)
			rec.TimeToFirstTokenMs = &ttft
		}
		recs[i] = rec
	}
	return recs
}

// TestMetricsRollupMatchesLogs compares the metrics read from the hourly rollups with the
// same metrics read from the logs, which a filter that matches every log forces.
func TestMetricsRollupMatchesLogs(t *testing.T) {
	db, _ := openTemp(t, sqlite.Options{})
	ctx := t.Context()
	p, err := db.CreateProject(ctx, "rollup")
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateProject(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	logs := rollupLogs(p.ID, 3000, 1)
	for start := 0; start < len(logs); start += 700 {
		if _, err := db.InsertLogs(ctx, logs[start:min(start+700, len(logs))]); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}
	// Duplicates and another project's logs must not change the rollups of p.
	if _, err := db.InsertLogs(ctx, logs[:100]); err != nil {
		t.Fatalf("InsertLogs of duplicates: %v", err)
	}
	if _, err := db.InsertLogs(ctx, rollupLogs(other.ID, 500, 2)); err != nil {
		t.Fatalf("InsertLogs of another project: %v", err)
	}

	everything := cnd(fld(filter.FieldStatus), filter.OpGt, int64(math.MinInt32))
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		bucket time.Duration
		from   time.Time
		to     time.Time
	}{
		{"hourly over all", time.Hour, time.Time{}, time.Time{}},
		{"daily over all", 24 * time.Hour, time.Time{}, time.Time{}},
		{"three hours, partial ends", 3 * time.Hour, day.Add(90 * time.Minute),
			day.Add(50*time.Hour + 17*time.Minute)},
		{"within one hour", time.Hour, day.Add(5*time.Hour + time.Minute),
			day.Add(5*time.Hour + 59*time.Minute)},
		{"open end", time.Hour, day.Add(30*time.Hour + 30*time.Minute), time.Time{}},
		{"minutes read from logs", 30 * time.Minute, time.Time{}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scope := store.Scope{From: tc.from, To: tc.to}
			fast, err := db.Metrics(ctx, p.ID, store.MetricsQuery{Bucket: tc.bucket,
				Scope: scope})
			if err != nil {
				t.Fatalf("Metrics: %v", err)
			}
			scope.Filter = everything
			slow, err := db.Metrics(ctx, p.ID, store.MetricsQuery{Bucket: tc.bucket,
				Scope: scope})
			if err != nil {
				t.Fatalf("Metrics with a filter: %v", err)
			}
			compareBuckets(t, fast, slow)
		})
	}
}

func compareBuckets(t *testing.T, got, want []store.MetricsBucket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Metrics returned %d buckets, the logs give %d", len(got), len(want))
	}
	var total int64
	for i := range got {
		g, w := got[i], want[i]
		total += g.Requests
		if !g.Start.Equal(w.Start) || g.Requests != w.Requests || g.Errors != w.Errors ||
			g.TotalTokens != w.TotalTokens || g.PromptTokens != w.PromptTokens {
			t.Errorf("bucket %d = %v: %d requests, %d errors, %d tokens; the logs give "+
				"%v: %d, %d, %d", i, g.Start, g.Requests, g.Errors, g.TotalTokens, w.Start,
				w.Requests, w.Errors, w.TotalTokens)
		}
		if math.Abs(g.Cost-w.Cost) > 1e-9*math.Max(1, math.Abs(w.Cost)) {
			t.Errorf("bucket %d cost = %v, the logs give %v", i, g.Cost, w.Cost)
		}
		if g.LatencyP50 != w.LatencyP50 || g.LatencyP95 != w.LatencyP95 ||
			g.LatencyP99 != w.LatencyP99 || g.TTFTP50 != w.TTFTP50 || g.TTFTP95 != w.TTFTP95 ||
			g.TTFTP99 != w.TTFTP99 {
			t.Errorf("bucket %d percentiles = %+v, the logs give %+v", i, g, w)
		}
	}
	if total == 0 {
		t.Errorf("Metrics counted no logs")
	}
}

// TestGroupRollupsMatchLogs compares the sessions and users read from session_rollup and
// user_rollup with the same summaries grouped from the logs, which a filter that matches every
// log forces.
func TestGroupRollupsMatchLogs(t *testing.T) {
	db, _ := openTemp(t, sqlite.Options{})
	ctx := t.Context()
	p, err := db.CreateProject(ctx, "sessions")
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateProject(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	logs := rollupLogs(p.ID, 2000, 3)
	for i, r := range logs {
		if i%5 != 0 { // A fifth of the logs have no session.
			r.SessionID = fmt.Sprintf("session-%03d", i%137)
		}
		if i%4 != 0 { // A quarter have no user.
			r.UserID = fmt.Sprintf("user-%02d", i*i%53)
		}
		if i%11 == 0 {
			r.SessionName = fmt.Sprintf("name-%d", i%3)
		}
	}
	for start := 0; start < len(logs); start += 300 {
		if _, err := db.InsertLogs(ctx, logs[start:min(start+300, len(logs))]); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}
	// Duplicates and another project's sessions must not change the rollup of p.
	if _, err := db.InsertLogs(ctx, logs[:200]); err != nil {
		t.Fatalf("InsertLogs of duplicates: %v", err)
	}
	others := rollupLogs(other.ID, 300, 4)
	for _, r := range others {
		r.SessionID, r.UserID = "session-001", "user-01"
	}
	if _, err := db.InsertLogs(ctx, others); err != nil {
		t.Fatalf("InsertLogs of another project: %v", err)
	}

	everything := cnd(fld(filter.FieldStatus), filter.OpGt, int64(math.MinInt32))
	tests := []store.SessionQuery{
		{Limit: 50},
		{Limit: 50, Offset: 100},
		{Limit: 1000},
		{Search: "SESSION-01", Limit: 100},
		{Search: "name-1", Limit: 100},
		{NameEquals: "name-2", Limit: 100},
	}
	for _, q := range tests {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			fast, err := db.Sessions(ctx, p.ID, q)
			if err != nil {
				t.Fatalf("Sessions: %v", err)
			}
			q.Filter = everything
			slow, err := db.Sessions(ctx, p.ID, q)
			if err != nil {
				t.Fatalf("Sessions with a filter: %v", err)
			}
			if len(fast) == 0 {
				t.Fatal("Sessions returned no session")
			}
			compareSessions(t, fast, slow)
		})
	}

	userQueries := []store.UserQuery{
		{Limit: 10},
		{Limit: 10, Offset: 20},
		{Limit: 10, Offset: 1000},
		{Search: "USER-1", Limit: 100},
		{UserIDs: []string{"user-01", "user-04", "nobody"}, Limit: 100},
	}
	for _, q := range userQueries {
		t.Run(fmt.Sprintf("users %+v", q), func(t *testing.T) {
			fast, fastTotal, err := db.Users(ctx, p.ID, q)
			if err != nil {
				t.Fatalf("Users: %v", err)
			}
			q.Filter = everything
			slow, slowTotal, err := db.Users(ctx, p.ID, q)
			if err != nil {
				t.Fatalf("Users with a filter: %v", err)
			}
			if fastTotal == 0 || fastTotal != slowTotal {
				t.Errorf("Users counted %d users, the logs give %d", fastTotal, slowTotal)
			}
			compareUsers(t, fast, slow)
		})
	}

	fastNames, err := db.SessionNames(ctx, p.ID, "", store.Scope{})
	if err != nil {
		t.Fatalf("SessionNames: %v", err)
	}
	slowNames, err := db.SessionNames(ctx, p.ID, "", store.Scope{Filter: everything})
	if err != nil {
		t.Fatalf("SessionNames with a filter: %v", err)
	}
	if len(fastNames) != 3 || len(slowNames) != 3 {
		t.Fatalf("SessionNames returned %d and, with a filter, %d names; want 3 each",
			len(fastNames), len(slowNames))
	}
	for i := range fastNames {
		f, s := fastNames[i], slowNames[i]
		if f.Name != s.Name || f.Sessions != s.Sessions || f.Requests != s.Requests ||
			!f.LastAt.Equal(s.LastAt) || math.Abs(f.Cost-s.Cost) > 1e-9 {
			t.Errorf("name %d = %+v, the logs give %+v", i, f, s)
		}
	}
}

func compareSessions(t *testing.T, got, want []store.SessionSummary) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Sessions returned %d sessions, the logs give %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.SessionID != w.SessionID || g.SessionName != w.SessionName ||
			!g.FirstAt.Equal(w.FirstAt) || !g.LastAt.Equal(w.LastAt) ||
			g.Requests != w.Requests || g.Errors != w.Errors ||
			g.PromptTokens != w.PromptTokens || g.CompletionTokens != w.CompletionTokens ||
			g.TotalTokens != w.TotalTokens || g.AvgLatencyMs != w.AvgLatencyMs {
			t.Errorf("session %d = %+v, the logs give %+v", i, g, w)
		}
		if math.Abs(g.Cost-w.Cost) > 1e-9*math.Max(1, math.Abs(w.Cost)) {
			t.Errorf("session %s cost = %v, the logs give %v", g.SessionID, g.Cost, w.Cost)
		}
	}
}

func compareUsers(t *testing.T, got, want []store.UserSummary) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Users returned %d users, the logs give %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.UserID != w.UserID || !g.FirstAt.Equal(w.FirstAt) || !g.LastAt.Equal(w.LastAt) ||
			g.Requests != w.Requests || g.Errors != w.Errors ||
			g.PromptTokens != w.PromptTokens || g.CompletionTokens != w.CompletionTokens ||
			g.TotalTokens != w.TotalTokens || g.AvgLatencyMs != w.AvgLatencyMs {
			t.Errorf("user %d = %+v, the logs give %+v", i, g, w)
		}
		if math.Abs(g.Cost-w.Cost) > 1e-9*math.Max(1, math.Abs(w.Cost)) {
			t.Errorf("user %s cost = %v, the logs give %v", g.UserID, g.Cost, w.Cost)
		}
	}
}

// TestGroupRollupsHugeLatencies stores logs whose latencies sum past the int64 range in one
// session and one user: storing them and reading the totals, from the rollups and from the
// logs, must work.
func TestGroupRollupsHugeLatencies(t *testing.T) {
	db, _ := openTemp(t, sqlite.Options{})
	ctx := t.Context()
	p, err := db.CreateProject(ctx, "huge")
	if err != nil {
		t.Fatal(err)
	}
	logs := rollupLogs(p.ID, 3, 5)
	for _, r := range logs {
		r.SessionID, r.SessionName, r.UserID = "s", "n", "u"
		r.LatencyMs = 1 << 62
	}
	for _, r := range logs { // One call each, so that the rollup rows add up across commits.
		if _, err := db.InsertLogs(ctx, []*record.Record{r}); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}
	everything := cnd(fld(filter.FieldStatus), filter.OpGt, int64(math.MinInt64))
	for _, f := range []filter.Expr{nil, everything} {
		sessions, err := db.Sessions(ctx, p.ID, store.SessionQuery{Scope: store.Scope{Filter: f}})
		if err != nil || len(sessions) != 1 || sessions[0].AvgLatencyMs != 1<<62 {
			t.Errorf("Sessions with filter %v = %+v, %v; want one session averaging 2^62 ms",
				f, sessions, err)
		}
		users, _, err := db.Users(ctx, p.ID, store.UserQuery{Scope: store.Scope{Filter: f}})
		if err != nil || len(users) != 1 || users[0].AvgLatencyMs != 1<<62 {
			t.Errorf("Users with filter %v = %+v, %v; want one user averaging 2^62 ms", f,
				users, err)
		}
		names, err := db.SessionNames(ctx, p.ID, "", store.Scope{Filter: f})
		if err != nil || len(names) != 1 {
			t.Errorf("SessionNames with filter %v = %+v, %v; want one name", f, names, err)
		}
	}
}
