package e2e

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/store"
)

const (
	isoBaseA = 500
	isoBaseB = 600
)

// isolationSetup stores the fixture in project A and in project B under other ids, plus one
// log in A whose values appear nowhere in B: property secret=a-only, user alice-a, session
// S-A named a-name, model a-model.
func isolationSetup(t *testing.T) (srv *testServer, keyB, idA string) {
	t.Helper()
	srv = startServer(t)
	keyB = srv.newProjectKey(t, "project-b", store.ScopeAll)
	srv.seedAPILogs(t, srv.Key, isoBaseA)
	srv.seedAPILogs(t, keyB, isoBaseB)
	idA = idN(isoBaseA + 50)
	l := apiLog{n: 50, offsetSec: 30, latencyMs: 40, status: 200, ttft: "5", cost: "1",
		request: llmRequest("a-model", "a secret prompt"), response: llmResponse("a-model", 1, 1),
		meta: map[string]string{"Helicone-Property-Secret": "a-only",
			"Helicone-User-Id": "alice-a", "Helicone-Session-Id": "S-A",
			"Helicone-Session-Name": "a-name"}}
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(l.body()),
		map[string]string{"Helicone-Request-Id": idA})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST A's log: %d %s", resp.Status, resp.Body)
	}
	return srv, keyB, idA
}

func TestIsolationReadsLikeUnknown(t *testing.T) {
	srv, keyB, idA := isolationSetup(t)
	unknown := "99999999-9999-4999-8999-999999999999"

	// For A's resource, every route that names one returns to B exactly what it returns for
	// a resource that does not exist.
	for _, tc := range []struct{ method, pathA, pathUnknown, body string }{
		{http.MethodGet, "/v1/request/" + idA, "/v1/request/" + unknown, ""},
		{http.MethodGet, "/v1/sessions/S-A/tree", "/v1/sessions/S-none/tree", ""},
		{http.MethodPut, "/v1/request/" + idA + "/property", "/v1/request/" + unknown +
			"/property", `{"key":"secret","value":"b"}`},
		{http.MethodPost, "/v1/request/" + idA + "/score", "/v1/request/" + unknown + "/score",
			`{"scores":{"x":1}}`},
		{http.MethodPost, "/v1/request/" + idA + "/feedback", "/v1/request/" + unknown +
			"/feedback", `{"rating":true}`},
		{http.MethodPost, "/v1/session/S-A/feedback", "/v1/session/S-none/feedback",
			`{"rating":false}`},
	} {
		_, a := srv.api(t, tc.method, tc.pathA, keyB, tc.body)
		_, u := srv.api(t, tc.method, tc.pathUnknown, keyB, tc.body)
		if a.Status != http.StatusNotFound || a.Status != u.Status ||
			!bytes.Equal(a.Body, u.Body) {
			t.Errorf("%s %s with key B: %d %s; unknown: %d %s; want the same 404",
				tc.method, tc.pathA, a.Status, a.Body, u.Status, u.Body)
		}
	}

	// A's log is unchanged, read back with A's key.
	var r scoredRow
	srv.apiData(t, http.MethodGet, "/v1/request/"+idA, srv.Key, "", http.StatusOK, &r)
	if r.Properties["secret"] != "a-only" || len(r.Scores) != 0 ||
		r.Properties["helicone-session-feedback"] != "" {
		t.Errorf("A's log after B's writes: properties %v scores %v", r.Properties, r.Scores)
	}
}

