package sqlite_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

func fld(name string) filter.Field { return filter.Field{Name: name} }

func prop(key string) filter.Field { return filter.Field{Name: filter.FieldProperty, Key: key} }

func cnd(f filter.Field, op filter.Op, v any) filter.Cond {
	return filter.Cond{Field: f, Op: op, Value: v}
}

const (
	propExists = "EXISTS (SELECT 1 FROM log_properties WHERE log_seq = logs.seq AND key = ?"
	reqBody    = "COALESCE(CAST(request_body AS TEXT), '')"
	respBody   = "COALESCE(CAST(response_body AS TEXT), '')"
)

func TestCompileFilter(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 1, 500_000_000, time.UTC)
	cases := []struct {
		name string
		expr filter.Expr
		sql  string
		args []any
	}{
		{"nil", nil, "TRUE", nil},
		{"all", filter.All{}, "TRUE", nil},
		{"empty or", filter.Or{}, "FALSE", nil},
		{"text =", cnd(fld("model"), filter.OpEq, "gpt"), "model = ?", []any{"gpt"}},
		{"text !=", cnd(fld("user"), filter.OpNe, "bob"), "user_id <> ?", []any{"bob"}},
		{"text empty", cnd(fld("session_id"), filter.OpEmpty, nil), "session_id = ''", nil},
		{"text exists", cnd(fld("prompt_id"), filter.OpExists, nil), "prompt_id <> ''", nil},
		{"contains keeps % and _ in the argument", cnd(fld("model"), filter.OpContains, "50%_x"),
			"instr(lower(model), lower(?)) > 0", []any{"50%_x"}},
		{"not contains", cnd(fld("path"), filter.OpNotContains, "v1"),
			"NOT (instr(lower(path), lower(?)) > 0)", []any{"v1"}},
		{"like becomes glob", cnd(fld("model"), filter.OpLike, "gpt-4_%"),
			"model GLOB ?", []any{"gpt-4?*"}},
		{"like escapes glob characters", cnd(fld("model"), filter.OpLike, "a*b?[c]%"),
			"model GLOB ?", []any{"a[*]b[?][[]c]*"}},
		{"ilike", cnd(fld("model"), filter.OpILike, "GPT%"), "model LIKE ?", []any{"GPT%"}},
		{"number in", cnd(fld("status"), filter.OpIn, []any{int64(200), 500}),
			"status IN (?, ?)", []any{int64(200), int64(500)}},
		{"float", cnd(fld("cost"), filter.OpGe, 0.25), "cost >= ?", []any{0.25}},
		{"time", cnd(fld("created_at"), filter.OpGe, at), "created_at >= ?",
			[]any{at.UnixMilli()}},
		{"time as rfc 3339", cnd(fld("ended_at"), filter.OpLt, "2025-01-01T00:00:01.5Z"),
			"ended_at < ?", []any{at.UnixMilli()}},
		{"number null never matches", cnd(fld("latency"), filter.OpNull, nil), "FALSE", nil},
		{"ttft <", cnd(fld("ttft"), filter.OpLt, int64(5)),
			"(ttft_ms IS NOT NULL AND ttft_ms < ?)", []any{int64(5)}},
		{"ttft !=", cnd(fld("ttft"), filter.OpNe, int64(5)), "ttft_ms IS NOT ?", []any{int64(5)}},
		{"ttft null", cnd(fld("ttft"), filter.OpNull, nil), "ttft_ms IS NULL", nil},
		{"apostrophe key stays an argument", cnd(prop("o'brien"), filter.OpEq, "it's"),
			propExists + " AND value = ?)", []any{"o'brien", "it's"}},
		{"property !=", cnd(prop("env"), filter.OpNe, "prod"),
			"NOT " + propExists + " AND value = ?)", []any{"env", "prod"}},
		{"property number value", cnd(prop("tier"), filter.OpEq, int64(3)),
			propExists + " AND value = ?)", []any{"tier", "3"}},
		{"property exists", cnd(prop("env"), filter.OpExists, nil), propExists + ")",
			[]any{"env"}},
		{"property null", cnd(prop("env"), filter.OpNull, nil), "NOT " + propExists + ")",
			[]any{"env"}},
		{"property empty", cnd(prop("env"), filter.OpEmpty, nil),
			"NOT " + propExists + " AND value <> '')", []any{"env"}},
		{"property in", cnd(prop("env"), filter.OpIn, []any{"a", true}),
			propExists + " AND value IN (?, ?))", []any{"env", "a", "true"}},
		{"score", cnd(filter.Field{Name: filter.FieldScore, Key: "q"}, filter.OpGt, 0.5),
			"EXISTS (SELECT 1 FROM scores WHERE log_seq = logs.seq AND name = ? AND value > ?)",
			[]any{"q", 0.5}},
		{"request body", cnd(fld("request_body"), filter.OpContains, "x"),
			"instr(lower(" + reqBody + "), lower(?)) > 0", []any{"x"}},
		{"either body", cnd(fld("body"), filter.OpContains, "x"),
			"(instr(lower(" + reqBody + "), lower(?)) > 0 OR instr(lower(" + respBody +
				"), lower(?)) > 0)", []any{"x", "x"}},
		{"neither body", cnd(fld("body"), filter.OpNotContains, "x"),
			"NOT (instr(lower(" + reqBody + "), lower(?)) > 0 OR instr(lower(" + respBody +
				"), lower(?)) > 0)", []any{"x", "x"}},
		{"nesting", filter.And{Exprs: []filter.Expr{
			cnd(fld("model"), filter.OpEq, "m"),
			filter.Not{X: filter.Or{Exprs: []filter.Expr{
				cnd(fld("status"), filter.OpEq, int64(1)),
				cnd(fld("status"), filter.OpEq, int64(2)),
			}}},
		}}, "(model = ? AND NOT ((status = ? OR status = ?)))", []any{"m", int64(1), int64(2)}},
		{"pointer nodes", &filter.And{Exprs: []filter.Expr{&filter.Cond{Field: fld("kind"),
			Op: filter.OpEq, Value: "llm"}}}, "kind = ?", []any{"llm"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sql, args, err := sqlite.CompileFilter(tc.expr)
			if err != nil {
				t.Fatalf("CompileFilter() = %v, want nil", err)
			}
			if sql != tc.sql {
				t.Errorf("CompileFilter() sql\ngot  %s\nwant %s", sql, tc.sql)
			}
			if !reflect.DeepEqual(args, tc.args) {
				t.Errorf("CompileFilter() args = %#v, want %#v", args, tc.args)
			}
			if strings.Contains(sql, "brien") || strings.Contains(sql, "it's") {
				t.Errorf("CompileFilter() sql %q contains user text", sql)
			}
		})
	}
}

