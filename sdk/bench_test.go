package sdk

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkLogRequest measures a wrapped no-op operation with a five-field request,
// delivered in batches to a server that discards the body.
func BenchmarkLogRequest(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()
	l, err := New("bench-key", WithEndpoint(srv.URL), WithQueueBytes(256<<20),
		WithBatchSize(1000), WithGzip(false))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	req := Map{"model": "m", "prompt": "hello", "temperature": 0.5, "max_tokens": 64,
		"user": "u-1"}
	op := func(context.Context, *Recorder) (any, error) { return nil, nil }

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, _ = l.LogRequest(ctx, req, op)
	}
	b.StopTimer()

	closeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := l.Close(closeCtx); err != nil {
		b.Fatal(err)
	}
	st := l.Stats()
	b.ReportMetric(float64(st.Dropped), "dropped")
	if st.Dropped != 0 || st.Failed != 0 {
		b.Fatalf("Stats = %+v, want no drops or failures", st)
	}
}
