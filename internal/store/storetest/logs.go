package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// oddProperties returns properties whose keys break naive SQL building or key parsing.
func oddProperties() map[string]string {
	return map[string]string{
		"uni.workflow.id": "wf-1",
		"key with space":  "v",
		"o'brien":         "q'uote",
		`say "hi"`:        `"quoted"`,
		"ключ":            "значение",
		"emoji 🚀":         "🚀",
		"a_b-c~d%":        "100%",
		"empty":           "",
	}
}

func testInsertRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProject(t, s, "roundtrip")

	full := newRecord(p.ID, "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e", t0.Add(123*time.Millisecond))
	full.EndedAt = full.CreatedAt.Add(1250 * time.Millisecond)
	full.Status = -3
	full.Kind = record.KindTool
	full.Model = "tool:search"
	full.RequestModel = "req-model"
	full.ResponseModel = "resp-model"
	full.ModelOverride = "override-model"
	full.Provider = record.ProviderOpenAI
	full.Path = "/oai/v1/log"
	full.UserID = "user-ü"
	full.SessionID = "session-1"
	full.SessionName = "Session «one»"
	full.SessionPath = "/root/child"
	full.PromptID = "prompt-7"
	full.Properties = oddProperties()
	full.PromptTokens = 1 << 40
	full.CompletionTokens = 7
	full.TotalTokens = 1<<40 + 7
	full.CacheReadTokens = 3
	full.CacheWriteTokens = 2
	full.Cost = 0.000123456789
	full.Streamed = true
	full.Error = "rate limited: 429"
	full.RequestBody = []byte(`{"id":12345678901234567890,"text":"héllo 👋 — 日本","n":-0.0}`)
	full.ResponseBody = []byte(`{"big":18446744073709551617,"emoji":"🎉"}`)
	full.ResponseRaw = []byte("data: {\"a\":1}\n\ndata: [DONE]\n\xff\xfe raw bytes")

	noTTFT := newRecord(p.ID, "no-ttft", t0.Add(time.Second))
	noTTFT.TimeToFirstTokenMs = nil
	noTTFT.Properties = nil
	zeroTTFT := newRecord(p.ID, "zero-ttft", t0.Add(2*time.Second))
	zero := int64(0)
	zeroTTFT.TimeToFirstTokenMs = &zero

	st := mustInsert(t, s, full, noTTFT, zeroTTFT)
	for i, status := range st {
		if status != store.Inserted {
			t.Errorf("InsertLogs status[%d] = %v, want Inserted", i, status)
		}
	}

	for _, want := range []*record.Record{full, noTTFT, zeroTTFT} {
		got, err := s.GetLog(ctx, p.ID, want.RequestID)
		if err != nil {
			t.Errorf("GetLog(%s) = %v, want nil", want.RequestID, err)
			continue
		}
		checkRecord(t, "GetLog("+want.RequestID+")", got, want)
	}

	recs := mustQuery(t, s, p.ID, store.LogQuery{WithBodies: true})
	checkIDs(t, "QueryLogs(all)", requestIDs(recs), []string{"zero-ttft", "no-ttft", full.RequestID})
	if len(recs) == 3 {
		checkRecord(t, "QueryLogs(all)[2]", recs[2], full)
	}

	if _, err := s.GetLog(ctx, p.ID, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetLog(missing) = %v, want ErrNotFound", err)
	}
}

func testInsertDuplicates(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProject(t, s, "dups")

	first := newRecord(p.ID, "dup-1", t0)
	first.Properties = map[string]string{"env": "prod"}
	second := newRecord(p.ID, "dup-1", t0.Add(time.Minute))
	second.Model = "changed"
	second.Properties = map[string]string{"env": "dev", "extra": "x"}
	other := newRecord(p.ID, "other", t0)

	st := mustInsert(t, s, first, second, other)
	want := []store.InsertStatus{store.Inserted, store.Duplicate, store.Inserted}
	for i := range want {
		if st[i] != want[i] {
			t.Errorf("InsertLogs(first, same id, other)[%d] = %v, want %v", i, st[i], want[i])
		}
	}

	third := newRecord(p.ID, "dup-1", t0.Add(time.Hour))
	third.Status = 500
	third.Properties = map[string]string{"env": "staging"}
	st = mustInsert(t, s, third)
	if st[0] != store.Duplicate {
		t.Errorf("InsertLogs(stored id) = %v, want Duplicate", st[0])
	}

	got, err := s.GetLog(ctx, p.ID, "dup-1")
	if err != nil {
		t.Fatalf("GetLog(dup-1) = %v, want nil", err)
	}
	checkRecord(t, "GetLog(dup-1) after duplicates", got, first)

	recs := mustQuery(t, s, p.ID, store.LogQuery{})
	if len(recs) != 2 {
		t.Errorf("QueryLogs(all) returned %d logs, want 2", len(recs))
	}
}

