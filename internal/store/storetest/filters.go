package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

func field(name string) filter.Field { return filter.Field{Name: name} }

func prop(key string) filter.Field { return filter.Field{Name: filter.FieldProperty, Key: key} }

func cond(f filter.Field, op filter.Op, v any) filter.Cond {
	return filter.Cond{Field: f, Op: op, Value: v}
}

func eq(f filter.Field, v any) filter.Cond { return cond(f, filter.OpEq, v) }

func and(xs ...filter.Expr) filter.And { return filter.And{Exprs: xs} }

func or(xs ...filter.Expr) filter.Or { return filter.Or{Exprs: xs} }

func not(x filter.Expr) filter.Not { return filter.Not{X: x} }

// fixture inserts five logs with known values into a new project and returns the project id
// and the logs, oldest first (r1 to r5).
func fixture(t *testing.T, s store.Store) (string, []*record.Record) {
	t.Helper()
	p := mustProject(t, s, "fixture")
	ttft := func(v int64) *int64 { return &v }

	r1 := newRecord(p.ID, "r1", t0)
	r1.Model, r1.Provider, r1.Status, r1.LatencyMs = "gpt-4o", record.ProviderOpenAI, 200, 100
	r1.TimeToFirstTokenMs = ttft(20)
	r1.RequestModel, r1.ResponseModel = "gpt-4o-2024", "gpt-4o-2024-08-06"
	r1.UserID, r1.SessionID, r1.SessionName, r1.SessionPath = "alice", "s1", "Chat", "/a"
	r1.PromptID, r1.Cost, r1.CacheReadTokens, r1.TotalTokens = "p1", 0.01, 4, 15
	r1.Properties = map[string]string{"env": "prod", "tier": "3", "uni.workflow.id": "wf-1",
		"o'brien": "q"}
	r1.RequestBody = []byte(`{"q":"100% sure"}`)
	r1.ResponseBody = []byte(`{"a":"Hello World"}`)

	r2 := newRecord(p.ID, "r2", t0.Add(time.Second))
	r2.Model, r2.Provider, r2.Status, r2.LatencyMs = "gpt-4o-mini", record.ProviderOpenAI, 500, 250
	r2.TimeToFirstTokenMs = nil
	r2.UserID, r2.SessionID, r2.Error, r2.CacheWriteTokens = "bob", "s1", "boom", 2
	r2.TotalTokens = 30
	r2.Properties = map[string]string{"env": "dev", "tier": ""}
	r2.RequestBody = []byte(`{"q":"a_b"}`)

	r3 := newRecord(p.ID, "r3", t0.Add(2*time.Second))
	r3.Model, r3.Provider, r3.Status, r3.LatencyMs = "claude-3", record.ProviderAnthropic, 200, 50
	r3.TimeToFirstTokenMs = ttft(5)
	r3.Path, r3.Cost, r3.TotalTokens = "/anthropic/v1/log", 0.5, 300
	r3.RequestBody = []byte(`{"q":"50 percent"}`)

	r4 := newRecord(p.ID, "r4", t0.Add(3*time.Second))
	r4.Kind, r4.Model, r4.Status, r4.LatencyMs = record.KindData, "data:fetch", -1, 1000
	r4.TimeToFirstTokenMs = ttft(300)
	r4.UserID = "alice"
	r4.Properties = map[string]string{"env": "Prod"}
	r4.RequestBody = []byte(`{"q":"axb"}`)

	r5 := newRecord(p.ID, "r5", t0.Add(4*time.Second))
	r5.Kind, r5.Model, r5.Status, r5.LatencyMs = record.KindTool, "tool:search", 200, 100
	r5.TimeToFirstTokenMs = nil
	r5.Properties = map[string]string{"key with space": "v", "ключ": "w", `a"q`: "quote"}
	r5.RequestBody = []byte(`{"q":"100 sure"}`)

	recs := []*record.Record{r1, r2, r3, r4, r5}
	mustInsert(t, s, recs...)
	return p.ID, recs
}

