package sdk

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy controls how a failed delivery is repeated. Only transient failures are
// retried: network errors, timeouts and the statuses 408, 429, 502, 503 and 504. Any other
// status, 500 included, is a permanent failure. Zero fields take their defaults.
//
// A batch is retried until it is delivered, fails permanently, or the next wait would end
// more than MaxElapsed after its first attempt. MaxAttempts, when set, ends the retries
// earlier, after that many attempts. With the defaults a batch is retried for up to one
// minute of outage.
type RetryPolicy struct {
	// MaxAttempts caps the number of attempts of one batch, the first one included. The
	// default 0 sets no cap, so MaxElapsed alone ends the retries. 1 disables retries.
	MaxAttempts int
	// InitialBackoff is the upper bound of the first wait. Default 500ms.
	InitialBackoff time.Duration
	// MaxBackoff caps each wait, a Retry-After value included. Default 30s.
	MaxBackoff time.Duration
	// MaxElapsed caps the time from the first attempt of a batch to the start of its last
	// one. Once [Logger.Close] is called, it also caps the whole drain: all remaining
	// batches share one deadline, MaxElapsed after the call. Default 1m.
	MaxElapsed time.Duration
}

// DefaultRetryPolicy returns the policy used when [WithRetry] is not given: no attempt cap,
// waits from 500ms doubling up to 30s, for up to one minute.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:    0,
		InitialBackoff: 500 * time.Millisecond,
		MaxBackoff:     30 * time.Second,
		MaxElapsed:     time.Minute,
	}
}

// withDefaults fills zero or negative durations from [DefaultRetryPolicy]. A negative
// MaxAttempts means no cap, as 0 does.
func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts < 0 {
		p.MaxAttempts = 0
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = d.InitialBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = d.MaxBackoff
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = d.MaxElapsed
	}
	return p
}

// attemptsLeft reports whether another attempt is allowed after attempt n.
func (p RetryPolicy) attemptsLeft(n int) bool {
	return p.MaxAttempts == 0 || n < p.MaxAttempts
}

// backoff returns the wait before attempt n+1 after attempt n failed: a uniformly random
// duration up to InitialBackoff*2^(n-1), capped at MaxBackoff ("full jitter"). A server's
// Retry-After value replaces it, capped at MaxBackoff.
func (p RetryPolicy) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.MaxBackoff)
	}
	ceiling := p.InitialBackoff
	for i := 1; i < n && ceiling < p.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.MaxBackoff)
	return rand.N(ceiling) + 1
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP date. It
// returns 0 when the header is absent or invalid.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryableStatus reports whether an HTTP status is a transient failure. 408 is one, because
// the server returns it when the body did not arrive in time, such as over a slow link.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
