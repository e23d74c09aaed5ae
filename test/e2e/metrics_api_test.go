package e2e

import (
	"net/http"
	"net/url"
	"testing"
)

type percentilesData struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

type metricsPointData struct {
	Start     string          `json:"start"`
	Requests  int64           `json:"requests"`
	Errors    int64           `json:"errors"`
	ErrorRate float64         `json:"error_rate"`
	LatencyMs percentilesData `json:"latency_ms"`
	TTFTMs    percentilesData `json:"ttft_ms"`
	Tokens    struct {
		Prompt     int64 `json:"prompt"`
		Completion int64 `json:"completion"`
		Total      int64 `json:"total"`
	} `json:"tokens"`
	Cost float64 `json:"cost"`
}

type metricsData struct {
	From     string             `json:"from"`
	To       string             `json:"to"`
	BucketMs int64              `json:"bucket_ms"`
	Buckets  []metricsPointData `json:"buckets"`
}

// getMetrics runs GET /v1/metrics with the given parameters and expects 200.
func (s *testServer) getMetrics(t *testing.T, params url.Values) metricsData {
	t.Helper()
	var m metricsData
	s.apiData(t, http.MethodGet, "/v1/metrics?"+params.Encode(), s.Key, "", http.StatusOK, &m)
	return m
}

func checkPercentiles(t *testing.T, what string, got percentilesData, p50, p95, p99 float64) {
	t.Helper()
	if !withinEstimate(got.P50, p50) || !withinEstimate(got.P95, p95) ||
		!withinEstimate(got.P99, p99) {
		t.Errorf("%s percentiles %+v, want about %v, %v, %v", what, got, p50, p95, p99)
	}
}