// filterCase is a filter and the fixture logs it must match.
type filterCase struct {
	name string
	expr filter.Expr
	want []string
}

func filterCases() []filterCase {
	all := []string{"r1", "r2", "r3", "r4", "r5"}
	ttft, latency, env := field(filter.FieldTTFT), field(filter.FieldLatency), prop("env")
	model, user := field(filter.FieldModel), field(filter.FieldUser)
	created, name := field(filter.FieldCreatedAt), field(filter.FieldName)
	return []filterCase{
		{"nil", nil, all},
		{"all", filter.All{}, all},
		{"empty and", and(), all},
		{"empty or", or(), nil},

		{"text =", eq(model, "gpt-4o"), []string{"r1"}},
		{"text !=", cond(model, filter.OpNe, "gpt-4o"), []string{"r2", "r3", "r4", "r5"}},
		{"text <", cond(model, filter.OpLt, "d"), []string{"r3"}},
		{"text >=", cond(model, filter.OpGe, "gpt-4o"), []string{"r1", "r2", "r5"}},
		{"text ~ ignores case", cond(model, filter.OpContains, "GPT"), []string{"r1", "r2"}},
		{"text !~", cond(model, filter.OpNotContains, "gpt"), []string{"r3", "r4", "r5"}},
		{"like", cond(model, filter.OpLike, "gpt-4o%"), []string{"r1", "r2"}},
		{"like underscore", cond(model, filter.OpLike, "gpt-4_"), []string{"r1"}},
		{"like is case-sensitive", cond(model, filter.OpLike, "GPT%"), nil},
		{"ilike", cond(model, filter.OpILike, "GPT%"), []string{"r1", "r2"}},
		{"text in", cond(field(filter.FieldRequestID), filter.OpIn, []any{"r1", "r3", "zz"}),
			[]string{"r1", "r3"}},
		{"empty in", cond(model, filter.OpIn, []any{}), nil},
		{"text exists", cond(user, filter.OpExists, nil), []string{"r1", "r2", "r4"}},
		{"text null", cond(user, filter.OpNull, nil), []string{"r3", "r5"}},
		{"text empty", cond(user, filter.OpEmpty, nil), []string{"r3", "r5"}},
		{"kind", eq(field(filter.FieldKind), record.KindTool), []string{"r5"}},
		{"provider", eq(field(filter.FieldProvider), record.ProviderAnthropic), []string{"r3"}},
		{"path ~", cond(field(filter.FieldPath), filter.OpContains, "anthropic"), []string{"r3"}},
		{"session id", eq(field(filter.FieldSessionID), "s1"), []string{"r1", "r2"}},
		{"session name", eq(field(filter.FieldSessionName), "Chat"), []string{"r1"}},
		{"session path", eq(field(filter.FieldSessionPath), "/a"), []string{"r1"}},
		{"prompt id", eq(field(filter.FieldPromptID), "p1"), []string{"r1"}},
		{"request model", eq(field(filter.FieldRequestModel), "gpt-4o-2024"), []string{"r1"}},
		{"name of llm is the model", eq(name, "gpt-4o"), []string{"r1"}},
		{"name of data log", eq(name, "fetch"), []string{"r4"}},
		{"name of tool", eq(name, "search"), []string{"r5"}},
		{"name ~", cond(name, filter.OpContains, "CH"), []string{"r4", "r5"}},
		{"name like prefix", cond(name, filter.OpLike, "data:%"), nil},
		{"name in", cond(name, filter.OpIn, []any{"fetch", "claude-3"}), []string{"r3", "r4"}},
		{"name !=", cond(name, filter.OpNe, "fetch"), []string{"r1", "r2", "r3", "r5"}},
		{"response model ~", cond(field(filter.FieldResponseModel), filter.OpContains, "08-06"),
			[]string{"r1"}},

		{"number =", eq(field(filter.FieldStatus), int64(500)), []string{"r2"}},
		{"number !=", cond(field(filter.FieldStatus), filter.OpNe, int64(200)), []string{"r2", "r4"}},
		{"number <", cond(field(filter.FieldStatus), filter.OpLt, int64(200)), []string{"r4"}},
		{"number <=", cond(field(filter.FieldStatus), filter.OpLe, int64(200)),
			[]string{"r1", "r3", "r4", "r5"}},
		{"number >", cond(field(filter.FieldStatus), filter.OpGt, int64(200)), []string{"r2"}},
		{"number >=", cond(latency, filter.OpGe, int64(250)), []string{"r2", "r4"}},
		{"number in", cond(latency, filter.OpIn, []any{int64(100), int64(50)}),
			[]string{"r1", "r3", "r5"}},
		{"float", cond(field(filter.FieldCost), filter.OpGt, 0.1), []string{"r3"}},
		{"total tokens", cond(field(filter.FieldTotalTokens), filter.OpGe, int64(30)),
			[]string{"r2", "r3"}},
		{"cache read", cond(field(filter.FieldCacheReadTokens), filter.OpGt, int64(0)),
			[]string{"r1"}},
		{"cache write", cond(field(filter.FieldCacheWriteTokens), filter.OpGt, int64(0)),
			[]string{"r2"}},
		{"prompt tokens", eq(field(filter.FieldPromptTokens), int64(10)), all},
		{"completion tokens", cond(field(filter.FieldCompletionTokens), filter.OpNe, int64(5)), nil},
		{"number exists", cond(latency, filter.OpExists, nil), all},
		{"number null", cond(latency, filter.OpNull, nil), nil},

		{"time >=", cond(created, filter.OpGe, t0.Add(2*time.Second)), []string{"r3", "r4", "r5"}},
		{"time <", cond(created, filter.OpLt, t0.Add(time.Second)), []string{"r1"}},
		{"time =", eq(created, t0.Add(time.Second)), []string{"r2"}},
		{"ended at >", cond(field(filter.FieldEndedAt), filter.OpGt, t0.Add(5*time.Second)),
			[]string{"r5"}},

		{"ttft >", cond(ttft, filter.OpGt, int64(10)), []string{"r1", "r4"}},
		{"ttft <", cond(ttft, filter.OpLt, int64(1000)), []string{"r1", "r3", "r4"}},
		{"ttft != includes unknown", cond(ttft, filter.OpNe, int64(20)),
			[]string{"r2", "r3", "r4", "r5"}},
		{"not ttft = includes unknown", not(eq(ttft, int64(20))), []string{"r2", "r3", "r4", "r5"}},
		{"not ttft <", not(cond(ttft, filter.OpLt, int64(100))), []string{"r2", "r4", "r5"}},
		{"ttft in", cond(ttft, filter.OpIn, []any{int64(5), int64(300)}), []string{"r3", "r4"}},
		{"ttft null", cond(ttft, filter.OpNull, nil), []string{"r2", "r5"}},
		{"ttft empty", cond(ttft, filter.OpEmpty, nil), []string{"r2", "r5"}},
		{"ttft exists", cond(ttft, filter.OpExists, nil), []string{"r1", "r3", "r4"}},

		{"property =", eq(env, "prod"), []string{"r1"}},
		{"property != includes missing", cond(env, filter.OpNe, "prod"),
			[]string{"r2", "r3", "r4", "r5"}},
		{"not property =", not(eq(env, "prod")), []string{"r2", "r3", "r4", "r5"}},
		{"property <", cond(env, filter.OpLt, "e"), []string{"r2", "r4"}},
		{"property <=", cond(env, filter.OpLe, "dev"), []string{"r2", "r4"}},
		{"property >", cond(env, filter.OpGt, "dev"), []string{"r1"}},
		{"property >=", cond(env, filter.OpGe, "prod"), []string{"r1"}},
		{"property ~", cond(env, filter.OpContains, "PROD"), []string{"r1", "r4"}},
		{"property !~ includes missing", cond(env, filter.OpNotContains, "prod"),
			[]string{"r2", "r3", "r5"}},
		{"property like", cond(env, filter.OpLike, "pro%"), []string{"r1"}},
		{"property ilike", cond(env, filter.OpILike, "PRO%"), []string{"r1", "r4"}},
		{"property in", cond(env, filter.OpIn, []any{"prod", "dev"}), []string{"r1", "r2"}},
		{"property exists", cond(env, filter.OpExists, nil), []string{"r1", "r2", "r4"}},
		{"property null", cond(env, filter.OpNull, nil), []string{"r3", "r5"}},
		{"property empty", cond(prop("tier"), filter.OpEmpty, nil), []string{"r2", "r3", "r4", "r5"}},
		{"property number value", eq(prop("tier"), int64(3)), []string{"r1"}},
		{"property key with dots", eq(prop("uni.workflow.id"), "wf-1"), []string{"r1"}},
		{"property key with apostrophe", eq(prop("o'brien"), "q"), []string{"r1"}},
		{"property key with space", eq(prop("key with space"), "v"), []string{"r5"}},
		{"property key non-ASCII", eq(prop("ключ"), "w"), []string{"r5"}},
		{"property key with quote", eq(prop(`a"q`), "quote"), []string{"r5"}},
		{"property key case-sensitive", eq(prop("ENV"), "prod"), nil},
		{"property key injection", eq(prop("env' OR '1'='1"), "prod"), nil},

		{"~ percent literal", cond(field(filter.FieldRequestBody), filter.OpContains, "100%"),
			[]string{"r1"}},
		{"~ underscore literal", cond(field(filter.FieldRequestBody), filter.OpContains, "a_b"),
			[]string{"r2"}},
		{"value injection", eq(model, "x' OR '1'='1"), nil},
		{"response body ~", cond(field(filter.FieldResponseBody), filter.OpContains, "hello"),
			[]string{"r1"}},
		{"request body ~ misses response", cond(field(filter.FieldRequestBody),
			filter.OpContains, "hello"), nil},
		{"body ~ either", cond(field(filter.FieldBody), filter.OpContains, "HELLO world"),
			[]string{"r1"}},
		{"body ~ request", cond(field(filter.FieldBody), filter.OpContains, "axb"), []string{"r4"}},
		{"body !~", cond(field(filter.FieldBody), filter.OpNotContains, "hello"),
			[]string{"r2", "r3", "r4", "r5"}},
		{"body like", cond(field(filter.FieldRequestBody), filter.OpLike, `{"q":"50%`),
			[]string{"r3"}},

		{"score exists", cond(filter.Field{Name: filter.FieldScore, Key: "quality"},
			filter.OpExists, nil), nil},
		{"score null", cond(filter.Field{Name: filter.FieldScore, Key: "quality"},
			filter.OpNull, nil), all},
		{"score >", cond(filter.Field{Name: filter.FieldScore, Key: "quality"},
			filter.OpGt, 0.5), nil},

		{"and", and(eq(field(filter.FieldProvider), record.ProviderOpenAI),
			eq(field(filter.FieldStatus), int64(200))), []string{"r1"}},
		{"or", or(eq(model, "claude-3"), eq(env, "dev")), []string{"r2", "r3"}},
		{"nested", or(eq(model, "claude-3"),
			and(eq(user, "alice"), not(eq(field(filter.FieldKind), record.KindData)))),
			[]string{"r1", "r3"}},
		{"not or", not(or(eq(user, "alice"), cond(env, filter.OpExists, nil))),
			[]string{"r3", "r5"}},
		{"not not", not(not(eq(env, "dev"))), []string{"r2"}},
		{"and of or", and(or(eq(user, "alice"), eq(user, "bob")),
			or(cond(ttft, filter.OpNull, nil), eq(env, "Prod"))), []string{"r2", "r4"}},
	}
}

