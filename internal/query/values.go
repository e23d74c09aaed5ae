package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
)

// Bounds of relative times, so that now minus the amount stays a valid time.Duration.
const (
	maxRelativeDays  = 100_000
	maxRelativeWeeks = maxRelativeDays / 7
)

// timeRef sets the forms a time value may take. The filter language accepts now and offsets
// from now (relative is true), while Helicone trees accept only absolute times.
type timeRef struct {
	now      time.Time
	relative bool
}

// requestIDText lower-cases a UUID compared for equality with request_id, because ingest
// stores UUID request ids in lower case. Other text is returned unchanged.
func requestIDText(f filter.Field, op filter.Op, text string) string {
	equality := op == filter.OpEq || op == filter.OpNe || op == filter.OpIn
	if f.Name == filter.FieldRequestID && equality && record.ValidRequestID(text) {
		return strings.ToLower(text)
	}
	return text
}

// convertValue turns the text of a value into the Go type that kind compares with under op.
// Text from a quoted string and from a bare word is treated alike, so "200" is a valid status.
func convertValue(kind valueKind, op filter.Op, text string, ref timeRef) (any, error) {
	switch kind {
	case kindEnum:
		if op != filter.OpEq && op != filter.OpNe && op != filter.OpIn {
			return text, nil
		}
		return parseRecordKind(text)
	case kindProvider:
		return strings.ToUpper(text), nil
	case kindInt:
		return parseInteger(text)
	case kindDuration:
		return parseDurationMs(text)
	case kindFloat:
		return parseNumber(text)
	case kindScore:
		return parseScore(text)
	case kindTime:
		return parseTime(text, ref)
	}
	return text, nil
}

func parseRecordKind(text string) (string, error) {
	k := strings.ToLower(text)
	switch k {
	case record.KindLLM, record.KindData, record.KindTool, record.KindVectorDB:
		return k, nil
	}
	return "", fmt.Errorf("unknown kind %s; valid kinds are %s, %s, %s and %s",
		quoteInput(text), record.KindLLM, record.KindData, record.KindTool, record.KindVectorDB)
}

// parseInteger accepts decimal integers and numbers with no fractional part, such as 200.0.
func parseInteger(text string) (int64, error) {
	n, err := strconv.ParseInt(text, 10, 64)
	if err == nil {
		return n, nil
	}
	f, ferr := strconv.ParseFloat(text, 64)
	if ferr == nil && isDecimal(text) && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f), nil
	}
	return 0, fmt.Errorf("invalid integer %s", quoteInput(text))
}

// parseDurationMs reads a bare integer as milliseconds and a Go duration such as 200ms, 1.5s,
// 2m or 1h30m as that span, which must be a whole number of milliseconds.
func parseDurationMs(text string) (int64, error) {
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %s; write milliseconds (200) "+
			"or a number with a unit ms, s, m or h (1.5s)", quoteInput(text))
	}
	if d%time.Millisecond != 0 {
		return 0, fmt.Errorf("duration %s is not a whole number of milliseconds",
			quoteInput(text))
	}
	return d.Milliseconds(), nil
}

// parseNumber accepts finite decimal numbers only.
func parseNumber(text string) (float64, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || !isDecimal(text) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid number %s", quoteInput(text))
	}
	return f, nil
}

// isDecimal reports whether text has only the characters of a decimal number, which rules out
// the hexadecimal, infinity and NaN forms that strconv.ParseFloat also accepts.
func isDecimal(text string) bool {
	return strings.Trim(text, "+-.0123456789eE") == ""
}

func parseScore(text string) (float64, error) {
	switch strings.ToLower(text) {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	}
	return parseNumber(text)
}

// parseTime accepts RFC 3339 with or without a zone (UTC when absent, a space instead of T is
// fine), a date, and when ref allows it, now and a signed offset from now. The result is in
// UTC, between the years 0 and 9999, so that RFC 3339 can print it.
func parseTime(text string, ref timeRef) (time.Time, error) {
	t, err := parseTimeText(text, ref)
	if err != nil {
		hint := "use RFC 3339 (2025-01-01T00:00:00Z) or a date (2025-01-01)"
		if ref.relative {
			hint += ", now, or an offset from now such as -1h, -30m or -7d"
		}
		return time.Time{}, fmt.Errorf("invalid time %s; %s", quoteInput(text), hint)
	}
	t = t.UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("time %s is outside the years 0 to 9999", quoteInput(text))
	}
	return t, nil
}

func parseTimeText(text string, ref timeRef) (time.Time, error) {
	if ref.relative {
		if strings.EqualFold(text, "now") {
			return ref.now, nil
		}
		if strings.HasPrefix(text, "-") || strings.HasPrefix(text, "+") {
			d, err := parseOffset(text)
			if err != nil {
				return time.Time{}, err
			}
			return ref.now.Add(d), nil
		}
	}
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		time.DateOnly,
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("no layout matches %q", text)
}

// parseOffset reads a signed offset such as -1h, -30m, -90s, -1h30m, -7d or -2w. Days are 24
// hours and weeks 7 days.
func parseOffset(text string) (time.Duration, error) {
	sign, body := text[:1], text[1:]
	if body == "" || body[0] < '0' || body[0] > '9' {
		return 0, fmt.Errorf("offset %q does not start with a digit", text)
	}
	unit := body[len(body)-1:]
	if unit == "d" || unit == "w" {
		n, err := strconv.ParseInt(body[:len(body)-1], 10, 64)
		limit := int64(maxRelativeDays)
		if unit == "w" {
			limit = maxRelativeWeeks
		}
		if err != nil || n > limit {
			return 0, fmt.Errorf("invalid offset %q", text)
		}
		d := time.Duration(n) * 24 * time.Hour
		if unit == "w" {
			d *= 7
		}
		if sign == "-" {
			d = -d
		}
		return d, nil
	}
	if strings.Trim(body, ".0123456789") == "" {
		return 0, fmt.Errorf("offset %q has no unit", text)
	}
	return time.ParseDuration(text)
}
