package query_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
)

// rmt wraps a column filter in a request_response_rmt leaf.
func rmt(column, op, value string) string {
	return `{"request_response_rmt": {"` + column + `": {"` + op + `": ` + value + `}}}`
}

// rmtProp wraps a property filter in a request_response_rmt leaf.
func rmtProp(key, op, value string) string {
	return `{"request_response_rmt": {"properties": {"` + key + `": {"` + op + `": ` + value +
		`}}}}`
}

func branch(left, op, right string) string {
	return `{"left": ` + left + `, "operator": "` + op + `", "right": ` + right + `}`
}

func TestParseHeliconeFilter(t *testing.T) {
	jan1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		raw  string
		want filter.Expr
	}{
		{"all", `"all"`, filter.All{}},
		{"all with spaces", ` "all" `, filter.All{}},

		{"column equals", rmt("model", "equals", `"gpt-4o"`), cond("model", filter.OpEq, "gpt-4o")},
		{"column not-equals", rmt("status", "not-equals", `200`),
			cond("status", filter.OpNe, int64(200))},
		{"column like", rmt("request_model", "like", `"gpt-4%"`),
			cond("request_model", filter.OpLike, "gpt-4%")},
		{"column ilike", rmt("response_model", "ilike", `"%MINI%"`),
			cond("response_model", filter.OpILike, "%MINI%")},
		{"column contains", rmt("user_id", "contains", `"abc"`),
			cond("user", filter.OpContains, "abc")},
		{"column not-contains", rmt("prompt_id", "not-contains", `"x"`),
			cond("prompt_id", filter.OpNotContains, "x")},
		{"column gt", rmt("latency", "gt", `200`), cond("latency", filter.OpGt, int64(200))},
		{"column gte", rmt("time_to_first_token", "gte", `50`),
			cond("ttft", filter.OpGe, int64(50))},
		{"column lt", rmt("cost", "lt", `0.5`), cond("cost", filter.OpLt, 0.5)},
		{"column lte", rmt("total_tokens", "lte", `1000`),
			cond("total_tokens", filter.OpLe, int64(1000))},

		{"property equals", rmtProp("env", "equals", `"prod"`), prop("env", filter.OpEq, "prod")},
		{"property not-equals", rmtProp("env", "not-equals", `"prod"`),
			prop("env", filter.OpNe, "prod")},
		{"property like", rmtProp("env", "like", `"pr%"`), prop("env", filter.OpLike, "pr%")},
		{"property ilike", rmtProp("env", "ilike", `"PR%"`), prop("env", filter.OpILike, "PR%")},
		{"property contains", rmtProp("env", "contains", `"ro"`),
			prop("env", filter.OpContains, "ro")},
		{"property not-contains", rmtProp("env", "not-contains", `"ro"`),
			prop("env", filter.OpNotContains, "ro")},
		{"property gt", rmtProp("env", "gt", `"a"`), nil},
		{"property number value", rmtProp("n", "equals", `42`), prop("n", filter.OpEq, "42")},
		{"property boolean value", rmtProp("b", "equals", `true`), prop("b", filter.OpEq, "true")},

		{"property null", rmtProp("env", "equals", `"null"`), prop("env", filter.OpNull, nil)},
		{"property JSON null", rmtProp("env", "equals", `null`), prop("env", filter.OpNull, nil)},
		{"property not null", rmtProp("env", "not-equals", `"null"`),
			prop("env", filter.OpExists, nil)},
		{"property empty", rmtProp("env", "equals", `"__empty__"`),
			prop("env", filter.OpEmpty, nil)},
		{"property not empty", rmtProp("env", "not-equals", `"__empty__"`),
			filter.Not{X: prop("env", filter.OpEmpty, nil)}},
		{"property null text with contains", rmtProp("env", "contains", `"null"`),
			prop("env", filter.OpContains, "null")},
		{"column null", rmt("time_to_first_token", "equals", `"null"`),
			cond("ttft", filter.OpNull, nil)},
		{"column not null", rmt("time_to_first_token", "not-equals", `null`),
			cond("ttft", filter.OpExists, nil)},
		{"column empty", rmt("user_id", "equals", `"__empty__"`),
			cond("user", filter.OpEmpty, nil)},
		{"column not empty", rmt("user_id", "not-equals", `"__empty__"`),
			filter.Not{X: cond("user", filter.OpEmpty, nil)}},

		{"key lower-cased", rmtProp("MiXeD", "equals", `"y"`), prop("mixed", filter.OpEq, "y")},
		{"key with dots", rmtProp("uni.workflow.id", "equals", `"wf-1"`),
			prop("uni.workflow.id", filter.OpEq, "wf-1")},
		{"key with apostrophe", rmtProp("o'brien", "equals", `"q"`),
			prop("o'brien", filter.OpEq, "q")},
		{"key with space", rmtProp("key with space", "equals", `"v"`),
			prop("key with space", filter.OpEq, "v")},
		{"non-ASCII key", rmtProp("КЛЮЧ", "equals", `"w"`), prop("ключ", filter.OpEq, "w")},
		{"session id property", rmtProp("Helicone-Session-Id", "equals", `"S1"`),
			cond("session_id", filter.OpEq, "S1")},
		{"session name property", rmtProp("helicone-session-name", "equals", `"agent"`),
			cond("session_name", filter.OpEq, "agent")},
		{"session path property", rmtProp("HELICONE-SESSION-PATH", "like", `"/run/%"`),
			cond("session_path", filter.OpLike, "/run/%")},
		{"prompt id property", rmtProp("Helicone-Prompt-Id", "equals", `"p"`),
			cond("prompt_id", filter.OpEq, "p")},
		{"old-style properties table", `{"properties": {"Env": {"equals": "prod"}}}`,
			prop("env", filter.OpEq, "prod")},

		{"score", `{"request_response_rmt": {"scores": {"Accuracy": {"gte": 0.5}}}}`,
			score("Accuracy", filter.OpGe, 0.5)},
		{"score boolean", `{"request_response_rmt": {"scores": {"ok": {"equals": false}}}}`,
			score("ok", filter.OpEq, 0.0)},
		{"feedback column", rmt("helicone-score-feedback", "equals", `true`),
			score("helicone-score-feedback", filter.OpEq, 1.0)},

		{"numeric string", rmt("status", "equals", `"200"`),
			cond("status", filter.OpEq, int64(200))},
		{"integral float", rmt("status", "equals", `200.0`),
			cond("status", filter.OpEq, int64(200))},
		{"number for text column", rmt("user_id", "equals", `123`),
			cond("user", filter.OpEq, "123")},
		{"cost numeric string", rmt("cost", "gt", `"0.01"`), cond("cost", filter.OpGt, 0.01)},
		{"provider upper-cased", rmt("provider", "equals", `"openai"`),
			cond("provider", filter.OpEq, "OPENAI")},
		{"request time", rmt("request_created_at", "gte", `"2025-01-01T00:00:00.000Z"`),
			cond("created_at", filter.OpGe, jan1)},
		{"response time with offset",
			rmt("response_created_at", "lt", `"2025-01-01T01:00:00+01:00"`),
			cond("ended_at", filter.OpLt, jan1)},
		{"created_at alias", rmt("created_at", "gt", `"2025-01-01"`),
			cond("created_at", filter.OpGt, jan1)},
		{"request id", rmt("request_id", "equals", `"3f1c"`),
			cond("request_id", filter.OpEq, "3f1c")},
		{"request id UUID lower-cased", rmt("request_id", "not-equals",
			`"3F1C0F4E-8A51-4B7E-9A2C-5D2A1B3C4D5E"`),
			cond("request_id", filter.OpNe, "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e")},
		{"request id like keeps case", rmt("request_id", "like", `"3F1C%"`),
			cond("request_id", filter.OpLike, "3F1C%")},
		{"cache tokens", rmt("prompt_cache_read_tokens", "gt", `0`),
			cond("cache_read_tokens", filter.OpGt, int64(0))},
		{"cache write tokens", rmt("prompt_cache_write_tokens", "gt", `0`),
			cond("cache_write_tokens", filter.OpGt, int64(0))},
		{"prompt tokens", rmt("prompt_tokens", "gt", `1`),
			cond("prompt_tokens", filter.OpGt, int64(1))},
		{"completion tokens", rmt("completion_tokens", "gt", `1`),
			cond("completion_tokens", filter.OpGt, int64(1))},
		{"request body", rmt("request_body", "contains", `"timeout"`),
			cond("request_body", filter.OpContains, "timeout")},
		{"response body", rmt("response_body", "ilike", `"%error%"`),
			cond("response_body", filter.OpILike, "%error%")},
		{"request_response_log table", `{"request_response_log": {"model": {"equals": "m"}}}`,
			cond("model", filter.OpEq, "m")},
		{"session table",
			`{"sessions_request_response_rmt": {"session_session_id": {"equals": "s"}}}`,
			cond("session_id", filter.OpEq, "s")},
		{"session name column", `{"sessions_request_response_rmt": ` +
			`{"session_session_name": {"contains": "ag"}}}`,
			cond("session_name", filter.OpContains, "ag")},
		{"users table", `{"users_view": {"user_user_id": {"equals": "u"}}}`,
			cond("user", filter.OpEq, "u")},
		{"request table", `{"request": {"created_at": {"gte": "2025-01-01T00:00:00Z"}}}`,
			cond("created_at", filter.OpGe, jan1)},
		{"request table path", `{"request": {"path": {"equals": "/v1/log"}}}`,
			cond("path", filter.OpEq, "/v1/log")},
		{"request table properties", `{"request": {"properties": {"Env": {"equals": "p"}}}}`,
			prop("env", filter.OpEq, "p")},
		{"response delay", `{"response": {"delay_ms": {"gt": 1000}}}`,
			cond("latency", filter.OpGt, int64(1000))},
		{"response body model", `{"response": {"body_model": {"equals": "gpt-4o"}}}`,
			cond("model", filter.OpEq, "gpt-4o")},
		{"response status", `{"response": {"status": {"equals": 500}}}`,
			cond("status", filter.OpEq, int64(500))},
		{"feedback table", `{"feedback": {"rating": {"equals": true}}}`,
			score("helicone-score-feedback", filter.OpEq, 1.0)},

		{"and", branch(rmtProp("env", "equals", `"prod"`), "and", rmt("model", "equals", `"m2"`)),
			and(prop("env", filter.OpEq, "prod"), cond("model", filter.OpEq, "m2"))},
		{"or", branch(rmt("status", "equals", `200`), "or", rmt("status", "equals", `201`)),
			or(cond("status", filter.OpEq, int64(200)), cond("status", filter.OpEq, int64(201)))},
		{"or inside and",
			branch(branch(rmt("status", "equals", `200`), "or", rmt("status", "equals", `201`)),
				"and", rmt("latency", "lt", `100`)),
			and(or(cond("status", filter.OpEq, int64(200)),
				cond("status", filter.OpEq, int64(201))),
				cond("latency", filter.OpLt, int64(100)))},
		{"left-deep and is flattened",
			branch(branch(rmt("status", "equals", `1`), "and", rmt("status", "equals", `2`)),
				"and", rmt("status", "equals", `3`)),
			and(cond("status", filter.OpEq, int64(1)), cond("status", filter.OpEq, int64(2)),
				cond("status", filter.OpEq, int64(3)))},
		{"and with all", branch(`"all"`, "and", rmt("status", "equals", `1`)),
			cond("status", filter.OpEq, int64(1))},
		{"or with all", branch(rmt("status", "equals", `1`), "or", `"all"`), filter.All{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query.ParseHeliconeFilter(json.RawMessage(tt.raw))
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ParseHeliconeFilter(%s) = %#v, want an error", tt.raw, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHeliconeFilter(%s) error: %v", tt.raw, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseHeliconeFilter(%s)\n got  %#v\n want %#v", tt.raw, got, tt.want)
			}

			// Every translated tree prints as filter language that parses back to it.
			text := query.Format(got)
			again, err := query.Parse(text, testNow)
			if err != nil {
				t.Fatalf("Parse(Format(...) = %q) error: %v", text, err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("Parse(%q)\n got  %#v\n want %#v", text, again, got)
			}
		})
	}
}