func testFilters(t *testing.T, s store.Store) {
	projectID, _ := fixture(t, s)
	for _, tc := range filterCases() {
		t.Run(tc.name, func(t *testing.T) {
			recs := mustQuery(t, s, projectID, store.LogQuery{Filter: tc.expr})
			got := requestIDs(recs)
			slices.Sort(got)
			if len(got) == 0 {
				got = nil
			}
			checkIDs(t, "QueryLogs", got, tc.want)
		})
	}
}

// testNameField checks the name field on the kinds and models that the fixture lacks.
func testNameField(t *testing.T, s store.Store) {
	p := mustProject(t, s, "names")
	recs := []struct {
		id, kind, model, name string
	}{
		{"vector", record.KindVectorDB, "vector_db", "vector_db"},
		{"data", record.KindData, "data:user_query", "user_query"},
		{"data override", record.KindData, "my-override", "my-override"},
		{"llm with prefix", record.KindLLM, "data:odd", "data:odd"},
		{"tool with colon", record.KindTool, "tool:a:b", "a:b"},
		{"tool empty name", record.KindTool, "tool:", ""},
	}
	for _, r := range recs {
		rec := newRecord(p.ID, r.id, t0)
		rec.Kind, rec.Model = r.kind, r.model
		mustInsert(t, s, rec)
	}
	for _, r := range recs {
		t.Run(r.id, func(t *testing.T) {
			got := requestIDs(mustQuery(t, s, p.ID, store.LogQuery{
				Filter: eq(field(filter.FieldName), r.name)}))
			checkIDs(t, "QueryLogs(name = "+r.name+")", got, []string{r.id})
		})
	}
	sorted := requestIDs(mustQuery(t, s, p.ID, store.LogQuery{
		Sort: filter.Sort{Field: field(filter.FieldName)}}))
	// The empty name is no value, which comes last in either direction.
	checkIDs(t, "QueryLogs(sort by name)", sorted, []string{"tool with colon",
		"llm with prefix", "data override", "data", "vector", "tool empty name"})
}

