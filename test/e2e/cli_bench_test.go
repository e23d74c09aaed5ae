package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/cli"
	"github.com/heliograph/heliograph/internal/seed"
)

// The benchmarks of this file measure a running server filled by `heliograph seed`, over
// HTTP, and are skipped unless HELIOGRAPH_BENCH_URL and HELIOGRAPH_BENCH_KEY name it:
//
//	HELIOGRAPH_BENCH_URL=http://127.0.0.1:18585 HELIOGRAPH_BENCH_KEY=... \
//		go test -run '^$' -bench 'API|Export' -benchtime 200x ./test/e2e
//
// HELIOGRAPH_BENCH_SESSION names the session of the tree benchmark. By default it is the
// largest session of the data set that heliograph seed writes with its default --seed.
const (
	benchURLEnv = "HELIOGRAPH_BENCH_URL"
	benchKeyEnv = "HELIOGRAPH_BENCH_KEY"
)

// benchServer returns the URL and key of the server under measurement, or skips.
func benchServer(b *testing.B) (string, string) {
	b.Helper()
	u, key := os.Getenv(benchURLEnv), os.Getenv(benchKeyEnv)
	if u == "" || key == "" {
		b.Skipf("%s and %s are not set", benchURLEnv, benchKeyEnv)
	}
	return strings.TrimRight(u, "/"), key
}

// benchGet sends GET path and returns the body, failing on any status but 200.
func benchGet(b *testing.B, base, key, path string) []byte {
	b.Helper()
	req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, base+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := httpClient.Do(req)
	if err != nil {
		b.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatalf("GET %s: read: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	return body
}

// timeGets sends GET path b.N times and reports the 50th and 95th percentile in ms.
func timeGets(b *testing.B, base, key, path string) {
	b.Helper()
	benchGet(b, base, key, path) // The first call warms the page cache and the connection.
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		benchGet(b, base, key, path)
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	at := func(p int) float64 {
		i := max(min((len(times)*p+99)/100, len(times))-1, 0)
		return float64(times[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(50), "p50-ms")
	b.ReportMetric(at(95), "p95-ms")
}

func BenchmarkAPIFilteredPage(b *testing.B) {
	base, key := benchServer(b)
	v := url.Values{"q": {`property.environment = "production" and time > -2d`},
		"limit": {"50"}}
	path := "/v1/requests?" + v.Encode()
	var page struct {
		Data struct {
			Rows []json.RawMessage `json:"rows"`
		} `json:"data"`
	}
	if err := json.Unmarshal(benchGet(b, base, key, path), &page); err != nil ||
		len(page.Data.Rows) != 50 {
		b.Fatalf("GET %s: %d rows, error %v; want 50 rows", path, len(page.Data.Rows), err)
	}
	timeGets(b, base, key, path)
}

func BenchmarkAPISessionTree(b *testing.B) {
	base, key := benchServer(b)
	id, logs := largestSession(b, base, key)
	timeGets(b, base, key, "/v1/sessions/"+url.PathEscape(id)+"/tree")
	b.ReportMetric(float64(logs), "logs")
}

// BenchmarkAPIMetricsHourly reads hourly metrics of the last 30 days, which hold every log
// of a data set seeded with the default --days.
func BenchmarkAPIMetricsHourly(b *testing.B) {
	base, key := benchServer(b)
	v := url.Values{"bucket": {"1h"}, "from": {"-30d"}}
	timeGets(b, base, key, "/v1/metrics?"+v.Encode())
}

// largestSession returns HELIOGRAPH_BENCH_SESSION, or else the first session of the data
// set of heliograph seed --seed 1 (the default), which is its largest. Listing every
// session to find the largest takes minutes over a million logs.
func largestSession(b *testing.B, base, key string) (string, int) {
	b.Helper()
	id := os.Getenv("HELIOGRAPH_BENCH_SESSION")
	if id == "" {
		id = seed.SessionID(1, 0)
	}
	var env struct {
		Data struct {
			TotalRequests int `json:"total_requests"`
		} `json:"data"`
	}
	body := benchGet(b, base, key, "/v1/sessions/"+url.PathEscape(id)+"/tree")
	if err := json.Unmarshal(body, &env); err != nil {
		b.Fatalf("GET the tree of session %s: %v", id, err)
	}
	return id, env.Data.TotalRequests
}

// BenchmarkExportCommand runs heliograph export --format jsonl over every log into a file
// and reports logs/s.
func BenchmarkExportCommand(b *testing.B) {
	base, key := benchServer(b)
	out := filepath.Join(b.TempDir(), "export.jsonl")
	env := map[string]string{"HELIOGRAPH_URL": base, "HELIOGRAPH_API_KEY": key}
	var stderr strings.Builder
	logs := 0
	for b.Loop() {
		stderr.Reset()
		code := cli.Run(b.Context(), []string{"export", "--out", out},
			cli.Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string {
				return env[k]
			}})
		if code != 0 {
			b.Fatalf("export: exit code %d: %s", code, stderr.String())
		}
		st, err := os.Stat(out)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Size())/(1<<20), "MiB")
		m := exportedCount.FindStringSubmatch(stderr.String())
		if m == nil {
			b.Fatalf("export did not report its count: %s", stderr.String())
		}
		n, _ := strconv.Atoi(m[1])
		logs += n
	}
	b.ReportMetric(float64(logs)/b.Elapsed().Seconds(), "logs/s")
}

// exportedCount matches the summary line of heliograph export.
var exportedCount = regexp.MustCompile(`exported (\d+) logs`)
