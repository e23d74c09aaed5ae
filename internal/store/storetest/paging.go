package storetest

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

func testSort(t *testing.T, s store.Store) {
	projectID, _ := fixture(t, s)
	// Fixture values: latency r1 100, r2 250, r3 50, r4 1000, r5 100; ttft r1 20, r3 5,
	// r4 300, unknown for r2 and r5; env r1 "prod", r2 "dev", r4 "Prod", missing on r3 and r5;
	// user r1 and r4 "alice", r2 "bob", none on r3 and r5.
	cases := []struct {
		name string
		sort filter.Sort
		want []string
	}{
		{"default newest first", filter.Sort{}, []string{"r5", "r4", "r3", "r2", "r1"}},
		{"created asc", filter.Sort{Field: field(filter.FieldCreatedAt)},
			[]string{"r1", "r2", "r3", "r4", "r5"}},
		{"latency asc ties by id", filter.Sort{Field: field(filter.FieldLatency)},
			[]string{"r3", "r1", "r5", "r2", "r4"}},
		{"latency desc ties by id", filter.Sort{Field: field(filter.FieldLatency), Desc: true},
			[]string{"r4", "r2", "r5", "r1", "r3"}},
		{"ttft asc unknown last", filter.Sort{Field: field(filter.FieldTTFT)},
			[]string{"r3", "r1", "r4", "r2", "r5"}},
		{"ttft desc unknown last", filter.Sort{Field: field(filter.FieldTTFT), Desc: true},
			[]string{"r4", "r1", "r3", "r5", "r2"}},
		{"model asc", filter.Sort{Field: field(filter.FieldModel)},
			[]string{"r3", "r4", "r1", "r2", "r5"}},
		{"user asc none last", filter.Sort{Field: field(filter.FieldUser)},
			[]string{"r1", "r4", "r2", "r3", "r5"}},
		{"user desc none last", filter.Sort{Field: field(filter.FieldUser), Desc: true},
			[]string{"r2", "r4", "r1", "r5", "r3"}},
		{"property asc missing last", filter.Sort{Field: prop("env")},
			[]string{"r4", "r2", "r1", "r3", "r5"}},
		{"property desc missing last", filter.Sort{Field: prop("env"), Desc: true},
			[]string{"r1", "r2", "r4", "r5", "r3"}},
		{"property with apostrophe", filter.Sort{Field: prop("o'brien")},
			[]string{"r1", "r2", "r3", "r4", "r5"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs := mustQuery(t, s, projectID, store.LogQuery{Sort: tc.sort})
			checkIDs(t, fmt.Sprintf("QueryLogs(sort %+v)", tc.sort), requestIDs(recs), tc.want)
			// Every page, of every size and start, is the same slice of that order,
			// across the boundary to the logs without the value too.
			for limit := 1; limit <= 3; limit++ {
				for offset := 0; offset <= len(tc.want); offset++ {
					page := mustQuery(t, s, projectID, store.LogQuery{Sort: tc.sort,
						Limit: limit, Offset: offset})
					want := tc.want[min(offset, len(tc.want)):min(offset+limit, len(tc.want))]
					checkIDs(t, fmt.Sprintf("QueryLogs(sort %+v, limit %d, offset %d)",
						tc.sort, limit, offset), requestIDs(page), want)
				}
			}
		})
	}
}

// pagingFixture inserts 25 logs that share one creation time and 5 with distinct later times.
// Request ids are hashes, so their order differs from the insertion order. Latencies repeat,
// so a sort by latency has ties.
func pagingFixture(t *testing.T, s store.Store) (string, []*record.Record) {
	t.Helper()
	p := mustProject(t, s, "paging")
	var recs []*record.Record
	for i := range 30 {
		created := t0
		if i >= 25 {
			created = t0.Add(time.Duration(i) * time.Minute)
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "log-%d", i))
		r := newRecord(p.ID, hex.EncodeToString(sum[:8]), created)
		r.LatencyMs = int64(i % 3)
		recs = append(recs, r)
	}
	mustInsert(t, s, recs...)
	return p.ID, recs
}

func testOffsetPaging(t *testing.T, s store.Store) {
	projectID, recs := pagingFixture(t, s)

	byCreated := slices.Clone(recs)
	slices.SortFunc(byCreated, func(a, b *record.Record) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return -cmp.Compare(a.RequestID, b.RequestID)
	})
	byLatency := slices.Clone(recs)
	slices.SortFunc(byLatency, func(a, b *record.Record) int {
		if a.LatencyMs != b.LatencyMs {
			return cmp.Compare(a.LatencyMs, b.LatencyMs)
		}
		return cmp.Compare(a.RequestID, b.RequestID)
	})

	sorts := []struct {
		name string
		sort filter.Sort
		want []string
	}{
		{"created desc", filter.Sort{}, requestIDs(byCreated)},
		{"latency asc", filter.Sort{Field: field(filter.FieldLatency)}, requestIDs(byLatency)},
	}
	for _, tc := range sorts {
		t.Run(tc.name, func(t *testing.T) {
			first := readPages(t, s, projectID, tc.sort)
			checkIDs(t, "pages at offsets 0, 10, 20, 30", first, tc.want)
			again := readPages(t, s, projectID, tc.sort)
			checkIDs(t, "pages read again", again, first)
		})
	}
}