func testInvalidQueries(t *testing.T, s store.Store) {
	projectID, _ := fixture(t, s)
	model := field(filter.FieldModel)
	cases := []struct {
		name string
		q    store.LogQuery
	}{
		{"unknown field", store.LogQuery{Filter: eq(field("nope"), "x")}},
		{"unknown operator", store.LogQuery{Filter: cond(model, "===", "x")}},
		{"contains on number", store.LogQuery{Filter: cond(field(filter.FieldLatency),
			filter.OpContains, "1")}},
		{"text value on number", store.LogQuery{Filter: eq(field(filter.FieldLatency), "abc")}},
		{"number order on text", store.LogQuery{Filter: cond(model, filter.OpLt, int64(5))}},
		{"property without key", store.LogQuery{Filter: eq(field(filter.FieldProperty), "x")}},
		{"key on column", store.LogQuery{Filter: eq(filter.Field{Name: "model", Key: "k"}, "x")}},
		{"order on body", store.LogQuery{Filter: cond(field(filter.FieldRequestBody),
			filter.OpGt, "a")}},
		{"in without list", store.LogQuery{Filter: cond(model, filter.OpIn, "x")}},
		{"list without in", store.LogQuery{Filter: eq(model, []any{"x"})}},
		{"missing value", store.LogQuery{Filter: eq(model, nil)}},
		{"value on exists", store.LogQuery{Filter: cond(model, filter.OpExists, "x")}},
		{"bad operand", store.LogQuery{Filter: and(eq(model, "x"), eq(field("nope"), "y"))}},
		{"sort unknown", store.LogQuery{Sort: filter.Sort{Field: field("nope")}}},
		{"sort by body", store.LogQuery{Sort: filter.Sort{Field: field(filter.FieldBody)}}},
		{"sort property without key", store.LogQuery{Sort: filter.Sort{
			Field: field(filter.FieldProperty)}}},
		{"negative limit", store.LogQuery{Limit: -1}},
		{"negative offset", store.LogQuery{Offset: -1}},
		{"cursor with other sort", store.LogQuery{
			Sort:  filter.Sort{Field: field(filter.FieldLatency)},
			After: &filter.Cursor{CreatedAt: t0, RequestID: "r1"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.QueryLogs(t.Context(), projectID, tc.q)
			if !errors.Is(err, store.ErrInvalidQuery) {
				t.Errorf("QueryLogs(%+v) = %v, want ErrInvalidQuery", tc.q, err)
			}
		})
	}
}
