package sdk

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		if got := parseRetryAfter(h, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.value, got, tc.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	p := RetryPolicy{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	for attempt := 1; attempt <= 8; attempt++ {
		ceiling := min(100*time.Millisecond<<(attempt-1), time.Second)
		for range 100 {
			if d := p.backoff(attempt, 0); d <= 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %s, want in (0, %s]", attempt, d, ceiling)
			}
		}
	}
	if d := p.backoff(1, time.Hour); d != time.Second {
		t.Errorf("backoff with Retry-After 1h = %s, want the 1s cap", d)
	}
}

func TestBatchTooLargeIsSplit(t *testing.T) {
	s := newSink(t)
	s.setFault(func(w http.ResponseWriter, r *http.Request, _ func()) bool {
		body, _ := readBody(r)
		if len(body) > 2000 {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return true
		}
		return false
	})
	l := newLogger(t, s.url(), WithFlushInterval(time.Hour))
	for range 8 {
		l.LogSingle(t.Context(), Data{Name: "d"}, nil, 0)
	}
	flush(t, l)
	if n := len(s.stored()); n != 8 {
		t.Errorf("sink stored %d logs, want 8 after splitting the batch", n)
	}
	if st := l.Stats(); st.Failed != 0 {
		t.Errorf("Stats.Failed = %d, want 0", st.Failed)
	}
}

func TestNilLogger(t *testing.T) {
	var l *Logger
	res, err := l.LogRequest(t.Context(), toolReq, okOp)
	if res != "ok" || err != nil {
		t.Errorf("LogRequest on nil Logger = %v, %v; want ok, nil", res, err)
	}
	l.LogSingle(t.Context(), toolReq, "x", 0)
	l.NewBuilder(t.Context(), toolReq).Send()
	if err := l.Flush(context.Background()); err != nil {
		t.Errorf("Flush on nil Logger = %v", err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Errorf("Close on nil Logger = %v", err)
	}
}
