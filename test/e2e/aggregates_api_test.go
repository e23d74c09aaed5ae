package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

const aggBase = 200

type sessionRowData struct {
	SessionID              string  `json:"session_id"`
	SessionName            string  `json:"session_name"`
	CreatedAt              string  `json:"created_at"`
	LatestRequestCreatedAt string  `json:"latest_request_created_at"`
	TotalCost              float64 `json:"total_cost"`
	TotalRequests          int64   `json:"total_requests"`
	TotalErrors            int64   `json:"total_errors"`
	PromptTokens           int64   `json:"prompt_tokens"`
	CompletionTokens       int64   `json:"completion_tokens"`
	TotalTokens            int64   `json:"total_tokens"`
	AvgLatency             float64 `json:"avg_latency"`
}

func sessionIDs(rows []sessionRowData) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.SessionID
	}
	return out
}

func TestSessionQueries(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, aggBase)
	query := func(body string) []sessionRowData {
		t.Helper()
		var rows []sessionRowData
		srv.apiData(t, http.MethodPost, "/v1/session/query", srv.Key, body, http.StatusOK,
			&rows)
		return rows
	}

	t.Run("totals", func(t *testing.T) {
		rows := query(`{}`)
		if got := sessionIDs(rows); !slices.Equal(got, []string{"S3", "S2", "S1"}) {
			t.Fatalf("sessions %v, want S3, S2, S1 (latest activity first)", got)
		}
		s1 := rows[2]
		want := sessionRowData{SessionID: "S1", SessionName: "agent",
			CreatedAt:              "2025-01-01T00:00:00.000Z",
			LatestRequestCreatedAt: "2025-01-01T00:01:00.300Z", TotalRequests: 2,
			TotalErrors: 1, PromptTokens: 30, CompletionTokens: 15, TotalTokens: 45,
			AvgLatency: 200}
		got := s1
		got.TotalCost = 0
		if got != want || !nearlyEqual(s1.TotalCost, 0.03) {
			t.Errorf("S1 = %+v, want %+v with cost 0.03", s1, want)
		}
		if rows[1].SessionName != "chat" || !nearlyEqual(rows[1].TotalCost, 0.05) ||
			rows[1].AvgLatency != 1000 {
			t.Errorf("S2 = %+v, want chat, cost 0.05, latency 1000", rows[1])
		}
		if rows[0].SessionName != "" || rows[0].TotalRequests != 1 {
			t.Errorf("S3 = %+v, want no name and 1 request", rows[0])
		}
	})

	t.Run("filter narrows totals", func(t *testing.T) {
		rows := query(`{"filter":` + leaf("status", "equals", `200`) + `}`)
		if got := sessionIDs(rows); !slices.Equal(got, []string{"S3", "S2", "S1"}) {
			t.Fatalf("status 200: sessions %v, want S3, S2, S1", got)
		}
		if s1 := rows[2]; s1.TotalRequests != 1 || s1.TotalErrors != 0 ||
			!nearlyEqual(s1.TotalCost, 0.01) || s1.TotalTokens != 15 {
			t.Errorf("S1 with status 200 = %+v, want only log 1", s1)
		}
		rows = query(`{"filter":` + leaf("model", "contains", `"gpt"`) + `}`)
		if got := sessionIDs(rows); !slices.Equal(got, []string{"S1"}) {
			t.Errorf("model ~ gpt: sessions %v, want S1", got)
		}
	})

	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"search name", `{"search":"AG"}`, []string{"S1"}},
		{"search id", `{"search":"s3"}`, []string{"S3"}},
		{"name equals", `{"nameEquals":"chat"}`, []string{"S2"}},
		{"time filter", `{"timeFilter":{"startTimeUnixMs":1735776000000,` +
			`"endTimeUnixMs":1735862400000}}`, []string{"S3"}},
		{"time filter ISO", `{"timeFilter":{"start":"2025-01-01T00:00:30Z",` +
			`"end":"2025-01-01T01:00:00Z"}}`, []string{"S2", "S1"}},
		{"limit and offset", `{"limit":1,"offset":1}`, []string{"S2"}},
		{"empty body", ``, []string{"S3", "S2", "S1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sessionIDs(query(tc.body)); !slices.Equal(got, tc.want) {
				t.Errorf("%s: sessions %v, want %v", tc.body, got, tc.want)
			}
		})
	}

	t.Run("list endpoint", func(t *testing.T) {
		var rows []sessionRowData
		srv.apiData(t, http.MethodGet, "/v1/sessions?q="+url.QueryEscape(`model ~ "gpt"`),
			srv.Key, "", http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].SessionID != "S1" || rows[0].TotalRequests != 2 {
			t.Errorf("GET /v1/sessions?q=model ~ gpt: %+v, want S1 with 2 requests", rows)
		}
		srv.apiData(t, http.MethodGet, "/v1/sessions?limit=2&offset=1", srv.Key, "",
			http.StatusOK, &rows)
		if got := sessionIDs(rows); !slices.Equal(got, []string{"S2", "S1"}) {
			t.Errorf("GET /v1/sessions?limit=2&offset=1: %v, want S2, S1", got)
		}
	})

	t.Run("names", func(t *testing.T) {
		type nameRow struct {
			Name          string  `json:"name"`
			SessionCount  int64   `json:"session_count"`
			TotalRequests int64   `json:"total_requests"`
			TotalCost     float64 `json:"total_cost"`
			FirstUsed     string  `json:"first_used"`
			LastUsed      string  `json:"last_used"`
		}
		var rows []nameRow
		srv.apiData(t, http.MethodPost, "/v1/session/name/query", srv.Key, `{}`,
			http.StatusOK, &rows)
		if len(rows) != 2 || rows[0].Name != "chat" || rows[1].Name != "agent" {
			t.Fatalf("session names %+v, want chat then agent (no unnamed S3)", rows)
		}
		if a := rows[1]; a.SessionCount != 1 || a.TotalRequests != 2 ||
			!nearlyEqual(a.TotalCost, 0.03) || a.FirstUsed != "2025-01-01T00:00:00.000Z" {
			t.Errorf("agent = %+v, want 1 session, 2 requests, cost 0.03", a)
		}
		srv.apiData(t, http.MethodPost, "/v1/session/name/query", srv.Key,
			`{"nameContains":"HA"}`, http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].Name != "chat" {
			t.Errorf("nameContains HA: %+v, want chat", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/session/name/query", srv.Key,
			`{"filter":`+leaf("status", "equals", `500`)+`}`, http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].Name != "agent" || rows[0].TotalRequests != 1 {
			t.Errorf("status 500: %+v, want agent with 1 request", rows)
		}
	})
}

