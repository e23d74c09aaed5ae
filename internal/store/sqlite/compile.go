package sqlite

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
)

// Limits that keep a compiled filter within what SQLite accepts. SQLite rejects expressions
// nested deeper than 1000 levels, and it parses "a AND b AND c" as nested pairs, so the number
// of nodes bounds the depth. It also rejects statements with more than 32766 parameters.
//
// The parsers accept 500 conditions and operators (query.MaxNodes) and count a negated
// comparison as one. Here its negation is a node of its own, which makes at most 1000, and
// callers such as the dashboard add a few conditions. The node limit leaves room for both, so
// it rejects no filter that a parser accepted. The depth of such a filter stays near its
// number of comparisons in one run, at most 500.
const (
	maxFilterNodes = 1200
	maxFilterArgs  = 10000
)

// CompileFilter compiles a filter tree to an SQL condition over the logs table and its bound
// arguments. Values and property keys are always arguments, never part of the SQL text, and
// column names come only from a fixed list. A nil tree compiles to TRUE. Every error wraps
// [store.ErrInvalidQuery].
//
// Every compiled condition is either true or false, never SQL NULL, so [filter.Not] is the
// exact complement of its operand. The operators follow these rules:
//   - != and !~ match exactly the logs that = and ~ do not match. On a property this includes
//     logs without the property, and on ttft it includes logs with an unknown ttft.
//   - <, <=, > and >= compare numbers and times numerically and text by its bytes (BINARY
//     collation). A comparison with a missing property or an unknown ttft is false.
//   - ~ and !~ test for a literal substring, so % and _ in the value match themselves. The
//     test ignores case for ASCII letters only.
//   - like is a case-sensitive LIKE pattern, where % matches any run of characters and _
//     matches one character. ilike is the same but ignores case for ASCII letters only. Neither
//     has an escape character.
//   - null matches a missing property or score, an unknown ttft, an empty text column or an
//     empty body, and exists is its negation. On numbers and times other than ttft, null never
//     matches. empty matches what null matches plus a property whose value is the empty
//     string. A text column stores "no value" as the empty string, so there empty and null
//     agree.
//   - body applies the operator to either body: a positive operator matches when it matches
//     the request or the response body, and != and !~ match when neither body matches.
func CompileFilter(e filter.Expr) (where string, args []any, err error) {
	c := &compiler{}
	var b strings.Builder
	if err := c.expr(&b, e); err != nil {
		return "", nil, err
	}
	return b.String(), c.args, nil
}

// compiler accumulates bound arguments in the order their placeholders appear.
type compiler struct {
	args  []any
	nodes int
}

func (c *compiler) arg(v any) error {
	if len(c.args) >= maxFilterArgs {
		return fmt.Errorf("%w: more than %d values", store.ErrInvalidQuery, maxFilterArgs)
	}
	c.args = append(c.args, v)
	return nil
}

func (c *compiler) expr(b *strings.Builder, e filter.Expr) error {
	c.nodes++
	if c.nodes > maxFilterNodes {
		return fmt.Errorf("%w: more than %d conditions and operators", store.ErrInvalidQuery,
			maxFilterNodes)
	}
	switch x := e.(type) {
	case nil, filter.All, *filter.All:
		b.WriteString("TRUE")
		return nil
	case filter.And:
		return c.join(b, x.Exprs, " AND ", "TRUE")
	case filter.Or:
		return c.join(b, x.Exprs, " OR ", "FALSE")
	case filter.Not:
		return c.not(b, x.X)
	case filter.Cond:
		return c.cond(b, x)
	case *filter.And:
		if x != nil {
			return c.join(b, x.Exprs, " AND ", "TRUE")
		}
	case *filter.Or:
		if x != nil {
			return c.join(b, x.Exprs, " OR ", "FALSE")
		}
	case *filter.Not:
		if x != nil {
			return c.not(b, x.X)
		}
	case *filter.Cond:
		if x != nil {
			return c.cond(b, *x)
		}
	}
	return fmt.Errorf("%w: unsupported expression %T", store.ErrInvalidQuery, e)
}

// join writes the operands joined by sep in parentheses; empty is the result of no operands.
func (c *compiler) join(b *strings.Builder, xs []filter.Expr, sep, empty string) error {
	switch len(xs) {
	case 0:
		b.WriteString(empty)
		return nil
	case 1:
		return c.expr(b, xs[0])
	}
	b.WriteByte('(')
	for i, x := range xs {
		if i > 0 {
			b.WriteString(sep)
		}
		if err := c.expr(b, x); err != nil {
			return err
		}
	}
	b.WriteByte(')')
	return nil
}

