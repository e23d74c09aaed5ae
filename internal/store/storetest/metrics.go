package storetest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// PercentileError is the relative error that the suite allows in the percentiles of
// [store.MetricsBucket], the largest bound that a backend may document.
const PercentileError = 0.05

func mustMetrics(t *testing.T, s store.Store, projectID string,
	q store.MetricsQuery) []store.MetricsBucket {
	t.Helper()
	got, err := s.Metrics(t.Context(), projectID, q)
	if err != nil {
		t.Fatalf("Metrics(%+v) = %v, want nil", q, err)
	}
	return got
}

func testMetricsBuckets(t *testing.T, s store.Store) {
	f := newAggFixture(t, s)
	type bucket struct {
		start            time.Time
		requests, errors int64
	}
	cases := []struct {
		name  string
		q     store.MetricsQuery
		want  []bucket
		total int64 // sum of the tokens of the first bucket
	}{
		{"hourly", store.MetricsQuery{Bucket: time.Hour}, []bucket{{t0, 4, 1},
			{t0.Add(time.Hour), 1, 0}, {t0.Add(2 * time.Hour), 1, 0},
			{t0.Add(3 * time.Hour), 1, 1}, {t0.Add(4 * time.Hour), 1, 0}}, 60},
		{"two hours", store.MetricsQuery{Bucket: 2 * time.Hour}, []bucket{{t0, 5, 1},
			{t0.Add(2 * time.Hour), 2, 1}, {t0.Add(4 * time.Hour), 1, 0}}, 75},
		{"filter narrows", store.MetricsQuery{Bucket: time.Hour, Scope: store.Scope{
			Filter: eq(field(filter.FieldUser), "u1")}}, []bucket{{t0, 3, 1}}, 45},
		{"time range", store.MetricsQuery{Bucket: time.Hour, Scope: store.Scope{
			From: t0.Add(time.Minute), To: t0.Add(2 * time.Hour)}},
			[]bucket{{t0, 3, 1}, {t0.Add(time.Hour), 1, 0}}, 45},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustMetrics(t, s, f.projectID, tc.q)
			if len(got) != len(tc.want) {
				t.Fatalf("Metrics() returned %d buckets %+v, want %+v", len(got), got, tc.want)
			}
			for i, w := range tc.want {
				g := got[i]
				if !g.Start.Equal(w.start) || g.Requests != w.requests || g.Errors != w.errors {
					t.Errorf("Metrics()[%d] = start %v, %d requests, %d errors; want %+v", i,
						g.Start, g.Requests, g.Errors, w)
				}
			}
			if got[0].TotalTokens != tc.total || got[0].PromptTokens*3 != tc.total*2 {
				t.Errorf("Metrics()[0] tokens = %d prompt, %d total; want %d total",
					got[0].PromptTokens, got[0].TotalTokens, tc.total)
			}
		})
	}

	t.Run("cost", func(t *testing.T) {
		got := mustMetrics(t, s, f.projectID, store.MetricsQuery{Bucket: time.Hour})
		if len(got) == 0 || !closeTo(got[0].Cost, 5.4) {
			t.Fatalf("Metrics()[0] = %+v, want cost 5.4", got)
		}
	})
	t.Run("project isolation", func(t *testing.T) {
		got := mustMetrics(t, s, f.noiseID, store.MetricsQuery{Bucket: 24 * time.Hour})
		if len(got) != 1 || got[0].Requests != 2 || got[0].Errors != 1 {
			t.Errorf("Metrics(noise) = %+v, want one bucket of 2 requests, 1 error", got)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, q := range []store.MetricsQuery{{}, {Bucket: -time.Hour},
			{Bucket: time.Hour, Scope: store.Scope{Filter: eq(field("nope"), "x")}}} {
			if _, err := s.Metrics(t.Context(), f.projectID, q); !errors.Is(err,
				store.ErrInvalidQuery) {
				t.Errorf("Metrics(%+v) = %v, want ErrInvalidQuery", q, err)
			}
		}
	})
}

// nearestRank returns the value at rank ceil(pct·n/100) of the sorted values.
func nearestRank(sorted []int64, pct int) float64 {
	n := len(sorted)
	rank := max((n*pct+99)/100, 1)
	return float64(sorted[rank-1])
}

// withinError reports whether got is within [PercentileError] of want.
func withinError(got, want float64) bool {
	return math.Abs(got-want) <= PercentileError*want
}

// testMetricsPercentiles checks the percentiles on known distributions: a wide one in the
// first hour, where estimates may be off by the documented error, and small values in the
// second hour, which histograms with bins of under 1 ms at that scale return exactly.
func testMetricsPercentiles(t *testing.T, s store.Store) {
	p := mustProject(t, s, "percentiles")
	var recs []*record.Record
	var latencies, ttfts []int64
	for i := range 1000 {
		// Latencies 1 to 1000 ms in a shuffled order; TTFT for odd latencies only.
		latency := int64((i*389)%1000 + 1)
		r := newRecord(p.ID, fmt.Sprintf("wide-%d", i), t0.Add(time.Duration(i)*time.Second))
		r.LatencyMs = latency
		r.TimeToFirstTokenMs = nil
		if latency%2 == 1 {
			ttft := 3 * latency
			r.TimeToFirstTokenMs = &ttft
			ttfts = append(ttfts, ttft)
		}
		latencies = append(latencies, latency)
		recs = append(recs, r)
	}
	small := []int64{0, 1, 1, 2, 3, 5, 8}
	for i, latency := range small {
		r := newRecord(p.ID, fmt.Sprintf("small-%d", i), t0.Add(time.Hour+time.Duration(i)*time.Millisecond))
		r.LatencyMs, r.TimeToFirstTokenMs = latency, nil
		recs = append(recs, r)
	}
	mustInsert(t, s, recs...)
	slices.Sort(latencies)
	slices.Sort(ttfts)

	got := mustMetrics(t, s, p.ID, store.MetricsQuery{Bucket: time.Hour})
	if len(got) != 2 || got[0].Requests != 1000 || got[1].Requests != int64(len(small)) {
		t.Fatalf("Metrics() = %+v, want buckets of 1000 and %d logs", got, len(small))
	}
	wide := []struct {
		name string
		got  float64
		want float64
	}{
		{"latency p50", got[0].LatencyP50, nearestRank(latencies, 50)},
		{"latency p95", got[0].LatencyP95, nearestRank(latencies, 95)},
		{"latency p99", got[0].LatencyP99, nearestRank(latencies, 99)},
		{"ttft p50", got[0].TTFTP50, nearestRank(ttfts, 50)},
		{"ttft p95", got[0].TTFTP95, nearestRank(ttfts, 95)},
		{"ttft p99", got[0].TTFTP99, nearestRank(ttfts, 99)},
	}
	for _, c := range wide {
		if !withinError(c.got, c.want) {
			t.Errorf("Metrics()[0] %s = %v, want %v within %v%%", c.name, c.got, c.want,
				PercentileError*100)
		}
	}

	exact := []struct {
		name string
		got  float64
		want float64
	}{
		{"latency p50", got[1].LatencyP50, nearestRank(small, 50)},
		{"latency p95", got[1].LatencyP95, nearestRank(small, 95)},
		{"latency p99", got[1].LatencyP99, nearestRank(small, 99)},
		{"ttft p50 without ttft", got[1].TTFTP50, 0},
		{"ttft p99 without ttft", got[1].TTFTP99, 0},
	}
	for _, c := range exact {
		if c.got != c.want {
			t.Errorf("Metrics()[1] %s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
