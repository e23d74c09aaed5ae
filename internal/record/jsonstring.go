package record

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// surrogateMode says what decoding does with a \u escape of a lone UTF-16 surrogate, which
// JSON allows but UTF-8 cannot carry. Neither mode substitutes U+FFFD.
type surrogateMode uint8

const (
	// keepEscaped copies the six-byte escape text (such as \ud83d) into the output, so the
	// result stays valid UTF-8. Used for text that is stored or shown as is.
	keepEscaped surrogateMode = iota
	// keepWTF8 writes the surrogate as its three-byte generalised UTF-8 form (WTF-8). Used for
	// stream fragments that are concatenated: [joinSurrogates] then merges a high surrogate at
	// the end of one fragment with a low surrogate at the start of the next, and
	// [appendJSONString] writes any surrogate still alone as a \u escape.
	keepWTF8
)

// unquoteInner appends the decoded text of a JSON string token, given without its quotes, to
// dst. The token must have passed [checkJSON], and a malformed escape is copied through.
func unquoteInner(s, dst []byte, mode surrogateMode) []byte {
	for i := 0; i < len(s); {
		j := bytes.IndexByte(s[i:], '\\')
		if j < 0 {
			return append(dst, s[i:]...)
		}
		dst = append(dst, s[i:i+j]...)
		i += j
		if i+1 >= len(s) {
			return append(dst, s[i:]...)
		}
		if s[i+1] == 'u' {
			var n int
			dst, n = appendUnicodeEscape(dst, s[i:], mode)
			i += n
			continue
		}
		if b, ok := simpleEscape(s[i+1]); ok {
			dst = append(dst, b)
		} else {
			dst = append(dst, s[i], s[i+1])
		}
		i += 2
	}
	return dst
}

// simpleEscape returns the byte that a one-letter escape such as \n stands for.
func simpleEscape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

// appendUnicodeEscape decodes the \uXXXX escape (or surrogate pair of escapes) at the start
// of s and returns the number of input bytes consumed.
func appendUnicodeEscape(dst, s []byte, mode surrogateMode) ([]byte, int) {
	r, ok := hex4(s[2:])
	if !ok {
		return append(dst, s[:2]...), 2
	}
	if !utf16.IsSurrogate(r) {
		return utf8.AppendRune(dst, r), 6
	}
	if r < 0xDC00 && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
		if low, ok := hex4(s[8:]); ok && low >= 0xDC00 && low < 0xE000 {
			return utf8.AppendRune(dst, utf16.DecodeRune(r, low)), 12
		}
	}
	if mode == keepEscaped {
		return append(dst, s[:6]...), 6
	}
	return appendWTF8(dst, r), 6
}

// hex4 decodes four hexadecimal digits.
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// appendWTF8 appends a surrogate code point in the three-byte form that UTF-8 would use if it
// allowed surrogates. utf8.AppendRune cannot be used because it writes U+FFFD for them.
func appendWTF8(dst []byte, r rune) []byte {
	return append(dst, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

// wtf8Surrogate decodes a three-byte WTF-8 surrogate at the start of s.
func wtf8Surrogate(s []byte) (rune, bool) {
	if len(s) < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || s[2]&0xC0 != 0x80 {
		return 0, false
	}
	return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), true
}

// joinSurrogates rewrites, in place, each WTF-8 high surrogate directly followed by a WTF-8
// low surrogate as the UTF-8 encoding of the pair's code point. Fragments decoded with
// keepWTF8 are valid UTF-8 again after this, except for surrogates that have no partner.
func joinSurrogates(b []byte) []byte {
	if !bytes.Contains(b, []byte{0xED}) {
		return b
	}
	out := b[:0]
	for i := 0; i < len(b); {
		hi, okHi := wtf8Surrogate(b[i:])
		if okHi && hi < 0xDC00 {
			lo, okLo := wtf8Surrogate(b[i+3:])
			if okLo && lo >= 0xDC00 {
				// The four output bytes never overtake the six input bytes already read.
				out = utf8.AppendRune(out, utf16.DecodeRune(hi, lo))
				i += 6
				continue
			}
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// appendJSONString appends s as a JSON string token. Control characters, quotes, backslashes,
// U+2028 and U+2029 are escaped, and a WTF-8 surrogate is written as its \u escape.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' && b < utf8.RuneSelf {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = appendEscapedByte(append(dst, s[start:i]...), b)
			i++
			start = i
			continue
		}
		if r, ok := wtf8Surrogate(s[i:]); ok {
			dst = appendUEscape(append(dst, s[start:i]...), r)
			i += 3
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == '\u2028' || r == '\u2029' || (r == utf8.RuneError && size == 1) {
			// Validated input cannot contain an invalid byte. If one appears anyway, it is
			// written as \ufffd so that the output stays valid JSON text.
			dst = appendUEscape(append(dst, s[start:i]...), r)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscapedByte appends the JSON escape for an ASCII byte that cannot appear raw.
func appendEscapedByte(dst []byte, b byte) []byte {
	switch b {
	case '"', '\\':
		return append(dst, '\\', b)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return appendUEscape(dst, rune(b))
}

// appendUEscape appends r, which must be below U+10000, as a \uXXXX escape.
func appendUEscape(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}
