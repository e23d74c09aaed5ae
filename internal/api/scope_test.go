package api

import (
	"testing"
	"time"
)

func TestParseBucket(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"1s", time.Second},
		{"1500ms", 1500 * time.Millisecond},
		{"5m", 5 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"1d", 24 * time.Hour},
		{"0.5d", 12 * time.Hour},
		{"1w", 7 * 24 * time.Hour},
	} {
		got, err := parseBucket(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseBucket(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "0s", "999ms", "1.0005s", "60", "1y", "-1h", "+1h", "d"} {
		if got, err := parseBucket(in); err == nil {
			t.Errorf("parseBucket(%q) = %v, want an error", in, got)
		}
	}
}

func TestCheckBucketCount(t *testing.T) {
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		bucket   time.Duration
		ok       bool
	}{
		{"exactly the limit", day, day.Add(maxBuckets * time.Minute), time.Minute, true},
		{"one over", day, day.Add((maxBuckets + 1) * time.Minute), time.Minute, false},
		// The first bucket starts at 00:00 and the range touches 2001 buckets.
		{"unaligned start", day.Add(30 * time.Second),
			day.Add(maxBuckets*time.Minute + 30*time.Second), time.Minute, false},
		{"years 0 to 9999 in days", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 24 * time.Hour, false},
		{"one wide bucket", day, day.Add(time.Hour), 100_000 * 24 * time.Hour, true},
	} {
		err := checkBucketCount(tc.from, tc.to, tc.bucket, "bucket")
		if (err == nil) != tc.ok {
			t.Errorf("%s: checkBucketCount error %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestEpochMilli(t *testing.T) {
	for _, ms := range []float64{minEpochMilli, 0, 1735689600000, maxEpochMilli} {
		got, err := epochMilli(ms, "start")
		if err != nil || float64(got.UnixMilli()) != ms {
			t.Errorf("epochMilli(%v) = %v, %v; want that instant", ms, got, err)
		}
	}
	for _, ms := range []float64{minEpochMilli - 1, maxEpochMilli + 1, 1e30, -1e30} {
		if got, err := epochMilli(ms, "start"); err == nil {
			t.Errorf("epochMilli(%v) = %v, want an error", ms, got)
		}
	}
}
