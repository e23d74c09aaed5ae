package query_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
)

// testNow is the reference time for relative times in every test.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func cond(name string, op filter.Op, v any) filter.Cond {
	return filter.Cond{Field: filter.Field{Name: name}, Op: op, Value: v}
}

func prop(key string, op filter.Op, v any) filter.Cond {
	return filter.Cond{Field: filter.Field{Name: filter.FieldProperty, Key: key}, Op: op, Value: v}
}

func score(key string, op filter.Op, v any) filter.Cond {
	return filter.Cond{Field: filter.Field{Name: filter.FieldScore, Key: key}, Op: op, Value: v}
}

func and(xs ...filter.Expr) filter.Expr { return filter.And{Exprs: xs} }
func or(xs ...filter.Expr) filter.Expr  { return filter.Or{Exprs: xs} }

func TestParseTrees(t *testing.T) {
	date := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	tests := []struct {
		name string
		src  string
		want filter.Expr
	}{
		{"empty input", "", filter.All{}},
		{"only spaces", " \t\r\n ", filter.All{}},
		{"all keyword", "ALL", filter.All{}},
		{"all dropped from and", `all and status = 200`, cond("status", filter.OpEq, int64(200))},
		{"all absorbs or", `status = 200 or all`, filter.All{}},
		{"request id UUID lower-cased", `id in ("3F1C0F4E-8A51-4B7E-9A2C-5D2A1B3C4D5E", X)`,
			cond("request_id", filter.OpIn, []any{"3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e", "X"})},
		{
			"example from the documentation",
			`kind = data and name = "user_query" and property.environment = "production" ` +
				`and latency > 200ms and status != 200 and user = "user-123" and ` +
				`session = "s-1" and body ~ "timeout" and time > -1h`,
			and(
				cond("kind", filter.OpEq, "data"),
				cond("name", filter.OpEq, "user_query"),
				prop("environment", filter.OpEq, "production"),
				cond("latency", filter.OpGt, int64(200)),
				cond("status", filter.OpNe, int64(200)),
				cond("user", filter.OpEq, "user-123"),
				cond("session_id", filter.OpEq, "s-1"),
				cond("body", filter.OpContains, "timeout"),
				cond("created_at", filter.OpGt, testNow.Add(-time.Hour)),
			),
		},
		{"and binds tighter than or", `status = 1 or status = 2 and status = 3`,
			or(cond("status", filter.OpEq, int64(1)),
				and(cond("status", filter.OpEq, int64(2)), cond("status", filter.OpEq, int64(3))))},
		{"not binds tighter than and", `not status = 1 and status = 2`,
			and(filter.Not{X: cond("status", filter.OpEq, int64(1))},
				cond("status", filter.OpEq, int64(2)))},
		{"parentheses group", `(status = 1 or status = 2) and status = 3`,
			and(or(cond("status", filter.OpEq, int64(1)), cond("status", filter.OpEq, int64(2))),
				cond("status", filter.OpEq, int64(3)))},
		{"nested and is flattened", `(status = 1 and status = 2) and status = 3`,
			and(cond("status", filter.OpEq, int64(1)), cond("status", filter.OpEq, int64(2)),
				cond("status", filter.OpEq, int64(3)))},
		{"keywords in any case", `NOT status = 1 AnD status = 2 Or status = 3`,
			or(and(filter.Not{X: cond("status", filter.OpEq, int64(1))},
				cond("status", filter.OpEq, int64(2))), cond("status", filter.OpEq, int64(3)))},
		{"double not kept", `not not status = 1`,
			filter.Not{X: filter.Not{X: cond("status", filter.OpEq, int64(1))}}},
		{"no spaces", `status!=200 and latency>=1s`,
			and(cond("status", filter.OpNe, int64(200)),
				cond("latency", filter.OpGe, int64(1000)))},
		{"field names in any case", `Status = 1`, cond("status", filter.OpEq, int64(1))},

		{"every comparison operator", `cost = 1 or cost != 2 or cost < 3 or cost <= 4 or ` +
			`cost > 5 or cost >= 6.5`,
			or(cond("cost", filter.OpEq, 1.0), cond("cost", filter.OpNe, 2.0),
				cond("cost", filter.OpLt, 3.0), cond("cost", filter.OpLe, 4.0),
				cond("cost", filter.OpGt, 5.0), cond("cost", filter.OpGe, 6.5))},
		{"contains and not contains", `name ~ gpt and name !~ "mini"`,
			and(cond("name", filter.OpContains, "gpt"),
				cond("name", filter.OpNotContains, "mini"))},
		{"in list", `user in ("a", 'b', c)`, cond("user", filter.OpIn, []any{"a", "b", "c"})},
		{"not in list", `status not in (200, 201)`,
			filter.Not{X: cond("status", filter.OpIn, []any{int64(200), int64(201)})}},
		{"like and ilike", `name like "gpt-4%" or name not ilike '%MINI_'`,
			or(cond("name", filter.OpLike, "gpt-4%"),
				filter.Not{X: cond("name", filter.OpILike, "%MINI_")})},
		{"exists", `property.x exists`, prop("x", filter.OpExists, nil)},
		{"not exists is the null test", `ttft not exists`, cond("ttft", filter.OpNull, nil)},
		{"prefix not exists negates exists", `not ttft exists`,
			filter.Not{X: cond("ttft", filter.OpExists, nil)}},
		{"empty and not empty", `user empty or session not empty`,
			or(cond("user", filter.OpEmpty, nil),
				filter.Not{X: cond("session_id", filter.OpEmpty, nil)})},

		{"aliases", `model = a and tokens = 1 and total_tokens = 2 and id = b and ` +
			`request ~ c and response ~ d and session.id = e and session.name = f and ` +
			`session.path = g and time_to_first_token = 3 and user_id = h and created_at = now`,
			and(cond("model", filter.OpEq, "a"), cond("total_tokens", filter.OpEq, int64(1)),
				cond("total_tokens", filter.OpEq, int64(2)), cond("request_id", filter.OpEq, "b"),
				cond("request_body", filter.OpContains, "c"),
				cond("response_body", filter.OpContains, "d"), cond("session_id", filter.OpEq, "e"),
				cond("session_name", filter.OpEq, "f"), cond("session_path", filter.OpEq, "g"),
				cond("ttft", filter.OpEq, int64(3)), cond("user", filter.OpEq, "h"),
				cond("created_at", filter.OpEq, testNow))},

		{"quoted key with dots", `property."uni.workflow.id" = "wf-1"`,
			prop("uni.workflow.id", filter.OpEq, "wf-1")},
		{"unquoted key with dots joins", `property.uni.workflow.id = "wf-1"`,
			prop("uni.workflow.id", filter.OpEq, "wf-1")},
		{"key with space", `property."key with space" = v`,
			prop("key with space", filter.OpEq, "v")},
		{"key with apostrophe", `property."o'brien" = q`, prop("o'brien", filter.OpEq, "q")},
		{"non-ASCII key", `property."ключ" = w`, prop("ключ", filter.OpEq, "w")},
		{"single-quoted key", `prop.'a b' = x`, prop("a b", filter.OpEq, "x")},
		{"key lower-cased", `property.MiXeD = y`, prop("mixed", filter.OpEq, "y")},
		{"quoted key lower-cased", `properties."ÄB" = y`, prop("äb", filter.OpEq, "y")},
		{"key with dash and underscore", `property.a_b-c = z`, prop("a_b-c", filter.OpEq, "z")},
		{"session property maps to column", `property."Helicone-Session-Id" = s1`,
			cond("session_id", filter.OpEq, "s1")},
		{"prompt property maps to column", `property.helicone-prompt-id = p`,
			cond("prompt_id", filter.OpEq, "p")},
		{"score keeps key case", `score.Helpful >= 0.5`, score("Helpful", filter.OpGe, 0.5)},
		{"score boolean", `scores.ok = true and score.bad = false`,
			and(score("ok", filter.OpEq, 1.0), score("bad", filter.OpEq, 0.0))},

		{"string escapes", `user = "a\"b\\c\nd\te\u00e9\uD83D\uDE00\/'"`,
			cond("user", filter.OpEq, "a\"b\\c\nd\te\u00e9\U0001F600/'")},
		{"single-quoted escapes", `user = 'it\'s'`, cond("user", filter.OpEq, "it's")},
		{"bare id starting with a digit", `request_id = 3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e`,
			cond("request_id", filter.OpEq, "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e")},
		{"bare number as text", `user = 123`, cond("user", filter.OpEq, "123")},
		{"kind lower-cased", `kind in (LLM, Vector_DB)`,
			cond("kind", filter.OpIn, []any{"llm", "vector_db"})},
		{"kind substring not validated", `kind ~ vec`, cond("kind", filter.OpContains, "vec")},
		{"provider upper-cased", `provider = openai`, cond("provider", filter.OpEq, "OPENAI")},

		{"quoted number for integer field", `status = "500"`,
			cond("status", filter.OpEq, int64(500))},
		{"negative status", `status = -3`, cond("status", filter.OpEq, int64(-3))},
		{"integral float for integer field", `prompt_tokens > 1e3`,
			cond("prompt_tokens", filter.OpGt, int64(1000))},
		{"bare number is milliseconds", `latency < 1500`,
			cond("latency", filter.OpLt, int64(1500))},
		{"fractional seconds", `latency >= 1.5s`, cond("latency", filter.OpGe, int64(1500))},
		{"minutes", `ttft > 2m`, cond("ttft", filter.OpGt, int64(120000))},
		{"compound duration", `latency > 1h30m`, cond("latency", filter.OpGt, int64(5400000))},
		{"cost float", `cost > 0.0015`, cond("cost", filter.OpGt, 0.0015)},
		{"cost exponent", `cost < 1e-5`, cond("cost", filter.OpLt, 1e-5)},
		{"cost leading dot", `cost < .5`, cond("cost", filter.OpLt, 0.5)},

		{"RFC 3339 bare", `time >= 2025-01-01T00:00:00Z`,
			cond("created_at", filter.OpGe, date("2025-01-01T00:00:00Z"))},
		{"RFC 3339 offset becomes UTC", `time < "2025-01-01T02:00:00.5+02:00"`,
			cond("created_at", filter.OpLt, date("2025-01-01T00:00:00.5Z"))},
		{"date", `ended_at < 2025-01-02`,
			cond("ended_at", filter.OpLt, date("2025-01-02T00:00:00Z"))},
		{"time with a space", `time > "2025-01-01 10:00:00"`,
			cond("created_at", filter.OpGt, date("2025-01-01T10:00:00Z"))},
		{"relative minutes", `time > -30m`,
			cond("created_at", filter.OpGt, testNow.Add(-30*time.Minute))},
		{"relative days", `time > -7d`, cond("created_at", filter.OpGt, testNow.AddDate(0, 0, -7))},
		{"relative weeks", `time > -2w`,
			cond("created_at", filter.OpGt, testNow.AddDate(0, 0, -14))},
		{"relative future", `time < +1h`, cond("created_at", filter.OpLt, testNow.Add(time.Hour))},
		{"now", `time <= NOW`, cond("created_at", filter.OpLe, testNow)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query.Parse(tt.src, testNow)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.src, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got  %#v\n want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestParseTimeInUTC(t *testing.T) {
	zone := time.FixedZone("plus5", 5*3600)
	now := time.Now().In(zone)
	got, err := query.Parse("time > now", now)
	if err != nil {
		t.Fatalf("Parse error: %v", err)
	}
	v := got.(filter.Cond).Value.(time.Time)
	if v.Location() != time.UTC {
		t.Errorf("location = %v, want UTC", v.Location())
	}
	if !v.Equal(now) {
		t.Errorf("time = %v, want %v", v, now)
	}
	if v != v.Round(0) {
		t.Errorf("time %v keeps a monotonic clock reading", v)
	}
}

func TestParseTimeRange(t *testing.T) {
	now := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	if _, err := query.Parse("time < +12h", now); err != nil {
		t.Errorf("Parse(time < +12h) in year 9999 error: %v", err)
	}
	_, err := query.Parse("time < +2d", now)
	var se *query.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Parse(time < +2d) in year 9999 error = %v, want a *SyntaxError", err)
	}
	if want := `created_at: time "+2d" is outside the years 0 to 9999`; se.Msg != want {
		t.Errorf("Parse(time < +2d) error message = %s, want %s", se.Msg, want)
	}
}

func TestParseLimits(t *testing.T) {
	nested := func(depth int) string {
		return strings.Repeat("(", depth) + "status = 1" + strings.Repeat(")", depth)
	}
	nots := func(depth int) string { return strings.Repeat("not ", depth) + "status = 1" }
	// terms(n) joins n negated comparisons with and: 2n+1 nodes, the last comparison of the
	// nth term at byte 20(n-1)+4.
	terms := func(n int) string {
		return strings.TrimSuffix(strings.Repeat("not kind = tool and ", n), " and ")
	}
	tests := []struct {
		name    string
		src     string
		wantPos int // -1 for success
	}{
		{"parentheses at the limit", nested(query.MaxDepth), -1},
		{"parentheses over the limit", nested(query.MaxDepth + 1), query.MaxDepth},
		{"not at the limit", nots(query.MaxDepth), -1},
		{"not over the limit", nots(query.MaxDepth + 1), 4 * query.MaxDepth},
		{"mixed over the limit", strings.Repeat("not (", 40) + "status = 1" +
			strings.Repeat(")", 40), 5 * 32},
		{"parentheses filling the length limit", strings.Repeat("(", query.MaxLength),
			query.MaxDepth},
		{"length at the limit", "user = \"" + strings.Repeat("a", query.MaxLength-9) + "\"", -1},
		{"length over the limit", "user = \"" + strings.Repeat("a", query.MaxLength-8) + "\"",
			query.MaxLength},
		{"nodes at the limit", terms((query.MaxNodes - 1) / 2), -1},
		{"nodes over the limit", terms((query.MaxNodes + 1) / 2),
			20*((query.MaxNodes+1)/2-1) + 4},
		{"or chain at the limit", strings.Repeat("status = 1 or ", query.MaxNodes-2) +
			"status = 1", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := query.Parse(tt.src, testNow)
			if tt.wantPos < 0 {
				if err != nil {
					t.Fatalf("Parse error: %v", err)
				}
				return
			}
			var se *query.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v, want a *SyntaxError", err)
			}
			if se.Pos != tt.wantPos {
				t.Errorf("Parse error position = %d (%v), want %d", se.Pos, err, tt.wantPos)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	src := `kind = data and name = "user_query" and property.environment = "production" ` +
		`and latency > 200ms and status != 200 and user = "user-123" and session = "s-1" ` +
		`and body ~ "timeout" and time > -1h`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := query.Parse(src, testNow); err != nil {
			b.Fatal(err)
		}
	}
}
