package record

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"
)

// Bounds of the times that a log may carry, in Unix milliseconds: the Unix epoch to the end
// of year 9999.
const (
	minUnixMs = 0
	maxUnixMs = 253402300799999
)

// outOfRangeTime is the error message for a time outside [minUnixMs, maxUnixMs].
const outOfRangeTime = "out of range, must be a time between 1970 and 9999"

// epochSecondsBelow is the cutoff for a bare epoch number or digit string: values below it
// (2100-01-01T00:00:00Z in seconds) are seconds, larger values are milliseconds.
const epochSecondsBelow = 4102444800

// timing is the decoded timing object, in Unix milliseconds.
type timing struct {
	startMs, endMs int64
	ttftMs         *int64
}

// decodeTiming reads the timing object. When one end is missing or null it takes the time of
// the other end, and when both are (or timing itself is) it takes the time from now.
func decodeTiming(raw []byte, now func() time.Time) (timing, error) {
	switch kindOf(raw) {
	case kindNone, kindNull:
		n := now().UnixMilli()
		return timing{startMs: n, endMs: n}, nil
	case kindObject:
	default:
		return timing{}, fieldError("timing", "must be an object")
	}

	var startRaw, endRaw, ttftRaw []byte
	m := newMembers(raw)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "startTime"):
			startRaw = val
		case keyIs(key, "endTime"):
			endRaw = val
		case keyIs(key, "timeToFirstToken"):
			ttftRaw = val
		}
	}

	start, hasStart, err := decodeInstant(startRaw, "timing.startTime")
	if err != nil {
		return timing{}, err
	}
	end, hasEnd, err := decodeInstant(endRaw, "timing.endTime")
	if err != nil {
		return timing{}, err
	}
	t := timing{startMs: start, endMs: end}
	switch {
	case !hasStart && !hasEnd:
		t.startMs = now().UnixMilli()
		t.endMs = t.startMs
	case !hasStart:
		t.startMs = t.endMs
	case !hasEnd:
		t.endMs = t.startMs
	}
	if t.endMs < t.startMs {
		return timing{}, fieldError("timing.endTime", "before timing.startTime")
	}

	t.ttftMs, err = decodeTTFT(ttftRaw)
	return t, err
}

// decodeInstant reads startTime or endTime: an object {seconds, milliseconds}, an ISO 8601
// string, a digit string or a number. present is false for a missing or null value.
func decodeInstant(raw []byte, field string) (ms int64, present bool, err error) {
	switch kindOf(raw) {
	case kindNone, kindNull:
		return 0, false, nil
	case kindObject:
		ms, err = decodeSecondsObject(raw, field)
	case kindString:
		ms, err = decodeTimeString(raw, field)
	case kindNumber:
		ms, err = epochMillis(raw, field)
	default:
		return 0, false, fieldError(field, "must be an object, string or number")
	}
	if err != nil {
		return 0, false, err
	}
	if ms < minUnixMs || ms > maxUnixMs {
		return 0, false, fieldError(field, outOfRangeTime)
	}
	return ms, true, nil
}

// decodeSecondsObject reads {seconds, milliseconds}. Both may be fractional. The JS SDK
// sends integers, the Python SDK an integer and a truncated fraction, and other clients
// send float seconds. The fraction below one millisecond is dropped.
func decodeSecondsObject(raw []byte, field string) (int64, error) {
	var secRaw, msRaw []byte
	m := newMembers(raw)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "seconds"):
			secRaw = val
		case keyIs(key, "milliseconds"):
			msRaw = val
		}
	}

	if isAbsent(secRaw) {
		return 0, fieldError(field+".seconds", "missing")
	}
	sec, ok := scaledMillis(secRaw, 1000)
	if !ok {
		return 0, fieldError(field+".seconds", "must be a number")
	}
	var ms int64
	if !isAbsent(msRaw) {
		ms, ok = scaledMillis(msRaw, 1)
		if !ok {
			return 0, fieldError(field+".milliseconds", "must be a number")
		}
		if ms < 0 || ms > 999 {
			return 0, fieldError(field+".milliseconds", "out of range, must be 0 to 999")
		}
	}
	if sec < minUnixMs || sec > maxUnixMs {
		return 0, fieldError(field+".seconds", outOfRangeTime)
	}
	return sec + ms, nil
}

// scaledMillis converts a raw JSON number in units of unitMs milliseconds (1000 for seconds,
// 1 for milliseconds) to whole milliseconds, truncating toward negative infinity. Values far
// outside the supported range map to math.MinInt64 or math.MaxInt64 so that range checks
// reject them.
func scaledMillis(raw []byte, unitMs int64) (int64, bool) {
	if kindOf(raw) != kindNumber {
		return 0, false
	}
	if bytes.IndexAny(raw, ".eE") < 0 {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || n > math.MaxInt64/unitMs || n < math.MinInt64/unitMs {
			return saturate(raw[0] == '-'), true
		}
		return n * unitMs, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	// Decimal digits such as 1735689600.123 are not exact in binary. Rounding to a
	// microsecond first keeps 0.123 s from becoming 122 ms.
	v := math.Floor(math.Round(f*float64(unitMs)*1000) / 1000)
	if v >= math.MaxInt64 || v <= math.MinInt64 || math.IsNaN(v) {
		return saturate(f < 0), true
	}
	return int64(v), true
}

func saturate(negative bool) int64 {
	if negative {
		return math.MinInt64
	}
	return math.MaxInt64
}

// epochMillis reads a bare epoch number: seconds below epochSecondsBelow, else milliseconds.
func epochMillis(raw []byte, field string) (int64, error) {
	f, ok := floatValue(raw)
	if !ok {
		return 0, fieldError(field, "must be an object, string or number")
	}
	unit := int64(1000)
	if f >= epochSecondsBelow {
		unit = 1
	}
	ms, _ := scaledMillis(raw, unit)
	return ms, nil
}

// decodeTimeString reads an ISO 8601 time or a decimal epoch string.
func decodeTimeString(raw []byte, field string) (int64, error) {
	s, _ := stringValue(raw)
	s = strings.TrimSpace(s)
	if isDecimal(s) {
		return epochMillis([]byte(s), field)
	}
	// The ISO 8601 forms accepted. A time without a zone is UTC.
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fieldError(field, "must be an ISO 8601 time such as 2025-01-01T00:00:00Z "+
		"or a number of epoch seconds or milliseconds")
}

// isDecimal reports whether s is digits with an optional fraction, such as 1735689600.5.
func isDecimal(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
		case s[i] == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

// decodeTTFT reads timeToFirstToken in milliseconds, rounded. A number in a string is
// accepted. Null or absent means unknown.
func decodeTTFT(raw []byte) (*int64, error) {
	const field = "timing.timeToFirstToken"
	switch kindOf(raw) {
	case kindNone, kindNull:
		return nil, nil
	case kindString:
		s, _ := stringValue(raw)
		s = strings.TrimSpace(s)
		if !isDecimal(s) {
			return nil, fieldError(field, "must be a number of milliseconds or null")
		}
		raw = []byte(s)
	case kindNumber:
	default:
		return nil, fieldError(field, "must be a number of milliseconds or null")
	}
	f, _ := floatValue(raw)
	switch {
	case f < 0:
		return nil, fieldError(field, "must not be negative")
	case f > maxUnixMs:
		return nil, fieldError(field, "out of range")
	}
	ms := int64(math.Round(f))
	return &ms, nil
}
