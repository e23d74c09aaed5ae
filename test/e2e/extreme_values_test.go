package e2e

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// usageBody returns a log of 2025-01-01 10:00 UTC with the given usage object and cost member.
func usageBody(usage, cost string) string {
	return `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"m"},"meta":{}},` +
		`"providerResponse":{"json":{"model":"m","usage":` + usage + `},"status":200,` +
		`"headers":{}` + cost + `},"timing":{"startTime":{"seconds":1735725600,` +
		`"milliseconds":0},"endTime":{"seconds":1735725601,"milliseconds":0}}}`
}

// TestExtremeUsageKeepsServing posts 2,000 logs with token counts far past any real call, in
// one hour of one session and user, while another project posts ordinary logs, and then reads
// every aggregate. With counts capped at 2^53, such sums overflowed the store's 64-bit
// integers, which failed whole group commits, other projects' logs included.
func TestExtremeUsageKeepsServing(t *testing.T) {
	srv := startServer(t)
	otherKey := srv.newProjectKey(t, "other", "all")
	huge := usageBody(`{"prompt_tokens":1e30,"completion_tokens":9223372036854775807}`, "")
	item := `{"headers":{"Helicone-Session-Id":"s-1","Helicone-User-Id":"u-1"},"body":` +
		huge + `}`
	batch := `{"logs":[` + strings.Repeat(item+",", 999) + item + `]}`

	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			resp := srv.do(t, http.MethodPost, "/v1/log/batch", srv.Key, []byte(batch), nil)
			stored := strings.Count(string(resp.Body), `"status":"stored"`)
			if resp.Status != http.StatusOK || stored != 1000 {
				t.Errorf("batch %d: status %d with %d logs stored, want 200 and 1000: %.300s",
					i, resp.Status, stored, resp.Body)
			}
		})
	}
	for i := range 20 {
		wg.Go(func() {
			body := usageBody(`{"prompt_tokens":10,"completion_tokens":2}`, "")
			resp := srv.do(t, http.MethodPost, "/custom/v1/log", otherKey, []byte(body), nil)
			if resp.Status != http.StatusOK {
				t.Errorf("other project's log %d: status %d %s, want 200", i, resp.Status,
					resp.Body)
			}
		})
	}
	wg.Wait()

	rows, _ := srv.queryRows(t, srv.Key, `{"filter":"all","limit":1}`)
	if len(rows) != 1 || rows[0].PromptTokens != 1<<32 {
		t.Errorf("stored rows %+v, want prompt tokens capped at 2^32", rows)
	}
	for _, path := range []string{"/v1/sessions", "/v1/users",
		"/v1/metrics?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&bucket=1h"} {
		var data any
		srv.apiData(t, http.MethodGet, path, srv.Key, "", http.StatusOK, &data)
		if data == nil {
			t.Errorf("GET %s: no data", path)
		}
	}
	for _, path := range []string{"/v1/session/metrics/query", "/v1/user/query"} {
		var data any
		srv.apiData(t, http.MethodPost, path, srv.Key, `{}`, http.StatusOK, &data)
		if data == nil {
			t.Errorf("POST %s: no data", path)
		}
	}
}

func TestCostOutOfRangeRejected(t *testing.T) {
	srv := startServer(t)
	for _, cost := range []string{"1.7e308", "1000000001"} {
		body := usageBody(`{"prompt_tokens":1}`, `,"cost":`+cost)
		resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(body), nil)
		if resp.Status != http.StatusBadRequest ||
			!strings.Contains(string(resp.Body), "providerResponse.cost") {
			t.Errorf("cost %s: status %d %s, want 400 naming providerResponse.cost", cost,
				resp.Status, resp.Body)
		}
	}
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key,
		[]byte(usageBody(`{"prompt_tokens":1}`, `,"cost":1e9`)), nil)
	if resp.Status != http.StatusOK {
		t.Errorf("cost 1e9: status %d %s, want 200", resp.Status, resp.Body)
	}
}

