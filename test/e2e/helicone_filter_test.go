package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// leaf returns a request_response_rmt leaf on a column.
func leaf(column, op, value string) string {
	return fmt.Sprintf(`{"request_response_rmt":{%q:{%q:%s}}}`, column, op, value)
}

// propLeaf returns a request_response_rmt leaf on a property.
func propLeaf(key, op, value string) string {
	return fmt.Sprintf(`{"request_response_rmt":{"properties":{%q:{%q:%s}}}}`, key, op, value)
}

func andNode(l, r string) string {
	return `{"left":` + l + `,"operator":"and","right":` + r + `}`
}
func orNode(l, r string) string { return `{"left":` + l + `,"operator":"or","right":` + r + `}` }

const filterBase = 100

func TestHeliconeFilterTable(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, filterBase)

	cases := []struct {
		name   string
		filter string
		want   []int
	}{
		{"all", `"all"`, []int{1, 2, 3, 4, 5, 6}},

		{"property equals", propLeaf("env", "equals", `"prod"`), []int{1, 3, 6}},
		{"property key any case", propLeaf("ENV", "equals", `"prod"`), []int{1, 3, 6}},
		{"property not-equals includes missing", propLeaf("env", "not-equals", `"prod"`),
			[]int{2, 4, 5}},
		{"property like", propLeaf("env", "like", `"pro%"`), []int{1, 3, 6}},
		{"property like is case-sensitive", propLeaf("env", "like", `"PRO%"`), nil},
		{"property ilike", propLeaf("env", "ilike", `"PRO_"`), []int{1, 3, 6}},
		{"property contains ignores case", propLeaf("env", "contains", `"ROD"`),
			[]int{1, 3, 6}},
		{"property not-contains", propLeaf("env", "not-contains", `"ro"`), []int{2, 4, 5}},
		{"property equals null text", propLeaf("env", "equals", `"null"`), []int{4}},
		{"property equals JSON null", propLeaf("env", "equals", `null`), []int{4}},
		{"property not-equals null", propLeaf("env", "not-equals", `"null"`),
			[]int{1, 2, 3, 5, 6}},
		{"empty property is not null", propLeaf("team", "equals", `"null"`),
			[]int{2, 4, 5, 6}},
		{"property not-equals null keeps empty", propLeaf("team", "not-equals", `"null"`),
			[]int{1, 3}},
		{"property equals __empty__", propLeaf("team", "equals", `"__empty__"`),
			[]int{2, 3, 4, 5, 6}},
		{"property not-equals __empty__", propLeaf("team", "not-equals", `"__empty__"`),
			[]int{1}},
		{"property equals empty string", propLeaf("team", "equals", `""`), []int{3}},
		{"property key with dots", propLeaf("uni.workflow.id", "equals", `"wf-1"`),
			[]int{5}},
		{"older properties leaf", `{"properties":{"env":{"equals":"dev"}}}`, []int{2}},
		{"session id as property", propLeaf("Helicone-Session-Id", "equals", `"S2"`),
			[]int{3}},

		{"model equals", leaf("model", "equals", `"gpt-4o"`), []int{1}},
		{"model not-equals", leaf("model", "not-equals", `"gpt-4o"`), []int{2, 3, 4, 5, 6}},
		{"model contains ignores case", leaf("model", "contains", `"gpt"`), []int{1, 2, 5}},
		{"model not-contains", leaf("model", "not-contains", `"gpt"`), []int{3, 4, 6}},
		{"model like", leaf("model", "like", `"gpt-4o%"`), []int{1, 2}},
		{"model ilike", leaf("model", "ilike", `"gpt-4%"`), []int{1, 2, 5}},
		{"model equals null", leaf("model", "equals", `"null"`), nil},
		{"model not-equals null", leaf("model", "not-equals", `"null"`),
			[]int{1, 2, 3, 4, 5, 6}},
		{"model equals __empty__", leaf("model", "equals", `"__empty__"`), nil},
		{"request_model", leaf("request_model", "equals", `"claude-3-haiku"`), []int{3}},
		{"provider", leaf("provider", "equals", `"CUSTOM"`), []int{1, 2, 3, 4, 5, 6}},

		{"status equals", leaf("status", "equals", `200`), []int{1, 3, 6}},
		{"status as string", leaf("status", "equals", `"500"`), []int{2}},
		{"status not-equals", leaf("status", "not-equals", `200`), []int{2, 4, 5}},
		{"status gt", leaf("status", "gt", `200`), []int{2, 5}},
		{"status gte", leaf("status", "gte", `429`), []int{2, 5}},
		{"status lt", leaf("status", "lt", `200`), []int{4}},
		{"status lte", leaf("status", "lte", `200`), []int{1, 3, 4, 6}},
		{"status equals null", leaf("status", "equals", `"null"`), nil},

		{"latency gt", leaf("latency", "gt", `250`), []int{2, 3, 5}},
		{"latency gte", leaf("latency", "gte", `250`), []int{2, 3, 5, 6}},
		{"latency lt", leaf("latency", "lt", `100`), []int{4}},
		{"latency lte", leaf("latency", "lte", `100`), []int{1, 4}},
		{"latency equals", leaf("latency", "equals", `1000`), []int{3}},
		{"response delay_ms", `{"response":{"delay_ms":{"gte":2000}}}`, []int{5}},

		{"ttft null", leaf("time_to_first_token", "equals", `"null"`), []int{2, 4, 6}},
		{"ttft not null", leaf("time_to_first_token", "not-equals", `"null"`),
			[]int{1, 3, 5}},
		{"ttft gt", leaf("time_to_first_token", "gt", `50`), []int{3, 5}},
		{"ttft lte", leaf("time_to_first_token", "lte", `20`), []int{1}},
		{"ttft not-equals includes unknown", leaf("time_to_first_token", "not-equals", `20`),
			[]int{2, 3, 4, 5, 6}},

		{"tokens prompt gt", leaf("prompt_tokens", "gt", `10`), []int{2, 3}},
		{"tokens total equals", leaf("total_tokens", "equals", `0`), []int{4, 6}},
		{"tokens completion gte", leaf("completion_tokens", "gte", `10`), []int{2, 3}},
		{"cost gt", leaf("cost", "gt", `0.015`), []int{2, 3}},
		{"cost equals zero", leaf("cost", "equals", `0`), []int{4, 5}},
		{"cost lte", leaf("cost", "lte", `0.004`), []int{4, 5, 6}},

		{"user equals", leaf("user_id", "equals", `"u-1"`), []int{1, 3}},
		{"user not-equals", leaf("user_id", "not-equals", `"u-1"`), []int{2, 4, 5, 6}},
		{"user contains", leaf("user_id", "contains", `"U-"`), []int{1, 2, 3, 5}},
		{"user equals null", leaf("user_id", "equals", `"null"`), []int{4, 6}},
		{"user equals __empty__", leaf("user_id", "equals", `"__empty__"`), []int{4, 6}},
		{"users_view leaf", `{"users_view":{"user_user_id":{"equals":"u-3"}}}`, []int{5}},

		{"session id", `{"sessions_request_response_rmt":{"session_session_id":` +
			`{"equals":"S1"}}}`, []int{1, 2}},
		{"session name", `{"sessions_request_response_rmt":{"session_session_name":` +
			`{"equals":"agent"}}}`, []int{1, 2}},
		{"session name null", `{"sessions_request_response_rmt":{"session_session_name":` +
			`{"equals":"null"}}}`, []int{4, 5, 6}},

		{"request id equals", leaf("request_id", "equals", `"`+idN(filterBase+3)+`"`),
			[]int{3}},
		{"request id not-equals", leaf("request_id", "not-equals", `"`+idN(filterBase+3)+`"`),
			[]int{1, 2, 4, 5, 6}},
		{"request table id", `{"request":{"id":{"equals":"` + idN(filterBase+4) + `"}}}`,
			[]int{4}},

		{"created_at range", andNode(leaf("request_created_at", "gte", `"2025-01-01T00:01:00Z"`),
			leaf("request_created_at", "lt", `"2025-01-02T00:00:00Z"`)), []int{2, 3, 4}},
		{"created_at before all", leaf("request_created_at", "lt", `"2025-01-01"`), nil},
		{"created_at date", leaf("request_created_at", "gte", `"2025-01-02"`), []int{5, 6}},
		{"created_at lte exact", leaf("created_at", "lte", `"2025-01-01T00:01:00.000Z"`),
			[]int{1, 2}},
		{"response_created_at gt", leaf("response_created_at", "gt",
			`"2025-01-01T00:02:00.5Z"`), []int{3, 4, 5, 6}},

		{"request body contains", leaf("request_body", "contains", `"WEATHER"`), []int{1, 6}},
		{"request body not-contains", leaf("request_body", "not-contains", `"weather"`),
			[]int{2, 3, 4, 5}},
		{"response body contains", leaf("response_body", "contains", `"hits"`), []int{6}},
		{"request body like", leaf("request_body", "like", `"%SELECT 1%"`), []int{4}},

		{"and of leaves", andNode(propLeaf("env", "equals", `"prod"`),
			leaf("user_id", "equals", `"u-1"`)), []int{1, 3}},
		{"and with nested or", andNode(propLeaf("env", "equals", `"prod"`),
			orNode(leaf("latency", "gt", `500`), leaf("user_id", "equals", `"u-1"`))),
			[]int{1, 3}},
		{"or of ands", orNode(andNode(leaf("model", "contains", `"gpt"`),
			leaf("status", "not-equals", `200`)), propLeaf("Helicone-Session-Id", "equals",
			`"S2"`)), []int{2, 3, 5}},
		{"and with all", andNode(`"all"`, leaf("status", "equals", `500`)), []int{2}},
		{"or with all", orNode(`"all"`, leaf("status", "equals", `500`)),
			[]int{1, 2, 3, 4, 5, 6}},
	}
	for _, path := range []string{"/v1/request/query", "/v1/request/query-clickhouse"} {
		for _, tc := range cases {
			t.Run(strings.TrimPrefix(path, "/v1/request/")+"/"+tc.name, func(t *testing.T) {
				var rows []row
				srv.apiData(t, http.MethodPost, path, srv.Key,
					`{"filter":`+tc.filter+`,"limit":1000}`, http.StatusOK, &rows)
				got := sortedRowIDs(rows)
				want := fixtureIDs(filterBase, tc.want...)
				if !slices.Equal(got, want) {
					t.Errorf("filter %s: ids %v, want %v", tc.filter, got, want)
				}
			})
		}
	}
}

