// Package loadgen posts logs to an HTTP endpoint from concurrent clients and measures
// throughput and latency. It is the load command behind the ingest figures in BENCHMARKS.md.
package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Config describes one load run.
type Config struct {
	// URL receives every POST.
	URL string
	// Key is sent as a bearer token when set.
	Key string
	// Body is posted on every request; a fresh Helicone-Request-Id goes with each.
	Body []byte
	// Clients is the number of concurrent clients, each with its own connection.
	Clients int
	// Duration bounds the run; Requests, when positive, bounds it too.
	Duration time.Duration
	Requests int
}

// Result summarises one run.
type Result struct {
	Clients   int
	Requests  int
	Errors    int
	Elapsed   time.Duration
	PerSecond float64
	P50       time.Duration
	P99       time.Duration
	// FirstError is the first failure seen, for the report.
	FirstError string
}

// Run sends requests until Duration passes or Requests were sent, and returns the figures.
// Only requests answered 200 count toward throughput and latency.
func Run(ctx context.Context, cfg Config) Result {
	transport := &http.Transport{
		MaxIdleConnsPerHost: cfg.Clients,
		MaxConnsPerHost:     cfg.Clients,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errors    int
		firstErr  string
		sent      int
		wg        sync.WaitGroup
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if cfg.Requests > 0 && sent >= cfg.Requests {
			return false
		}
		sent++
		return true
	}

	start := time.Now()
	for range cfg.Clients {
		wg.Go(func() {
			local := make([]time.Duration, 0, 4096)
			localErrors := 0
			var localFirst string
			for ctx.Err() == nil && take() {
				d, err := post(ctx, client, cfg)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					localErrors++
					if localFirst == "" {
						localFirst = err.Error()
					}
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errors += localErrors
			if firstErr == "" {
				firstErr = localFirst
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	slices.Sort(latencies)
	return Result{
		Clients:    cfg.Clients,
		Requests:   len(latencies),
		Errors:     errors,
		Elapsed:    elapsed,
		PerSecond:  float64(len(latencies)) / elapsed.Seconds(),
		P50:        percentile(latencies, 0.50),
		P99:        percentile(latencies, 0.99),
		FirstError: firstErr,
	}
}

func post(ctx context.Context, client *http.Client, cfg Config) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL,
		bytes.NewReader(cfg.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Helicone-Request-Id", newUUID())
	if cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Key)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return d, nil
}

// percentile returns the q-quantile of sorted durations, or 0 for none.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error since Go 1.24.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
