// Package storetest is the behaviour suite that every [store.Store] backend must pass, in the
// manner of testing/slogtest. A backend's own test calls [Run] with a function that opens an
// empty store.
//
// The package reads no flags and no environment. The SQLite backend runs the suite on a file
// under t.TempDir in every test run. Backends that need a server, such as PostgreSQL or
// ClickHouse, read a DSN from an environment variable in their own tests and call
// [SkipWithoutDSN] before Run, so the suite runs only where such a server is available.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// Run runs the suite. open must return a new, empty store for each call, because subtests
// count the projects, keys and logs they see. Run closes every store it opens when the subtest
// ends, so open must not register a Close of its own. It may register cleanups that run after
// Close, such as dropping a database.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Projects", testProjects},
		{"Keys", testKeys},
		{"InsertRoundTrip", testInsertRoundTrip},
		{"InsertDuplicates", testInsertDuplicates},
		{"InsertLargeBatch", testInsertLargeBatch},
		{"InsertSameIDTwoProjects", testInsertSameIDTwoProjects},
		{"InsertInvalidBatch", testInsertInvalidBatch},
		{"ProjectIsolation", testProjectIsolation},
		{"Filters", testFilters},
		{"NameField", testNameField},
		{"InvalidQueries", testInvalidQueries},
		{"Sort", testSort},
		{"OffsetPaging", testOffsetPaging},
		{"CursorPaging", testCursorPaging},
		{"Limit", testLimit},
		{"WithoutBodies", testWithoutBodies},
		{"Sessions", testSessions},
		{"SessionNames", testSessionNames},
		{"Users", testUsers},
		{"PropertyKeys", testPropertyKeys},
		{"PropertyValues", testPropertyValues},
		{"PropertyTop", testPropertyTop},
		{"PropertyOverTime", testPropertyOverTime},
		{"MetricsBuckets", testMetricsBuckets},
		{"MetricsPercentiles", testMetricsPercentiles},
		{"SetProperty", testSetProperty},
		{"SetPropertyLimit", testSetPropertyLimit},
		{"SetScore", testSetScore},
		{"Tail", testTail},
		{"Export", testExport},
		{"Concurrent", testConcurrent},
		{"Ping", testPing},
		{"Close", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

// t0 is the start time of the fixture logs; tests only read it.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func mustProject(t *testing.T, s store.Store, name string) store.Project {
	t.Helper()
	p, err := s.CreateProject(t.Context(), name)
	if err != nil {
		t.Fatalf("CreateProject(%q) = %v, want nil", name, err)
	}
	return p
}

// newRecord returns a record with every field set to a value derived from its arguments.
func newRecord(projectID, requestID string, created time.Time) *record.Record {
	ttft := int64(42)
	return &record.Record{
		ProjectID:          projectID,
		RequestID:          requestID,
		CreatedAt:          created,
		EndedAt:            created.Add(1250 * time.Millisecond),
		LatencyMs:          1250,
		TimeToFirstTokenMs: &ttft,
		Status:             200,
		Kind:               record.KindLLM,
		Model:              "test-model",
		RequestModel:       "test-model",
		ResponseModel:      "test-model-2025",
		Provider:           record.ProviderCustom,
		Path:               "/custom/v1/log",
		PromptTokens:       10,
		CompletionTokens:   5,
		TotalTokens:        15,
		Cost:               0.0125,
		RequestBody:        []byte(`{"model":"test-model","messages":[]}`),
		ResponseBody:       []byte(`{"choices":[]}`),
		ResponseRaw:        []byte(`{"choices":[]}`),
	}
}

func mustInsert(t *testing.T, s store.Store, recs ...*record.Record) []store.InsertStatus {
	t.Helper()
	st, err := s.InsertLogs(t.Context(), recs)
	if err != nil {
		t.Fatalf("InsertLogs(%d records) = %v, want nil", len(recs), err)
	}
	if len(st) != len(recs) {
		t.Fatalf("InsertLogs(%d records) returned %d statuses", len(recs), len(st))
	}
	return st
}

