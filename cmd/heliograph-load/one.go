package main

import (
	"context"
	"fmt"
	"time"

	"github.com/heliograph/heliograph/internal/loadgen"
)

// loadOne posts logs to one running server, with no baseline, and prints logs/s and latency
// for each client count. It compares builds or settings of heliograph run one after the
// other on the same machine.
func loadOne(ctx context.Context, url, key, clientList string, d time.Duration,
	size int) error {
	counts, err := parseCounts(clientList)
	if err != nil {
		return err
	}
	fmt.Printf("heliograph-load: %s, %d-byte logs, %s per run, %s\n", url, size, d,
		time.Now().UTC().Format(time.RFC3339))
	for _, n := range counts {
		r := loadgen.Run(ctx, loadgen.Config{URL: url, Key: key,
			Body: loadgen.LogBody(size, time.Now()), Clients: n, Duration: d})
		fmt.Printf("%d clients: %.0f logs/s, p50 %s, p99 %s, %d errors%s\n", n, r.PerSecond,
			ms(r.P50), ms(r.P99), r.Errors, firstError(r))
	}
	return ctx.Err()
}

func firstError(r loadgen.Result) string {
	if r.FirstError == "" {
		return ""
	}
	return " (first: " + r.FirstError + ")"
}
