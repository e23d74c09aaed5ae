package query

import (
	"strings"

	"github.com/heliograph/heliograph/internal/filter"
)

// parseComparison parses one comparison: a field followed by an operator and its operands.
func (p *parser) parseComparison() (filter.Expr, error) {
	f, kind, err := p.parseField()
	if err != nil {
		return nil, err
	}
	switch {
	case p.tok.typ == tokOp:
		return p.parseBinary(f, kind)
	case p.tok.typ == tokWord && isKeyword(p.tok.text):
		return p.parseKeywordOp(f, kind)
	}
	return nil, p.errorf(p.tok.pos, "expected an operator after %s, found %s",
		fieldLabel(f), p.tok.describe())
}

// parseField parses a field name, including property.<key>, property."<key>" and the score
// forms. An unquoted key is the rest of the bare word, dots included: property.a.b is the key
// "a.b", because property keys are flat.
func (p *parser) parseField() (filter.Field, valueKind, error) {
	tok := p.tok
	lower := strings.ToLower(tok.text)
	if name, ok := languageField(lower); ok {
		f := filter.Field{Name: name}
		kind, _ := kindOf(f)
		return f, kind, p.advance()
	}

	prefix, isScore := keyPrefix(lower)
	if prefix == "" {
		return filter.Field{}, 0, p.errorf(tok.pos, "unknown field %s; the fields are "+
			"listed in docs/filter-language.md", quoteInput(tok.text))
	}
	if err := p.advance(); err != nil {
		return filter.Field{}, 0, err
	}
	key, err := p.parseKey(tok, tok.text[len(prefix):])
	if err != nil {
		return filter.Field{}, 0, err
	}

	f := propertyField(key)
	if isScore {
		f = filter.Field{Name: filter.FieldScore, Key: key}
	}
	kind, _ := kindOf(f)
	return f, kind, nil
}

// keyPrefix returns the prefix of a property or score field name, or "" if name has none.
func keyPrefix(name string) (prefix string, isScore bool) {
	for _, prefix := range [...]string{"property.", "properties.", "prop."} {
		if strings.HasPrefix(name, prefix) {
			return prefix, false
		}
	}
	for _, prefix := range [...]string{"score.", "scores."} {
		if strings.HasPrefix(name, prefix) {
			return prefix, true
		}
	}
	return "", false
}

// parseKey returns the key after the prefix of the field word fieldTok. An empty rest means a
// quoted key must follow the dot with no space between.
func (p *parser) parseKey(fieldTok token, rest string) (string, error) {
	if rest != "" {
		return rest, nil
	}
	if p.tok.typ != tokString || p.tok.pos != fieldTok.end {
		return "", p.errorf(fieldTok.end, `expected a key after %q; write %senv or %s"any text"`,
			fieldTok.text, fieldTok.text, fieldTok.text)
	}
	if p.tok.text == "" {
		return "", p.errorf(p.tok.pos, "key is empty")
	}
	key := p.tok.text
	return key, p.advance()
}

// binaryOp maps the symbol of a comparison operator to its Op.
func binaryOp(symbol string) filter.Op {
	switch symbol {
	case "~":
		return filter.OpContains
	case "!~":
		return filter.OpNotContains
	}
	return filter.Op(symbol)
}

func (p *parser) parseBinary(f filter.Field, kind valueKind) (filter.Expr, error) {
	opTok := p.tok
	op := binaryOp(opTok.text)
	if err := checkOp(f, kind, op, opTok.text); err != nil {
		return nil, p.errorf(opTok.pos, "%s", err.Error())
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	v, err := p.parseValue(f, kind, op)
	if err != nil {
		return nil, err
	}
	return filter.Cond{Field: f, Op: op, Value: v}, nil
}

// parseKeywordOp parses the keyword operators in, like, ilike, exists and empty, each
// optionally preceded by not. "not exists" is the null test, and the other not forms negate.
func (p *parser) parseKeywordOp(f filter.Field, kind valueKind) (filter.Expr, error) {
	negate := p.isKeyword("not")
	if negate {
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	opTok := p.tok
	op, ok := keywordOp(opTok)
	if !ok && negate {
		return nil, p.errorf(opTok.pos, `expected "in", "like", "ilike", "exists" or "empty" `+
			"after not, found %s", opTok.describe())
	}
	if !ok {
		return nil, p.errorf(opTok.pos, "expected an operator after %s, found %s",
			fieldLabel(f), opTok.describe())
	}
	name := strings.ToLower(opTok.text)
	if negate {
		name = "not " + name
	}
	if op == filter.OpExists && negate {
		op, negate = filter.OpNull, false
	}
	if err := checkOp(f, kind, op, name); err != nil {
		return nil, p.errorf(opTok.pos, "%s", err.Error())
	}
	if err := p.advance(); err != nil {
		return nil, err
	}

	cond := filter.Cond{Field: f, Op: op}
	var err error
	switch op {
	case filter.OpIn:
		cond.Value, err = p.parseList(f, kind)
	case filter.OpLike, filter.OpILike:
		cond.Value, err = p.parseValue(f, kind, op)
	}
	if err != nil {
		return nil, err
	}
	if negate {
		return filter.Not{X: cond}, nil
	}
	return cond, nil
}

func keywordOp(tok token) (filter.Op, bool) {
	if tok.typ != tokWord {
		return "", false
	}
	switch strings.ToLower(tok.text) {
	case "in":
		return filter.OpIn, true
	case "like":
		return filter.OpLike, true
	case "ilike":
		return filter.OpILike, true
	case "exists":
		return filter.OpExists, true
	case "empty":
		return filter.OpEmpty, true
	}
	return "", false
}

// parseList parses "(" value { "," value } ")".
func (p *parser) parseList(f filter.Field, kind valueKind) ([]any, error) {
	if p.tok.typ != tokLParen {
		return nil, p.errorf(p.tok.pos, `expected "(" after in, found %s`, p.tok.describe())
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var values []any
	for {
		v, err := p.parseValue(f, kind, filter.OpIn)
		if err != nil {
			return nil, err
		}
		values = append(values, v)

		switch p.tok.typ {
		case tokComma:
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tokRParen:
			return values, p.advance()
		default:
			return nil, p.errorf(p.tok.pos, `expected "," or ")" in the list, found %s`,
				p.tok.describe())
		}
	}
}

// parseValue parses a quoted string or bare word and converts it to the field's type.
func (p *parser) parseValue(f filter.Field, kind valueKind, op filter.Op) (any, error) {
	tok := p.tok
	switch {
	case tok.typ == tokWord && isKeyword(tok.text):
		return nil, p.errorf(tok.pos, "expected a value, found %s; quote it to use it as text",
			tok.describe())
	case tok.typ != tokWord && tok.typ != tokString:
		return nil, p.errorf(tok.pos, "expected a value, found %s", tok.describe())
	}
	v, err := convertValue(kind, op, requestIDText(f, op, tok.text), p.ref)
	if err != nil {
		return nil, p.errorf(tok.pos, "%s: %s", fieldLabel(f), err.Error())
	}
	return v, p.advance()
}
