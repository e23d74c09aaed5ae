package sqlite_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// benchRecord returns a record of about 1 KB of bodies with 3 properties.
func benchRecord(projectID string, n int) *record.Record {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond)
	ttft := int64(120)
	content := strings.Repeat("lorem ipsum ", 40)
	return &record.Record{
		ProjectID: projectID, RequestID: fmt.Sprintf("%08x-bench-4000-8000-%012d", n, n),
		CreatedAt: created, EndedAt: created.Add(900 * time.Millisecond), LatencyMs: 900,
		TimeToFirstTokenMs: &ttft, Status: 200, Kind: record.KindLLM, Model: "gpt-4o-mini",
		RequestModel: "gpt-4o-mini", ResponseModel: "gpt-4o-mini-2024-07-18",
		Provider: record.ProviderCustom, Path: "/custom/v1/log", UserID: fmt.Sprintf("user-%d", n%50),
		SessionID: fmt.Sprintf("session-%d", n%200), PromptTokens: 120, CompletionTokens: 80,
		TotalTokens: 200, Cost: 0.00042,
		Properties: map[string]string{"env": []string{"prod", "dev"}[n%2], "app": "bench",
			"tenant": fmt.Sprintf("t-%d", n%10)},
		RequestBody: fmt.Appendf(nil, `{"model":"gpt-4o-mini","messages":[{"role":"user",`+
			`"content":%q}]}`, content),
		ResponseBody: fmt.Appendf(nil, `{"choices":[{"message":{"content":%q}}]}`, content[:200]),
		ResponseRaw:  fmt.Appendf(nil, `{"choices":[{"message":{"content":%q}}]}`, content[:200]),
	}
}

func BenchmarkInsertLogs(b *testing.B) {
	for _, size := range []int{1, 64, 500} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			db, _ := openTemp(b, sqlite.Options{})
			defer db.Close()
			p, err := db.CreateProject(b.Context(), "bench")
			if err != nil {
				b.Fatal(err)
			}
			next, bytes := 0, 0
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				recs := make([]*record.Record, size)
				for i := range recs {
					recs[i] = benchRecord(p.ID, next)
					bytes += len(recs[i].RequestBody) + len(recs[i].ResponseBody) +
						len(recs[i].ResponseRaw)
					next++
				}
				b.StartTimer()
				if _, err := db.InsertLogs(b.Context(), recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(bytes)/float64(next), "body_bytes/record")
		})
	}
}

func BenchmarkQueryLogs(b *testing.B) {
	db, _ := openTemp(b, sqlite.Options{})
	defer db.Close()
	p, err := db.CreateProject(b.Context(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	const total = 20000
	for start := 0; start < total; start += 500 {
		recs := make([]*record.Record, 500)
		for i := range recs {
			recs[i] = benchRecord(p.ID, start+i)
		}
		if _, err := db.InsertLogs(b.Context(), recs); err != nil {
			b.Fatal(err)
		}
	}

	cases := []struct {
		name string
		q    store.LogQuery
	}{
		{"newest 100", store.LogQuery{}},
		{"newest 100 with bodies", store.LogQuery{WithBodies: true}},
		{"offset 10000", store.LogQuery{Offset: 10000}},
		{"cursor", store.LogQuery{After: &filter.Cursor{
			CreatedAt: time.Date(2025, 1, 1, 0, 0, 10, 0, time.UTC), RequestID: "z"}}},
		{"session", store.LogQuery{Filter: filter.Cond{Field: filter.Field{Name: "session_id"},
			Op: filter.OpEq, Value: "session-7"}}},
		{"property", store.LogQuery{Filter: filter.Cond{Field: prop("tenant"), Op: filter.OpEq,
			Value: "t-3"}}},
		{"sort by property", store.LogQuery{Sort: filter.Sort{Field: prop("tenant")}}},
		{"sort by latency", store.LogQuery{Sort: filter.Sort{Field: fld("latency"), Desc: true}}},
		{"body contains", store.LogQuery{Filter: filter.Cond{Field: fld("body"),
			Op: filter.OpContains, Value: "no such text"}}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.QueryLogs(b.Context(), p.ID, tc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
