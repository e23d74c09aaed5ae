package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// The benchmarks of this file read a database written by the server while `heliograph seed`
// filled it, named by HELIOGRAPH_BENCH_SEEDED_DB, and are skipped without it. They find the
// project with the most logs and its largest session themselves. For the 1,000,000-log
// figures:
//
//	heliograph serve --data-dir /tmp/bench/data &
//	heliograph seed --count 1000000 --big-session-logs 5000
//	kill %1
//	HELIOGRAPH_BENCH_SEEDED_DB=/tmp/bench/data/heliograph.db \
//		go test -run '^$' -bench Seeded ./internal/store/sqlite
//
// Opening the file migrates it to this build's schema, as the server would.
const benchSeededDBEnv = "HELIOGRAPH_BENCH_SEEDED_DB"

// seededSet is the seeded database with what the benchmarks found in it.
type seededSet struct {
	db        *sqlite.DB
	projectID string
	logs      int64
	// session is the largest session and sessionLogs its size.
	session     string
	sessionLogs int
	// newest is the start time of the newest log; the time filters count back from it as
	// "time > -2d" counts back from now right after seeding.
	newest time.Time
}

var (
	seededOnce sync.Once
	seededData *seededSet
	seededErr  error
)

// seeded opens the seeded database once per test binary. It stays open until the process
// exits, because the benchmarks of one run share it.
func seeded(b *testing.B) *seededSet {
	b.Helper()
	path := os.Getenv(benchSeededDBEnv)
	if path == "" {
		b.Skipf("%s is not set", benchSeededDBEnv)
	}
	seededOnce.Do(func() { seededData, seededErr = openSeeded(context.Background(), path) })
	if seededErr != nil {
		b.Fatalf("seeded database %s: %v", path, seededErr)
	}
	return seededData
}

func openSeeded(ctx context.Context, path string) (*seededSet, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return nil, err
	}
	// A second, read-only handle finds the project and the session, because the store API
	// has no call for "largest". These set-up queries are not measured.
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer raw.Close()

	s := &seededSet{db: db}
	var pk, newestMs int64
	err = raw.QueryRowContext(ctx, "SELECT p.pk, p.id, (SELECT COUNT(*) FROM logs "+
		"WHERE project_pk = p.pk) AS n FROM projects p ORDER BY n DESC LIMIT 1").
		Scan(&pk, &s.projectID, &s.logs)
	if err != nil {
		return nil, fmt.Errorf("find the project with the most logs: %w", err)
	}
	err = raw.QueryRowContext(ctx, "SELECT session_id, COUNT(*) AS n FROM logs "+
		"WHERE project_pk = ? AND session_id <> '' GROUP BY session_id ORDER BY n DESC LIMIT 1",
		pk).Scan(&s.session, &s.sessionLogs)
	if err != nil {
		return nil, fmt.Errorf("find the largest session: %w", err)
	}
	err = raw.QueryRowContext(ctx, "SELECT MAX(created_at) FROM logs WHERE project_pk = ?",
		pk).Scan(&newestMs)
	if err != nil {
		return nil, fmt.Errorf("find the newest log: %w", err)
	}
	s.newest = time.UnixMilli(newestMs).UTC()
	fmt.Fprintf(os.Stderr, "seeded database: %d logs in project %s, largest session %s "+
		"with %d logs, newest log %s\n", s.logs, s.projectID, s.session, s.sessionLogs,
		s.newest.Format(time.RFC3339))
	return s, nil
}

// reportPercentiles reports the 50th and 95th percentile of the iteration times in
// milliseconds.
func reportPercentiles(b *testing.B, times []time.Duration) {
	b.Helper()
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	at := func(p int) float64 {
		i := min((len(times)*p+99)/100, len(times)) - 1
		return float64(times[max(i, 0)]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(50), "p50-ms")
	b.ReportMetric(at(95), "p95-ms")
}

// BenchmarkSeededPropertyPage reads a page of 50 logs with their bodies, as GET /v1/requests
// does for `property.environment = "production" and time > -2d`.
func BenchmarkSeededPropertyPage(b *testing.B) {
	s := seeded(b)
	q := store.LogQuery{Limit: 51, WithBodies: true, Filter: filter.And{Exprs: []filter.Expr{
		cnd(prop("environment"), filter.OpEq, "production"),
		cnd(fld(filter.FieldCreatedAt), filter.OpGt, s.newest.Add(-48*time.Hour)),
	}}}
	var times []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		recs, err := s.db.QueryLogs(b.Context(), s.projectID, q)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) != 51 {
			b.Fatalf("QueryLogs returned %d logs, want 51", len(recs))
		}
	}
	reportPercentiles(b, times)
}

