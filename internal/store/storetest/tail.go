package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

func mustTail(t *testing.T, s store.Store, projectID string, q store.TailQuery) (
	[]*record.Record, int64) {
	t.Helper()
	recs, next, err := s.Tail(t.Context(), projectID, q)
	if err != nil {
		t.Fatalf("Tail(%+v) = %v, want nil", q, err)
	}
	return recs, next
}

func mustTailPosition(t *testing.T, s store.Store, projectID string) int64 {
	t.Helper()
	pos, err := s.TailPosition(t.Context(), projectID)
	if err != nil {
		t.Fatalf("TailPosition() = %v, want nil", err)
	}
	return pos
}

func testTail(t *testing.T, s store.Store) {
	p := mustProject(t, s, "tail")
	other := mustProject(t, s, "other")
	if pos := mustTailPosition(t, s, p.ID); pos != 0 {
		t.Errorf("TailPosition(empty project) = %d, want 0", pos)
	}
	if pos := mustTailPosition(t, s, "no-such-project"); pos != 0 {
		t.Errorf("TailPosition(unknown project) = %d, want 0", pos)
	}

	// Storage order differs from time order: t2 is older than t1 but stored after it.
	t1 := newRecord(p.ID, "t1", t0.Add(time.Hour))
	t1.Properties = map[string]string{"env": "prod"}
	t2 := newRecord(p.ID, "t2", t0)
	t2.Model = "other-model"
	mustInsert(t, s, t1, t2)
	mustInsert(t, s, newRecord(other.ID, "o1", t0))
	start := mustTailPosition(t, s, p.ID)
	if start <= 0 {
		t.Fatalf("TailPosition() after inserts = %d, want > 0", start)
	}

	t3 := newRecord(p.ID, "t3", t0.Add(time.Minute))
	t4 := newRecord(p.ID, "t4", t0.Add(2*time.Minute))
	t4.Model = "other-model"
	mustInsert(t, s, t3)
	mustInsert(t, s, newRecord(other.ID, "o2", t0))
	mustInsert(t, s, t4)
	head := mustTailPosition(t, s, p.ID)
	if head <= start {
		t.Errorf("TailPosition() after more inserts = %d, want > %d", head, start)
	}

	t.Run("from zero in storage order", func(t *testing.T) {
		recs, next := mustTail(t, s, p.ID, store.TailQuery{})
		checkIDs(t, "Tail(after 0)", requestIDs(recs), []string{"t1", "t2", "t3", "t4"})
		if next != head {
			t.Errorf("Tail(after 0) next = %d, want %d", next, head)
		}
		if len(recs) > 0 {
			checkRecord(t, "Tail(after 0)[0]", recs[0], t1)
		}
	})
	t.Run("after a position", func(t *testing.T) {
		recs, next := mustTail(t, s, p.ID, store.TailQuery{After: start})
		checkIDs(t, "Tail(after start)", requestIDs(recs), []string{"t3", "t4"})
		if next != head {
			t.Errorf("Tail(after start) next = %d, want %d", next, head)
		}
	})
	t.Run("limit", func(t *testing.T) {
		var ids []string
		after := int64(0)
		for range 3 {
			recs, next := mustTail(t, s, p.ID, store.TailQuery{After: after, Limit: 3})
			ids = append(ids, requestIDs(recs)...)
			if next < after {
				t.Errorf("Tail(after %d) next = %d, want it not to go back", after, next)
			}
			after = next
		}
		checkIDs(t, "Tail pages of 3", ids, []string{"t1", "t2", "t3", "t4"})
	})
	t.Run("filter", func(t *testing.T) {
		f := eq(field(filter.FieldModel), "other-model")
		recs, next := mustTail(t, s, p.ID, store.TailQuery{Filter: f})
		checkIDs(t, "Tail(model = other-model)", requestIDs(recs), []string{"t2", "t4"})
		if next != head {
			t.Errorf("Tail(filter) next = %d, want %d", next, head)
		}
		recs, next = mustTail(t, s, p.ID, store.TailQuery{Filter: eq(prop("env"), "prod")})
		checkIDs(t, "Tail(env = prod)", requestIDs(recs), []string{"t1"})
		if next != head {
			t.Errorf("Tail(env = prod) next = %d, want %d: the logs that failed the filter "+
				"need not be read again", next, head)
		}
	})
	t.Run("at head", func(t *testing.T) {
		recs, next := mustTail(t, s, p.ID, store.TailQuery{After: head})
		if len(recs) != 0 || next != head {
			t.Errorf("Tail(after head) = %v, %d, want nothing, %d", requestIDs(recs), next, head)
		}
	})
	t.Run("project isolation", func(t *testing.T) {
		recs, _ := mustTail(t, s, other.ID, store.TailQuery{})
		checkIDs(t, "Tail(other)", requestIDs(recs), []string{"o1", "o2"})
	})
	t.Run("invalid", func(t *testing.T) {
		for _, q := range []store.TailQuery{{Limit: -1}, {Filter: eq(field("nope"), "x")}} {
			if _, _, err := s.Tail(t.Context(), p.ID, q); !errors.Is(err, store.ErrInvalidQuery) {
				t.Errorf("Tail(%+v) = %v, want ErrInvalidQuery", q, err)
			}
		}
	})
}
