package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/loadgen"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/server"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// BenchmarkIngestParallel posts ~1 KB logs over loopback HTTP from 64 concurrent clients into
// a real SQLite store with durable commits. It reports logs/s; run with -cpuprofile to see where
// the server spends its time.
func BenchmarkIngestParallel(b *testing.B) {
	dir := b.TempDir()
	st, err := sqlite.Open(b.Context(), filepath.Join(dir, "h.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const key = "hg_bench_key_000000000000000000000000000000"
	if _, err := auth.Bootstrap(b.Context(), st, dir, key); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv := server.New(st, server.Options{Logger: slog.New(slog.DiscardHandler),
		KeyCacheTTL: time.Minute, Registry: reg})
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	body := loadgen.LogBody(1024, time.Now())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 clients on the benchmark machine
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/custom/v1/log",
				bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Helicone-Request-Id", record.NewRequestID())
			req.Header.Set("Helicone-Property-Environment", "bench")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logs/s")
	reportCommits(b, reg)
}

// reportCommits reports the mean logs per commit and the mean commit time.
func reportCommits(b *testing.B, reg *prometheus.Registry) {
	families, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range families {
		if len(f.GetMetric()) == 0 || f.GetMetric()[0].GetHistogram() == nil {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() == 0 {
			continue
		}
		mean := h.GetSampleSum() / float64(h.GetSampleCount())
		switch f.GetName() {
		case "heliograph_commit_batch_logs":
			b.ReportMetric(mean, "logs/commit")
		case "heliograph_commit_duration_seconds":
			b.ReportMetric(mean*1000, "ms/commit")
		}
	}
}