func TestHeliconeFilterErrors(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, filterBase)

	deep := `"all"`
	for range 65 {
		deep = andNode(deep, `"all"`)
	}
	cases := []struct {
		name string
		body string
		want []string
	}{
		{"missing filter", `{}`, []string{"filter: missing"}},
		{"invalid JSON", `{"filter":`, []string{"invalid JSON body"}},
		{"filter not an object", `{"filter":5}`, []string{"filter", "found number"}},
		{"unknown filter string", `{"filter":"everything"}`, []string{`"everything"`}},
		{"unknown table", `{"filter":{"nope":{"model":{"equals":"x"}}}}`,
			[]string{"unknown table", `"nope"`}},
		{"unknown column", `{"filter":` + leaf("foo", "equals", `1`) + `}`,
			[]string{"filter.request_response_rmt", `unknown column "foo"`}},
		{"unsupported column", `{"filter":` + leaf("country_code", "equals", `"US"`) + `}`,
			[]string{`"country_code"`, "not supported"}},
		{"unknown operator", `{"filter":` + leaf("status", "eq", `200`) + `}`,
			[]string{"filter.request_response_rmt.status", `unknown operator "eq"`}},
		{"in is not a Helicone operator", `{"filter":` + leaf("status", "in", `[200]`) + `}`,
			[]string{`unknown operator "in"`}},
		{"two operators", `{"filter":{"request_response_rmt":{"model":` +
			`{"equals":"a","contains":"b"}}}}`, []string{"expected exactly one operator"}},
		{"two columns", `{"filter":{"request_response_rmt":{"model":{"equals":"a"},` +
			`"status":{"equals":200}}}}`, []string{"expected exactly one column"}},
		{"invalid integer", `{"filter":` + andNode(`"all"`, leaf("status", "equals", `"abc"`)) +
			`}`, []string{"filter.right.request_response_rmt.status.equals",
			`invalid integer "abc"`}},
		{"time as number", `{"filter":` + leaf("request_created_at", "gt", `1735689600`) + `}`,
			[]string{"request_created_at.gt", "ISO 8601"}},
		{"relative time", `{"filter":` + leaf("request_created_at", "gt", `"-1h"`) + `}`,
			[]string{"request_created_at.gt"}},
		{"contains on a number", `{"filter":` + leaf("latency", "contains", `"5"`) + `}`,
			[]string{"latency.contains", "text field"}},
		{"gt on a property", `{"filter":` + propLeaf("env", "gt", `"a"`) + `}`,
			[]string{"properties.env.gt", "text field"}},
		{"__empty__ on a number", `{"filter":` + leaf("status", "equals", `"__empty__"`) + `}`,
			[]string{"status.equals", "text field"}},
		{"null with gt", `{"filter":` + leaf("latency", "gt", `null`) + `}`,
			[]string{"latency.gt", "null"}},
		{"bad operator", `{"filter":{"left":"all","operator":"xor","right":"all"}}`,
			[]string{"filter.operator", `"and" or "or"`}},
		{"missing right", `{"filter":{"left":"all","operator":"and"}}`,
			[]string{"filter", `missing "right"`}},
		{"nested too deep", `{"filter":` + deep + `}`, []string{"deeper than 64"}},
		{"empty property key", `{"filter":` + propLeaf("", "equals", `"x"`) + `}`,
			[]string{"key is empty"}},
		{"limit over 1000", `{"filter":"all","limit":1001}`,
			[]string{"limit", "1001", "0 to 1000"}},
		{"negative limit", `{"filter":"all","limit":-1}`, []string{"limit"}},
		{"negative offset", `{"filter":"all","offset":-5}`, []string{"offset"}},
		{"offset over a million", `{"filter":"all","offset":1000001}`,
			[]string{"offset", "1000001", "0 to 1000000"}},
		{"unknown sort key", `{"filter":"all","sort":{"nope":"asc"}}`,
			[]string{"sort", `unknown sort key "nope"`}},
		{"two sort keys", `{"filter":"all","sort":{"latency":"asc","cost":"desc"}}`,
			[]string{"sort", "exactly one sort key"}},
		{"bad direction", `{"filter":"all","sort":{"latency":"up"}}`,
			[]string{"sort.latency", `"asc" or "desc"`}},
		{"random sort", `{"filter":"all","sort":{"random":true}}`,
			[]string{"sort.random", "not supported"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.apiError(t, http.MethodPost, "/v1/request/query", srv.Key, tc.body,
				http.StatusBadRequest, tc.want...)
		})
	}
	// A query body is at most 1 MiB.
	big := `{"filter":"all","pad":"` + strings.Repeat("x", 1<<20) + `"}`
	srv.apiError(t, http.MethodPost, "/v1/request/query", srv.Key, big,
		http.StatusRequestEntityTooLarge, "body too large", "1048576 bytes")
}

