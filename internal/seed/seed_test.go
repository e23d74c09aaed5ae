package seed_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/seed"
)

var end = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func generate(t testing.TB, cfg seed.Config) []seed.Log {
	t.Helper()
	g, err := seed.New(cfg)
	if err != nil {
		t.Fatalf("seed.New(%+v): %v", cfg, err)
	}
	var logs []seed.Log
	for i := range g.Units() {
		unit := g.Unit(i)
		if len(unit) != g.UnitSize(i) {
			t.Fatalf("Unit(%d) has %d logs, UnitSize says %d", i, len(unit), g.UnitSize(i))
		}
		logs = append(logs, unit...)
	}
	return logs
}

// batchItem is the shape of a generated item.
type batchItem struct {
	Headers  map[string]string `json:"headers"`
	Provider string            `json:"provider"`
	Body     json.RawMessage   `json:"body"`
}

func decode(t *testing.T, l seed.Log) (*record.Record, batchItem) {
	t.Helper()
	var item batchItem
	if err := json.Unmarshal(l.Item, &item); err != nil {
		t.Fatalf("log %s: item is not valid JSON: %v\n%s", l.RequestID, err, l.Item)
	}
	h := http.Header{}
	for k, v := range item.Headers {
		h.Set(k, v)
	}
	rec, err := record.Decode(item.Body, h, record.Options{Provider: item.Provider})
	if err != nil {
		t.Fatalf("log %s: record.Decode: %v\n%s", l.RequestID, err, item.Body)
	}
	return rec, item
}