func TestSessionMetricsQuery(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, aggBase)
	type bin struct {
		RangeStart float64 `json:"range_start"`
		RangeEnd   float64 `json:"range_end"`
		Value      int64   `json:"value"`
	}
	type avg struct {
		Average float64 `json:"average"`
	}
	var m struct {
		SessionCount    []bin `json:"session_count"`
		SessionDuration []bin `json:"session_duration"`
		SessionCost     []bin `json:"session_cost"`
		Average         struct {
			SessionCount    []avg `json:"session_count"`
			SessionDuration []avg `json:"session_duration"`
			SessionCost     []avg `json:"session_cost"`
		} `json:"average"`
		Sessions  int  `json:"sessions"`
		Truncated bool `json:"truncated"`
	}
	srv.apiData(t, http.MethodPost, "/v1/session/metrics/query", srv.Key, `{}`,
		http.StatusOK, &m)
	if m.Sessions != 3 || m.Truncated {
		t.Fatalf("sessions %d truncated %v, want 3 and false", m.Sessions, m.Truncated)
	}
	// Requests per session: S1 2, S2 1, S3 1; durations 60.3 s, 1 s and 0.25 s; costs 0.03,
	// 0.05 and 0.004.
	if got := m.Average.SessionCount[0].Average; !nearlyEqual(got, 4.0/3) {
		t.Errorf("average requests per session %v, want 4/3", got)
	}
	if got := m.Average.SessionDuration[0].Average; !nearlyEqual(got, (60.3+1+0.25)/3) {
		t.Errorf("average duration %v, want %v", got, (60.3+1+0.25)/3)
	}
	if got := m.Average.SessionCost[0].Average; !nearlyEqual(got, 0.084/3) {
		t.Errorf("average cost %v, want 0.028", got)
	}
	counts := m.SessionCount
	if len(counts) != 10 || counts[0].RangeStart != 1 || counts[9].RangeEnd != 2 ||
		counts[0].Value != 2 || counts[9].Value != 1 {
		t.Errorf("requests-per-session histogram %+v, want 10 bins over [1, 2] with 2 in the "+
			"first and 1 in the last", counts)
	}
	var total int64
	for _, b := range m.SessionCost {
		total += b.Value
	}
	if total != 3 {
		t.Errorf("cost histogram counts %d sessions, want 3", total)
	}

	srv.apiData(t, http.MethodPost, "/v1/session/metrics/query", srv.Key,
		`{"filter":`+leaf("model", "contains", `"gpt"`)+`}`, http.StatusOK, &m)
	if m.Sessions != 1 || len(m.SessionCount) != 1 || m.SessionCount[0].Value != 1 ||
		m.SessionCount[0].RangeStart != 2 {
		t.Errorf("model ~ gpt: %d sessions, histogram %+v, want S1 alone with 2 requests",
			m.Sessions, m.SessionCount)
	}
	srv.apiData(t, http.MethodPost, "/v1/session/metrics/query", srv.Key,
		`{"nameContains":"chat"}`, http.StatusOK, &m)
	if m.Sessions != 1 {
		t.Errorf("nameContains chat: %d sessions, want 1", m.Sessions)
	}
}

