package e2e

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/sdk"
)

// BenchmarkSDKToServer measures logs per second from LogRequest to rows committed in the
// SQLite store of a server over 127.0.0.1, and checks that the store holds exactly b.N
// rows at the end.
func BenchmarkSDKToServer(b *testing.B) {
	// Every flushEvery logs the benchmark waits for delivery, so that the queue never fills
	// and drops logs: what is measured is delivery, not the queue's drop policy.
	const flushEvery = 8192
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("listen: %v", err)
	}
	srv := startServerOn(b, ln)
	l := newSDKLogger(b, srv.URL, sdk.WithBatchSize(1000), sdk.WithQueueBytes(64<<20),
		sdk.WithMaxBatchBytes(16<<20))
	ctx := sdk.ContextWithSession(context.Background(), newUUID(), "benchmark")
	req := sdk.Tool{ToolName: "search", Input: map[string]any{"query": "late delivery", "k": 3}}
	op := func(context.Context, *sdk.Recorder) (any, error) {
		return map[string]any{"hits": 3, "status": "success"}, nil
	}

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := l.LogRequest(ctx, req, op); err != nil {
			b.Fatalf("LogRequest: %v", err)
		}
		if (i+1)%flushEvery == 0 {
			flushBench(b, l)
		}
	}
	flushBench(b, l)
	b.StopTimer()

	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logs/s")
	closeSDKLogger(b, l)
	if st := l.Stats(); st.Sent != int64(b.N) || st.Dropped != 0 || st.Failed != 0 {
		b.Errorf("Stats = %+v, want %d sent, none dropped or failed", st, b.N)
	}
	if n := countStored(b, srv); n != b.N {
		b.Errorf("store holds %d logs, want b.N = %d", n, b.N)
	}
}

func flushBench(b *testing.B, l *sdk.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := l.Flush(ctx); err != nil {
		b.Fatalf("Flush: %v (stats %+v)", err, l.Stats())
	}
}

// countStored pages through the logs of the default project in the store, without bodies.
func countStored(b *testing.B, srv *testServer) int {
	p, err := srv.Store.ProjectByName(b.Context(), auth.DefaultProject)
	if err != nil {
		b.Fatalf("ProjectByName: %v", err)
	}
	const page = 10000
	n := 0
	for {
		recs, err := srv.Store.QueryLogs(b.Context(), p.ID,
			store.LogQuery{Filter: filter.All{}, Limit: page, Offset: n})
		if err != nil {
			b.Fatalf("QueryLogs at offset %d: %v", n, err)
		}
		n += len(recs)
		if len(recs) < page {
			return n
		}
	}
}