func TestIsolationQueriesAndAggregates(t *testing.T) {
	srv, keyB, idA := isolationSetup(t)

	for _, filter := range []string{
		leaf("request_id", "equals", `"`+idA+`"`),
		leaf("user_id", "equals", `"alice-a"`),
		leaf("model", "equals", `"a-model"`),
		propLeaf("secret", "equals", `"a-only"`),
		propLeaf("secret", "not-equals", `"null"`),
		`{"sessions_request_response_rmt":{"session_session_id":{"equals":"S-A"}}}`,
		leaf("request_body", "contains", `"secret prompt"`),
	} {
		for _, path := range []string{"/v1/request/query", "/v1/request/query-clickhouse"} {
			var rows []row
			srv.apiData(t, http.MethodPost, path, keyB, `{"filter":`+filter+`}`,
				http.StatusOK, &rows)
			if len(rows) != 0 {
				t.Errorf("%s %s with key B: %v, want none", path, filter, rowIDs(rows))
			}
		}
	}
	var rows []row
	srv.apiData(t, http.MethodPost, "/v1/request/query", keyB, `{"filter":"all"}`,
		http.StatusOK, &rows)
	if got := sortedRowIDs(rows); !slices.Equal(got, fixtureIDs(isoBaseB, 1, 2, 3, 4, 5, 6)) {
		t.Errorf("key B all: %v, want B's 6 logs", got)
	}
	var page pageData
	srv.do(t, http.MethodGet, "/v1/requests?q="+url.QueryEscape(`user = "alice-a"`), keyB,
		nil, nil).json(t, &page)
	if len(page.Data.Rows) != 0 {
		t.Errorf("GET /v1/requests user = alice-a with key B: %d rows", len(page.Data.Rows))
	}

	// Aggregates of B hold B's 6 logs only, never a value of A.
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/session/query", `{}`},
		{http.MethodPost, "/v1/session/query", `{"search":"S-A"}`},
		{http.MethodPost, "/v1/session/name/query", `{}`},
		{http.MethodPost, "/v1/session/metrics/query", `{}`},
		{http.MethodPost, "/v1/property/query", `{}`},
		{http.MethodPost, "/v1/property/secret/search", `{}`},
		{http.MethodPost, "/v1/property/env/search", `{}`},
		{http.MethodPost, "/v1/property/secret/top-costs/query", `{}`},
		{http.MethodPost, "/v1/property/secret/top-requests/query", `{}`},
		{http.MethodPost, "/v1/property/env/top-requests/query", `{}`},
		{http.MethodPost, "/v1/property/properties/over-time", `{"propertyKey":"secret",` +
			`"dbIncrement":"day","timeFilter":{"start":"2025-01-01","end":"2025-01-03"}}`},
		{http.MethodPost, "/v1/user/query", `{}`},
		{http.MethodPost, "/v1/user/query", `{"userIds":["alice-a"]}`},
		{http.MethodPost, "/v1/user/metrics/query", `{}`},
		{http.MethodGet, "/v1/sessions", ""},
		{http.MethodGet, "/v1/properties", ""},
		{http.MethodGet, "/v1/users", ""},
		{http.MethodGet, "/v1/metrics?from=2025-01-01&to=2025-01-03&bucket=1d", ""},
	} {
		env, resp := srv.api(t, tc.method, tc.path, keyB, tc.body)
		if resp.Status != http.StatusOK {
			t.Errorf("%s %s with key B: status %d %s", tc.method, tc.path, resp.Status,
				resp.Body)
			continue
		}
		for _, secret := range []string{"a-only", "alice-a", "S-A", "a-name", "a-model",
			`"secret"`, idA} {
			if strings.Contains(string(env.Data), secret) {
				t.Errorf("%s %s %s with key B shows A's %s: %s", tc.method, tc.path, tc.body,
					secret, env.Data)
			}
		}
	}

	var sessions []sessionRowData
	srv.apiData(t, http.MethodPost, "/v1/session/query", keyB, `{}`, http.StatusOK, &sessions)
	if got := sessionIDs(sessions); !slices.Equal(got, []string{"S3", "S2", "S1"}) ||
		sessions[2].TotalRequests != 2 {
		t.Errorf("B's sessions %+v, want S3, S2, S1 with B's totals", sessions)
	}
	var m metricsData
	srv.apiData(t, http.MethodGet, "/v1/metrics?from=2025-01-01&to=2025-01-03&bucket=1d",
		keyB, "", http.StatusOK, &m)
	if len(m.Buckets) != 2 || m.Buckets[0].Requests != 4 || m.Buckets[1].Requests != 2 {
		t.Errorf("B's metrics %+v, want 4 and 2 requests", m.Buckets)
	}
	var users userMetricsData
	srv.apiData(t, http.MethodPost, "/v1/user/metrics/query", keyB, `{}`, http.StatusOK,
		&users)
	if users.Count != 3 || users.Users[0].TotalRequests != 2 {
		t.Errorf("B's users %+v, want 3 users with u-1 at 2 requests", users)
	}
}

func TestIsolationWritesStayInProject(t *testing.T) {
	srv, keyB, _ := isolationSetup(t)

	// Both projects have a session S1 and a log 1 with env=prod. B's writes change B's
	// copies only.
	srv.apiData(t, http.MethodPost, "/v1/session/S1/feedback", keyB, `{"rating":true}`,
		http.StatusOK, nil)
	srv.apiData(t, http.MethodPut, "/v1/request/"+idN(isoBaseB+1)+"/property", keyB,
		`{"key":"env","value":"b-changed"}`, http.StatusOK, nil)
	srv.apiData(t, http.MethodPost, "/v1/request/"+idN(isoBaseB+1)+"/score", keyB,
		`{"scores":{"b":1}}`, http.StatusCreated, nil)

	var a scoredRow
	srv.apiData(t, http.MethodGet, "/v1/request/"+idN(isoBaseA+1), srv.Key, "", http.StatusOK,
		&a)
	if a.Properties["env"] != "prod" || a.Properties["helicone-session-feedback"] != "" ||
		len(a.Scores) != 0 {
		t.Errorf("A's log 1 after B's writes: properties %v scores %v", a.Properties, a.Scores)
	}
	var keys []string
	srv.apiData(t, http.MethodGet, "/v1/properties", srv.Key, "", http.StatusOK, &keys)
	if slices.Contains(keys, "helicone-session-feedback") {
		t.Errorf("A's property keys %v hold the key B wrote", keys)
	}
	var b scoredRow
	srv.apiData(t, http.MethodGet, "/v1/request/"+idN(isoBaseB+1), keyB, "", http.StatusOK, &b)
	if b.Properties["env"] != "b-changed" || b.Properties["helicone-session-feedback"] != "1" ||
		b.Scores["b"] != 1 {
		t.Errorf("B's log 1: properties %v scores %v, want B's writes", b.Properties, b.Scores)
	}
}

func TestIsolationStream(t *testing.T) {
	srv, keyB, idA := isolationSetup(t)

	// From position 0, B's stream replays B's logs only, then follows B's new logs.
	st := srv.openStream(t, keyB, url.Values{"after": {"0"}}, nil)
	defer st.Close()
	var got []string
	for len(got) < len(apiLogs) {
		r, _ := st.nextLog(t)
		got = append(got, r.RequestID)
	}
	slices.Sort(got)
	if want := fixtureIDs(isoBaseB, 1, 2, 3, 4, 5, 6); !slices.Equal(got, want) {
		t.Errorf("B's replay %v, want %v", got, want)
	}
	srv.postAt(t, idN(isoBaseA+60), baseSeconds, nil)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", keyB, []byte(baseBody),
		map[string]string{"Helicone-Request-Id": idN(isoBaseB + 60)})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST B's log: %d %s", resp.Status, resp.Body)
	}
	if r, _ := st.nextLog(t); r.RequestID != idN(isoBaseB+60) {
		t.Errorf("B's stream sent %s, want B's new log (A's is %s)", r.RequestID, idA)
	}
}
