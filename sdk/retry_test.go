package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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

func TestDefaultRetryPolicy(t *testing.T) {
	p := DefaultRetryPolicy()
	if p.MaxAttempts != 0 || p.MaxElapsed != time.Minute {
		t.Errorf("DefaultRetryPolicy() = %+v, want MaxAttempts 0 (no cap), MaxElapsed 1m", p)
	}
	if got := (RetryPolicy{}).withDefaults(); got != p {
		t.Errorf("RetryPolicy{}.withDefaults() = %+v, want %+v", got, p)
	}
	if got := (RetryPolicy{MaxAttempts: -1}).withDefaults(); got.MaxAttempts != 0 {
		t.Errorf("MaxAttempts -1 became %d, want 0 (no cap)", got.MaxAttempts)
	}
	if !p.attemptsLeft(1000) {
		t.Error("the default policy caps attempts, want MaxElapsed alone to end retries")
	}
	capped := RetryPolicy{MaxAttempts: 3}.withDefaults()
	if !capped.attemptsLeft(2) || capped.attemptsLeft(3) {
		t.Error("MaxAttempts 3 does not allow exactly 3 attempts")
	}
}

// shortRetry keeps the default attempt cap (none) and MaxElapsed (1m) with waits short
// enough for a test.
var shortRetry = WithRetry(RetryPolicy{InitialBackoff: time.Millisecond,
	MaxBackoff: 5 * time.Millisecond})

func TestRetryOutlastsRefusedConnections(t *testing.T) {
	endpoint := refusedAddr(t)
	l := newLogger(t, endpoint, shortRetry, WithFlushInterval(time.Hour),
		WithBatchSize(1000))
	logN(t, l, 100)
	flushed := make(chan error, 1)
	go func() { flushed <- l.Flush(context.Background()) }()

	// Keep the port closed for 20 attempts or more, well past a cap of 5, and log more
	// meanwhile: logging calls must not wait for the retrying batch.
	waitFor(t, "20 attempts or a failure", func() bool {
		st := l.Stats()
		if st.Failed > 0 {
			t.Fatalf("Stats = %+v: logs failed during the outage, want them retried", st)
		}
		return st.Retried >= 20*100
	})
	logN(t, l, 50)
	s := newSinkAt(t, strings.TrimPrefix(endpoint, "http://"))

	if err := <-flushed; err != nil {
		t.Fatalf("Flush after the outage = %v, want nil", err)
	}
	flush(t, l)
	if st := l.Stats(); st.Sent != 150 || st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("Stats = %+v, want Sent 150, Failed 0, Dropped 0", st)
	}
	if n := len(s.stored()); n != 150 {
		t.Errorf("sink stored %d logs, want 150", n)
	}
}

func TestRetryOutlastsRetryAfter(t *testing.T) {
	for _, code := range []int{http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			s := newSink(t)
			s.setFault(firstFault(20, statusFault(code, "1")))
			l := newLogger(t, s.url(), shortRetry)
			logN(t, l, 100)
			if err := l.Flush(t.Context()); err != nil {
				t.Fatalf("Flush = %v, want nil after 20 answers %d", err, code)
			}
			if st := l.Stats(); st.Sent != 100 || st.Failed != 0 {
				t.Errorf("Stats = %+v, want Sent 100, Failed 0", st)
			}
			if n := s.postCount(); n <= 20 {
				t.Errorf("sink saw %d POSTs, want more than the 20 answered %d", n, code)
			}
		})
	}
}

func TestRetryStopsAtLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy RetryPolicy
	}{
		{"MaxAttempts", RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond}},
		{"MaxElapsed", RetryPolicy{InitialBackoff: time.Millisecond,
			MaxBackoff: 5 * time.Millisecond, MaxElapsed: 100 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t)
			s.setFault(statusFault(http.StatusServiceUnavailable, ""))
			errs := &errorLog{}
			l := newLogger(t, s.url(), WithRetry(tc.policy), WithErrorHandler(errs.add))
			logN(t, l, 10)
			wantUndelivered(t, "Flush", l.Flush(t.Context()), 10, 0)
			if tc.policy.MaxAttempts > 0 && s.postCount() != tc.policy.MaxAttempts {
				t.Errorf("sink saw %d POSTs, want %d", s.postCount(), tc.policy.MaxAttempts)
			}
			var de *DeliveryError
			if got := errs.all(); len(got) == 0 || !errors.As(got[0], &de) || !de.Retryable {
				t.Errorf("error handler got %v, want a retryable *DeliveryError", got)
			}
		})
	}
}

// A response that is not the server's batch result fails the batch, so nothing counts as sent.
// Such responses are a 200 from something else, such as a proxy, and a redirect, which a
// client would follow as a GET without the logs.
func TestNonBatchResponsesFail(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    fault
		want string
	}{
		{"html page", func(w http.ResponseWriter, _ *http.Request, _ func()) bool {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>welcome</html>")
			return true
		}, "not a batch result"},
		{"empty object", func(w http.ResponseWriter, _ *http.Request, _ func()) bool {
			_, _ = io.WriteString(w, "{}")
			return true
		}, "not a batch result"},
		{"unknown status", func(w http.ResponseWriter, _ *http.Request, _ func()) bool {
			_, _ = io.WriteString(w, `{"results":[{"status":"ok"},{"status":"ok"},`+
				`{"status":"ok"}]}`)
			return true
		}, "not a batch result"},
		{"redirect", func(w http.ResponseWriter, r *http.Request, _ func()) bool {
			http.Redirect(w, r, "/moved", http.StatusFound)
			return true
		}, `redirected to "/moved"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t)
			s.setFault(tc.f)
			errs := &errorLog{}
			l := newLogger(t, s.url(), WithErrorHandler(errs.add))
			logN(t, l, 3)
			wantUndelivered(t, "Flush", l.Flush(t.Context()), 3, 0)
			if st := l.Stats(); st.Sent != 0 || st.Failed != 3 {
				t.Errorf("Stats = %+v, want Sent 0 and Failed 3", st)
			}
			var got []string
			for _, err := range errs.all() {
				got = append(got, err.Error())
			}
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("reported errors %q, want one containing %q", got, tc.want)
			}
		})
	}
}
