package query_test

import (
	"errors"
	"testing"

	"github.com/heliograph/heliograph/internal/query"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src string
		pos int
		msg string
	}{
		{`foo = 1`, 0, `unknown field "foo"; the fields are listed in docs/filter-language.md`},
		{`status = 1 and bar.baz exists`, 15,
			`unknown field "bar.baz"; the fields are listed in docs/filter-language.md`},
		{`name =`, 6, `expected a value, found end of input`},
		{`name = "abc`, 7, `unterminated string`},
		{`name = 'abc`, 7, `unterminated string`},
		{`name == "a"`, 5, `unknown operator "=="; operators are =, !=, <, <=, >, >=, ~ and !~`},
		{`name ! "a"`, 5, `unknown operator "!"; operators are =, !=, <, <=, >, >=, ~ and !~`},
		{`name => "a"`, 5, `unknown operator "=>"; operators are =, !=, <, <=, >, >=, ~ and !~`},
		{`name "a"`, 5, `expected an operator after name, found string "a"`},
		{`name`, 4, `expected an operator after name, found end of input`},
		{`latency = "abc"`, 10, `latency: invalid duration "abc"; write milliseconds (200) ` +
			`or a number with a unit ms, s, m or h (1.5s)`},
		{`latency > 1.5ms`, 10, `latency: duration "1.5ms" is not a whole number of milliseconds`},
		{`latency > 1.5`, 10, `latency: invalid duration "1.5"; write milliseconds (200) ` +
			`or a number with a unit ms, s, m or h (1.5s)`},
		{`latency ~ "5"`, 8, `latency is a duration field; ~ needs a text field`},
		{`status = 1.5`, 9, `status: invalid integer "1.5"`},
		{`status = 99999999999999999999`, 9, `status: invalid integer "99999999999999999999"`},
		{`cost = abc`, 7, `cost: invalid number "abc"`},
		{`cost = "Inf"`, 7, `cost: invalid number "Inf"`},
		{`cost like "1%"`, 5, `cost is a number field; like needs a text field`},
		{`score.x = maybe`, 10, `score.x: invalid number "maybe"`},
		{`kind = banana`, 7,
			`kind: unknown kind "banana"; valid kinds are llm, data, tool and vector_db`},
		{`name < "b"`, 5, `name is a text field; < needs a number or time field`},
		{`body = "x"`, 5, `body is a body, searched as text; = is not supported on it, ` +
			`use a substring or like test`},
		{`response exists`, 9, `response_body is a body, searched as text; exists is not ` +
			`supported on it, use a substring or like test`},
		{`cost empty`, 5, `cost is a number field; empty needs a text field`},
		{`time > yesterday`, 7, `created_at: invalid time "yesterday"; use RFC 3339 ` +
			`(2025-01-01T00:00:00Z) or a date (2025-01-01), now, or an offset from now such ` +
			`as -1h, -30m or -7d`},
		{`time > -1x`, 7, `created_at: invalid time "-1x"; use RFC 3339 ` +
			`(2025-01-01T00:00:00Z) or a date (2025-01-01), now, or an offset from now such ` +
			`as -1h, -30m or -7d`},
		{`time > -5`, 7, `created_at: invalid time "-5"; use RFC 3339 ` +
			`(2025-01-01T00:00:00Z) or a date (2025-01-01), now, or an offset from now such ` +
			`as -1h, -30m or -7d`},
		{`time > -99999999d`, 7, `created_at: invalid time "-99999999d"; use RFC 3339 ` +
			`(2025-01-01T00:00:00Z) or a date (2025-01-01), now, or an offset from now such ` +
			`as -1h, -30m or -7d`},
		{`time > -100001d`, 7, `created_at: invalid time "-100001d"; use RFC 3339 ` +
			`(2025-01-01T00:00:00Z) or a date (2025-01-01), now, or an offset from now such ` +
			`as -1h, -30m or -7d`},
		{`(name = "a"`, 11, `expected ")" to close "(" at position 0, found end of input`},
		{`name = "a")`, 10, `expected "and", "or" or end of input, found ")"`},
		{`name = "a" name = "b"`, 11, `expected "and", "or" or end of input, found "name"`},
		{`name = "a" and`, 14, `expected a field, "(" or "not", found end of input`},
		{`and name = "a"`, 0, `expected a field, "(" or "not", found keyword and`},
		{`not`, 3, `expected a field, "(" or "not", found end of input`},
		{`"name" = "a"`, 0, `expected a field, "(" or "not", found string "name"`},
		{`name = and`, 7, `expected a value, found keyword and; quote it to use it as text`},
		{`name in ()`, 9, `expected a value, found ")"`},
		{`name in ("a" "b")`, 13, `expected "," or ")" in the list, found string "b"`},
		{`name in "a"`, 8, `expected "(" after in, found string "a"`},
		{`name not "a"`, 9, `expected "in", "like", "ilike", "exists" or "empty" after not, ` +
			`found string "a"`},
		{`name = "\q"`, 8, `invalid escape sequence \q; valid escapes are \" \' \\ \/ \n ` +
			`\r \t and \uXXXX`},
		{`name = "\u12"`, 8, `invalid \u escape; write exactly four hex digits`},
		{`name = "\uD800x"`, 8, `invalid \u escape; a UTF-16 surrogate must be followed by ` +
			`its pair`},
		{`name = "a\`, 9, `unterminated escape sequence`},
		{`name = "a" $`, 11, `unexpected character '$'`},
		{`user = ключ`, 7, `unexpected character 'к': quote a word or key that is not ASCII, ` +
			`as in property."名前" = "値"`},
		{"user = \"a\xff\"", 9, `invalid UTF-8`},
		{`property. = 1`, 9, `expected a key after "property."; write property.env or ` +
			`property."any text"`},
		{`property. "x" = 1`, 9, `expected a key after "property."; write property.env or ` +
			`property."any text"`},
		{`property."" = 1`, 9, `key is empty`},
		{`score. = 1`, 6, `expected a key after "score."; write score.env or score."any text"`},
		{`status = -`, 9, `unexpected character '-'`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := query.Parse(tt.src, testNow)
			var se *query.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %#v, %v; want a *SyntaxError", tt.src, got, err)
			}
			if se.Pos != tt.pos {
				t.Errorf("Parse(%q) error position = %d, want %d", tt.src, se.Pos, tt.pos)
			}
			if se.Msg != tt.msg {
				t.Errorf("Parse(%q) error message\n got  %s\n want %s", tt.src, se.Msg, tt.msg)
			}
		})
	}
}

func TestSyntaxErrorText(t *testing.T) {
	err := error(&query.SyntaxError{Pos: 7, Msg: "unterminated string"})
	if got, want := err.Error(), "position 7: unterminated string"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