func mustQuery(t *testing.T, s store.Store, projectID string, q store.LogQuery) []*record.Record {
	t.Helper()
	recs, err := s.QueryLogs(t.Context(), projectID, q)
	if err != nil {
		t.Fatalf("QueryLogs(%+v) = %v, want nil", q, err)
	}
	return recs
}

func requestIDs(recs []*record.Record) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.RequestID
	}
	return ids
}

// diffRecords returns the names of the fields in which got differs from want.
func diffRecords(got, want *record.Record) []string {
	var d []string
	check := func(name string, equal bool) {
		if !equal {
			d = append(d, name)
		}
	}
	check("ProjectID", got.ProjectID == want.ProjectID)
	check("RequestID", got.RequestID == want.RequestID)

	check("CreatedAt", got.CreatedAt.Equal(want.CreatedAt))
	check("EndedAt", got.EndedAt.Equal(want.EndedAt))
	check("LatencyMs", got.LatencyMs == want.LatencyMs)
	check("TimeToFirstTokenMs", equalPtr(got.TimeToFirstTokenMs, want.TimeToFirstTokenMs))
	check("Status", got.Status == want.Status)

	check("Kind", got.Kind == want.Kind)
	check("Model", got.Model == want.Model)
	check("RequestModel", got.RequestModel == want.RequestModel)
	check("ResponseModel", got.ResponseModel == want.ResponseModel)
	check("ModelOverride", got.ModelOverride == want.ModelOverride)
	check("Provider", got.Provider == want.Provider)
	check("Path", got.Path == want.Path)
	check("UserID", got.UserID == want.UserID)
	check("SessionID", got.SessionID == want.SessionID)
	check("SessionName", got.SessionName == want.SessionName)
	check("SessionPath", got.SessionPath == want.SessionPath)
	check("PromptID", got.PromptID == want.PromptID)
	check("Properties", maps.Equal(got.Properties, want.Properties))

	check("PromptTokens", got.PromptTokens == want.PromptTokens)
	check("CompletionTokens", got.CompletionTokens == want.CompletionTokens)
	check("TotalTokens", got.TotalTokens == want.TotalTokens)
	check("CacheReadTokens", got.CacheReadTokens == want.CacheReadTokens)
	check("CacheWriteTokens", got.CacheWriteTokens == want.CacheWriteTokens)
	check("Cost", got.Cost == want.Cost)

	check("RequestBody", bytes.Equal(got.RequestBody, want.RequestBody))
	check("ResponseBody", bytes.Equal(got.ResponseBody, want.ResponseBody))
	check("ResponseRaw", bytes.Equal(got.ResponseRaw, want.ResponseRaw))
	check("Streamed", got.Streamed == want.Streamed)
	check("Error", got.Error == want.Error)
	return d
}

func equalPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// checkRecord fails t when got differs from want, naming every differing field.
func checkRecord(t *testing.T, call string, got, want *record.Record) {
	t.Helper()
	if d := diffRecords(got, want); len(d) > 0 {
		t.Errorf("%s: fields %v differ\ngot  %s\nwant %s", call, d, describe(got), describe(want))
	}
}

func describe(r *record.Record) string {
	ttft := "nil"
	if r.TimeToFirstTokenMs != nil {
		ttft = fmt.Sprint(*r.TimeToFirstTokenMs)
	}
	return fmt.Sprintf("%+v ttft=%s request=%q response=%q raw=%q", *r, ttft,
		r.RequestBody, r.ResponseBody, r.ResponseRaw)
}

// checkIDs fails t unless got lists exactly want, in order.
func checkIDs(t *testing.T, call string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s returned %v, want %v", call, got, want)
	}
}

// SkipWithoutDSN skips t unless dsn is set. A backend that needs a server reads its DSN from
// the environment variable envName in its own test and passes both here, so the skip message
// names the variable to set.
func SkipWithoutDSN(t testing.TB, envName, dsn string) {
	t.Helper()
	if dsn == "" {
		t.Skipf("set %s to run the store conformance suite against this backend", envName)
	}
}
