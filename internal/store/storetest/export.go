package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// exportedLog is a copy of the arguments of one ExportLogs callback.
type exportedLog struct {
	rec    record.Record
	scores map[string]float64
}

func mustExport(t *testing.T, s store.Store, projectID string, f filter.Expr) []exportedLog {
	t.Helper()
	var got []exportedLog
	err := s.ExportLogs(t.Context(), projectID, f,
		func(rec *record.Record, scores map[string]float64) error {
			got = append(got, exportedLog{rec: *rec, scores: maps.Clone(scores)})
			return nil
		})
	if err != nil {
		t.Fatalf("ExportLogs(%v) = %v, want nil", f, err)
	}
	return got
}

func exportedIDs(logs []exportedLog) []string {
	ids := make([]string, len(logs))
	for i, l := range logs {
		ids[i] = l.rec.RequestID
	}
	return ids
}

func testExport(t *testing.T, s store.Store) {
	p := mustProject(t, s, "export")
	other := mustProject(t, s, "other")
	if got := mustExport(t, s, p.ID, nil); len(got) != 0 {
		t.Errorf("ExportLogs(empty project) called fn %d times, want 0", len(got))
	}

	// More logs than one page of any reasonable size, stored in an order that differs from
	// time order, with the other project's logs stored in between.
	const n = 2500
	var want []string
	for batch := range 5 {
		recs := make([]*record.Record, 0, n/5)
		for i := range n / 5 {
			k := batch*(n/5) + i
			id := fmt.Sprintf("e%04d", k)
			r := newRecord(p.ID, id, t0.Add(time.Duration(n-k)*time.Second))
			if k%3 == 0 {
				r.Model = "third"
			}
			if k%100 == 7 {
				r.Properties = oddProperties()
				r.RequestBody = []byte(`{"big":123456789012345678901234567890,"t":"\u00e9\n"}`)
				r.ResponseRaw = []byte("text \x01 ünï \u2028")
			}
			if k == 11 {
				r.ResponseRaw = nil
			}
			recs = append(recs, r)
			want = append(want, id)
		}
		mustInsert(t, s, recs...)
		mustInsert(t, s, newRecord(other.ID, fmt.Sprintf("o%d", batch), t0))
	}
	if err := s.SetScore(t.Context(), p.ID, "e0007", "quality", 0.75); err != nil {
		t.Fatal(err)
	}
	if err := s.SetScore(t.Context(), p.ID, "e0007", "speed", -2); err != nil {
		t.Fatal(err)
	}

	got := mustExport(t, s, p.ID, nil)
	if ids := exportedIDs(got); !slices.Equal(ids, want) {
		t.Fatalf("ExportLogs(nil) returned %d logs, want the %d of the project in storage "+
			"order", len(ids), len(want))
	}
	for _, i := range []int{0, 7, 11, 1207, n - 1} {
		checkExported(t, s, p.ID, got[i])
	}
	if sc := got[7].scores; len(sc) != 2 || sc["quality"] != 0.75 || sc["speed"] != -2 {
		t.Errorf("ExportLogs scores of e0007 = %v, want quality 0.75 and speed -2", sc)
	}
	if sc := got[8].scores; sc != nil {
		t.Errorf("ExportLogs scores of e0008 = %v, want nil", sc)
	}

	t.Run("filter", func(t *testing.T) {
		got := mustExport(t, s, p.ID, eq(field(filter.FieldModel), "third"))
		var wantThird []string
		for k := 0; k < n; k += 3 {
			wantThird = append(wantThird, fmt.Sprintf("e%04d", k))
		}
		if ids := exportedIDs(got); !slices.Equal(ids, wantThird) {
			t.Errorf("ExportLogs(model = third) returned %d logs, want %d", len(ids),
				len(wantThird))
		}
	})
	t.Run("isolation", func(t *testing.T) {
		got := mustExport(t, s, other.ID, nil)
		if ids := exportedIDs(got); !slices.Equal(ids, []string{"o0", "o1", "o2", "o3", "o4"}) {
			t.Errorf("ExportLogs(other project) = %v, want o0 to o4", ids)
		}
		if got := mustExport(t, s, "no-such-project", nil); len(got) != 0 {
			t.Errorf("ExportLogs(unknown project) called fn %d times, want 0", len(got))
		}
	})
	t.Run("log stored during the export", func(t *testing.T) {
		late := newRecord(p.ID, "late", t0)
		calls := 0
		err := s.ExportLogs(t.Context(), p.ID, nil, func(*record.Record, map[string]float64) error {
			calls++
			if calls == 1 {
				mustInsert(t, s, late)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ExportLogs = %v, want nil", err)
		}
		if calls != n {
			t.Errorf("ExportLogs called fn %d times with a log stored during the export, "+
				"want %d: the export covers the logs stored before it starts", calls, n)
		}
		if got := mustExport(t, s, p.ID, nil); len(got) != n+1 ||
			got[n].rec.RequestID != "late" {
			t.Errorf("ExportLogs after the late log returned %d logs, want %d ending with it",
				len(got), n+1)
		}
	})
	t.Run("stop", func(t *testing.T) {
		errStop := errors.New("stop here")
		calls := 0
		err := s.ExportLogs(t.Context(), p.ID, nil, func(*record.Record, map[string]float64) error {
			calls++
			if calls == 1500 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Errorf("ExportLogs with fn failing = %v, want the error of fn", err)
		}
		if calls != 1500 {
			t.Errorf("ExportLogs called fn %d times after it failed, want it to stop at 1500",
				calls)
		}
	})
	t.Run("invalid filter", func(t *testing.T) {
		bad := eq(filter.Field{Name: "no_such_field"}, "x")
		err := s.ExportLogs(t.Context(), p.ID, bad, func(*record.Record, map[string]float64) error {
			return nil
		})
		if !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("ExportLogs(unknown field) = %v, want ErrInvalidQuery", err)
		}
	})
}

// checkExported compares an exported log with GetLog's copy of it.
func checkExported(t *testing.T, s store.Store, projectID string, got exportedLog) {
	t.Helper()
	id := got.rec.RequestID
	want, err := s.GetLog(t.Context(), projectID, id)
	if err != nil {
		t.Fatalf("GetLog(%s) = %v", id, err)
	}
	if !bytes.Equal(got.rec.RequestBody, want.RequestBody) {
		t.Errorf("ExportLogs request body of %s = %q, want %q", id, got.rec.RequestBody,
			want.RequestBody)
	}
	if !bytes.Equal(got.rec.ResponseRaw, want.ResponseRaw) ||
		(got.rec.ResponseRaw == nil) != (want.ResponseRaw == nil) {
		t.Errorf("ExportLogs raw response of %s = %q, want %q", id, got.rec.ResponseRaw,
			want.ResponseRaw)
	}
	if got.rec.ResponseBody != nil {
		t.Errorf("ExportLogs response body of %s = %q, want nil", id, got.rec.ResponseBody)
	}
	if !maps.Equal(got.rec.Properties, want.Properties) {
		t.Errorf("ExportLogs properties of %s = %v, want %v", id, got.rec.Properties,
			want.Properties)
	}
	if !got.rec.CreatedAt.Equal(want.CreatedAt) || !got.rec.EndedAt.Equal(want.EndedAt) ||
		got.rec.Model != want.Model || got.rec.Cost != want.Cost ||
		got.rec.Status != want.Status || got.rec.ProjectID != projectID {
		t.Errorf("ExportLogs fields of %s = %+v, want those of GetLog %+v", id, got.rec, *want)
	}
}
