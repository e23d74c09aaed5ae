package api

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/store"
)

// relativeUnits are the units of a relative time such as -1h30m or -7d; a day is 24 hours
// and a week 7 days.
var relativeUnits = map[string]time.Duration{
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  24 * time.Hour,
	"w":  7 * 24 * time.Hour,
}

// maxRelative bounds a relative time, so that now plus or minus it stays a valid time.
const maxRelative = 100_000 * 24 * time.Hour

// parseInstant reads an RFC 3339 time, a date (midnight UTC), "now", or an offset from now: a
// sign followed by numbers with units, such as -24h, -7d, -1h30m or +15m.
func parseInstant(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+"):
		d, err := parseRelative(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %w", s, err)
		}
		if s[0] == '-' {
			d = -d
		}
		return now.Add(d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return store.Bound(t.UTC()), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time, a date, now, or an offset "+
		"such as -24h or -7d", s)
}

// parseRelative reads a sequence of numbers with units, such as 1h30m or 7d.
func parseRelative(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("missing amount after the sign")
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		j := i
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		unit, ok := relativeUnits[s[i:j]]
		if i == 0 || err != nil || !ok {
			return 0, errors.New("want numbers with units ms, s, m, h, d or w, such as -1h30m")
		}
		part := n * float64(unit)
		if math.Abs(part)+math.Abs(float64(total)) > float64(maxRelative) {
			return 0, fmt.Errorf("offset beyond %d days", maxRelative/(24*time.Hour))
		}
		total += time.Duration(part)
		s = s[j:]
	}
	return total, nil
}