// testInsertLargeBatch inserts a batch large enough for a backend to split it, with
// duplicates close together and far apart.
func testInsertLargeBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProject(t, s, "large")

	const n = 700
	recs := make([]*record.Record, n)
	want := make([]store.InsertStatus, n)
	for i := range recs {
		id := fmt.Sprintf("large-%04d", i)
		want[i] = store.Inserted
		switch {
		case i%100 == 99:
			id = fmt.Sprintf("large-%04d", i-1) // duplicate of the record before
			want[i] = store.Duplicate
		case i%250 == 3 && i > 250:
			id = "large-0003" // duplicate of a record far back
			want[i] = store.Duplicate
		}
		recs[i] = newRecord(p.ID, id, t0.Add(time.Duration(i)*time.Millisecond))
		recs[i].Properties = map[string]string{"i": fmt.Sprint(i), "parity": fmt.Sprint(i % 2),
			"const": "c"}
	}
	st := mustInsert(t, s, recs...)
	inserted := 0
	for i := range want {
		if st[i] != want[i] {
			t.Errorf("InsertLogs(%d records)[%d] = %v, want %v", n, i, st[i], want[i])
		}
		if want[i] == store.Inserted {
			inserted++
		}
	}

	got := mustQuery(t, s, p.ID, store.LogQuery{Limit: 2 * n})
	if len(got) != inserted {
		t.Errorf("QueryLogs() returned %d logs, want %d", len(got), inserted)
	}
	for _, r := range got {
		var i int
		if _, err := fmt.Sscanf(r.RequestID, "large-%04d", &i); err != nil {
			t.Fatalf("unexpected request id %q", r.RequestID)
		}
		if r.Properties["i"] != fmt.Sprint(i) || len(r.Properties) != 3 {
			t.Errorf("log %s properties = %v, want those of record %d", r.RequestID, r.Properties, i)
		}
	}
	first, err := s.GetLog(ctx, p.ID, "large-0003")
	if err != nil {
		t.Fatalf("GetLog(large-0003) = %v", err)
	}
	checkRecord(t, "GetLog(large-0003)", first, recs[3])
}

func testInsertSameIDTwoProjects(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := mustProject(t, s, "a")
	b := mustProject(t, s, "b")

	ra := newRecord(a.ID, "shared-id", t0)
	ra.Model = "model-a"
	ra.Properties = map[string]string{"secret": "a"}
	rb := newRecord(b.ID, "shared-id", t0)
	rb.Model = "model-b"

	st := mustInsert(t, s, ra, rb)
	if st[0] != store.Inserted || st[1] != store.Inserted {
		t.Errorf("InsertLogs(same id, two projects) = %v, want both Inserted", st)
	}
	for _, want := range []*record.Record{ra, rb} {
		got, err := s.GetLog(ctx, want.ProjectID, "shared-id")
		if err != nil {
			t.Fatalf("GetLog(%s, shared-id) = %v, want nil", want.ProjectID, err)
		}
		checkRecord(t, "GetLog(shared-id)", got, want)
	}
}

func testInsertInvalidBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := mustProject(t, s, "invalid")

	st, err := s.InsertLogs(ctx, nil)
	if err != nil || len(st) != 0 {
		t.Errorf("InsertLogs(nil) = %v, %v, want no statuses and nil", st, err)
	}

	valid := newRecord(p.ID, "valid", t0)
	noID := newRecord(p.ID, "", t0)
	if _, err := s.InsertLogs(ctx, []*record.Record{valid, noID}); err == nil {
		t.Errorf("InsertLogs(valid, missing request id) = nil, want an error")
	}
	if _, err := s.InsertLogs(ctx, []*record.Record{valid, nil}); err == nil {
		t.Errorf("InsertLogs(valid, nil) = nil, want an error")
	}
	if _, err := s.GetLog(ctx, p.ID, "valid"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetLog(valid) after failed batches = %v, want ErrNotFound", err)
	}
}

func testProjectIsolation(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := mustProject(t, s, "a")
	b := mustProject(t, s, "b")

	ra := newRecord(a.ID, "R_A", t0)
	ra.UserID = "alice-a"
	ra.SessionID = "S_A"
	ra.Properties = map[string]string{"secret": "a"}
	mustInsert(t, s, ra)

	if _, err := s.GetLog(ctx, b.ID, "R_A"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetLog(project b, R_A) = %v, want ErrNotFound", err)
	}
	queries := map[string]store.LogQuery{
		"all":        {},
		"request id": {Filter: eq(field("request_id"), "R_A")},
		"property":   {Filter: eq(prop("secret"), "a")},
		"user":       {Filter: eq(field("user"), "alice-a")},
		"session":    {Filter: eq(field("session_id"), "S_A")},
	}
	for name, q := range queries {
		if recs := mustQuery(t, s, b.ID, q); len(recs) != 0 {
			t.Errorf("QueryLogs(project b, %s) returned %v, want nothing", name, requestIDs(recs))
		}
		if recs := mustQuery(t, s, a.ID, q); len(recs) != 1 {
			t.Errorf("QueryLogs(project a, %s) returned %v, want [R_A]", name, requestIDs(recs))
		}
	}
}
