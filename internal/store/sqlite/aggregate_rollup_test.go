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