func TestMetricsBuckets(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, aggBase)
	twoDays := url.Values{"from": {"2025-01-01T00:00:00Z"}, "to": {"2025-01-03T00:00:00Z"}}

	for _, bucket := range []string{"1d", "24h", "86400s", "0.5d"} {
		t.Run("bucket "+bucket, func(t *testing.T) {
			p := url.Values{"bucket": {bucket}}
			for k, v := range twoDays {
				p[k] = v
			}
			m := srv.getMetrics(t, p)
			if bucket == "0.5d" {
				if m.BucketMs != 12*3600*1000 || len(m.Buckets) != 4 {
					t.Errorf("bucket 0.5d: %d ms, %d buckets, want 12 h and 4", m.BucketMs,
						len(m.Buckets))
				}
				return
			}
			if m.BucketMs != 86400000 || len(m.Buckets) != 2 {
				t.Fatalf("bucket %s: %d ms, %d buckets, want one day and 2", bucket,
					m.BucketMs, len(m.Buckets))
			}
			if m.From != "2025-01-01T00:00:00.000Z" || m.To != "2025-01-03T00:00:00.000Z" {
				t.Errorf("range %s to %s, want the two days", m.From, m.To)
			}
			// Day 1: logs 1 to 4, latencies 50, 100, 300, 1000, TTFTs 20 and 100,
			// statuses 200, 500, 200, -1.
			d1 := m.Buckets[0]
			if d1.Start != "2025-01-01T00:00:00.000Z" || d1.Requests != 4 || d1.Errors != 2 ||
				d1.ErrorRate != 0.5 {
				t.Errorf("day 1 = %+v, want 4 requests, 2 errors, rate 0.5", d1)
			}
			checkPercentiles(t, "day 1 latency", d1.LatencyMs, 100, 1000, 1000)
			checkPercentiles(t, "day 1 ttft", d1.TTFTMs, 20, 100, 100)
			if d1.Tokens.Prompt != 130 || d1.Tokens.Completion != 65 ||
				d1.Tokens.Total != 195 || !nearlyEqual(d1.Cost, 0.08) {
				t.Errorf("day 1 tokens %+v cost %v, want 130/65/195 and 0.08", d1.Tokens,
					d1.Cost)
			}
			// Day 2: logs 5 and 6, latencies 2000 and 250, TTFT 500, statuses 429 and 200.
			d2 := m.Buckets[1]
			if d2.Requests != 2 || d2.Errors != 1 || d2.ErrorRate != 0.5 ||
				d2.Tokens.Total != 10 || !nearlyEqual(d2.Cost, 0.004) {
				t.Errorf("day 2 = %+v, want 2 requests, 1 error, 10 tokens, 0.004", d2)
			}
			checkPercentiles(t, "day 2 latency", d2.LatencyMs, 250, 2000, 2000)
			checkPercentiles(t, "day 2 ttft", d2.TTFTMs, 500, 500, 500)
		})
	}

	t.Run("filter narrows", func(t *testing.T) {
		p := url.Values{"bucket": {"1d"}, "q": {`property.env = prod`}}
		for k, v := range twoDays {
			p[k] = v
		}
		m := srv.getMetrics(t, p)
		if len(m.Buckets) != 2 || m.Buckets[0].Requests != 2 || m.Buckets[0].Errors != 0 ||
			m.Buckets[1].Requests != 1 || !nearlyEqual(m.Buckets[0].Cost, 0.06) {
			t.Errorf("env = prod: %+v, want 2 then 1 requests, no errors", m.Buckets)
		}
	})

	t.Run("hourly with empty buckets", func(t *testing.T) {
		p := url.Values{"bucket": {"1h"}, "from": {"2025-01-01T00:30:00Z"},
			"to": {"2025-01-01T03:00:00Z"}}
		m := srv.getMetrics(t, p)
		// The first bucket holds from, so it starts at 00:00 and includes nothing before
		// 00:30; logs 1 to 3 started before it.
		if len(m.Buckets) != 3 || m.Buckets[0].Start != "2025-01-01T00:00:00.000Z" {
			t.Fatalf("buckets %+v, want 3 starting at 00:00", m.Buckets)
		}
		if m.Buckets[0].Requests != 0 || m.Buckets[1].Requests != 1 ||
			m.Buckets[2].Requests != 0 {
			t.Errorf("requests per hour %d, %d, %d, want 0, 1 (log 4), 0",
				m.Buckets[0].Requests, m.Buckets[1].Requests, m.Buckets[2].Requests)
		}
		if m.Buckets[1].ErrorRate != 1 || m.Buckets[0].ErrorRate != 0 {
			t.Errorf("error rates %v and %v, want 1 and 0 for an empty bucket",
				m.Buckets[1].ErrorRate, m.Buckets[0].ErrorRate)
		}
	})

	t.Run("default range and bucket", func(t *testing.T) {
		m := srv.getMetrics(t, url.Values{})
		// The last 24 hours in 15-minute buckets: 96, or 97 when now is not on a boundary.
		if m.BucketMs != 15*60*1000 || len(m.Buckets) < 96 || len(m.Buckets) > 97 {
			t.Errorf("default: bucket %d ms, %d buckets, want 15 min and 96 or 97",
				m.BucketMs, len(m.Buckets))
		}
		// 168 one-hour buckets are more than the 120 aimed at, so 3 hours is picked.
		m = srv.getMetrics(t, url.Values{"from": {"-7d"}})
		if m.BucketMs != 3*3600*1000 {
			t.Errorf("last 7 days: bucket %d ms, want 3 h", m.BucketMs)
		}
	})

	t.Run("bucket limit", func(t *testing.T) {
		// 2000 buckets of one minute fit exactly; one more does not.
		p := url.Values{"bucket": {"1m"}, "from": {"2025-01-01T00:00:00Z"},
			"to": {"2025-01-02T09:20:00Z"}}
		if m := srv.getMetrics(t, p); len(m.Buckets) != 2000 {
			t.Errorf("2000 one-minute buckets: got %d", len(m.Buckets))
		}
		p.Set("from", "2025-01-01T00:00:30Z")
		p.Set("to", "2025-01-02T09:20:30Z")
		srv.apiError(t, http.MethodGet, "/v1/metrics?"+p.Encode(), srv.Key, "",
			http.StatusBadRequest, "bucket", "2001 buckets", "limit is 2000")
	})

	for _, tc := range []struct {
		name   string
		params url.Values
		want   []string
	}{
		{"bucket under 1s", url.Values{"bucket": {"500ms"}}, []string{"bucket", `"500ms"`}},
		{"bucket not whole ms", url.Values{"bucket": {"1.0001s"}}, []string{"bucket"}},
		{"bucket without unit", url.Values{"bucket": {"60"}}, []string{"bucket", `"60"`}},
		{"bucket unknown unit", url.Values{"bucket": {"1y"}}, []string{"bucket", `"1y"`}},
		{"bucket negative", url.Values{"bucket": {"-1h"}}, []string{"bucket"}},
		{"too many buckets", url.Values{"bucket": {"1s"}}, []string{"bucket", "limit is 2000"}},
		{"from after to", url.Values{"from": {"2025-01-02"}, "to": {"2025-01-01"}},
			[]string{"from", "must be before to"}},
		{"bad from", url.Values{"from": {"yesterday"}}, []string{"from", `"yesterday"`}},
		{"bad to", url.Values{"to": {"-1x"}}, []string{"to"}},
		{"bad filter", url.Values{"q": {"latency > fast"}}, []string{"q: position"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.apiError(t, http.MethodGet, "/v1/metrics?"+tc.params.Encode(), srv.Key, "",
				http.StatusBadRequest, tc.want...)
		})
	}
}