func TestCount(t *testing.T) {
	tests := []struct {
		name string
		cfg  seed.Config
	}{
		{"one log", seed.Config{Count: 1, End: end}},
		{"more sessions than logs", seed.Config{Count: 10, Sessions: 50, End: end}},
		{"default sessions", seed.Config{Count: 1234, End: end}},
		{"many sessions", seed.Config{Count: 5000, Sessions: 400, Days: 2, Seed: 9, End: end}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := generate(t, tc.cfg)
			if len(logs) != tc.cfg.Count {
				t.Fatalf("generated %d logs, want %d", len(logs), tc.cfg.Count)
			}
			ids := map[string]bool{}
			for _, l := range logs {
				if ids[l.RequestID] {
					t.Fatalf("request id %s generated twice", l.RequestID)
				}
				ids[l.RequestID] = true
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	cfg := seed.Config{Count: 2000, Sessions: 50, Seed: 42, End: end}
	a, b := generate(t, cfg), generate(t, cfg)
	for i := range a {
		if !bytes.Equal(a[i].Item, b[i].Item) {
			t.Fatalf("log %d differs between two runs with the same config", i)
		}
	}
	cfg.Seed = 43
	c := generate(t, cfg)
	if a[0].RequestID == c[0].RequestID {
		t.Errorf("seeds 42 and 43 produced the same first request id %s", a[0].RequestID)
	}
}

// TestOtherConfigOtherIDs checks that data sets that differ only in their count or end share
// no request id, so that seeding one after the other stores both in full.
func TestOtherConfigOtherIDs(t *testing.T) {
	base := seed.Config{Count: 100, Seed: 42, End: end}
	ids := map[string]bool{}
	for _, l := range generate(t, base) {
		ids[l.RequestID] = true
	}
	bigger, later, subMilli := base, base, base
	bigger.Count = 200
	later.End = end.Add(time.Hour)
	subMilli.End = end.Add(900 * time.Microsecond)
	for _, cfg := range []seed.Config{bigger, later, subMilli} {
		for i, l := range generate(t, cfg) {
			if ids[l.RequestID] {
				t.Errorf("config %+v: log %d reuses request id %s of the first data set",
					cfg, i, l.RequestID)
				break
			}
		}
	}
}

func TestLogsDecode(t *testing.T) {
	const count = 4000
	cfg := seed.Config{Count: count, Sessions: 60, Days: 3, Seed: 7, End: end}
	logs := generate(t, cfg)

	kinds := map[string]int{}
	statuses := map[int64]int{}
	sessions := map[string]int{}
	deep, streamed, costed, users, props := 0, 0, 0, map[string]bool{}, 0
	earliest := end.Add(-3 * 24 * time.Hour)
	for _, l := range logs {
		rec, item := decode(t, l)
		if rec.RequestID != l.RequestID {
			t.Fatalf("decoded request id %s, want %s", rec.RequestID, l.RequestID)
		}
		if rec.Kind != l.Kind {
			t.Errorf("log %s: decoded kind %s, generated %s", l.RequestID, rec.Kind, l.Kind)
		}
		if rec.Status != l.Status {
			t.Errorf("log %s: decoded status %d, generated %d", l.RequestID, rec.Status, l.Status)
		}
		if rec.CreatedAt.Before(earliest) {
			t.Errorf("log %s starts at %s, before the range start %s", l.RequestID,
				rec.CreatedAt, earliest)
		}
		if item.Provider == "" {
			t.Errorf("log %s has no provider", l.RequestID)
		}
		kinds[rec.Kind]++
		statuses[rec.Status]++
		if rec.SessionID != "" {
			sessions[rec.SessionID]++
			if bytes.Count([]byte(rec.SessionPath), []byte("/")) >= 3 {
				deep++
			}
		}
		if rec.Streamed {
			streamed++
		}
		if rec.Cost > 0 {
			costed++
			if rec.PromptTokens == 0 || rec.CompletionTokens == 0 {
				t.Errorf("log %s has a cost but no token usage", l.RequestID)
			}
		}
		users[rec.UserID] = true
		if rec.Properties["environment"] != "" && rec.Properties["customer"] != "" &&
			rec.Properties["feature"] != "" {
			props++
		}
	}

	for _, k := range []string{record.KindLLM, record.KindTool, record.KindVectorDB,
		record.KindData} {
		if kinds[k] < count/20 {
			t.Errorf("%d logs of kind %s, want at least %d", kinds[k], k, count/20)
		}
	}
	errs := count - statuses[200]
	if errs < count*3/100 || errs > count*9/100 {
		t.Errorf("%d logs with a status other than 200, want about 6%% of %d", errs, count)
	}
	if statuses[-1] == 0 || statuses[-3] == 0 {
		t.Errorf("statuses %v: want some -1 and some -3", statuses)
	}
	if len(sessions) != 60 {
		t.Errorf("%d sessions, want 60", len(sessions))
	}
	if deep == 0 || streamed == 0 || costed == 0 {
		t.Errorf("%d logs three levels deep, %d streamed, %d with cost; want some of each",
			deep, streamed, costed)
	}
	if len(users) < 5 {
		t.Errorf("%d users, want at least 5", len(users))
	}
	if props != count {
		t.Errorf("%d logs carry environment, feature and customer, want all %d", props, count)
	}
}

func TestBigSession(t *testing.T) {
	logs := generate(t, seed.Config{Count: 20000, Sessions: 500, Seed: 3, End: end})
	sizes := map[string]int{}
	for _, l := range logs {
		var item batchItem
		if err := json.Unmarshal(l.Item, &item); err != nil {
			t.Fatal(err)
		}
		if id := item.Headers["Helicone-Session-Id"]; id != "" {
			sizes[id]++
		}
	}
	largest := 0
	for _, n := range sizes {
		largest = max(largest, n)
	}
	if average := 20000 * 85 / 100 / len(sizes); largest < 20*average {
		t.Errorf("largest session has %d logs, want at least 20 times the average %d",
			largest, average)
	}
}

func TestBigSessionLogs(t *testing.T) {
	tests := []struct {
		name string
		cfg  seed.Config
		want int
	}{
		{"exact size", seed.Config{Count: 20000, BigSessionLogs: 5000, Seed: 3, End: end}, 5000},
		{"few sessions", seed.Config{Count: 3000, Sessions: 4, BigSessionLogs: 7, End: end}, 7},
		{"capped", seed.Config{Count: 100, Sessions: 10, BigSessionLogs: 500, End: end}, 76},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := generate(t, tc.cfg)
			if len(logs) != tc.cfg.Count {
				t.Fatalf("generated %d logs, want %d", len(logs), tc.cfg.Count)
			}
			sizes := map[string]int{}
			var first string
			for _, l := range logs {
				var item batchItem
				if err := json.Unmarshal(l.Item, &item); err != nil {
					t.Fatal(err)
				}
				if id := item.Headers["Helicone-Session-Id"]; id != "" {
					if first == "" {
						first = id
					}
					sizes[id]++
				}
			}
			if sizes[first] != tc.want {
				t.Errorf("first session holds %d logs, want %d", sizes[first], tc.want)
			}
			for id, n := range sizes {
				if n < 1 {
					t.Errorf("session %s holds no logs", id)
				}
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  seed.Config
	}{
		{"zero count", seed.Config{End: end}},
		{"negative sessions", seed.Config{Count: 1, Sessions: -1, End: end}},
		{"negative days", seed.Config{Count: 1, Days: -1, End: end}},
		{"negative big session", seed.Config{Count: 1, BigSessionLogs: -1, End: end}},
		{"no end", seed.Config{Count: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := seed.New(tc.cfg); err == nil {
				t.Errorf("seed.New(%+v) returned no error", tc.cfg)
			}
		})
	}
}

func BenchmarkUnit(b *testing.B) {
	g, err := seed.New(seed.Config{Count: 100_000, Seed: 1, End: end})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	logs, bytesOut := 0, 0
	for i := 0; b.Loop(); i++ {
		for _, l := range g.Unit(i % g.Units()) {
			logs++
			bytesOut += len(l.Item)
		}
	}
	b.ReportMetric(float64(logs)/b.Elapsed().Seconds(), "logs/s")
	b.ReportMetric(float64(bytesOut)/float64(max(logs, 1)), "bytes/log")
}
