package record

import (
	"fmt"
	"unicode/utf8"
)

// syntaxError locates the first problem that [checkJSON] found.
type syntaxError struct {
	offset  int
	msg     string
	tooDeep bool
	// surrogate marks a \u escape of a lone UTF-16 surrogate, found only by checkStrictJSON.
	surrogate bool
}

// checkJSON validates that data is exactly one JSON value (RFC 8259) surrounded by optional
// whitespace and nested at most maxDepth levels, where a top-level object or array is level 1.
// It reads data once without recursion or allocation, so a deeply nested input fails at the
// first level past the limit. It does not check UTF-8: callers check that first.
func checkJSON(data []byte, maxDepth int) *syntaxError {
	return runChecker(checker{data: data, maxDepth: maxDepth})
}

// checkStrictJSON is [checkJSON] that also rejects a \u escape of a lone UTF-16 surrogate: a
// high surrogate not followed by a low surrogate escape, or a low surrogate on its own. JSON
// grammar allows such an escape, but it stands for no character, so no UTF-8 text can hold it
// and tools that decode the stored JSON (jq among them) fail on it.
func checkStrictJSON(data []byte, maxDepth int) *syntaxError {
	return runChecker(checker{data: data, maxDepth: maxDepth, pairSurrogates: true})
}

func runChecker(c checker) *syntaxError {
	if !c.run() {
		err := c.err
		return &err
	}
	return nil
}

// checker is the state of one [checkJSON] call.
type checker struct {
	data     []byte
	pos      int
	maxDepth int
	// pairSurrogates rejects \u escapes of lone UTF-16 surrogates.
	pairSurrogates bool
	// depth is the number of open containers. Bit i of the stack is set when the container
	// at depth i+1 is an object. The first 256 levels live in low so that a checker needs
	// no allocation, and high stores deeper levels when maxDepth allows them.
	depth int
	low   [4]uint64
	high  []uint64
	err   syntaxError
}

// push records a newly opened container.
func (c *checker) push(object bool) {
	word, bit := c.depth/64, uint(c.depth%64)
	c.depth++
	w := c.stackWord(word)
	if object {
		*w |= 1 << bit
	} else {
		*w &^= 1 << bit
	}
}

// inObject reports whether the innermost open container is an object.
func (c *checker) inObject() bool {
	i := c.depth - 1
	return *c.stackWord(i / 64)&(1<<uint(i%64)) != 0
}

func (c *checker) stackWord(word int) *uint64 {
	if word < len(c.low) {
		return &c.low[word]
	}
	for len(c.high) <= word-len(c.low) {
		c.high = append(c.high, 0)
	}
	return &c.high[word-len(c.low)]
}

// run validates the whole input. It alternates between reading a value and reading what
// follows a value inside its container.
func (c *checker) run() bool {
	expectValue := true
	for {
		if expectValue {
			opened, ok := c.value()
			if !ok {
				return false
			}
			if opened {
				continue
			}
		}
		if c.depth == 0 {
			c.skipSpace()
			if c.pos != len(c.data) {
				return c.fail("unexpected data after the top-level value")
			}
			return true
		}
		next, ok := c.afterValue()
		if !ok {
			return false
		}
		expectValue = next
	}
}

// value reads one value. For a non-empty object or array it reads only the opening bracket
// (and the first key of an object) and reports opened, so that run reads the first member.
func (c *checker) value() (opened, ok bool) {
	c.skipSpace()
	if c.pos >= len(c.data) {
		return false, c.fail("")
	}
	switch b := c.data[c.pos]; {
	case b == '{':
		return c.open('{', '}')
	case b == '[':
		return c.open('[', ']')
	case b == '"':
		return false, c.str()
	case b == '-' || isDigit(b):
		return false, c.number()
	case b == 't':
		return false, c.literal("true")
	case b == 'f':
		return false, c.literal("false")
	case b == 'n':
		return false, c.literal("null")
	default:
		return false, c.failChar("looking for the start of a value")
	}
}

// open enters a container. An empty container is a complete value. For a non-empty object,
// open also reads the first key and colon.
func (c *checker) open(kind, closing byte) (opened, ok bool) {
	if c.depth >= c.maxDepth {
		c.err = syntaxError{
			offset:  c.pos,
			msg:     fmt.Sprintf("more than %d levels", c.maxDepth),
			tooDeep: true,
		}
		return false, false
	}
	c.pos++
	c.skipSpace()
	if c.pos < len(c.data) && c.data[c.pos] == closing {
		c.pos++
		return false, true
	}
	c.push(kind == '{')
	if kind == '{' {
		return true, c.key()
	}
	return true, true
}

// key reads an object key and the colon after it.
func (c *checker) key() bool {
	c.skipSpace()
	if c.pos >= len(c.data) || c.data[c.pos] != '"' {
		return c.failChar("looking for an object key")
	}
	if !c.str() {
		return false
	}
	c.skipSpace()
	if c.pos >= len(c.data) || c.data[c.pos] != ':' {
		return c.failChar("after an object key")
	}
	c.pos++
	return true
}