func TestCompileFilterErrors(t *testing.T) {
	deep := filter.Expr(cnd(fld("model"), filter.OpEq, "m"))
	for range 1300 {
		deep = filter.Not{X: deep}
	}
	wide := filter.And{}
	for range 1300 {
		wide.Exprs = append(wide.Exprs, cnd(fld("model"), filter.OpEq, "m"))
	}
	long := make([]any, 20000)
	for i := range long {
		long[i] = "x"
	}
	cases := []struct {
		name string
		expr filter.Expr
	}{
		{"unknown field", cnd(fld("nope"), filter.OpEq, "x")},
		{"unknown op", cnd(fld("model"), "~~", "x")},
		{"bool on number", cnd(fld("status"), filter.OpEq, true)},
		{"string on number", cnd(fld("latency"), filter.OpGt, "10")},
		{"NaN", cnd(fld("cost"), filter.OpGt, math.NaN())},
		{"like on number", cnd(fld("status"), filter.OpLike, "2%")},
		{"text order with number", cnd(prop("n"), filter.OpGt, int64(3))},
		{"bad time", cnd(fld("created_at"), filter.OpGt, "yesterday")},
		{"contains on score", cnd(filter.Field{Name: filter.FieldScore, Key: "q"},
			filter.OpContains, "x")},
		{"bad list element", cnd(fld("status"), filter.OpIn, []any{int64(1), "x"})},
		{"unsupported node", struct{ filter.Expr }{}},
		{"nil pointer node", (*filter.Cond)(nil)},
		{"too deep", deep},
		{"too wide", wide},
		{"too many values", cnd(fld("model"), filter.OpIn, long)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := sqlite.CompileFilter(tc.expr)
			if !errors.Is(err, store.ErrInvalidQuery) {
				t.Errorf("CompileFilter() = %v, want ErrInvalidQuery", err)
			}
		})
	}
}