func TestParseHeliconeFilterErrors(t *testing.T) {
	const tables = `; tables are request_response_rmt, request_response_log, ` +
		`sessions_request_response_rmt, users_view, request, response, feedback, properties`
	const ops = `; operators are equals, not-equals, like, ilike, contains, not-contains, ` +
		`gt, gte, lt and lte`
	const timeHint = `; use RFC 3339 (2025-01-01T00:00:00Z) or a date (2025-01-01)`
	tests := []struct {
		name string
		raw  string
		path string
		msg  string
	}{
		{"empty", ``, "filter", `missing; send "all" or a filter object`},
		{"number", `123`, "filter", `expected "all" or an object, found number`},
		{"null", `null`, "filter", `expected "all" or an object, found null`},
		{"array", `[]`, "filter", `expected "all" or an object, found array`},
		{"boolean", `true`, "filter", `expected "all" or an object, found boolean`},
		{"other string", `"some"`, "filter",
			`unknown filter string "some"; the only string filter is "all"`},
		{"invalid JSON", `{"left": `, "filter", `invalid JSON: unexpected end of JSON input`},
		{"empty object", `{}`, "filter", `expected exactly one table, found 0`},
		{"two tables", `{"b": {}, "a": {}}`, "filter",
			`expected exactly one table, found 2 ("a", "b")`},
		{"unknown table", `{"foo": {"x": {"equals": 1}}}`, "filter", `unknown table "foo"` +
			tables},
		{"unknown column", rmt("foo", "equals", `1`), "filter.request_response_rmt",
			`unknown column "foo"`},
		{"unsupported column", rmt("country_code", "equals", `"US"`),
			"filter.request_response_rmt", `column "country_code" is not supported by this server`},
		{"session aggregate", `{"sessions_request_response_rmt": {"session_total_cost": ` +
			`{"gt": 1}}}`, "filter.sessions_request_response_rmt",
			`column "session_total_cost" is not supported by this server`},
		{"user aggregate", `{"users_view": {"user_cost": {"gt": 1}}}`, "filter.users_view",
			`column "user_cost" is not supported by this server`},
		{"unknown session column", `{"sessions_request_response_rmt": {"model": {"equals": 1}}}`,
			"filter.sessions_request_response_rmt", `unknown column "model"`},
		{"table not an object", `{"request_response_rmt": "x"}`, "filter.request_response_rmt",
			`expected an object, found string`},
		{"two columns",
			`{"request_response_rmt": {"status": {"equals": 1}, "model": {"equals": "m"}}}`,
			"filter.request_response_rmt",
			`expected exactly one column, found 2 ("model", "status")`},
		{"no column", `{"request_response_rmt": {}}`, "filter.request_response_rmt",
			`expected exactly one column, found 0`},
		{"column not an object", `{"request_response_rmt": {"model": "gpt"}}`,
			"filter.request_response_rmt.model", `expected an object, found string`},
		{"two operators", `{"request_response_rmt": {"model": {"equals": "a", "contains": "b"}}}`,
			"filter.request_response_rmt.model",
			`expected exactly one operator, found 2 ("contains", "equals")`},
		{"no operator", `{"request_response_rmt": {"model": {}}}`,
			"filter.request_response_rmt.model", `expected exactly one operator, found 0`},
		{"unknown operator", rmt("model", "startswith", `"a"`),
			"filter.request_response_rmt.model", `unknown operator "startswith"` + ops},
		{"object value", rmt("model", "equals", `{"a": 1}`),
			"filter.request_response_rmt.model.equals",
			`expected a string, number or boolean, found object`},
		{"array value", rmt("model", "equals", `["a"]`),
			"filter.request_response_rmt.model.equals",
			`expected a string, number or boolean, found array`},
		{"text for integer", rmt("status", "equals", `"abc"`),
			"filter.request_response_rmt.status.equals", `invalid integer "abc"`},
		{"fraction for integer", rmt("prompt_tokens", "gt", `1.5`),
			"filter.request_response_rmt.prompt_tokens.gt", `invalid integer "1.5"`},
		{"boolean for duration", rmt("latency", "gt", `true`),
			"filter.request_response_rmt.latency.gt", `expected a duration, found boolean true`},
		{"boolean for integer", rmt("status", "gt", `false`),
			"filter.request_response_rmt.status.gt", `expected an integer, found boolean false`},
		{"text for cost", rmt("cost", "gt", `"NaN"`), "filter.request_response_rmt.cost.gt",
			`invalid number "NaN"`},
		{"text for score", `{"request_response_rmt": {"scores": {"s": {"gt": "high"}}}}`,
			"filter.request_response_rmt.scores.s.gt", `invalid number "high"`},
		{"text for time", rmt("request_created_at", "gte", `"yesterday"`),
			"filter.request_response_rmt.request_created_at.gte", `invalid time "yesterday"` +
				timeHint},
		{"relative time", rmt("request_created_at", "gte", `"-1h"`),
			"filter.request_response_rmt.request_created_at.gte", `invalid time "-1h"` + timeHint},
		{"number for time", rmt("request_created_at", "gte", `1735689600`),
			"filter.request_response_rmt.request_created_at.gte",
			`expected an ISO 8601 time string, found number 1735689600`},
		{"empty on integer", rmt("status", "equals", `"__empty__"`),
			"filter.request_response_rmt.status.equals",
			`status is an integer field; equals "__empty__" needs a text field`},
		{"gt on text", rmt("model", "gt", `"a"`), "filter.request_response_rmt.model.gt",
			`model is a text field; gt needs a number or time field`},
		{"gt on property", rmtProp("env", "gt", `"a"`),
			"filter.request_response_rmt.properties.env.gt",
			`property.env is a text field; gt needs a number or time field`},
		{"contains on number", rmt("status", "contains", `"20"`),
			"filter.request_response_rmt.status.contains",
			`status is an integer field; contains needs a text field`},
		{"equals on body", rmt("request_body", "equals", `"x"`),
			"filter.request_response_rmt.request_body.equals",
			`request_body is a body, searched as text; equals is not supported on it, ` +
				`use a substring or like test`},
		{"null on body", rmt("response_body", "equals", `"null"`),
			"filter.request_response_rmt.response_body.equals",
			`response_body is a body, searched as text; equals "null" is not supported on it, ` +
				`use a substring or like test`},
		{"null with gt", rmt("latency", "gt", `null`), "filter.request_response_rmt.latency.gt",
			`null is only valid with equals and not-equals`},
		{"properties not an object", `{"request_response_rmt": {"properties": "x"}}`,
			"filter.request_response_rmt.properties", `expected an object, found string`},
		{"two property keys", `{"request_response_rmt": {"properties": {"b": {"equals": "1"}, ` +
			`"a": {"equals": "2"}}}}`, "filter.request_response_rmt.properties",
			`expected exactly one key, found 2 ("a", "b")`},
		{"empty property key", rmtProp("", "equals", `"x"`),
			`filter.request_response_rmt.properties[""]`, `key is empty`},
		{"odd key in path", rmtProp("uni.workflow.id", "eq", `"x"`),
			`filter.request_response_rmt.properties["uni.workflow.id"]`, `unknown operator "eq"` +
				ops},
		{"old-style property operator", `{"properties": {"env": {"is": "x"}}}`,
			"filter.properties.env", `unknown operator "is"` + ops},
		{"bad branch operator", branch(`"all"`, "xor", `"all"`), "filter.operator",
			`expected "and" or "or"`},
		{"branch operator not a string", `{"left": "all", "operator": 1, "right": "all"}`,
			"filter.operator", `expected "and" or "or"`},
		{"missing right", `{"left": "all", "operator": "and"}`, "filter", `missing "right"`},
		{"missing left", `{"operator": "and", "right": "all"}`, "filter", `missing "left"`},
		{"extra branch key", `{"left": "all", "operator": "and", "right": "all", "extra": 1}`,
			"filter", `unexpected key "extra" beside "left", "operator" and "right"`},
		{"nested error path",
			branch(`"all"`, "and",
				branch(rmt("status", "equals", `1`), "or", rmt("nope", "equals", `1`))),
			"filter.right.right.request_response_rmt", `unknown column "nope"`},
		{"nested left path", branch(branch(`1`, "and", `"all"`), "and", `"all"`),
			"filter.left.left", `expected "all" or an object, found number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query.ParseHeliconeFilter(json.RawMessage(tt.raw))
			var fe *query.FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseHeliconeFilter(%s) = %#v, %v; want a *FilterError", tt.raw, got, err)
			}
			if fe.Path != tt.path {
				t.Errorf("ParseHeliconeFilter(%s) error path = %s, want %s", tt.raw, fe.Path,
					tt.path)
			}
			if fe.Msg != tt.msg {
				t.Errorf("ParseHeliconeFilter(%s) error message\n got  %s\n want %s", tt.raw,
					fe.Msg, tt.msg)
			}
		})
	}
}

func TestParseHeliconeFilterDepth(t *testing.T) {
	nested := func(depth int) string {
		s := rmt("status", "equals", `1`)
		for range depth {
			s = branch(s, "and", `"all"`)
		}
		return s
	}
	if _, err := query.ParseHeliconeFilter(json.RawMessage(nested(query.MaxDepth))); err != nil {
		t.Errorf("ParseHeliconeFilter at depth %d error: %v", query.MaxDepth, err)
	}

	_, err := query.ParseHeliconeFilter(json.RawMessage(nested(query.MaxDepth + 1)))
	var fe *query.FilterError
	if !errors.As(err, &fe) {
		t.Fatalf("ParseHeliconeFilter at depth %d error = %v, want a *FilterError",
			query.MaxDepth+1, err)
	}
	wantPath := "filter" + strings.Repeat(".left", query.MaxDepth)
	if fe.Path != wantPath {
		t.Errorf("error path = %s, want %s", fe.Path, wantPath)
	}

	// Nesting far beyond the limit is rejected without exhausting the stack.
	deep := strings.Repeat(`{"left": `, 100_000) + `"all"` +
		strings.Repeat(`, "operator": "and", "right": "all"}`, 100_000)
	if _, err := query.ParseHeliconeFilter(json.RawMessage(deep)); !errors.As(err, &fe) {
		t.Errorf("ParseHeliconeFilter at depth 100000 error = %v, want a *FilterError", err)
	}
}

// orTree returns a balanced tree of or objects over n status leaves: n+1 nodes once the
// runs of or are joined.
func orTree(n int) string {
	if n == 1 {
		return `{"request_response_rmt":{"status":{"equals":200}}}`
	}
	return `{"left":` + orTree(n/2) + `,"operator":"or","right":` + orTree(n-n/2) + `}`
}

func TestParseHeliconeFilterNodes(t *testing.T) {
	if _, err := query.ParseHeliconeFilter(json.RawMessage(orTree(query.MaxNodes - 1))); err != nil {
		t.Errorf("ParseHeliconeFilter with %d nodes error: %v", query.MaxNodes, err)
	}
	_, err := query.ParseHeliconeFilter(json.RawMessage(orTree(query.MaxNodes)))
	want := "filter: 501 conditions and operators, more than the limit of 500"
	if err == nil || err.Error() != want {
		t.Errorf("ParseHeliconeFilter with %d nodes error = %v, want %q", query.MaxNodes+1,
			err, want)
	}
}

func TestFilterErrorText(t *testing.T) {
	err := error(&query.FilterError{Path: "filter.left", Msg: `missing "right"`})
	if got, want := err.Error(), `filter.left: missing "right"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// FuzzParseHeliconeFilter checks that ParseHeliconeFilter never panics and that every tree it
// returns prints as filter language that parses back to the same tree.
func FuzzParseHeliconeFilter(f *testing.F) {
	for _, raw := range []string{`"all"`, rmt("status", "equals", `200`),
		rmtProp("uni.workflow.id", "equals", `"wf-1"`),
		rmtProp("env", "not-equals", `"__empty__"`),
		rmt("request_created_at", "gte", `"2025-01-01T00:00:00Z"`), rmt("cost", "lt", `"1e-3"`),
		branch(rmt("latency", "gt", `1`), "or", rmtProp("x", "equals", `null`)),
		`{"properties": {"k": {"ilike": "%a%"}}}`, `{"feedback": {"rating": {"equals": true}}}`,
	} {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := query.ParseHeliconeFilter(json.RawMessage(raw))
		if err != nil {
			return
		}
		text := query.Format(e)
		if len(text) > query.MaxLength {
			return
		}
		again, err := query.Parse(text, testNow)
		if err != nil {
			t.Fatalf("ParseHeliconeFilter(%s) = %#v\nFormat = %q\nParse error: %v", raw, e, text,
				err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("ParseHeliconeFilter(%s)\n got    %#v\n Format %q\n Parse  %#v", raw, e, text,
				again)
		}
	})
}
