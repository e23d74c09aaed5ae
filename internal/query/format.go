package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
)

// Format prints e in the filter language, in a canonical form: one space around operators,
// field names as the filter package spells them, strings double-quoted, times as RFC 3339 in
// UTC and durations as milliseconds. For every tree that [Parse] or [ParseHeliconeFilter]
// returns, Parse(Format(e), now) returns an equal tree for any now, provided the text fits in
// [MaxLength] bytes. A nil e prints as "all".
func Format(e filter.Expr) string {
	var b strings.Builder
	formatExpr(&b, e)
	return b.String()
}

func formatExpr(b *strings.Builder, e filter.Expr) {
	switch e := e.(type) {
	case nil, filter.All:
		b.WriteString("all")
	case filter.And:
		if len(e.Exprs) == 0 {
			b.WriteString("all")
		}
		formatJoined(b, e.Exprs, " and ")
	case filter.Or:
		if len(e.Exprs) == 0 {
			b.WriteString("not all")
		}
		formatJoined(b, e.Exprs, " or ")
	case filter.Not:
		formatNot(b, e)
	case filter.Cond:
		formatCond(b, e, false)
	default:
		fmt.Fprintf(b, "%T", e)
	}
}

// formatJoined prints operands joined by sep. An operand that is itself an and or an or is
// parenthesised: and binds tighter than or, and an or inside an or only comes from a tree
// built by hand.
func formatJoined(b *strings.Builder, xs []filter.Expr, sep string) {
	for i, x := range xs {
		if i > 0 {
			b.WriteString(sep)
		}
		_, isOr := x.(filter.Or)
		_, isAnd := x.(filter.And)
		formatOperand(b, x, isOr || isAnd && sep == " and ")
	}
}

func formatOperand(b *strings.Builder, x filter.Expr, paren bool) {
	if !paren {
		formatExpr(b, x)
		return
	}
	b.WriteByte('(')
	formatExpr(b, x)
	b.WriteByte(')')
}

// formatNot prints the negation of in, like, ilike and empty with the postfix not, which adds
// no nesting level, and every other negation with the prefix not.
func formatNot(b *strings.Builder, e filter.Not) {
	if c, ok := e.X.(filter.Cond); ok {
		switch c.Op {
		case filter.OpIn, filter.OpLike, filter.OpILike, filter.OpEmpty:
			formatCond(b, c, true)
			return
		}
	}
	b.WriteString("not ")
	_, isOr := e.X.(filter.Or)
	_, isAnd := e.X.(filter.And)
	formatOperand(b, e.X, isOr || isAnd)
}

func formatCond(b *strings.Builder, c filter.Cond, negate bool) {
	b.WriteString(formatField(c.Field))
	if negate {
		b.WriteString(" not")
	}
	switch c.Op {
	case filter.OpExists:
		b.WriteString(" exists")
	case filter.OpNull:
		b.WriteString(" not exists")
	case filter.OpEmpty:
		b.WriteString(" empty")
	case filter.OpIn, filter.OpLike, filter.OpILike:
		b.WriteString(" " + string(c.Op) + " ")
		formatValue(b, c.Value)
	default:
		b.WriteString(" " + string(c.Op) + " ")
		formatValue(b, c.Value)
	}
}

// formatField prints a field as the language spells it.
func formatField(f filter.Field) string {
	switch f.Name {
	case filter.FieldProperty, filter.FieldScore:
		return f.Name + "." + formatKey(f.Key)
	}
	return f.Name
}

// formatKey prints a property or score key bare when it is letters, digits, _ and - only, and
// quoted otherwise.
func formatKey(key string) string {
	if key == "" {
		return `""`
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' {
			return quoteString(key)
		}
	}
	return key
}

func formatValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(quoteString(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case time.Time:
		b.WriteString(v.UTC().Format(time.RFC3339Nano))
	case []any:
		b.WriteByte('(')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, x)
		}
		b.WriteByte(')')
	default:
		b.WriteString(quoteString(fmt.Sprint(v)))
	}
}

// quoteString double-quotes s with the escapes the lexer decodes. Control characters are
// written as \uXXXX, and every other character as is.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