// BenchmarkSeededSessionTree reads every log of the largest session and builds its tree, as
// GET /v1/sessions/{id}/tree does.
func BenchmarkSeededSessionTree(b *testing.B) {
	s := seeded(b)
	q := store.LogQuery{Limit: 100_001, WithoutProperties: true,
		Filter: cnd(fld(filter.FieldSessionID), filter.OpEq, s.session),
		Sort:   filter.Sort{Field: fld(filter.FieldCreatedAt)}}
	var times []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		recs, err := s.db.QueryLogs(b.Context(), s.projectID, q)
		if err != nil {
			b.Fatal(err)
		}
		tree := query.BuildSessionTree(recs)
		times = append(times, time.Since(start))
		if len(recs) != s.sessionLogs || tree == nil {
			b.Fatalf("session %s: %d logs, want %d", s.session, len(recs), s.sessionLogs)
		}
	}
	b.ReportMetric(float64(s.sessionLogs), "logs")
	reportPercentiles(b, times)
}

// BenchmarkSeededMetricsHourly computes hourly metrics over every log of the project, and
// over the last 30 days as GET /v1/metrics?bucket=1h&from=-30d does, whose ends fall within
// an hour.
func BenchmarkSeededMetricsHourly(b *testing.B) {
	s := seeded(b)
	now := s.newest.Add(17*time.Minute + 3*time.Second)
	cases := []struct {
		name string
		q    store.MetricsQuery
	}{
		{"all", store.MetricsQuery{Bucket: time.Hour}},
		{"last 30 days", store.MetricsQuery{Bucket: time.Hour,
			Scope: store.Scope{From: now.Add(-30 * 24 * time.Hour), To: now}}},
		{"model filter", store.MetricsQuery{Bucket: time.Hour, Scope: store.Scope{
			Filter: cnd(fld(filter.FieldModel), filter.OpEq, "gpt-4o")}}},
		// A filter that every log matches reads the logs instead of the rollups, as Metrics
		// did for every query before the rollups existed.
		{"all read from logs", store.MetricsQuery{Bucket: time.Hour, Scope: store.Scope{
			Filter: cnd(fld(filter.FieldStatus), filter.OpGt, int64(-1_000_000))}}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buckets, err := s.db.Metrics(b.Context(), s.projectID, tc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(buckets) == 0 {
					b.Fatal("Metrics returned no buckets")
				}
			}
		})
	}
}

// BenchmarkSeededExportPages reads every log with its bodies in keyset pages of 1,000, newest
// first, as heliograph export does through GET /v1/requests?raw=1, and reports logs/s.
func BenchmarkSeededExportPages(b *testing.B) {
	s := seeded(b)
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		q := store.LogQuery{Limit: 1000, WithBodies: true}
		for {
			recs, err := s.db.QueryLogs(b.Context(), s.projectID, q)
			if err != nil {
				b.Fatal(err)
			}
			total += len(recs)
			if len(recs) < q.Limit {
				break
			}
			last := recs[len(recs)-1]
			q.After = &filter.Cursor{CreatedAt: last.CreatedAt, RequestID: last.RequestID}
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "logs/s")
}

// BenchmarkSeededScoresPerRow reads the scores of a page of 1,000 logs with one Scores call
// per log, as GET /v1/requests does for each page it returns.
func BenchmarkSeededScoresPerRow(b *testing.B) {
	s := seeded(b)
	recs, err := s.db.QueryLogs(b.Context(), s.projectID, store.LogQuery{Limit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range recs {
			if _, err := s.db.Scores(b.Context(), s.projectID, r.RequestID); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(recs)), "µs/log")
}

// BenchmarkSeededExportLogs reads every log of the project with ExportLogs, as GET /v1/export
// does, and reports logs/s. The callback only counts, so the figure is the store's share.
func BenchmarkSeededExportLogs(b *testing.B) {
	s := seeded(b)
	b.ReportAllocs()
	total, bytes := 0, 0
	for b.Loop() {
		err := s.db.ExportLogs(b.Context(), s.projectID, nil,
			func(rec *record.Record, _ map[string]float64) error {
				total++
				bytes += len(rec.RequestBody) + len(rec.ResponseRaw)
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "logs/s")
	b.ReportMetric(float64(bytes)/float64(max(total, 1)), "body-bytes/log")
}
