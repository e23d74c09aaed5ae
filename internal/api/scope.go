package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/httperr"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/store"
)

// timeFilter is the timeFilter object of Helicone's aggregate endpoints. Helicone's endpoints
// spell it three ways, and every endpoint here accepts all three: start and end as ISO 8601
// text or epoch milliseconds, startTimeUnixMs and endTimeUnixMs, or startTimeUnixSeconds and
// endTimeUnixSeconds. The start is inclusive and the end exclusive.
type timeFilter struct {
	Start                json.RawMessage `json:"start"`
	End                  json.RawMessage `json:"end"`
	StartTimeUnixMs      *int64          `json:"startTimeUnixMs"`
	EndTimeUnixMs        *int64          `json:"endTimeUnixMs"`
	StartTimeUnixSeconds *float64        `json:"startTimeUnixSeconds"`
	EndTimeUnixSeconds   *float64        `json:"endTimeUnixSeconds"`
}

// bounds returns the range of tf; a nil tf or a missing end is unbounded.
func (tf *timeFilter) bounds() (from, to time.Time, err error) {
	if tf == nil {
		return from, to, nil
	}
	if from, err = timeBound(tf.Start, tf.StartTimeUnixMs, tf.StartTimeUnixSeconds,
		"timeFilter.start"); err != nil {
		return from, to, err
	}
	if to, err = timeBound(tf.End, tf.EndTimeUnixMs, tf.EndTimeUnixSeconds,
		"timeFilter.end"); err != nil {
		return from, to, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, httperr.New(http.StatusBadRequest,
			"timeFilter: the start %s must be before the end %s", formatTime(from),
			formatTime(to))
	}
	return from, to, nil
}

// timeBound reads one end of a time filter from whichever of its spellings is present.
func timeBound(raw json.RawMessage, ms *int64, sec *float64, field string) (time.Time, error) {
	switch {
	case ms != nil:
		return epochMilli(float64(*ms), field)
	case sec != nil:
		return epochMilli(*sec*1000, field)
	}
	return parseTimeValue(raw, field)
}

// Epoch milliseconds of the first and the last millisecond of the years 0 to 9999, the range
// of ISO 8601 text without an expanded year.
const (
	minEpochMilli = -62167219200000
	maxEpochMilli = 253402300799999
)

// epochMilli converts epoch milliseconds, rejecting a time outside the years 0 to 9999
// rather than letting the conversion to an integer overflow.
func epochMilli(ms float64, field string) (time.Time, error) {
	if !(ms >= minEpochMilli && ms <= maxEpochMilli) {
		return time.Time{}, httperr.New(http.StatusBadRequest,
			"%s: %v epoch milliseconds is outside the years 0 to 9999", field, ms)
	}
	return store.Bound(time.UnixMilli(int64(ms)).UTC()), nil
}

// parseTimeValue reads a JSON time: ISO 8601 text, epoch milliseconds as a number or as
// digits in a string, or null or absent for no bound.
func parseTimeValue(raw json.RawMessage, field string) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] != '"' {
		ms, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return time.Time{}, httperr.New(http.StatusBadRequest,
				"%s: must be ISO 8601 text or epoch milliseconds", field)
		}
		return epochMilli(ms, field)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, httperr.New(http.StatusBadRequest, "%s: invalid string", field)
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return epochMilli(float64(ms), field)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return store.Bound(t.UTC()), nil
		}
	}
	return time.Time{}, httperr.New(http.StatusBadRequest,
		"%s: %q is not ISO 8601 text (such as 2025-01-01T00:00:00Z) or epoch milliseconds",
		field, s)
}

// heliconeScope builds the scope of an aggregate from a Helicone filter tree and time filter.
// A missing filter matches every log.
func heliconeScope(rawFilter json.RawMessage, tf *timeFilter) (store.Scope, error) {
	var s store.Scope
	f, err := heliconeFilter(rawFilter)
	if err != nil {
		return s, err
	}
	s.Filter = f
	s.From, s.To, err = tf.bounds()
	return s, err
}

// heliconeFilter parses an optional Helicone filter tree; missing or null is every log.
func heliconeFilter(raw json.RawMessage) (filter.Expr, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return filter.All{}, nil
	}
	f, err := query.ParseHeliconeFilter(raw)
	if err != nil {
		return nil, httperr.New(http.StatusBadRequest, "%s", err.Error())
	}
	return f, nil
}

// maxOffset bounds the offset of the list endpoints, because a store reads and drops every
// skipped row.
const maxOffset = 1_000_000

// pageBounds checks an optional limit and offset of a request body.
func pageBounds(limit, offset *int, def, maxLimit int) (int, int, error) {
	l, o := def, 0
	if limit != nil {
		if *limit < 0 || *limit > maxLimit {
			return 0, 0, httperr.New(http.StatusBadRequest,
				"limit: %d is out of range, want 0 to %d", *limit, maxLimit)
		}
		if *limit > 0 {
			l = *limit
		}
	}
	if offset != nil {
		if *offset < 0 || *offset > maxOffset {
			return 0, 0, httperr.New(http.StatusBadRequest,
				"offset: %d is out of range, want 0 to %d", *offset, maxOffset)
		}
		o = *offset
	}
	return l, o, nil
}

// andFilter returns the conjunction of a and b, leaving out a match-all operand.
func andFilter(a, b filter.Expr) filter.Expr {
	if isAll(a) {
		return b
	}
	if isAll(b) {
		return a
	}
	return filter.And{Exprs: []filter.Expr{a, b}}
}

func isAll(e filter.Expr) bool {
	if e == nil {
		return true
	}
	_, ok := e.(filter.All)
	return ok
}

// maxBuckets bounds the buckets of one time-series answer.
const maxBuckets = 2000

// checkBucketCount rejects a range that touches more than maxBuckets buckets of width bucket.
// Buckets start at multiples of their width since the Unix epoch, so the first one may start
// before from. The count is taken in milliseconds, which cannot overflow for times within the
// years 0 to 9999.
func checkBucketCount(from, to time.Time, bucket time.Duration, field string) error {
	width := bucket.Milliseconds()
	span := to.UnixMilli() - bucketStart(from, bucket).UnixMilli()
	n := span / width
	if span%width != 0 {
		n++
	}
	if n > maxBuckets {
		return httperr.New(http.StatusBadRequest,
			"%s: buckets of %s from %s to %s make %d buckets, the limit is %d; use wider "+
				"buckets or a shorter range", field, bucket, formatTime(from), formatTime(to), n,
			maxBuckets)
	}
	return nil
}
