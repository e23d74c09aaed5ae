package query

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// tokenType classifies a token of the filter language.
type tokenType int

const (
	tokEOF    tokenType = iota
	tokWord             // field name, keyword, bare value or number-like literal
	tokString           // quoted string; text is the decoded value
	tokOp               // comparison operator
	tokLParen
	tokRParen
	tokComma
)

// token is one lexeme. pos and end are byte offsets into the source.
type token struct {
	typ  tokenType
	text string
	pos  int
	end  int
}

// describe names the token in error messages.
func (t token) describe() string {
	switch t.typ {
	case tokEOF:
		return "end of input"
	case tokString:
		return "string " + quoteInput(t.text)
	case tokWord:
		if isKeyword(t.text) {
			return "keyword " + strings.ToLower(t.text)
		}
		return quoteInput(t.text)
	}
	return strconv.Quote(t.text)
}

// isKeyword reports whether a bare word is reserved by the grammar. A reserved word cannot be
// a bare value, so it must be quoted to be used as text.
func isKeyword(word string) bool {
	switch strings.ToLower(word) {
	case "and", "or", "not", "in", "like", "ilike", "exists", "empty", "all":
		return true
	}
	return false
}

// lexer splits the source into tokens. The source must be valid UTF-8.
type lexer struct {
	src string
	pos int
}

// next returns the next token, or a *SyntaxError at a character that starts no token.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	start := l.pos
	if start >= len(l.src) {
		return token{typ: tokEOF, pos: start, end: start}, nil
	}

	c := l.src[start]
	switch {
	case c == '(':
		return l.lexByte(tokLParen), nil
	case c == ')':
		return l.lexByte(tokRParen), nil
	case c == ',':
		return l.lexByte(tokComma), nil
	case c == '"' || c == '\'':
		return l.lexString(c)
	case strings.IndexByte("=!<>~", c) >= 0:
		return l.lexOperator()
	case isIdentStart(c):
		return l.lexRun(isIdentChar), nil
	case isDigit(c) || (c == '-' || c == '+' || c == '.') && l.digitFollows(start+1):
		return l.lexRun(isLiteralChar), nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	msg := "unexpected character " + strconv.QuoteRune(r)
	if r >= utf8.RuneSelf {
		// Bare words and keys are ASCII, so other text must be a quoted string.
		msg += `: quote a word or key that is not ASCII, as in property."名前" = "値"`
	}
	return token{}, &SyntaxError{Pos: start, Msg: msg}
}

func (l *lexer) lexByte(typ tokenType) token {
	l.pos++
	return token{typ: typ, text: l.src[l.pos-1 : l.pos], pos: l.pos - 1, end: l.pos}
}

func (l *lexer) digitFollows(i int) bool {
	return i < len(l.src) && isDigit(l.src[i])
}

func (l *lexer) lexRun(accept func(byte) bool) token {
	start := l.pos
	l.pos++
	for l.pos < len(l.src) && accept(l.src[l.pos]) {
		l.pos++
	}
	return token{typ: tokWord, text: l.src[start:l.pos], pos: start, end: l.pos}
}

// lexOperator reads a run of operator characters, so that a typo such as == is reported as
// one unknown operator instead of two tokens.
func (l *lexer) lexOperator() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && strings.IndexByte("=!<>~", l.src[l.pos]) >= 0 {
		l.pos++
	}
	text := l.src[start:l.pos]
	switch text {
	case "=", "!=", "<", "<=", ">", ">=", "~", "!~":
		return token{typ: tokOp, text: text, pos: start, end: l.pos}, nil
	}
	return token{}, &SyntaxError{Pos: start, Msg: "unknown operator " + strconv.Quote(text) +
		"; operators are =, !=, <, <=, >, >=, ~ and !~"}
}

// lexString reads a string quoted with q and decodes the escapes \" \' \\ \/ \n \r \t and
// \uXXXX (UTF-16 surrogate pairs are combined).
func (l *lexer) lexString(q byte) (token, error) {
	start := l.pos
	var b strings.Builder
	i := start + 1
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c == q:
			l.pos = i + 1
			return token{typ: tokString, text: b.String(), pos: start, end: l.pos}, nil
		case c == '\\':
			n, err := l.decodeEscape(i, &b)
			if err != nil {
				return token{}, err
			}
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return token{}, &SyntaxError{Pos: start, Msg: "unterminated string"}
}

// decodeEscape decodes the escape sequence at src[i] into b and returns its length.
func (l *lexer) decodeEscape(i int, b *strings.Builder) (int, error) {
	if i+1 >= len(l.src) {
		return 0, &SyntaxError{Pos: i, Msg: "unterminated escape sequence"}
	}
	if c, ok := simpleEscape(l.src[i+1]); ok {
		b.WriteByte(c)
		return 2, nil
	}
	if l.src[i+1] != 'u' {
		r, _ := utf8.DecodeRuneInString(l.src[i+1:])
		return 0, &SyntaxError{Pos: i, Msg: "invalid escape sequence \\" + string(r) +
			`; valid escapes are \" \' \\ \/ \n \r \t and \uXXXX`}
	}

	r, ok := l.hex4(i + 2)
	if !ok {
		return 0, &SyntaxError{Pos: i, Msg: `invalid \u escape; write exactly four hex digits`}
	}
	if !utf16.IsSurrogate(r) {
		b.WriteRune(r)
		return 6, nil
	}
	if i+7 < len(l.src) && l.src[i+6] == '\\' && l.src[i+7] == 'u' {
		if r2, ok := l.hex4(i + 8); ok {
			if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
				b.WriteRune(pair)
				return 12, nil
			}
		}
	}
	return 0, &SyntaxError{Pos: i, Msg: `invalid \u escape; a UTF-16 surrogate must be ` +
		`followed by its pair`}
}

func (l *lexer) hex4(i int) (rune, bool) {
	if i+4 > len(l.src) {
		return 0, false
	}
	n, err := strconv.ParseUint(l.src[i:i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}

// simpleEscape returns the byte that a backslash followed by c stands for.
func simpleEscape(c byte) (byte, bool) {
	switch c {
	case '"', '\'', '\\', '/':
		return c, true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isIdentStart(c byte) bool { return isLetter(c) || c == '_' }

// isIdentChar accepts the characters of bare words: field names such as session.id and
// property.env, keywords and bare text values.
func isIdentChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '.' || c == ':' || c == '-'
}

// isLiteralChar accepts the characters of number-like words: numbers, durations (1.5s),
// times (2025-01-01T00:00:00+02:00), offsets (-1h) and ids that start with a digit.
func isLiteralChar(c byte) bool {
	return isIdentChar(c) || c == '+'
}
