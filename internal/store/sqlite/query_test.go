package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// varied inserts n logs whose fields cycle through a few values, with some properties and
// ttft values missing, and returns the project id.
func varied(t testing.TB, db *sqlite.DB, n int) string {
	t.Helper()
	p, err := db.CreateProject(t.Context(), "varied")
	if err != nil {
		t.Fatalf("CreateProject() = %v", err)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]*record.Record, n)
	for i := range recs {
		r := &record.Record{
			ProjectID: p.ID, RequestID: fmt.Sprintf("req-%05d", i),
			CreatedAt: base.Add(time.Duration(i%7) * time.Second),
			EndedAt:   base.Add(time.Duration(i%7)*time.Second + time.Duration(i%5)*time.Second),
			LatencyMs: int64(i%5) * 1000, Status: []int64{200, 500, -1}[i%3],
			Kind: record.KindLLM, Model: []string{"gpt-4o", "claude", "data:x", ""}[i%4],
			UserID: []string{"alice", "", "bob"}[i%3], SessionID: []string{"s1", "s2", ""}[i%3],
			Cost: float64(i%4) / 10, TotalTokens: int64(i % 6),
			RequestBody:  fmt.Appendf(nil, `{"i":%d,"t":"%s"}`, i, []string{"a_b", "50%", "x"}[i%3]),
			ResponseBody: []byte([]string{`{"a":"Hello"}`, `{}`, ``}[i%3]),
		}
		if i%2 == 0 {
			v := int64(i % 9 * 10)
			r.TimeToFirstTokenMs = &v
		}
		switch i % 4 {
		case 0:
			r.Properties = map[string]string{"env": "prod", "o'k": "1"}
		case 1:
			r.Properties = map[string]string{"env": "dev", "tier": ""}
		case 2:
			r.Properties = map[string]string{"env": "Prod"}
		}
		recs[i] = r
	}
	if _, err := db.InsertLogs(t.Context(), recs); err != nil {
		t.Fatalf("InsertLogs() = %v", err)
	}
	return p.ID
}

// leaves returns one condition per field and operator pair that the compiler accepts.
func leaves() []filter.Expr {
	at := time.Date(2025, 1, 1, 0, 0, 3, 0, time.UTC)
	text := []string{"model", "user", "session_id", "request_id", "kind", "provider", "path",
		"request_model", "response_model", "session_name", "session_path", "prompt_id"}
	numbers := []string{"status", "latency", "ttft", "cost", "total_tokens", "prompt_tokens",
		"completion_tokens", "cache_read_tokens", "cache_write_tokens"}
	var out []filter.Expr
	for _, f := range append(text, "property:env", "property:tier", "property:o'k",
		"request_body", "response_body", "body") {
		field := fld(f)
		if name, key, ok := cut(f); ok {
			field = filter.Field{Name: name, Key: key}
		}
		out = append(out,
			cnd(field, filter.OpEq, "prod"), cnd(field, filter.OpNe, "alice"),
			cnd(field, filter.OpContains, "o"), cnd(field, filter.OpNotContains, "_"),
			cnd(field, filter.OpLike, "%o%"), cnd(field, filter.OpILike, "P%"),
			cnd(field, filter.OpIn, []any{"s1", "prod", "dev"}),
			cnd(field, filter.OpExists, nil), cnd(field, filter.OpNull, nil),
			cnd(field, filter.OpEmpty, nil))
		if f != "request_body" && f != "response_body" && f != "body" {
			out = append(out, cnd(field, filter.OpLt, "m"), cnd(field, filter.OpGe, "dev"))
		}
	}
	for _, f := range append(numbers, "score:q") {
		field := fld(f)
		if name, key, ok := cut(f); ok {
			field = filter.Field{Name: name, Key: key}
		}
		for _, op := range []filter.Op{filter.OpEq, filter.OpNe, filter.OpLt, filter.OpLe,
			filter.OpGt, filter.OpGe} {
			out = append(out, cnd(field, op, int64(40)))
		}
		out = append(out, cnd(field, filter.OpIn, []any{int64(0), 0.2, int64(200)}),
			cnd(field, filter.OpExists, nil), cnd(field, filter.OpNull, nil),
			cnd(field, filter.OpEmpty, nil))
	}
	for _, f := range []string{"created_at", "ended_at"} {
		out = append(out, cnd(fld(f), filter.OpGe, at), cnd(fld(f), filter.OpNe, at),
			cnd(fld(f), filter.OpIn, []any{at, at.Add(time.Second)}))
	}
	return out
}