func TestHeliconeSortAndPaging(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, filterBase)

	// Ties are broken by request id in the sort's direction; logs without the value (a
	// missing property, an unknown ttft, no user) come last in both directions.
	cases := []struct {
		sort string
		want []int
	}{
		{`null`, []int{6, 5, 4, 3, 2, 1}},
		{`{}`, []int{6, 5, 4, 3, 2, 1}},
		{`{"created_at":"asc"}`, []int{1, 2, 3, 4, 5, 6}},
		{`{"created_at":"desc"}`, []int{6, 5, 4, 3, 2, 1}},
		{`{"request_created_at":"asc"}`, []int{1, 2, 3, 4, 5, 6}},
		{`{"latency":"asc"}`, []int{4, 1, 6, 2, 3, 5}},
		{`{"latency":"desc"}`, []int{5, 3, 2, 6, 1, 4}},
		{`{"time_to_first_token":"asc"}`, []int{1, 3, 5, 2, 4, 6}},
		{`{"time_to_first_token":"desc"}`, []int{5, 3, 1, 6, 4, 2}},
		{`{"total_tokens":"asc"}`, []int{4, 6, 5, 1, 2, 3}},
		{`{"total_tokens":"desc"}`, []int{3, 2, 1, 5, 6, 4}},
		{`{"prompt_tokens":"asc"}`, []int{4, 6, 5, 1, 2, 3}},
		{`{"prompt_tokens":"desc"}`, []int{3, 2, 1, 5, 6, 4}},
		{`{"completion_tokens":"asc"}`, []int{4, 6, 1, 5, 2, 3}},
		{`{"completion_tokens":"desc"}`, []int{3, 2, 5, 1, 6, 4}},
		{`{"cost":"asc"}`, []int{4, 5, 6, 1, 2, 3}},
		{`{"cost":"desc"}`, []int{3, 2, 1, 6, 5, 4}},
		{`{"status":"asc"}`, []int{4, 1, 3, 6, 5, 2}},
		{`{"status":"desc"}`, []int{2, 5, 6, 3, 1, 4}},
		{`{"user_id":"asc"}`, []int{1, 3, 2, 5, 4, 6}},
		{`{"user_id":"desc"}`, []int{5, 2, 3, 1, 6, 4}},
		{`{"model":"asc"}`, []int{5, 3, 4, 1, 2, 6}},
		{`{"model":"desc"}`, []int{6, 2, 1, 4, 3, 5}},
		{`{"body_model":"asc"}`, []int{5, 3, 4, 1, 2, 6}},
		{`{"provider":"asc"}`, []int{1, 2, 3, 4, 5, 6}},
		{`{"provider":"desc"}`, []int{6, 5, 4, 3, 2, 1}},
		{`{"properties":{"env":"asc"}}`, []int{2, 1, 3, 6, 5, 4}},
		{`{"properties":{"env":"desc"}}`, []int{5, 6, 3, 1, 2, 4}},
		{`{"properties":{"Team":"asc"}}`, []int{3, 1, 2, 4, 5, 6}},
		{`{"properties":{"team":"desc"}}`, []int{1, 3, 6, 5, 4, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.sort, func(t *testing.T) {
			var rows []row
			srv.apiData(t, http.MethodPost, "/v1/request/query", srv.Key,
				`{"filter":"all","sort":`+tc.sort+`}`, http.StatusOK, &rows)
			want := make([]string, len(tc.want))
			for i, n := range tc.want {
				want[i] = idN(filterBase + n)
			}
			if got := rowIDs(rows); !slices.Equal(got, want) {
				t.Errorf("sort %s: order %v, want %v", tc.sort, got, want)
			}
		})
	}

	t.Run("offset and limit", func(t *testing.T) {
		page := func(limit, offset int) []string {
			var rows []row
			srv.apiData(t, http.MethodPost, "/v1/request/query", srv.Key, fmt.Sprintf(
				`{"filter":"all","sort":{"latency":"asc"},"limit":%d,"offset":%d}`, limit,
				offset), http.StatusOK, &rows)
			return rowIDs(rows)
		}
		want := []string{idN(filterBase + 6), idN(filterBase + 2)}
		if got := page(2, 2); !slices.Equal(got, want) {
			t.Errorf("limit 2 offset 2: %v, want %v", got, want)
		}
		if got := page(10, 5); len(got) != 1 || got[0] != idN(filterBase+5) {
			t.Errorf("limit 10 offset 5: %v, want only the slowest log", got)
		}
		if got := page(10, 6); len(got) != 0 {
			t.Errorf("offset past the end: %v, want none", got)
		}
		// A limit of 0 means the default page of 100 rows.
		if got := page(0, 0); len(got) != 6 {
			t.Errorf("limit 0: %d rows, want all 6", len(got))
		}
		if got := page(1000, 0); len(got) != 6 {
			t.Errorf("limit 1000: %d rows, want all 6", len(got))
		}
	})
}
