package loadgen

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestLogBodySizeAndShape(t *testing.T) {
	body := LogBody(1024, time.Unix(1735689600, 0))
	if len(body) != 1024 {
		t.Errorf("len(LogBody(1024)) = %d, want 1024", len(body))
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("LogBody is not JSON: %v", err)
	}
}

func TestRunCountsRequests(t *testing.T) {
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ts.Close()
	res := Run(t.Context(), Config{URL: ts.URL, Body: []byte("{}"), Clients: 4,
		Duration: time.Minute, Requests: 100})
	if res.Requests+res.Errors != 100 {
		t.Errorf("requests %d + errors %d, want 100 in all", res.Requests, res.Errors)
	}
	if res.Errors != 10 {
		t.Errorf("errors = %d, want the 10 answered 503", res.Errors)
	}
	if res.P50 <= 0 || res.P99 < res.P50 {
		t.Errorf("p50 %v, p99 %v: want 0 < p50 <= p99", res.P50, res.P99)
	}
}
