package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

const mutBase = 300

// scoredRow is a request row with its scores.
type scoredRow struct {
	RequestID  string             `json:"request_id"`
	Properties map[string]string  `json:"properties"`
	Scores     map[string]float64 `json:"scores"`
}

func (s *testServer) scoredRow(t *testing.T, key, id string) scoredRow {
	t.Helper()
	var r scoredRow
	s.apiData(t, http.MethodGet, "/v1/request/"+id, key, "", http.StatusOK, &r)
	return r
}

// matchIDs runs POST /v1/request/query with filter and returns the sorted ids.
func (s *testServer) matchIDs(t *testing.T, key, filter string) []string {
	t.Helper()
	var rows []row
	s.apiData(t, http.MethodPost, "/v1/request/query", key, `{"filter":`+filter+`}`,
		http.StatusOK, &rows)
	return sortedRowIDs(rows)
}

func TestPutProperty(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, mutBase)
	id := idN(mutBase + 4)
	path := "/v1/request/" + id + "/property"

	srv.apiData(t, http.MethodPut, path, srv.Key, `{"key":"Reviewed","value":"yes"}`,
		http.StatusOK, nil)
	if got := srv.matchIDs(t, srv.Key, propLeaf("reviewed", "equals", `"yes"`)); !slices.Equal(
		got, []string{id}) {
		t.Errorf("filter reviewed = yes: %v, want %s", got, id)
	}
	if r := srv.scoredRow(t, srv.Key, id); r.Properties["reviewed"] != "yes" {
		t.Errorf("GET after PUT: properties %v, want reviewed=yes", r.Properties)
	}

	// A second PUT replaces the value, and an existing property can be overwritten too.
	srv.apiData(t, http.MethodPut, path, srv.Key, `{"key":"reviewed","value":"no"}`,
		http.StatusOK, nil)
	srv.apiData(t, http.MethodPut, "/v1/request/"+idN(mutBase+1)+"/property", srv.Key,
		`{"key":"env","value":"qa"}`, http.StatusOK, nil)
	if got := srv.matchIDs(t, srv.Key, propLeaf("reviewed", "equals", `"yes"`)); len(got) != 0 {
		t.Errorf("reviewed = yes after replacing: %v, want none", got)
	}
	if got := srv.matchIDs(t, srv.Key, propLeaf("env", "equals", `"prod"`)); !slices.Equal(got,
		fixtureIDs(mutBase, 3, 6)) {
		t.Errorf("env = prod after moving log 1 to qa: %v, want logs 3 and 6", got)
	}
	var keys []string
	srv.apiData(t, http.MethodGet, "/v1/properties", srv.Key, "", http.StatusOK, &keys)
	if !slices.Contains(keys, "reviewed") {
		t.Errorf("property keys %v do not list the new key reviewed", keys)
	}

	srv.apiError(t, http.MethodPut, "/v1/request/"+idN(mutBase+99)+"/property", srv.Key,
		`{"key":"a","value":"b"}`, http.StatusNotFound, "request not found")
	for _, tc := range []struct{ body, want string }{
		{`{}`, "key and value"},
		{`{"key":"a"}`, "key and value"},
		{`{"key":"","value":"x"}`, "key: must not be empty"},
		{`{"key":"   ","value":"x"}`, "key: must not be empty"},
		{`{"key":"Helicone-Session-Id","value":"x"}`, "own field"},
		{`{"key":"` + strings.Repeat("k", 257) + `","value":"x"}`, "key: 257 bytes"},
		{`{"key":"a","value":"` + strings.Repeat("v", 64<<10+1) + `"}`, "value: 65537 bytes"},
		{`{"key":5,"value":"x"}`, "invalid JSON body"},
		{`{"key":"a","value":7}`, "invalid JSON body"},
		{`not json`, "invalid JSON body"},
	} {
		srv.apiError(t, http.MethodPut, path, srv.Key, tc.body, http.StatusBadRequest, tc.want)
	}
	r := srv.scoredRow(t, srv.Key, id)
	if r.Properties["reviewed"] != "no" || r.Properties["a"] != "" {
		t.Errorf("rejected PUTs changed the log: properties %v", r.Properties)
	}
}

