package cli

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// escapeControls returns s with every character that a terminal could act on written as a
// visible escape, for the text and table outputs. C0 controls and DEL become \x1b, \t, \n or
// \r, C1 controls and Unicode bidirectional controls become \u202e, and each byte of invalid
// UTF-8 becomes \xff. A raw ESC, BEL or C1 control in logged content could otherwise move the
// cursor, clear the screen or change the title, and a bidi control could reorder the text
// that follows it. Other characters, backslash included, are kept.
func escapeControls(s string) string {
	return escapeControlsKeep(s, false)
}

// escapeMessage is [escapeControls] for error and status messages, which keep their line
// breaks.
func escapeMessage(s string) string {
	return escapeControlsKeep(s, true)
}

func escapeControlsKeep(s string, keepNewline bool) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, size) && !(keepNewline && r == '\n') {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}

	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case !needsEscape(r, size) || (keepNewline && r == '\n'):
			b.WriteString(s[i : i+size])
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + hex2(s[i]))
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < utf8.RuneSelf:
			b.WriteString(`\x` + hex2(byte(r)))
		case r > 0xffff:
			b.WriteString(`\U` + hexN(r, 8))
		default:
			b.WriteString(`\u` + hexN(r, 4))
		}
		i += size
	}
	return b.String()
}

// needsEscape reports whether the rune r, decoded from size bytes, must be escaped: a
// control character, a line or paragraph separator, a byte of invalid UTF-8, or an invisible
// format character. Format characters are Unicode category Cf, such as bidi controls,
// zero-width characters, the soft hyphen and tag characters.
func needsEscape(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true // Arabic letter mark, left-to-right and right-to-left marks.
	case r >= 0x2028 && r <= 0x2029:
		return true // Line and paragraph separators.
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // Bidi embeddings, overrides and isolates.
	}
	return unicode.Is(unicode.Cf, r)
}

// escapeJSONControls returns the JSON text raw with each DEL, C1 control, format character,
// line separator and paragraph separator written as a \u escape (a surrogate pair above
// U+FFFF). JSON allows these characters raw
// inside strings, and they can occur nowhere else, so the result decodes to the same value.
// Control characters below U+0020 are always escaped in valid JSON already.
func escapeJSONControls(raw []byte) []byte {
	var out []byte
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if r < utf8.RuneSelf && r != 0x7f || size == 1 && r == utf8.RuneError ||
			!needsEscape(r, size) {
			if out != nil {
				out = append(out, raw[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(raw)+16), raw[:i]...)
		}
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			out = append(out, `\u`+hexN(hi, 4)+`\u`+hexN(lo, 4)...)
		} else {
			out = append(out, `\u`+hexN(r, 4)...)
		}
		i += size
	}
	if out == nil {
		return raw
	}
	return out
}

func hex2(b byte) string {
	s := strconv.FormatUint(uint64(b), 16)
	return strings.Repeat("0", 2-len(s)) + s
}

// hexN returns r in lower-case hexadecimal, padded with zeros to at least n digits.
func hexN(r rune, n int) string {
	s := strconv.FormatUint(uint64(r), 16)
	return strings.Repeat("0", max(0, n-len(s))) + s
}