// TestSessionSpanningMillennia checks the duration of a session from 1970 to 9999, longer than
// the 292 years a time.Duration holds.
func TestSessionSpanningMillennia(t *testing.T) {
	srv := startServer(t)
	headers := map[string]string{"Helicone-Session-Id": "long"}
	for _, timing := range []string{
		`{"startTime":0,"endTime":1000}`,
		`{"startTime":"9999-12-31T00:00:00Z","endTime":"9999-12-31T23:59:59.999Z"}`,
	} {
		body := strings.Replace(usageBody(`{}`, ""), `"timing":{"startTime":{"seconds":1735725600,`+
			`"milliseconds":0},"endTime":{"seconds":1735725601,"milliseconds":0}}`,
			`"timing":`+timing, 1)
		resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(body), headers)
		if resp.Status != http.StatusOK {
			t.Fatalf("log with timing %s: status %d %s", timing, resp.Status, resp.Body)
		}
	}
	var data struct {
		Average struct {
			SessionDuration []struct {
				Average float64 `json:"average"`
			} `json:"session_duration"`
		} `json:"average"`
	}
	srv.apiData(t, http.MethodPost, "/v1/session/metrics/query", srv.Key, `{}`, http.StatusOK,
		&data)
	const want = 253402300799.999 // seconds from 1970 to the end of 9999
	if d := data.Average.SessionDuration; len(d) != 1 || d[0].Average != want {
		t.Errorf("session duration %+v, want %v s", d, want)
	}
}

// isoBody returns a log that starts and ends at the given ISO 8601 times.
func isoBody(start, end string) string {
	return `{"providerRequest":{"url":"custom-model-nopath","json":{"model":"m"},"meta":{}},` +
		`"providerResponse":{"json":{},"status":200,"headers":{}},"timing":{"startTime":"` +
		start + `","endTime":"` + end + `"}}`
}

// The first instant of year 1, which Go's zero time.Time also stands for, bounds a time
// filter like any other instant, and a session that spans millennia reports its whole length.
func TestTimeExtremesInAggregates(t *testing.T) {
	srv := startServer(t)
	logs := []struct{ session, start, end string }{
		{"early", "1970-01-01T00:00:00Z", "1970-01-01T00:00:01Z"},
		{"recent", "2025-06-01T00:00:00Z", "2025-06-01T00:00:01Z"},
		{"long", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"},
	}
	for _, l := range logs {
		resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key,
			[]byte(isoBody(l.start, l.end)), map[string]string{"Helicone-Session-Id": l.session})
		if resp.Status != http.StatusOK {
			t.Fatalf("log of session %s: status %d %s", l.session, resp.Status, resp.Body)
		}
	}
	for _, c := range []struct {
		timeFilter string
		want       []string
	}{
		{`{"end":"0001-01-01T00:00:00Z"}`, []string{}},
		{`{"endTimeUnixMs":-62135596800000}`, []string{}},
		{`{"start":"0001-01-01T00:00:00Z","end":"2000-01-01T00:00:00Z"}`,
			[]string{"early", "long"}},
		{`{"start":"0001-01-01T00:00:00Z"}`, []string{"early", "long", "recent"}},
	} {
		var rows []sessionRowData
		srv.apiData(t, http.MethodPost, "/v1/session/query", srv.Key,
			`{"timeFilter":`+c.timeFilter+`}`, http.StatusOK, &rows)
		got := sessionIDs(rows)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("sessions within %s = %v, want %v", c.timeFilter, got, c.want)
		}
	}

	var tree struct {
		DurationMs int64 `json:"duration_ms"`
	}
	srv.apiData(t, http.MethodGet, "/v1/sessions/long/tree", srv.Key, "", http.StatusOK, &tree)
	if want := int64(253402300799999); tree.DurationMs != want {
		t.Errorf("session long: duration_ms %d, want %d", tree.DurationMs, want)
	}
}