// afterValue reads what follows a value inside the innermost container: a comma (then next
// reports that a value follows) or the closing bracket (then the container is a finished value).
func (c *checker) afterValue() (next, ok bool) {
	c.skipSpace()
	if c.pos >= len(c.data) {
		return false, c.fail("")
	}
	object := c.inObject()
	switch b := c.data[c.pos]; {
	case b == ',':
		c.pos++
		if object {
			return true, c.key()
		}
		return true, true
	case object && b == '}', !object && b == ']':
		c.pos++
		c.depth--
		return false, true
	default:
		return false, c.failChar("after a value")
	}
}

// str reads a string token starting at its opening quote.
func (c *checker) str() bool {
	c.pos++
	for c.pos < len(c.data) {
		b := c.data[c.pos]
		switch {
		case b == '"':
			c.pos++
			return true
		case b == '\\':
			if !c.escape() {
				return false
			}
		case b < 0x20:
			return c.fail("control character in a string")
		default:
			c.pos++
		}
	}
	return c.fail("")
}

// escape reads one backslash escape inside a string.
func (c *checker) escape() bool {
	c.pos++
	if c.pos >= len(c.data) {
		return c.fail("")
	}
	switch c.data[c.pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		c.pos++
		return true
	case 'u':
		for i := 1; i <= 4; i++ {
			if c.pos+i >= len(c.data) {
				c.pos = len(c.data)
				return c.fail("")
			}
			if !isHex(c.data[c.pos+i]) {
				c.pos += i
				return c.fail("invalid \\u escape in a string")
			}
		}
		if c.pairSurrogates {
			return c.surrogateEscape()
		}
		c.pos += 5
		return true
	default:
		return c.fail("invalid escape in a string")
	}
}

// surrogateEscape reads the four hex digits of a \u escape whose digits are already checked,
// with c.pos on the u. A high surrogate must be followed by a \u escape of a low surrogate,
// and the pair is read as one character. A surrogate on its own fails.
func (c *checker) surrogateEscape() bool {
	start := c.pos - 1
	r, _ := hex4(c.data[c.pos+1:])
	c.pos += 5
	if r < 0xD800 || r > 0xDFFF {
		return true
	}
	if r < 0xDC00 && c.pos+6 <= len(c.data) && c.data[c.pos] == '\\' &&
		c.data[c.pos+1] == 'u' {
		if low, ok := hex4(c.data[c.pos+2:]); ok && low >= 0xDC00 && low <= 0xDFFF {
			c.pos += 6
			return true
		}
	}
	c.err = syntaxError{
		offset:    start,
		msg:       fmt.Sprintf("invalid surrogate escape %s", c.data[start:start+6]),
		surrogate: true,
	}
	return false
}

// number reads a number token: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (c *checker) number() bool {
	if c.data[c.pos] == '-' {
		c.pos++
	}
	switch {
	case c.pos < len(c.data) && c.data[c.pos] == '0':
		c.pos++
	case c.pos < len(c.data) && isDigit(c.data[c.pos]):
		c.digits()
	default:
		return c.failChar("in a number")
	}
	if c.pos < len(c.data) && c.data[c.pos] == '.' {
		c.pos++
		if c.pos >= len(c.data) || !isDigit(c.data[c.pos]) {
			return c.failChar("after a decimal point")
		}
		c.digits()
	}
	if c.pos < len(c.data) && (c.data[c.pos] == 'e' || c.data[c.pos] == 'E') {
		c.pos++
		if c.pos < len(c.data) && (c.data[c.pos] == '+' || c.data[c.pos] == '-') {
			c.pos++
		}
		if c.pos >= len(c.data) || !isDigit(c.data[c.pos]) {
			return c.failChar("in a number exponent")
		}
		c.digits()
	}
	return true
}

func (c *checker) digits() {
	for c.pos < len(c.data) && isDigit(c.data[c.pos]) {
		c.pos++
	}
}

// literal reads true, false or null.
func (c *checker) literal(word string) bool {
	for i := 0; i < len(word); i++ {
		if c.pos >= len(c.data) {
			return c.fail("")
		}
		if c.data[c.pos] != word[i] {
			return c.failChar("in a literal")
		}
		c.pos++
	}
	return true
}

func (c *checker) skipSpace() {
	for c.pos < len(c.data) && isSpace(c.data[c.pos]) {
		c.pos++
	}
}

// fail records an error at the current position. An empty msg means the input ended early.
func (c *checker) fail(msg string) bool {
	if msg == "" || c.pos >= len(c.data) {
		msg = "unexpected end of input"
		c.pos = len(c.data)
	}
	c.err = syntaxError{offset: c.pos, msg: msg}
	return false
}

// failChar records an unexpected character at the current position.
func (c *checker) failChar(context string) bool {
	if c.pos >= len(c.data) {
		return c.fail("")
	}
	r, _ := utf8.DecodeRune(c.data[c.pos:])
	return c.fail(fmt.Sprintf("unexpected character %q %s", r, context))
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isHex(b byte) bool {
	return isDigit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}