func TestScoresAndFeedback(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, mutBase)
	id2, id3 := idN(mutBase+2), idN(mutBase+3)

	srv.apiData(t, http.MethodPost, "/v1/request/"+id2+"/score", srv.Key,
		`{"scores":{"accuracy":0.25,"Grounded":true}}`, http.StatusCreated, nil)
	srv.apiData(t, http.MethodPost, "/v1/request/"+id3+"/score", srv.Key,
		`{"scores":{"accuracy":0.9,"Grounded":false}}`, http.StatusCreated, nil)
	r := srv.scoredRow(t, srv.Key, id2)
	if r.Scores["accuracy"] != 0.25 || r.Scores["Grounded"] != 1 {
		t.Errorf("scores of log 2: %v, want accuracy 0.25 and Grounded 1", r.Scores)
	}

	scoreLeaf := func(name, op, value string) string {
		return fmt.Sprintf(`{"request_response_rmt":{"scores":{%q:{%q:%s}}}}`, name, op, value)
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{scoreLeaf("accuracy", "gte", `0.5`), []string{id3}},
		{scoreLeaf("accuracy", "lt", `0.5`), []string{id2}},
		{scoreLeaf("Grounded", "equals", `true`), []string{id2}},
		{scoreLeaf("accuracy", "equals", `"null"`), fixtureIDs(mutBase, 1, 4, 5, 6)},
		{scoreLeaf("accuracy", "not-equals", `"null"`), []string{id2, id3}},
	} {
		if got := srv.matchIDs(t, srv.Key, tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("filter %s: %v, want %v", tc.filter, got, tc.want)
		}
	}
	var rows []scoredRow
	srv.apiData(t, http.MethodPost, "/v1/request/query", srv.Key,
		`{"filter":`+scoreLeaf("accuracy", "gte", `0.5`)+`}`, http.StatusOK, &rows)
	if len(rows) != 1 || rows[0].Scores["accuracy"] != 0.9 {
		t.Errorf("query rows carry scores %+v, want accuracy 0.9", rows)
	}
	var page struct {
		Rows []scoredRow `json:"rows"`
	}
	srv.apiData(t, http.MethodGet, "/v1/requests?q="+url.QueryEscape("score.accuracy >= 0.5"),
		srv.Key, "", http.StatusOK, &page)
	if len(page.Rows) != 1 || page.Rows[0].RequestID != id3 {
		t.Errorf("GET /v1/requests score.accuracy >= 0.5: %+v, want log 3", page.Rows)
	}

	// Request feedback is the score helicone-score-feedback.
	srv.apiData(t, http.MethodPost, "/v1/request/"+id2+"/feedback", srv.Key,
		`{"rating":true}`, http.StatusOK, nil)
	srv.apiData(t, http.MethodPost, "/v1/request/"+id3+"/feedback", srv.Key,
		`{"rating":false}`, http.StatusOK, nil)
	if got := srv.matchIDs(t, srv.Key, `{"feedback":{"rating":{"equals":true}}}`); !slices.Equal(
		got, []string{id2}) {
		t.Errorf("feedback rating true: %v, want log 2", got)
	}
	if got := srv.matchIDs(t, srv.Key, leaf("helicone-score-feedback", "equals",
		`false`)); !slices.Equal(got, []string{id3}) {
		t.Errorf("helicone-score-feedback false: %v, want log 3", got)
	}
	if r := srv.scoredRow(t, srv.Key, id3); r.Scores["helicone-score-feedback"] != 0 ||
		len(r.Scores) != 3 {
		t.Errorf("scores of log 3: %v, want accuracy, Grounded and feedback 0", r.Scores)
	}

	unknown := idN(mutBase + 99)
	srv.apiError(t, http.MethodPost, "/v1/request/"+unknown+"/score", srv.Key,
		`{"scores":{"a":1}}`, http.StatusNotFound, "request not found")
	srv.apiError(t, http.MethodPost, "/v1/request/"+unknown+"/feedback", srv.Key,
		`{"rating":true}`, http.StatusNotFound, "request not found")
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf(`"s%d":1`, i)
	}
	for _, tc := range []struct{ path, body, want string }{
		{"score", `{}`, "scores: must hold at least one score"},
		{"score", `{"scores":{}}`, "scores: must hold at least one score"},
		{"score", `{"scores":{"a":"high"}}`, "scores.a: must be a number or a boolean"},
		{"score", `{"scores":{"a":null}}`, "scores.a: must be a number or a boolean, not null"},
		{"score", `{"scores":{"":1}}`, "scores: a name must be 1 to 256 bytes"},
		{"score", `{"scores":{` + strings.Join(many, ",") + `}}`, "101 scores, the limit is 100"},
		{"score", `{"scores":{"a":1e400}}`, "scores.a: must be a number"},
		{"score", `{"scores":[1]}`, "invalid JSON body"},
		{"feedback", `{}`, "rating: required"},
		{"feedback", `{"rating":"yes"}`, "invalid JSON body"},
		{"feedback", `{"rating":null}`, "rating: required"},
	} {
		srv.apiError(t, http.MethodPost, "/v1/request/"+id2+"/"+tc.path, srv.Key, tc.body,
			http.StatusBadRequest, tc.want)
	}
	// A rejected score list writes none of its scores.
	srv.apiError(t, http.MethodPost, "/v1/request/"+id2+"/score", srv.Key,
		`{"scores":{"fresh":1,"z":"bad"}}`, http.StatusBadRequest, "scores.z")
	if r := srv.scoredRow(t, srv.Key, id2); len(r.Scores) != 3 {
		t.Errorf("scores of log 2 after rejected calls: %v, want the 3 written before", r.Scores)
	}
}