func (c *compiler) not(b *strings.Builder, x filter.Expr) error {
	b.WriteString("NOT (")
	if err := c.expr(b, x); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

// cond writes one condition after checking the field, the operator and the value type.
func (c *compiler) cond(b *strings.Builder, cd filter.Cond) error {
	col, ok := lookupColumn(cd.Field.Name)
	if !ok {
		return fmt.Errorf("%w: unknown field %q", store.ErrInvalidQuery, cd.Field.Name)
	}
	if col.keyed != (cd.Field.Key != "") {
		if col.keyed {
			return fmt.Errorf("%w: field %q needs a key", store.ErrInvalidQuery, cd.Field.Name)
		}
		return fmt.Errorf("%w: field %q takes no key", store.ErrInvalidQuery, cd.Field.Name)
	}
	if !knownOp(cd.Op) {
		return fmt.Errorf("%w: unknown operator %q", store.ErrInvalidQuery, cd.Op)
	}
	if err := checkValuePresence(cd); err != nil {
		return err
	}

	var err error
	switch col.kind {
	case kindText:
		err = c.textColumn(b, col.expr, cd.Op, cd.Value)
	case kindNumber, kindTime:
		err = c.numberColumn(b, col, cd.Op, cd.Value)
	case kindBody:
		err = c.body(b, col.expr, cd)
	case kindProperty:
		err = c.property(b, cd.Field.Key, cd.Op, cd.Value)
	case kindScore:
		err = c.score(b, cd.Field.Key, cd.Op, cd.Value)
	}
	if err != nil {
		return fmt.Errorf("field %q operator %q: %w", fieldLabel(cd.Field), cd.Op, err)
	}
	return nil
}

func fieldLabel(f filter.Field) string {
	if f.Key == "" {
		return f.Name
	}
	return f.Name + "." + f.Key
}

func knownOp(op filter.Op) bool {
	switch op {
	case filter.OpEq, filter.OpNe, filter.OpLt, filter.OpLe, filter.OpGt, filter.OpGe,
		filter.OpContains, filter.OpNotContains, filter.OpLike, filter.OpILike, filter.OpIn,
		filter.OpExists, filter.OpNull, filter.OpEmpty:
		return true
	}
	return false
}

// isPresenceOp reports whether op tests for a value rather than comparing with one.
func isPresenceOp(op filter.Op) bool {
	return op == filter.OpExists || op == filter.OpNull || op == filter.OpEmpty
}

func checkValuePresence(cd filter.Cond) error {
	if isPresenceOp(cd.Op) {
		if cd.Value != nil {
			return fmt.Errorf("%w: operator %q takes no value", store.ErrInvalidQuery, cd.Op)
		}
		return nil
	}
	if cd.Value == nil {
		return fmt.Errorf("%w: operator %q needs a value", store.ErrInvalidQuery, cd.Op)
	}
	if _, isList := cd.Value.([]any); isList != (cd.Op == filter.OpIn) {
		if isList {
			return fmt.Errorf("%w: operator %q takes one value, not a list",
				store.ErrInvalidQuery, cd.Op)
		}
		return fmt.Errorf("%w: operator in needs a list", store.ErrInvalidQuery)
	}
	return nil
}

// comparison returns the SQL operator of a comparison op, or "" for other ops.
func comparison(op filter.Op) string {
	switch op {
	case filter.OpEq:
		return "="
	case filter.OpNe:
		return "<>"
	case filter.OpLt, filter.OpLe, filter.OpGt, filter.OpGe:
		return string(op)
	}
	return ""
}

// textColumn writes a condition on a NOT NULL text expression, where the empty string means
// no value.
func (c *compiler) textColumn(b *strings.Builder, expr string, op filter.Op, v any) error {
	switch op {
	case filter.OpExists:
		b.WriteString(expr + " <> ''")
		return nil
	case filter.OpNull, filter.OpEmpty:
		b.WriteString(expr + " = ''")
		return nil
	case filter.OpNotContains:
		b.WriteString("NOT (")
		if err := c.textMatch(b, expr, filter.OpContains, v); err != nil {
			return err
		}
		b.WriteByte(')')
		return nil
	}
	return c.textMatch(b, expr, op, v)
}

// textMatch writes a positive test of a NOT NULL text expression against a value: a
// comparison, a substring or pattern match, or a list membership.
func (c *compiler) textMatch(b *strings.Builder, expr string, op filter.Op, v any) error {
	if op == filter.OpIn {
		return c.list(b, expr, v.([]any), textArg)
	}
	s, err := textValue(v)
	if err != nil {
		return err
	}
	ordering := op == filter.OpLt || op == filter.OpLe || op == filter.OpGt || op == filter.OpGe
	if _, isString := v.(string); ordering && !isString {
		return fmt.Errorf("%w: text compares in order only with text, got %T",
			store.ErrInvalidQuery, v)
	}

	switch op {
	case filter.OpContains:
		b.WriteString("instr(lower(" + expr + "), lower(?)) > 0")
	case filter.OpLike:
		b.WriteString(expr + " GLOB ?")
		s = likeToGlob(s)
	case filter.OpILike:
		b.WriteString(expr + " LIKE ?")
	default:
		sqlOp := comparison(op)
		if sqlOp == "" {
			return fmt.Errorf("%w: not supported on text", store.ErrInvalidQuery)
		}
		b.WriteString(expr + " " + sqlOp + " ?")
	}
	return c.arg(s)
}

// list writes "expr IN (?, ...)" with each element converted by conv; an empty list matches
// nothing.
func (c *compiler) list(b *strings.Builder, expr string, vs []any,
	conv func(any) (any, error)) error {
	if len(vs) == 0 {
		b.WriteString("FALSE")
		return nil
	}
	b.WriteString(expr + " IN (")
	for i, v := range vs {
		x, err := conv(v)
		if err != nil {
			return fmt.Errorf("list element %d: %w", i, err)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('?')
		if err := c.arg(x); err != nil {
			return err
		}
	}
	b.WriteByte(')')
	return nil
}

// numberColumn writes a condition on a number or time column. Only a nullable column (ttft)
// can lack a value.
func (c *compiler) numberColumn(b *strings.Builder, col column, op filter.Op, v any) error {
	conv := numberValue
	if col.kind == kindTime {
		conv = timeValue
	}
	switch op {
	case filter.OpExists:
		b.WriteString(nullableOr(col, col.expr+" IS NOT NULL", "TRUE"))
		return nil
	case filter.OpNull, filter.OpEmpty:
		b.WriteString(nullableOr(col, col.expr+" IS NULL", "FALSE"))
		return nil
	case filter.OpNe:
		x, err := conv(v)
		if err != nil {
			return err
		}
		// IS NOT is SQLite's NULL-safe inequality, so an unknown value differs from every number.
		b.WriteString(nullableOr(col, col.expr+" IS NOT ?", col.expr+" <> ?"))
		return c.arg(x)
	}

	if col.nullable {
		b.WriteString("(" + col.expr + " IS NOT NULL AND ")
	}
	if op == filter.OpIn {
		if err := c.list(b, col.expr, v.([]any), conv); err != nil {
			return err
		}
	} else {
		sqlOp := comparison(op)
		if sqlOp == "" {
			return fmt.Errorf("%w: not supported on numbers and times", store.ErrInvalidQuery)
		}
		x, err := conv(v)
		if err != nil {
			return err
		}
		b.WriteString(col.expr + " " + sqlOp + " ?")
		if err := c.arg(x); err != nil {
			return err
		}
	}
	if col.nullable {
		b.WriteByte(')')
	}
	return nil
}

func nullableOr(col column, ifNullable, otherwise string) string {
	if col.nullable {
		return ifNullable
	}
	return otherwise
}

// body writes a text condition on one body, or on either body for the field body.
func (c *compiler) body(b *strings.Builder, expr string, cd filter.Cond) error {
	switch cd.Op {
	case filter.OpLt, filter.OpLe, filter.OpGt, filter.OpGe:
		return fmt.Errorf("%w: bodies support only text search and equality",
			store.ErrInvalidQuery)
	}
	if cd.Field.Name != filter.FieldBody {
		return c.textColumn(b, expr, cd.Op, cd.Value)
	}

	// Either body: a negative operator is the negation of the positive one over both bodies,
	// so "body != x" means neither body equals x.
	op, negate := positiveOp(cd.Op)
	if negate {
		b.WriteString("NOT ")
	}
	b.WriteByte('(')
	for i, e := range []string{requestBodyExpr, responseBodyExpr} {
		if i > 0 {
			b.WriteString(" OR ")
		}
		if err := c.textColumn(b, e, op, cd.Value); err != nil {
			return err
		}
	}
	b.WriteByte(')')
	return nil
}

// positiveOp returns the operator that op negates and true, or op and false when op is not a
// negation. Null and empty count as negations of exists.
func positiveOp(op filter.Op) (filter.Op, bool) {
	switch op {
	case filter.OpNe:
		return filter.OpEq, true
	case filter.OpNotContains:
		return filter.OpContains, true
	case filter.OpNull, filter.OpEmpty:
		return filter.OpExists, true
	}
	return op, false
}

// property writes a condition on the property key as an EXISTS test on log_properties. A
// negative operator is NOT EXISTS of its positive form, so it matches logs without the
// property too.
func (c *compiler) property(b *strings.Builder, key string, op filter.Op, v any) error {
	const sub = "EXISTS (SELECT 1 FROM log_properties WHERE log_seq = logs.seq AND key = ?"
	pos, negate := positiveOp(op)
	if op == filter.OpEmpty {
		// Empty is missing or '', the negation of "present with a non-empty value".
		pos = filter.OpEmpty
	}
	if negate {
		b.WriteString("NOT ")
	}
	b.WriteString(sub)
	if err := c.arg(key); err != nil {
		return err
	}
	switch pos {
	case filter.OpExists:
	case filter.OpEmpty:
		b.WriteString(" AND value <> ''")
	default:
		b.WriteString(" AND ")
		if err := c.textMatch(b, "value", pos, v); err != nil {
			return err
		}
	}
	b.WriteByte(')')
	return nil
}

// score writes a condition on the score name as an EXISTS test on scores, with the same
// negation rule as [compiler.property].
func (c *compiler) score(b *strings.Builder, name string, op filter.Op, v any) error {
	pos, negate := positiveOp(op)
	if negate {
		b.WriteString("NOT ")
	}
	b.WriteString("EXISTS (SELECT 1 FROM scores WHERE log_seq = logs.seq AND name = ?")
	if err := c.arg(name); err != nil {
		return err
	}
	switch {
	case pos == filter.OpExists:
	case pos == filter.OpIn:
		b.WriteString(" AND ")
		if err := c.list(b, "value", v.([]any), numberValue); err != nil {
			return err
		}
	case comparison(pos) != "":
		x, err := numberValue(v)
		if err != nil {
			return err
		}
		b.WriteString(" AND value " + comparison(pos) + " ?")
		if err := c.arg(x); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: not supported on scores", store.ErrInvalidQuery)
	}
	b.WriteByte(')')
	return nil
}

// textValue converts a value for a text comparison. Numbers and booleans become their usual
// text, so property "count" = 3 matches the stored text "3".
func textValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%w: value %v is not a finite number", store.ErrInvalidQuery, x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	if n, ok := integer(v); ok {
		return strconv.FormatInt(n, 10), nil
	}
	return "", fmt.Errorf("%w: text field compared with %T", store.ErrInvalidQuery, v)
}