func cut(f string) (name, key string, ok bool) {
	for i := range len(f) {
		if f[i] == ':' {
			return f[:i], f[i+1:], true
		}
	}
	return "", "", false
}

func randomExpr(r *rand.Rand, ls []filter.Expr, depth int) filter.Expr {
	if depth == 0 || r.IntN(3) == 0 {
		return ls[r.IntN(len(ls))]
	}
	switch r.IntN(3) {
	case 0:
		return filter.Not{X: randomExpr(r, ls, depth-1)}
	case 1:
		return filter.And{Exprs: []filter.Expr{randomExpr(r, ls, depth-1),
			randomExpr(r, ls, depth-1)}}
	default:
		return filter.Or{Exprs: []filter.Expr{randomExpr(r, ls, depth-1),
			randomExpr(r, ls, depth-1)}}
	}
}

// TestNotIsComplement checks on random trees that every accepted filter runs and that a
// filter and its negation split the logs with no overlap and no gap, which fails if any
// condition can evaluate to SQL NULL.
func TestNotIsComplement(t *testing.T) {
	db, _ := openTemp(t, sqlite.Options{})
	defer db.Close()
	const n = 48
	projectID := varied(t, db, n)

	ls := leaves()
	r := rand.New(rand.NewPCG(1, 2))
	exprs := slices.Clone(ls)
	for range 300 {
		exprs = append(exprs, randomExpr(r, ls, 4))
	}
	for i, e := range exprs {
		yes := queryIDs(t, db, projectID, e)
		no := queryIDs(t, db, projectID, filter.Not{X: e})
		both := append(slices.Clone(yes), no...)
		slices.Sort(both)
		if len(both) != n || len(slices.Compact(both)) != n {
			t.Errorf("filter %d %+v: %d matches and %d non-matches, want a split of %d logs",
				i, e, len(yes), len(no), n)
		}
	}
}

func queryIDs(t *testing.T, db *sqlite.DB, projectID string, e filter.Expr) []string {
	t.Helper()
	recs, err := db.QueryLogs(t.Context(), projectID, store.LogQuery{Filter: e, Limit: 1000})
	if err != nil {
		t.Fatalf("QueryLogs(%+v) = %v, want nil", e, err)
	}
	ids := make([]string, len(recs))
	for i, rec := range recs {
		ids[i] = rec.RequestID
	}
	return ids
}

// TestLargestFilterRuns checks that filters at the compiler's size limit stay within what
// SQLite accepts.
func TestLargestFilterRuns(t *testing.T) {
	db, _ := openTemp(t, sqlite.Options{})
	defer db.Close()
	projectID := varied(t, db, 10)

	wide := filter.Or{}
	for i := range 499 {
		wide.Exprs = append(wide.Exprs, cnd(prop("env"), filter.OpEq, fmt.Sprint(i)))
	}
	var deep filter.Expr = cnd(fld("model"), filter.OpEq, "gpt-4o")
	for range 498 {
		deep = filter.Not{X: deep}
	}
	values := make([]any, 9000)
	for i := range values {
		values[i] = fmt.Sprintf("req-%05d", i)
	}
	in := cnd(fld("request_id"), filter.OpIn, values)

	for name, e := range map[string]filter.Expr{"wide": wide, "deep": deep, "long in": in} {
		if _, err := db.QueryLogs(t.Context(), projectID, store.LogQuery{Filter: e}); err != nil {
			t.Errorf("QueryLogs(%s filter) = %v, want nil", name, err)
		}
	}
}
