package api

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/heliograph/heliograph/internal/record"
)

// errNonFinite reports a cost or score that JSON cannot represent.
var errNonFinite = errors.New("cost or score is NaN or infinite")

// appendExportLine appends one line of GET /v1/export?format=jsonl, with its newline: the
// members of `heliograph export --format jsonl` in the same order, with the same omitted
// empty members, bodies as JSON strings holding the stored bytes, and map keys sorted. The
// bytes equal what encoding/json with SetEscapeHTML(false) writes for that line.
func appendExportLine(dst []byte, rec *record.Record, scores map[string]float64) (
	[]byte, error) {
	dst = append(dst, `{"request_id":`...)
	dst = appendJSONString(dst, rec.RequestID)
	dst = append(dst, `,"created_at":"`...)
	dst = appendTime(dst, rec.CreatedAt)
	dst = append(dst, `","ended_at":"`...)
	dst = appendTime(dst, rec.EndedAt)
	dst = append(dst, `","status":`...)
	dst = strconv.AppendInt(dst, rec.Status, 10)
	dst = appendMember(dst, "provider", rec.Provider)
	dst = appendMember(dst, "path", rec.Path)
	dst = appendMember(dst, "kind", rec.Kind)
	dst = appendMember(dst, "model", rec.Model)
	dst = appendOptionalMember(dst, "response_model", rec.ResponseModel)
	dst = appendOptionalMember(dst, "model_override", rec.ModelOverride)
	dst = appendOptionalMember(dst, "user_id", rec.UserID)
	dst = appendOptionalMember(dst, "session_id", rec.SessionID)
	dst = appendOptionalMember(dst, "session_name", rec.SessionName)
	dst = appendOptionalMember(dst, "session_path", rec.SessionPath)
	dst = appendOptionalMember(dst, "prompt_id", rec.PromptID)
	if len(rec.Properties) > 0 {
		dst = append(dst, `,"properties":`...)
		dst = appendStringMap(dst, rec.Properties)
	}
	dst = append(dst, `,"time_to_first_token_ms":`...)
	if rec.TimeToFirstTokenMs == nil {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, *rec.TimeToFirstTokenMs, 10)
	}
	var err error
	dst = append(dst, `,"cost":`...)
	if dst, err = appendJSONFloat(dst, rec.Cost); err != nil {
		return dst, err
	}
	dst = append(dst, `,"streamed":`...)
	dst = strconv.AppendBool(dst, rec.Streamed)
	if len(scores) > 0 {
		dst = append(dst, `,"scores":`...)
		if dst, err = appendFloatMap(dst, scores); err != nil {
			return dst, err
		}
	}
	dst = append(dst, `,"request_body":`...)
	dst = appendJSONString(dst, bytesString(rec.RequestBody))
	dst = append(dst, `,"response_raw":`...)
	if rec.ResponseRaw == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendJSONString(dst, bytesString(rec.ResponseRaw))
	}
	return append(dst, "}\n"...), nil
}

// appendTime appends t in [timeLayout], the same bytes as t.UTC().AppendFormat without
// parsing the layout for each call. Years outside 0 to 9999 take the AppendFormat path.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, timeLayout)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, ms, 3)
	return append(dst, 'Z')
}

// appendDigits appends the width lowest decimal digits of n, which is not negative.
func appendDigits(dst []byte, n, width int) []byte {
	var digits [4]byte
	for i := width - 1; i >= 0; i-- {
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, digits[:width]...)
}

func appendMember(dst []byte, name, value string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendJSONString(dst, value)
}

// appendOptionalMember appends the member unless value is empty, as omitempty does.
func appendOptionalMember(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	return appendMember(dst, name, value)
}

func appendStringMap(dst []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, m[k])
	}
	return append(dst, '}')
}

func appendFloatMap(dst []byte, m map[string]float64) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		if dst, err = appendJSONFloat(dst, m[k]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendJSONFloat formats f as encoding/json does: the shortest decimal that reads back as
// f, in exponent form only below 1e-6 or from 1e21 on, with a two-digit exponent cut to
// one ("1e-07" becomes "1e-7").
func appendJSONFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, errNonFinite
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// plainASCII marks the bytes that a JSON string holds as they are: ASCII from U+0020 on,
// except the quote and the backslash.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// hexDigits are the digits of \u escapes, lower case as encoding/json writes them.
const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does with
// SetEscapeHTML(false). It escapes the quote and the backslash, writes \b \f \n \r \t for
// those controls and \u00XX for the other bytes below 0x20, and escapes U+2028 and U+2029.
// Each byte of invalid UTF-8 becomes \ufffd, and every other byte is copied.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainASCII[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendASCIIEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// bytesString returns b as a string without a copy. The string must not be used after b
// changes.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func appendASCIIEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}