type userRowData struct {
	UserID           string  `json:"user_id"`
	Count            int64   `json:"count"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"`
}

type userMetricsData struct {
	Users []struct {
		UserID                      string  `json:"user_id"`
		ActiveFor                   int64   `json:"active_for"`
		FirstActive                 string  `json:"first_active"`
		LastActive                  string  `json:"last_active"`
		TotalRequests               int64   `json:"total_requests"`
		TotalErrors                 int64   `json:"total_errors"`
		AverageRequestsPerDayActive float64 `json:"average_requests_per_day_active"`
		AverageTokensPerRequest     float64 `json:"average_tokens_per_request"`
		TotalPromptTokens           int64   `json:"total_prompt_tokens"`
		TotalCompletionTokens       int64   `json:"total_completion_tokens"`
		Cost                        float64 `json:"cost"`
		AvgLatency                  float64 `json:"avg_latency"`
	} `json:"users"`
	Count    int  `json:"count"`
	HasUsers bool `json:"hasUsers"`
}

func (m userMetricsData) ids() []string {
	out := make([]string, len(m.Users))
	for i, u := range m.Users {
		out[i] = u.UserID
	}
	return out
}

func TestUserQueries(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, aggBase)

	t.Run("user query", func(t *testing.T) {
		var rows []userRowData
		srv.apiData(t, http.MethodPost, "/v1/user/query", srv.Key, `{}`, http.StatusOK, &rows)
		want := []userRowData{{"u-1", 2, 110, 55, 0.06}, {"u-2", 1, 20, 10, 0.02},
			{"u-3", 1, 5, 5, 0}}
		if len(rows) != len(want) {
			t.Fatalf("users %+v, want %+v", rows, want)
		}
		for i := range want {
			got := rows[i]
			if !nearlyEqual(got.Cost, want[i].Cost) {
				t.Errorf("user %d cost %v, want %v", i, got.Cost, want[i].Cost)
			}
			got.Cost = want[i].Cost
			if got != want[i] {
				t.Errorf("user %d = %+v, want %+v", i, rows[i], want[i])
			}
		}
		srv.apiData(t, http.MethodPost, "/v1/user/query", srv.Key, `{"userIds":["u-2"]}`,
			http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].UserID != "u-2" {
			t.Errorf("userIds [u-2]: %+v, want u-2 alone", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/user/query", srv.Key,
			`{"filter":`+leaf("model", "contains", `"gpt"`)+`}`, http.StatusOK, &rows)
		if len(rows) != 3 || rows[0].UserID != "u-1" || rows[0].Count != 1 ||
			!nearlyEqual(rows[0].Cost, 0.01) {
			t.Errorf("model ~ gpt: %+v, want u-1 narrowed to log 1", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/user/query", srv.Key,
			`{"timeFilter":{"start":"2025-01-02T00:00:00Z","end":"2025-01-03T00:00:00Z"}}`,
			http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].UserID != "u-3" {
			t.Errorf("second day: %+v, want u-3 alone", rows)
		}
	})

	t.Run("user metrics", func(t *testing.T) {
		var m userMetricsData
		srv.apiData(t, http.MethodPost, "/v1/user/metrics/query", srv.Key, `{}`,
			http.StatusOK, &m)
		if !slices.Equal(m.ids(), []string{"u-1", "u-2", "u-3"}) || m.Count != 3 ||
			!m.HasUsers {
			t.Fatalf("user metrics %v count %d hasUsers %v, want u-1, u-2, u-3, 3, true",
				m.ids(), m.Count, m.HasUsers)
		}
		u1 := m.Users[0]
		if u1.TotalRequests != 2 || u1.TotalErrors != 0 || u1.ActiveFor != 1 ||
			u1.AverageRequestsPerDayActive != 2 || u1.AverageTokensPerRequest != 82.5 ||
			u1.AvgLatency != 550 || !nearlyEqual(u1.Cost, 0.06) ||
			u1.FirstActive != "2025-01-01T00:00:00.000Z" ||
			u1.LastActive != "2025-01-01T00:02:01.000Z" {
			t.Errorf("u-1 = %+v", u1)
		}
		if m.Users[2].TotalErrors != 1 {
			t.Errorf("u-3 errors %d, want 1 (status 429)", m.Users[2].TotalErrors)
		}

		srv.apiData(t, http.MethodPost, "/v1/user/metrics/query", srv.Key,
			`{"sort":{"cost":"asc"},"limit":1,"offset":1}`, http.StatusOK, &m)
		if !slices.Equal(m.ids(), []string{"u-2"}) || m.Count != 3 {
			t.Errorf("cost asc, second page of 1: %v count %d, want u-2 and 3", m.ids(),
				m.Count)
		}
		srv.apiData(t, http.MethodPost, "/v1/user/metrics/query", srv.Key,
			`{"filter":`+leaf("status", "equals", `999`)+`}`, http.StatusOK, &m)
		if len(m.Users) != 0 || m.Count != 0 || !m.HasUsers {
			t.Errorf("no match: %v count %d hasUsers %v, want none, 0, true", m.ids(), m.Count,
				m.HasUsers)
		}
		srv.apiData(t, http.MethodPost, "/v1/user/metrics/query", srv.Key,
			`{"filter":`+leaf("status", "not-equals", `200`)+`}`, http.StatusOK, &m)
		if !slices.Equal(m.ids(), []string{"u-2", "u-3"}) || m.Count != 2 {
			t.Errorf("status != 200: %v count %d, want u-2, u-3 and 2", m.ids(), m.Count)
		}
		srv.apiError(t, http.MethodPost, "/v1/user/metrics/query", srv.Key,
			`{"sort":{"nope":"asc"}}`, http.StatusBadRequest, "sort", `"nope"`)
		srv.apiError(t, http.MethodPost, "/v1/user/metrics/query", srv.Key, `{"limit":1001}`,
			http.StatusBadRequest, "limit")
	})

	t.Run("list endpoint", func(t *testing.T) {
		var m userMetricsData
		srv.apiData(t, http.MethodGet, "/v1/users?q="+url.QueryEscape(`model ~ gpt`),
			srv.Key, "", http.StatusOK, &m)
		if m.Count != 3 || m.Users[0].TotalRequests != 1 {
			t.Errorf("GET /v1/users?q=model ~ gpt: count %d, first %+v, want 3 users and u-1 "+
				"with 1 request", m.Count, m.Users[0])
		}
		srv.apiData(t, http.MethodGet, "/v1/users?q="+url.QueryEscape("status = 999"), srv.Key,
			"", http.StatusOK, &m)
		if m.Count != 0 || len(m.Users) != 0 || !m.HasUsers {
			t.Errorf("GET /v1/users?q=status = 999: count %d hasUsers %v, want 0 and true "+
				"because the project has users", m.Count, m.HasUsers)
		}
		srv.apiData(t, http.MethodGet, "/v1/users?search=U-2", srv.Key, "", http.StatusOK, &m)
		if !slices.Equal(m.ids(), []string{"u-2"}) {
			t.Errorf("search U-2: %v, want u-2", m.ids())
		}
	})
}

type valueRow struct {
	Property string  `json:"property"`
	Value    string  `json:"value"`
	Requests int64   `json:"requests"`
	Cost     float64 `json:"cost"`
}

func TestPropertyQueries(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, aggBase)

	t.Run("keys", func(t *testing.T) {
		var rows []struct {
			Property string `json:"property"`
		}
		srv.apiData(t, http.MethodPost, "/v1/property/query", srv.Key, `{}`, http.StatusOK,
			&rows)
		var got []string
		for _, r := range rows {
			got = append(got, r.Property)
		}
		want := []string{"env", "team", "uni.workflow.id"}
		if !slices.Equal(got, want) {
			t.Errorf("POST /v1/property/query: %v, want %v", got, want)
		}
		var keys []string
		srv.apiData(t, http.MethodGet, "/v1/properties", srv.Key, "", http.StatusOK, &keys)
		if !slices.Equal(keys, want) {
			t.Errorf("GET /v1/properties: %v, want %v", keys, want)
		}
	})

	t.Run("keys within a filter", func(t *testing.T) {
		var rows []struct {
			Property string `json:"property"`
		}
		body := `{"filter":{"request_response_rmt":{"user_id":{"equals":"u-1"}}}}`
		srv.apiData(t, http.MethodPost, "/v1/property/query", srv.Key, body, http.StatusOK,
			&rows)
		var got []string
		for _, r := range rows {
			got = append(got, r.Property)
		}
		if want := []string{"env", "team"}; !slices.Equal(got, want) {
			t.Errorf("POST /v1/property/query for user u-1: %v, want %v", got, want)
		}
		var keys []string
		path := "/v1/properties?q=" + url.QueryEscape(`property.env = "staging"`)
		srv.apiData(t, http.MethodGet, path, srv.Key, "", http.StatusOK, &keys)
		if want := []string{"env", "uni.workflow.id"}; !slices.Equal(keys, want) {
			t.Errorf("GET %s: %v, want %v", path, keys, want)
		}
	})

	t.Run("search", func(t *testing.T) {
		var rows []valueRow
		srv.apiData(t, http.MethodPost, "/v1/property/env/search", srv.Key, `{}`,
			http.StatusOK, &rows)
		if len(rows) != 3 || rows[0].Value != "prod" || rows[0].Requests != 3 ||
			!nearlyEqual(rows[0].Cost, 0.064) || rows[0].Property != "env" {
			t.Fatalf("env values %+v, want prod (3 requests, 0.064) first of 3", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/ENV/search", srv.Key,
			`{"searchTerm":"AG"}`, http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].Value != "staging" {
			t.Errorf("env values containing AG: %+v, want staging", rows)
		}
		// A filter narrows the counts and drops the values without a log in it.
		srv.apiData(t, http.MethodPost, "/v1/property/env/search", srv.Key,
			`{"searchTerm":"o","filter":`+leaf("status", "equals", `200`)+`}`,
			http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].Value != "prod" || rows[0].Requests != 3 {
			t.Errorf("env values containing o with status 200: %+v, want prod with 3", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/env/search", srv.Key,
			`{"filter":`+leaf("model", "contains", `"gpt"`)+`}`, http.StatusOK, &rows)
		if got := valueNames(rows); !slices.Equal(got, []string{"dev", "prod", "staging"}) ||
			rows[1].Requests != 1 || !nearlyEqual(rows[1].Cost, 0.01) {
			t.Errorf("env values with model ~ gpt: %+v, want dev, prod, staging, 1 each", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/env/search", srv.Key,
			`{"timeFilter":{"start":"2025-01-02T00:00:00Z"}}`, http.StatusOK, &rows)
		if got := valueNames(rows); !slices.Equal(got, []string{"prod", "staging"}) ||
			rows[0].Requests != 1 {
			t.Errorf("env values from the second day: %+v, want prod (1), staging", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/uni.workflow.id/search", srv.Key, ``,
			http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].Value != "wf-1" {
			t.Errorf("uni.workflow.id values: %+v, want wf-1", rows)
		}
	})

	t.Run("top", func(t *testing.T) {
		var rows []valueRow
		srv.apiData(t, http.MethodPost, "/v1/property/env/top-costs/query", srv.Key, `{}`,
			http.StatusOK, &rows)
		if got := valueNames(rows); !slices.Equal(got, []string{"prod", "dev", "staging"}) ||
			!nearlyEqual(rows[0].Cost, 0.064) {
			t.Errorf("top costs %+v, want prod (0.064), dev, staging", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/env/top-requests/query", srv.Key,
			`{"filter":`+leaf("status", "equals", `200`)+`}`, http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].Value != "prod" || rows[0].Requests != 3 {
			t.Errorf("top requests with status 200: %+v, want prod with 3", rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/env/top-requests/query", srv.Key,
			`{"filter":`+leaf("model", "contains", `"gpt"`)+`}`, http.StatusOK, &rows)
		if got := valueNames(rows); !slices.Equal(got, []string{"dev", "prod", "staging"}) ||
			rows[1].Requests != 1 {
			t.Errorf("top requests with model ~ gpt: %+v, want dev, prod, staging with 1 each",
				rows)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/env/top-costs/query", srv.Key,
			`{"timeFilter":{"start":"2025-01-02T00:00:00Z","end":"2025-01-03T00:00:00Z"}}`,
			http.StatusOK, &rows)
		if got := valueNames(rows); !slices.Equal(got, []string{"prod", "staging"}) {
			t.Errorf("top costs on the second day: %+v, want prod, staging", rows)
		}
	})

	t.Run("over time", func(t *testing.T) {
		var rows []struct {
			Time     string  `json:"time"`
			Value    string  `json:"value"`
			Requests int64   `json:"requests"`
			Cost     float64 `json:"cost"`
		}
		srv.apiData(t, http.MethodPost, "/v1/property/properties/over-time", srv.Key,
			`{"propertyKey":"env","dbIncrement":"day","timeFilter":`+
				`{"start":"2025-01-01T00:00:00Z","end":"2025-01-03T00:00:00Z"}}`,
			http.StatusOK, &rows)
		got := map[string]int64{}
		for _, r := range rows {
			got[r.Time[:10]+" "+r.Value] = r.Requests
		}
		want := map[string]int64{"2025-01-01 prod": 2, "2025-01-01 dev": 1,
			"2025-01-02 staging": 1, "2025-01-02 prod": 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("env over time %v, want %v", got, want)
		}
		srv.apiData(t, http.MethodPost, "/v1/property/properties/over-time", srv.Key,
			`{"propertyKey":"env","dbIncrement":"hour","filter":`+
				leaf("status", "equals", `200`)+`,"timeFilter":`+
				`{"start":"2025-01-01T00:00:00Z","end":"2025-01-02T00:00:00Z"}}`,
			http.StatusOK, &rows)
		if len(rows) != 1 || rows[0].Value != "prod" || rows[0].Requests != 2 ||
			rows[0].Time != "2025-01-01T00:00:00.000Z" {
			t.Errorf("status 200 by hour on the first day: %+v, want prod with 2 at 00:00",
				rows)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct{ path, body, want string }{
			{"/v1/property/properties/over-time", `{"propertyKey":"env",` +
				`"dbIncrement":"fortnight"}`, "dbIncrement"},
			{"/v1/property/properties/over-time", `{"dbIncrement":"day"}`, "propertyKey"},
			{"/v1/property/properties/over-time", `{"propertyKey":"env","dbIncrement":"min",` +
				`"timeFilter":{"start":"2025-01-01T00:00:00Z","end":"2025-02-01T00:00:00Z"}}`,
				"limit is 2000"},
			{"/v1/property/properties/over-time", `{"propertyKey":"env","dbIncrement":"day",` +
				`"timeFilter":{"start":"2025-01-02T00:00:00Z","end":"2025-01-01T00:00:00Z"}}`,
				"timeFilter"},
			{"/v1/property/properties/over-time", `{"propertyKey":"env","dbIncrement":"day",` +
				`"timeFilter":{"start":"2999-01-01T00:00:00Z"}}`, "timeFilter: the start"},
			{"/v1/property/env/top-costs/query", `{"timeFilter":{"start":"yesterday"}}`,
				"timeFilter.start"},
			{"/v1/property/env/top-costs/query", `{"filter":` + leaf("x", "equals", `1`) + `}`,
				`unknown column "x"`},
			{"/v1/property/env/search", `{"searchTerm":5}`, "invalid JSON body"},
			{"/v1/property/env/search", `{"filter":` + leaf("x", "equals", `1`) + `}`,
				`unknown column "x"`},
			{"/v1/property/env/top-requests/query", `{"timeFilter":{"start":1e30}}`,
				"timeFilter.start: 1e+30 epoch milliseconds is outside the years 0 to 9999"},
			{"/v1/property/env/top-requests/query",
				`{"timeFilter":{"endTimeUnixSeconds":-1e20}}`, "timeFilter.end"},
			{"/v1/property/Helicone-Session-Id/search", `{}`, "own field"},
		} {
			srv.apiError(t, http.MethodPost, tc.path, srv.Key, tc.body, http.StatusBadRequest,
				tc.want)
		}
	})
}

// TestPropertyTopOther checks the "Other" row, which sums the values beyond the top 10.
func TestPropertyTopOther(t *testing.T) {
	srv := startServer(t)
	for i := 1; i <= 12; i++ {
		l := apiLog{n: i, offsetSec: int64(i), latencyMs: 10, status: 200, ttft: "null",
			cost: fmt.Sprintf("%d.0", i), request: `{"model":"m"}`, response: `{}`,
			meta: map[string]string{"Helicone-Property-K": fmt.Sprintf("v%02d", i)}}
		resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(l.body()), nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("POST log %d: %d %s", i, resp.Status, resp.Body)
		}
	}
	var rows []valueRow
	srv.apiData(t, http.MethodPost, "/v1/property/k/top-costs/query", srv.Key, `{}`,
		http.StatusOK, &rows)
	if len(rows) != 11 || rows[0].Value != "v12" || rows[9].Value != "v03" {
		t.Fatalf("top costs %+v, want v12 to v03 and Other", rows)
	}
	other := rows[10]
	if other.Value != "Other" || other.Requests != 2 || !nearlyEqual(other.Cost, 3) {
		t.Errorf("Other = %+v, want 2 requests costing 3 (v01 and v02)", other)
	}
	srv.apiData(t, http.MethodPost, "/v1/property/k/top-costs/query", srv.Key,
		`{"filter":`+leaf("cost", "gte", `2`)+`}`, http.StatusOK, &rows)
	if len(rows) != 11 || rows[10].Requests != 1 || !nearlyEqual(rows[10].Cost, 2) {
		t.Errorf("cost >= 2: %+v, want Other holding v02 alone", rows)
	}
}

func valueNames(rows []valueRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Value
	}
	return out
}