// readPages reads pages of 10 at offsets 0, 10, 20 and 30 and returns the ids in page order.
// The page at offset 30 must be empty.
func readPages(t *testing.T, s store.Store, projectID string, sort filter.Sort) []string {
	t.Helper()
	var ids []string
	for offset := 0; offset <= 30; offset += 10 {
		recs := mustQuery(t, s, projectID, store.LogQuery{Sort: sort, Limit: 10, Offset: offset})
		if offset == 30 && len(recs) != 0 {
			t.Errorf("page at offset 30 has %d logs, want 0", len(recs))
		}
		ids = append(ids, requestIDs(recs)...)
	}
	return ids
}

func testCursorPaging(t *testing.T, s store.Store) {
	projectID, recs := pagingFixture(t, s)
	existing := make(map[string]int)
	for _, r := range recs {
		existing[r.RequestID] = 0
	}

	var after *filter.Cursor
	seen := make(map[string]bool)
	for page := 0; page < 5; page++ {
		got := mustQuery(t, s, projectID, store.LogQuery{Limit: 10, After: after})
		if page == 1 {
			// Logs that arrive between pages, one at the shared time and one newer, must not
			// shift the pages that follow.
			mustInsert(t, s, newRecord(projectID, "ffff-new-shared", t0),
				newRecord(projectID, "new-latest", t0.Add(time.Hour)))
		}
		for _, r := range got {
			if seen[r.RequestID] {
				t.Errorf("page %d repeats %s", page, r.RequestID)
			}
			seen[r.RequestID] = true
			if _, ok := existing[r.RequestID]; ok {
				existing[r.RequestID]++
			}
		}
		if len(got) == 0 {
			break
		}
		last := got[len(got)-1]
		after = &filter.Cursor{CreatedAt: last.CreatedAt, RequestID: last.RequestID}
	}
	for id, n := range existing {
		if n != 1 {
			t.Errorf("log %s appeared on %d pages, want 1", id, n)
		}
	}
}

func testLimit(t *testing.T, s store.Store) {
	p := mustProject(t, s, "limit")
	var recs []*record.Record
	for i := range 105 {
		recs = append(recs, newRecord(p.ID, fmt.Sprintf("id-%03d", i), t0.Add(time.Duration(i))))
	}
	mustInsert(t, s, recs...)

	cases := []struct {
		limit, want int
	}{
		{0, 100},
		{1, 1},
		{7, 7},
		{200, 105},
	}
	for _, tc := range cases {
		got := mustQuery(t, s, p.ID, store.LogQuery{Limit: tc.limit})
		if len(got) != tc.want {
			t.Errorf("QueryLogs(limit %d) returned %d logs, want %d", tc.limit, len(got), tc.want)
		}
	}
	got := mustQuery(t, s, p.ID, store.LogQuery{Limit: 10, Offset: 100})
	if len(got) != 5 {
		t.Errorf("QueryLogs(limit 10, offset 100) returned %d logs, want 5", len(got))
	}
}

func testWithoutBodies(t *testing.T, s store.Store) {
	p := mustProject(t, s, "bodies")
	r := newRecord(p.ID, "with-bodies", t0)
	r.Properties = map[string]string{"env": "prod"}
	mustInsert(t, s, r)

	recs := mustQuery(t, s, p.ID, store.LogQuery{})
	if len(recs) != 1 {
		t.Fatalf("QueryLogs() returned %d logs, want 1", len(recs))
	}
	got := recs[0]
	if got.RequestBody != nil || got.ResponseBody != nil || got.ResponseRaw != nil {
		t.Errorf("QueryLogs(WithBodies false) bodies = %q, %q, %q, want nil",
			got.RequestBody, got.ResponseBody, got.ResponseRaw)
	}
	want := *r
	want.RequestBody, want.ResponseBody, want.ResponseRaw = nil, nil, nil
	checkRecord(t, "QueryLogs(WithBodies false)", got, &want)

	recs = mustQuery(t, s, p.ID, store.LogQuery{WithBodies: true})
	if len(recs) == 1 {
		checkRecord(t, "QueryLogs(WithBodies true)", recs[0], r)
	}

	recs = mustQuery(t, s, p.ID, store.LogQuery{WithoutProperties: true})
	if len(recs) != 1 {
		t.Fatalf("QueryLogs(WithoutProperties) returned %d logs, want 1", len(recs))
	}
	if recs[0].Properties != nil {
		t.Errorf("QueryLogs(WithoutProperties) properties = %v, want nil", recs[0].Properties)
	}
	want.Properties = nil
	checkRecord(t, "QueryLogs(WithoutProperties)", recs[0], &want)
}
