package record

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// The helpers in this file walk JSON text that [checkJSON] has already accepted. The skip
// functions and iterators do not allocate. On malformed input they stop at the end of the
// data instead of panicking.

// valueKind is the JSON type of a raw value, read from its first byte.
type valueKind uint8

const (
	kindNone valueKind = iota // absent
	kindNull
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// kindOf returns the JSON type of raw, or kindNone when raw is empty.
func kindOf(raw []byte) valueKind {
	if len(raw) == 0 {
		return kindNone
	}
	switch raw[0] {
	case '{':
		return kindObject
	case '[':
		return kindArray
	case '"':
		return kindString
	case 't', 'f':
		return kindBool
	case 'n':
		return kindNull
	default:
		return kindNumber
	}
}

// isAbsent reports whether raw is missing or JSON null.
func isAbsent(raw []byte) bool {
	k := kindOf(raw)
	return k == kindNone || k == kindNull
}

// skipSpaces returns the offset of the first non-whitespace byte at or after i.
func skipSpaces(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// skipString returns the offset just past the string token whose opening quote is at i.
func skipString(data []byte, i int) int {
	start := i + 1
	for j := start; j < len(data); {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			break
		}
		quote := j + k
		// The quote ends the string unless an odd number of backslashes escapes it.
		backslashes := 0
		for p := quote - 1; p >= start && data[p] == '\\'; p-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return quote + 1
		}
		j = quote + 1
	}
	return len(data)
}

// skipValue returns the offset just past the value that starts at i (after whitespace).
func skipValue(data []byte, i int) int {
	i = skipSpaces(data, i)
	if i >= len(data) {
		return len(data)
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		return skipContainer(data, i)
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// skipContainer returns the offset just past the object or array that opens at i.
func skipContainer(data []byte, i int) int {
	depth := 0
	for i < len(data) {
		c := data[i]
		if c == '"' {
			i = skipString(data, i)
			continue
		}
		// Setting bit 0x20 maps '[' to '{' and ']' to '}'. No other byte that may appear
		// outside a string in valid JSON maps to either.
		switch c | 0x20 {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return len(data)
}

// members iterates over the members of a raw JSON object.
type members struct {
	data []byte
	pos  int
}

// newMembers returns an iterator over obj, which must be a raw JSON object. Any other value
// yields no members.
func newMembers(obj []byte) members {
	if kindOf(obj) != kindObject {
		return members{}
	}
	return members{data: obj, pos: 1}
}

// next returns the next member: the key token without its quotes (escapes not decoded) and
// the raw value.
func (m *members) next() (key, val []byte, ok bool) {
	i := skipSpaces(m.data, m.pos)
	if i < len(m.data) && m.data[i] == ',' {
		i = skipSpaces(m.data, i+1)
	}
	if i >= len(m.data) || m.data[i] != '"' {
		m.pos = len(m.data)
		return nil, nil, false
	}
	end := skipString(m.data, i)
	key = m.data[i+1 : max(i+1, end-1)]
	i = skipSpaces(m.data, end)
	if i < len(m.data) && m.data[i] == ':' {
		i++
	}
	i = skipSpaces(m.data, i)
	vend := skipValue(m.data, i)
	m.pos = vend
	return key, m.data[i:vend], true
}

// elements iterates over the elements of a raw JSON array.
type elements struct {
	data []byte
	pos  int
}

// newElements returns an iterator over arr, which must be a raw JSON array. Any other value
// yields no elements.
func newElements(arr []byte) elements {
	if kindOf(arr) != kindArray {
		return elements{}
	}
	return elements{data: arr, pos: 1}
}

// next returns the next raw element.
func (e *elements) next() (val []byte, ok bool) {
	i := skipSpaces(e.data, e.pos)
	if i < len(e.data) && e.data[i] == ',' {
		i = skipSpaces(e.data, i+1)
	}
	if i >= len(e.data) || e.data[i] == ']' {
		e.pos = len(e.data)
		return nil, false
	}
	end := skipValue(e.data, i)
	if end <= i {
		e.pos = len(e.data)
		return nil, false
	}
	e.pos = end
	return e.data[i:end], true
}

// keyIs reports whether the raw key token (without quotes) decodes to name.
func keyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key) == name
	}
	return string(unquoteInner(key, nil, keepEscaped)) == name
}

// keyString decodes a raw key token (without quotes).
func keyString(key []byte) string {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key)
	}
	return string(unquoteInner(key, nil, keepEscaped))
}

// stringValue decodes raw when it is a JSON string. ok is false for any other type.
func stringValue(raw []byte) (s string, ok bool) {
	if kindOf(raw) != kindString || len(raw) < 2 {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	return string(unquoteInner(inner, nil, keepEscaped)), true
}

// stringIs reports whether raw is a JSON string equal to s.
func stringIs(raw []byte, s string) bool {
	if kindOf(raw) != kindString || len(raw) < 2 {
		return false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == s
	}
	return string(unquoteInner(inner, nil, keepEscaped)) == s
}

// intValue converts a raw JSON number with an integral value that fits in int64. Fractions
// and exponents are accepted when the value is still integral, so 2e2 and 200.0 give 200.
func intValue(raw []byte) (int64, bool) {
	if kindOf(raw) != kindNumber {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// floatValue converts a raw JSON number.
func floatValue(raw []byte) (float64, bool) {
	if kindOf(raw) != kindNumber {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

func isRangeErr(err error) bool { return errors.Is(err, strconv.ErrRange) }

// countValue converts a raw JSON number to a token count: fractions are truncated, negative
// values become 0 and values past maxCount are capped there.
func countValue(raw []byte) (int64, bool) {
	if n, ok := intValue(raw); ok {
		return clampCount(n), true
	}
	f, ok := floatValue(raw)
	if !ok {
		return 0, false
	}
	switch {
	case f <= 0:
		return 0, true
	case f >= maxCount:
		return maxCount, true
	}
	return int64(f), true
}

// maxCount caps token counts, about 4.3 billion, far above the tokens of any single call. The
// store sums counts over logs in 64-bit integers, which overflow only after more than 2^31
// logs at the cap.
const maxCount = 1 << 32

func clampCount(n int64) int64 {
	return min(max(n, 0), maxCount)
}
