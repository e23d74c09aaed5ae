package query

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/filter"
)

// Limits on input, so that a hostile filter costs bounded time and stack.
const (
	// MaxLength is the longest filter-language source that Parse accepts, in bytes.
	MaxLength = 8 << 10
	// MaxDepth is the deepest nesting that Parse accepts (parentheses and not) and that
	// ParseHeliconeFilter accepts (and/or objects).
	MaxDepth = 64
	// MaxNodes is the most conditions and operators that Parse and ParseHeliconeFilter
	// accept: each comparison (negated ones such as "not in" included), each not and each
	// run of and or of or counts one.
	MaxNodes = 500
)

// Parse parses a filter-language expression (grammar in the package documentation). Relative
// times such as -1h and the word now are resolved against now, and every time in the result
// is in UTC. Empty input, or input of only spaces, returns [filter.All]. Errors are
// *[SyntaxError] values that point at the offending token.
func Parse(src string, now time.Time) (filter.Expr, error) {
	if len(src) > MaxLength {
		return nil, &SyntaxError{Pos: MaxLength,
			Msg: fmt.Sprintf("filter is longer than %d bytes", MaxLength)}
	}
	if !utf8.ValidString(src) {
		return nil, &SyntaxError{Pos: firstInvalidUTF8(src), Msg: "invalid UTF-8"}
	}

	p := &parser{lex: lexer{src: src}, ref: timeRef{now: now, relative: true}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.typ == tokEOF {
		return filter.All{}, nil
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.typ != tokEOF {
		return nil, p.errorf(p.tok.pos, `expected "and", "or" or end of input, found %s`,
			p.tok.describe())
	}
	return e, nil
}

func firstInvalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}

// parser is a recursive-descent parser over one source. depth counts the open parentheses
// and not operators around the current token.
type parser struct {
	lex   lexer
	tok   token
	ref   timeRef
	depth int
	nodes int // comparisons, not operators and and/or runs so far
}

func (p *parser) advance() error {
	tok, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = tok
	return nil
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// isKeyword reports whether the current token is the keyword kw, in any case.
func (p *parser) isKeyword(kw string) bool {
	return p.tok.typ == tokWord && strings.EqualFold(p.tok.text, kw)
}

// count adds the node that starts at pos to the nodes of the filter.
func (p *parser) count(pos int) error {
	if p.nodes++; p.nodes > MaxNodes {
		return p.errorf(pos, "more than %d conditions and operators", MaxNodes)
	}
	return nil
}

// enter opens a nesting level at pos, and the caller decrements p.depth when it closes.
func (p *parser) enter(pos int) error {
	if p.depth >= MaxDepth {
		return p.errorf(pos, "nesting deeper than %d levels of parentheses and not", MaxDepth)
	}
	p.depth++
	return nil
}

// parseOr parses or_expr = and_expr { "or" and_expr }.
func (p *parser) parseOr() (filter.Expr, error) {
	xs, err := p.parseChain("or", p.parseAnd)
	if err != nil {
		return nil, err
	}
	return anyOf(xs...), nil
}

// parseAnd parses and_expr = unary { "and" unary }.
func (p *parser) parseAnd() (filter.Expr, error) {
	xs, err := p.parseChain("and", p.parseUnary)
	if err != nil {
		return nil, err
	}
	return allOf(xs...), nil
}

func (p *parser) parseChain(kw string, operand func() (filter.Expr, error)) ([]filter.Expr, error) {
	x, err := operand()
	if err != nil {
		return nil, err
	}
	xs := []filter.Expr{x}
	for p.isKeyword(kw) {
		if len(xs) == 1 {
			if err := p.count(p.tok.pos); err != nil {
				return nil, err
			}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if x, err = operand(); err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// parseUnary parses unary = "not" unary | primary.
func (p *parser) parseUnary() (filter.Expr, error) {
	if !p.isKeyword("not") {
		return p.parsePrimary()
	}
	if err := p.count(p.tok.pos); err != nil {
		return nil, err
	}
	if err := p.enter(p.tok.pos); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	p.depth--
	return filter.Not{X: x}, nil
}

// parsePrimary parses primary = "(" or_expr ")" | "all" | comparison.
func (p *parser) parsePrimary() (filter.Expr, error) {
	switch {
	case p.tok.typ == tokLParen:
		return p.parseGroup()
	case p.isKeyword("all"):
		return filter.All{}, p.advance()
	case p.tok.typ == tokWord && !isKeyword(p.tok.text):
		if err := p.count(p.tok.pos); err != nil {
			return nil, err
		}
		return p.parseComparison()
	}
	return nil, p.errorf(p.tok.pos, `expected a field, "(" or "not", found %s`,
		p.tok.describe())
}

func (p *parser) parseGroup() (filter.Expr, error) {
	open := p.tok.pos
	if err := p.enter(open); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.typ != tokRParen {
		return nil, p.errorf(p.tok.pos, `expected ")" to close "(" at position %d, found %s`,
			open, p.tok.describe())
	}
	p.depth--
	return x, p.advance()
}

// allOf joins operands with and. Nested ands are flattened and All operands dropped, so the
// tree does not depend on how the source grouped its operands.
func allOf(xs ...filter.Expr) filter.Expr {
	var out []filter.Expr
	for _, x := range xs {
		switch x := x.(type) {
		case filter.All:
		case filter.And:
			out = append(out, x.Exprs...)
		default:
			out = append(out, x)
		}
	}
	switch len(out) {
	case 0:
		return filter.All{}
	case 1:
		return out[0]
	}
	return filter.And{Exprs: out}
}

// anyOf joins operands with or. Nested ors are flattened, and an All operand makes the whole
// expression All.
func anyOf(xs ...filter.Expr) filter.Expr {
	var out []filter.Expr
	for _, x := range xs {
		switch x := x.(type) {
		case filter.All:
			return filter.All{}
		case filter.Or:
			out = append(out, x.Exprs...)
		default:
			out = append(out, x)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return filter.Or{Exprs: out}
}
