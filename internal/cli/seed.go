package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heliograph/heliograph/internal/seed"
)

const seedUsage = `Usage: heliograph seed --count N [flags]

Generates realistic logs and stores them through POST /v1/log/batch from several concurrent
senders: sessions of agent runs with nested session paths, LLM calls with token usage and
cost (a quarter of them streamed as SSE), tool calls, vector database queries and data
steps, with environment, feature and customer properties, users, about 5% errors and some
-1 (timeout) and -3 (cancelled) statuses, and a few very large sessions. The same flags
always produce the same logs with the same ids, so seeding twice stores nothing twice; flags
that differ in anything (--count, --end, ...) give every log a different id.
--big-session-logs sets the exact size of the first session, which is usually the largest,
for benchmarks of the session tree.`

// seedFlags are the flags of heliograph seed.
type seedFlags struct {
	count, sessions, days int
	bigSession            int
	seed                  uint64
	end                   string
	workers, batchSize    int
	gzip                  bool
}

func runSeed(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("seed", seedUsage, env.Stderr)
	var conn connFlags
	conn.register(fs, env.Getenv)
	var sf seedFlags
	fs.IntVar(&sf.count, "count", 0, "number of logs to store (required)")
	fs.IntVar(&sf.sessions, "sessions", 0, "number of sessions; 0 means one per 25 logs")
	fs.IntVar(&sf.bigSession, "big-session-logs", 0, "exact number of logs in the first "+
		"session, which is usually the largest; 0 leaves its size to chance")
	fs.IntVar(&sf.days, "days", seed.DefaultDays, "days before --end that the logs start in")
	fs.Uint64Var(&sf.seed, "seed", 1, "selects the data set")
	fs.StringVar(&sf.end, "end", "", "latest session start, RFC 3339; default: the "+
		"current hour")
	fs.IntVar(&sf.workers, "concurrency", 4, "batch requests sent at once")
	fs.IntVar(&sf.batchSize, "batch-size", 500, "logs per batch request, 1 to 1000")
	fs.BoolVar(&sf.gzip, "gzip", false, "compress batch requests with gzip (saves bandwidth, "+
		"costs CPU on both ends)")
	if _, err := parseArgs(fs, args, env.Getenv, 0); err != nil {
		return err
	}
	gen, err := sf.generator()
	if err != nil {
		return err
	}
	c, err := conn.client(sf.workers)
	if err != nil {
		return err
	}

	s := &seeder{gen: gen, poster: newBatchPoster(c, sf.gzip),
		bar: newProgress(env.Stderr, "seed", "logs", int64(gen.Count())), kinds: map[string]int{}}
	start := time.Now()
	err = s.run(ctx, sf.workers, sf.batchSize)
	s.bar.finish()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(env.Stdout, "seeded %d logs in %d sessions (%s) in %s: %.0f logs/s; %s\n",
		gen.Count(), gen.Sessions(), s.totals.summary(), elapsed.Round(time.Millisecond),
		float64(gen.Count())/elapsed.Seconds(), s.kindSummary())
	return s.totals.problem()
}

func (sf seedFlags) generator() (*seed.Generator, error) {
	var errs []error
	if sf.workers < 1 {
		errs = append(errs, fmt.Errorf("--concurrency %d: must be at least 1", sf.workers))
	}
	if sf.batchSize < 1 || sf.batchSize > maxBatchLogs {
		errs = append(errs, fmt.Errorf("--batch-size %d: must be 1 to %d", sf.batchSize,
			maxBatchLogs))
	}
	end := time.Now().UTC().Truncate(time.Hour)
	if sf.end != "" {
		t, err := time.Parse(time.RFC3339, sf.end)
		if err != nil {
			errs = append(errs, fmt.Errorf("--end %q: want an RFC 3339 time", sf.end))
		}
		end = t
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	gen, err := seed.New(seed.Config{Count: sf.count, Sessions: sf.sessions, Days: sf.days,
		BigSessionLogs: sf.bigSession, Seed: sf.seed, End: end})
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return gen, nil
}

// seeder generates units of the data set on several workers and sends them in batches.
type seeder struct {
	gen    *seed.Generator
	poster *batchPoster
	bar    *progress
	next   atomic.Int64
	totals batchTotals
	mu     sync.Mutex
	kinds  map[string]int
}

func (s *seeder) run(ctx context.Context, workers, batchSize int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			if err := s.work(ctx, batchSize); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// work takes units until none are left, sending a batch whenever batchSize logs are ready.
func (s *seeder) work(ctx context.Context, batchSize int) error {
	var pending []seed.Log
	kinds := map[string]int{}
	defer s.addKinds(kinds)
	for {
		u := int(s.next.Add(1) - 1)
		if u >= s.gen.Units() {
			break
		}
		pending = append(pending, s.gen.Unit(u)...)
		for len(pending) >= batchSize {
			if err := s.send(ctx, pending[:batchSize], kinds); err != nil {
				return err
			}
			pending = pending[batchSize:]
		}
	}
	if len(pending) > 0 {
		return s.send(ctx, pending, kinds)
	}
	return nil
}

func (s *seeder) send(ctx context.Context, logs []seed.Log, kinds map[string]int) error {
	items := make([][]byte, len(logs))
	for i, l := range logs {
		items[i] = l.Item
		kinds[l.Kind]++
	}
	ans, err := s.poster.post(ctx, items)
	if err != nil {
		return err
	}
	s.totals.add(ans, func(i int) string {
		if i < 0 || i >= len(logs) {
			return fmt.Sprintf("item %d", i)
		}
		return "log " + logs[i].RequestID
	})
	s.bar.add(int64(len(logs)))
	return nil
}

func (s *seeder) addKinds(kinds map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, n := range kinds {
		s.kinds[k] += n
	}
}

// kindSummary returns the count of each kind, such as "data=150 llm=450".
func (s *seeder) kindSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := make([]string, 0, len(s.kinds))
	for k, n := range s.kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