func TestSessionFeedback(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, mutBase)

	srv.apiData(t, http.MethodPost, "/v1/session/S1/feedback", srv.Key, `{"rating":true}`,
		http.StatusOK, nil)
	prop := propLeaf("Helicone-Session-Feedback", "equals", `"1"`)
	if got := srv.matchIDs(t, srv.Key, prop); !slices.Equal(got, fixtureIDs(mutBase, 1)) {
		t.Errorf("session feedback 1: %v, want the earliest log of S1", got)
	}
	srv.apiData(t, http.MethodPost, "/v1/session/S1/feedback", srv.Key, `{"rating":false}`,
		http.StatusOK, nil)
	if got := srv.matchIDs(t, srv.Key, propLeaf("helicone-session-feedback", "equals",
		`"0"`)); !slices.Equal(got, fixtureIDs(mutBase, 1)) {
		t.Errorf("session feedback 0: %v, want the earliest log of S1", got)
	}
	srv.apiError(t, http.MethodPost, "/v1/session/S9/feedback", srv.Key, `{"rating":true}`,
		http.StatusNotFound, "session not found")
	srv.apiError(t, http.MethodPost, "/v1/session/S1/feedback", srv.Key, `{"rating":1}`,
		http.StatusBadRequest, "invalid JSON body")
	srv.apiError(t, http.MethodPost, "/v1/session/S1/feedback", srv.Key, `{}`,
		http.StatusBadRequest, "rating")
}

func TestScopesOnAPIRoutes(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, mutBase)
	id := idN(mutBase + 1)
	readKey := srv.newKeyInDefault(t, store.ScopeRead)
	writeKey := srv.newKeyInDefault(t, store.ScopeWrite)

	writes := []struct{ method, path, body string }{
		{http.MethodPut, "/v1/request/" + id + "/property", `{"key":"k","value":"v"}`},
		{http.MethodPost, "/v1/request/" + id + "/score", `{"scores":{"s":1}}`},
		{http.MethodPost, "/v1/request/" + id + "/feedback", `{"rating":true}`},
		{http.MethodPost, "/v1/session/S1/feedback", `{"rating":true}`},
	}
	for _, w := range writes {
		srv.apiError(t, w.method, w.path, readKey, w.body, http.StatusForbidden, "scope")
	}
	if r := srv.scoredRow(t, srv.Key, id); r.Properties["k"] != "" || len(r.Scores) != 0 ||
		r.Properties["helicone-session-feedback"] != "" {
		t.Errorf("refused writes changed the log: %+v", r)
	}
	wantStatus := []int{http.StatusOK, http.StatusCreated, http.StatusOK, http.StatusOK}
	for i, w := range writes {
		srv.apiData(t, w.method, w.path, writeKey, w.body, wantStatus[i], nil)
	}

	reads := []struct{ method, path, body string }{
		{http.MethodGet, "/v1/request/" + id, ""},
		{http.MethodPost, "/v1/request/query", `{"filter":"all"}`},
		{http.MethodPost, "/v1/session/query", `{}`},
		{http.MethodPost, "/v1/property/query", `{}`},
		{http.MethodPost, "/v1/user/query", `{}`},
		{http.MethodGet, "/v1/requests", ""},
		{http.MethodGet, "/v1/metrics", ""},
		{http.MethodGet, "/v1/stream", ""},
	}
	for _, r := range reads {
		srv.apiError(t, r.method, r.path, writeKey, r.body, http.StatusForbidden, "scope")
		srv.apiError(t, r.method, r.path, "", r.body, http.StatusUnauthorized)
		srv.apiError(t, r.method, r.path, "hg_not_a_key", r.body, http.StatusUnauthorized)
	}
	var rows []row
	srv.apiData(t, http.MethodPost, "/v1/request/query", readKey, `{"filter":"all"}`,
		http.StatusOK, &rows)
	if len(rows) != len(apiLogs) {
		t.Errorf("read key sees %d logs, want %d", len(rows), len(apiLogs))
	}
}