// textArg is [textValue] in the form [compiler.list] takes.
func textArg(v any) (any, error) {
	return textValue(v)
}

// numberValue converts a value for a numeric comparison. NaN and infinities are rejected
// because SQLite stores a bound NaN as NULL.
func numberValue(v any) (any, error) {
	if n, ok := integer(v); ok {
		return n, nil
	}
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	default:
		return nil, fmt.Errorf("%w: number field compared with %T", store.ErrInvalidQuery, v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: value %v is not a finite number", store.ErrInvalidQuery, f)
	}
	return f, nil
}

// timeValue converts a value for a time comparison to Unix milliseconds. It accepts a
// time.Time, an integer of Unix milliseconds or an RFC 3339 string.
func timeValue(v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UnixMilli(), nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return nil, fmt.Errorf("%w: time %q is not RFC 3339", store.ErrInvalidQuery, x)
		}
		return t.UnixMilli(), nil
	}
	if n, ok := integer(v); ok {
		return n, nil
	}
	return nil, fmt.Errorf("%w: time field compared with %T", store.ErrInvalidQuery, v)
}

func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	}
	return 0, false
}

// likeToGlob converts a LIKE pattern to a GLOB pattern, which SQLite matches case-sensitively:
// % becomes *, _ becomes ?, and the GLOB metacharacters * ? [ become one-character classes
// that match themselves.
func likeToGlob(p string) string {
	var b strings.Builder
	b.Grow(len(p) + 8)
	for _, r := range p {
		switch r {
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
