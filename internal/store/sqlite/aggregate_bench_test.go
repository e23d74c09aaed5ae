package sqlite_test

import (
	"math"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
)

// The benchmarks of this file share one generated dataset of HELIOGRAPH_BENCH_LOGS logs
// (20,000 by default) over 30 days; see dataset_test.go. For the figures at a realistic size:
//
//	HELIOGRAPH_BENCH_LOGS=1000000 HELIOGRAPH_BENCH_DB=/tmp/bench-1m.db \
//		go test -run '^$' -bench 'Metrics|Sessions|Users|Property|SessionTree' ./internal/store/sqlite

func BenchmarkMetricsHourly(b *testing.B) {
	ds := benchData.get(b)
	cases := []struct {
		name string
		q    store.MetricsQuery
	}{
		{"all 30 days", store.MetricsQuery{Bucket: time.Hour}},
		{"last 7 days", store.MetricsQuery{Bucket: time.Hour, Scope: lastDays(7)}},
		{"model filter", store.MetricsQuery{Bucket: time.Hour, Scope: store.Scope{
			Filter: cnd(fld(filter.FieldModel), filter.OpEq, "gpt-4o")}}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ds.store().Metrics(b.Context(), ds.projectID, tc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// everyLog matches every log. A scope with it reads the logs where a scope without a filter
// reads the session and user rollups.
var everyLog = cnd(fld(filter.FieldStatus), filter.OpGt, int64(math.MinInt32))

func BenchmarkSessions(b *testing.B) {
	ds := benchData.get(b)
	cases := []struct {
		name string
		q    store.SessionQuery
	}{
		{"first page", store.SessionQuery{}},
		{"first page from the logs", store.SessionQuery{Scope: store.Scope{Filter: everyLog}}},
		{"last 7 days", store.SessionQuery{Scope: lastDays(7)}},
		{"search", store.SessionQuery{Search: "42"}},
		{"name equals", store.SessionQuery{NameEquals: "planner", Scope: lastDays(7)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ds.store().Sessions(b.Context(), ds.projectID, tc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUsers(b *testing.B) {
	ds := benchData.get(b)
	cases := []struct {
		name string
		q    store.UserQuery
	}{
		{"first page", store.UserQuery{}},
		{"first page from the logs", store.UserQuery{Scope: store.Scope{Filter: everyLog}}},
		{"last 7 days", store.UserQuery{Scope: lastDays(7)}},
		{"search", store.UserQuery{Search: "42"}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ds.store().Users(b.Context(), ds.projectID, tc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPropertyPage reads the newest 50 logs with a property value within the last 7
// days, for a value of 1 in 200 logs (tenant) and one of 1 in 5000 (customer).
func BenchmarkPropertyPage(b *testing.B) {
	ds := benchData.get(b)
	scope := lastDays(7)
	for _, pv := range []struct{ key, value string }{{"tenant", "t-7"}, {"customer", "c-7"}} {
		b.Run(pv.key, func(b *testing.B) {
			q := store.LogQuery{Limit: 50, Filter: filter.And{Exprs: []filter.Expr{
				cnd(prop(pv.key), filter.OpEq, pv.value),
				cnd(fld(filter.FieldCreatedAt), filter.OpGe, scope.From),
				cnd(fld(filter.FieldCreatedAt), filter.OpLt, scope.To),
			}}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ds.store().QueryLogs(b.Context(), ds.projectID, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSessionTree reads every log of a session of 5,000 logs without bodies, as the
// session tree view does.
func BenchmarkSessionTree(b *testing.B) {
	ds := benchData.get(b)
	q := store.LogQuery{Limit: bigSessionLogs + 1,
		Filter: cnd(fld(filter.FieldSessionID), filter.OpEq, bigSessionID)}
	b.ReportAllocs()
	for b.Loop() {
		recs, err := ds.store().QueryLogs(b.Context(), ds.projectID, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) < bigSessionLogs*9/10 {
			b.Fatalf("QueryLogs(session %s) returned %d logs, want about %d", bigSessionID,
				len(recs), bigSessionLogs)
		}
	}
}

// lastDays returns the scope of the last days of the dataset's 30 days.
func lastDays(days int) store.Scope {
	end := benchStart.Add(benchSpan)
	return store.Scope{From: end.Add(-time.Duration(days) * 24 * time.Hour), To: end}
}