// newKeyInDefault creates a key of scope in the project of the bootstrap key.
func (s *testServer) newKeyInDefault(t *testing.T, scope string) string {
	t.Helper()
	keys, err := s.Store.ListKeys(t.Context())
	if err != nil || len(keys) == 0 {
		t.Fatalf("ListKeys: %d keys, %v", len(keys), err)
	}
	secret, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Store.CreateKey(t.Context(), store.Key{ID: auth.NewID(),
		ProjectID: keys[0].ProjectID, Name: scope, Scope: scope, Hash: auth.HashKey(secret),
		Prefix: auth.DisplayPrefix(secret)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return secret
}

// TestUpperCaseRequestID checks that a UUID request id in upper case finds the log, which
// ingest stored under the lower-case id.
func TestUpperCaseRequestID(t *testing.T) {
	srv := startServer(t)
	const upper = "3F1C0F4E-8A51-4B7E-9A2C-5D2A1B3C4D5E"
	lower := strings.ToLower(upper)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody),
		map[string]string{"Helicone-Request-Id": upper})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST: %d %s", resp.Status, resp.Body)
	}

	if r := srv.scoredRow(t, srv.Key, upper); r.RequestID != lower {
		t.Errorf("GET /v1/request/%s: id %q, want %q", upper, r.RequestID, lower)
	}
	srv.apiData(t, http.MethodPut, "/v1/request/"+upper+"/property", srv.Key,
		`{"key":"k","value":"v"}`, http.StatusOK, nil)
	srv.apiData(t, http.MethodPost, "/v1/request/"+upper+"/score", srv.Key,
		`{"scores":{"s":2}}`, http.StatusCreated, nil)
	srv.apiData(t, http.MethodPost, "/v1/request/"+upper+"/feedback", srv.Key,
		`{"rating":true}`, http.StatusOK, nil)
	if r := srv.scoredRow(t, srv.Key, lower); r.Properties["k"] != "v" || r.Scores["s"] != 2 ||
		r.Scores["helicone-score-feedback"] != 1 {
		t.Errorf("log after writes by upper-case id: properties %v scores %v", r.Properties,
			r.Scores)
	}
	if got := srv.matchIDs(t, srv.Key, leaf("request_id", "equals", `"`+upper+`"`)); !slices.Equal(
		got, []string{lower}) {
		t.Errorf("filter request_id equals %s: %v, want %s", upper, got, lower)
	}
	var page pageData
	srv.do(t, http.MethodGet, "/v1/requests?q="+url.QueryEscape("id = "+upper), srv.Key, nil,
		nil).json(t, &page)
	if len(page.Data.Rows) != 1 {
		t.Errorf("GET /v1/requests?q=id = %s: %d rows, want 1", upper, len(page.Data.Rows))
	}
}

// A log with the most properties takes no new key through the property route, but still takes
// its session's feedback.
func TestPropertyLimitOnMutations(t *testing.T) {
	srv := startServer(t)
	headers := map[string]string{"Helicone-Session-Id": "full-session",
		"Helicone-Request-Id": "0d5c1c0e-1b2a-4c3d-8e4f-5a6b7c8d9e0f"}
	for i := range record.MaxProperties {
		headers[fmt.Sprintf("Helicone-Property-K%d", i)] = "v"
	}
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody), headers)
	if resp.Status != http.StatusOK {
		t.Fatalf("log with %d properties: status %d %s", record.MaxProperties, resp.Status,
			resp.Body)
	}
	path := "/v1/request/" + headers["Helicone-Request-Id"] + "/property"
	srv.apiError(t, http.MethodPut, path, srv.Key, `{"key":"one-more","value":"v"}`,
		http.StatusBadRequest, `key: "one-more" is new, and the log has 256 properties`)
	srv.apiData(t, http.MethodPut, path, srv.Key, `{"key":"k0","value":"changed"}`,
		http.StatusOK, nil)
	srv.apiData(t, http.MethodPost, "/v1/session/full-session/feedback", srv.Key,
		`{"rating":true}`, http.StatusOK, nil)
}
