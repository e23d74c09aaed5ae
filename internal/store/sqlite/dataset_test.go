package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// Environment variables of the aggregate benchmarks.
const (
	// benchLogsEnv sets the number of generated logs; the default keeps CI fast.
	benchLogsEnv = "HELIOGRAPH_BENCH_LOGS"
	// benchDBEnv names a database file to keep the dataset in across runs. A file that
	// exists is used as it is, so remove it after changing the size.
	benchDBEnv = "HELIOGRAPH_BENCH_DB"

	defaultBenchLogs = 20000
	// bigSessionLogs is the size of the one large session of the dataset.
	bigSessionLogs = 5000
	bigSessionID   = "session-big"
	benchSpan      = 30 * 24 * time.Hour
)

// benchStart is the creation time of the first generated log.
var benchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// dataset is a store filled with generated logs, shared by the benchmarks of one test binary.
type dataset struct {
	db        *sqlite.DB
	projectID string
	logs      int
	dir       string // temporary directory to remove, or ""
}

// datasetCache builds the dataset once per test binary and closes it in [runTests].
type datasetCache struct {
	once sync.Once
	set  *dataset
	err  error
}

// benchData is the only package-level state of the tests: generating a million logs takes
// minutes, so the benchmarks share one dataset.
var benchData datasetCache

// runTests runs the tests and benchmarks for TestMain and then closes the benchmark dataset.
func runTests(m *testing.M) int {
	code := m.Run()
	if err := benchData.close(); err != nil {
		fmt.Fprintln(os.Stderr, "close benchmark dataset:", err)
	}
	return code
}

// get returns the dataset, generating it on first use.
func (c *datasetCache) get(b *testing.B) *dataset {
	b.Helper()
	c.once.Do(func() {
		c.set, c.err = openDataset(context.Background())
	})
	if c.err != nil {
		b.Fatalf("benchmark dataset: %v", c.err)
	}
	return c.set
}

func (c *datasetCache) close() error {
	if c.set == nil {
		return nil
	}
	err := c.set.db.Close()
	if c.set.dir != "" {
		err = errors.Join(err, os.RemoveAll(c.set.dir))
	}
	return err
}

// openDataset opens the file named by benchDBEnv when it exists, and otherwise generates the
// dataset into it or into a temporary directory.
func openDataset(ctx context.Context) (*dataset, error) {
	n := defaultBenchLogs
	if v := os.Getenv(benchLogsEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < bigSessionLogs {
			return nil, fmt.Errorf("%s=%q: want an integer of at least %d", benchLogsEnv, v,
				bigSessionLogs)
		}
	}
	ds := &dataset{logs: n}
	path := os.Getenv(benchDBEnv)
	if path == "" {
		dir, err := os.MkdirTemp("", "heliograph-bench-")
		if err != nil {
			return nil, err
		}
		ds.dir, path = dir, filepath.Join(dir, "bench.db")
	}
	_, statErr := os.Stat(path)
	exists := statErr == nil

	var err error
	if ds.db, err = sqlite.Open(ctx, path, sqlite.Options{}); err != nil {
		return nil, err
	}
	if exists {
		p, err := ds.db.ProjectByName(ctx, "bench")
		ds.projectID = p.ID
		return ds, err
	}
	start := time.Now()
	if err := ds.generate(ctx); err != nil {
		return nil, errors.Join(err, ds.db.Close())
	}
	fmt.Fprintf(os.Stderr, "generated %d logs in %v\n", n, time.Since(start).Round(time.Second))
	return ds, nil
}

// generate inserts ds.logs logs in batches of 500, with a second small project so that every
// query has to separate projects.
func (ds *dataset) generate(ctx context.Context) error {
	p, err := ds.db.CreateProject(ctx, "bench")
	if err != nil {
		return err
	}
	other, err := ds.db.CreateProject(ctx, "other")
	if err != nil {
		return err
	}
	ds.projectID = p.ID
	g := newGenerator(ds.logs)
	batch := make([]*record.Record, 0, 500)
	for i := range ds.logs {
		projectID := p.ID
		if i%50 == 49 {
			projectID = other.ID
		}
		batch = append(batch, g.record(projectID, i))
		if len(batch) == cap(batch) || i == ds.logs-1 {
			if _, err := ds.db.InsertLogs(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// generator produces logs whose values follow rough production shapes: a few popular models,
// log-normal latencies, most logs in sessions of about 20, users of very different activity,
// and properties with few (env, app), many (tenant) or very many (customer) values.
type generator struct {
	rng      *rand.Rand
	n        int
	step     time.Duration // mean time between logs
	bigEvery int           // every bigEvery-th log belongs to the big session
	filler   string
}

func newGenerator(n int) *generator {
	return &generator{
		rng:      rand.New(rand.NewPCG(1, 2)),
		n:        n,
		step:     benchSpan / time.Duration(n),
		bigEvery: n / bigSessionLogs,
		filler:   strings.Repeat("The quick brown fox jumps over the lazy dog. ", 30),
	}
}

var (
	benchModels   = []string{"gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "gemini-1.5-flash", "o1"}
	benchSessions = []string{"support-agent", "rag-pipeline", "code-review", "summarizer",
		"planner", "translator"}
	benchEnvs = []string{"prod", "prod", "prod", "prod", "staging", "dev"}
	benchApps = []string{"web", "mobile", "batch"}
)

// record returns log i of the dataset.
func (g *generator) record(projectID string, i int) *record.Record {
	r := g.rng
	created := benchStart.Add(time.Duration(i)*g.step + time.Duration(r.Int64N(int64(g.step))))
	latency := int64(math.Exp(r.NormFloat64()*0.8 + math.Log(900)))
	rec := &record.Record{
		ProjectID: projectID, RequestID: fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i),
		CreatedAt: created, EndedAt: created.Add(time.Duration(latency) * time.Millisecond),
		LatencyMs: latency, Status: 200, Kind: record.KindLLM, Provider: record.ProviderCustom,
		Path: "/custom/v1/log",
	}
	g.classify(rec)
	g.attribute(rec, i)
	g.fillBodies(rec)
	return rec
}

// classify sets the kind, model, status, TTFT, tokens and cost.
func (g *generator) classify(rec *record.Record) {
	r := g.rng
	switch k := r.IntN(100); {
	case k < 4:
		rec.Kind, rec.Model = record.KindData, "data:"+benchSessions[r.IntN(3)]
	case k < 8:
		rec.Kind, rec.Model = record.KindTool, "tool:search"
	case k < 10:
		rec.Kind, rec.Model = record.KindVectorDB, "vector_db"
	default:
		rec.Model = benchModels[min(int(r.ExpFloat64()*1.2), len(benchModels)-1)]
		rec.RequestModel, rec.ResponseModel = rec.Model, rec.Model+"-2024"
		rec.PromptTokens = 50 + r.Int64N(3000)
		rec.CompletionTokens = 10 + r.Int64N(800)
		rec.TotalTokens = rec.PromptTokens + rec.CompletionTokens
		rec.Cost = float64(rec.PromptTokens)*2.5e-6 + float64(rec.CompletionTokens)*1e-5
		if r.IntN(2) == 0 {
			ttft := int64(float64(rec.LatencyMs) * (0.05 + 0.35*r.Float64()))
			rec.TimeToFirstTokenMs, rec.Streamed = &ttft, true
		}
	}
	switch s := r.IntN(100); {
	case s < 2:
		rec.Status, rec.Error = 500, "internal error"
	case s < 3:
		rec.Status, rec.Error = 429, "rate limited"
	case s < 4:
		rec.Status = -1
	}
}

// attribute sets the user, the session and the properties of log i.
func (g *generator) attribute(rec *record.Record, i int) {
	r := g.rng
	if r.IntN(10) > 0 {
		rec.UserID = fmt.Sprintf("user-%d", int(r.ExpFloat64()*300))
	}
	switch {
	case g.bigEvery > 0 && i%g.bigEvery == 0:
		rec.SessionID, rec.SessionName = bigSessionID, "batch-import"
		rec.SessionPath = fmt.Sprintf("/import/step-%d", i%7)
	case r.IntN(10) < 7:
		s := i/20 + r.IntN(3)
		rec.SessionID = fmt.Sprintf("session-%d", s)
		rec.SessionName = benchSessions[s%len(benchSessions)]
		rec.SessionPath = "/" + rec.Model
	}
	rec.Properties = map[string]string{
		"env":      benchEnvs[r.IntN(len(benchEnvs))],
		"app":      benchApps[r.IntN(len(benchApps))],
		"tenant":   fmt.Sprintf("t-%d", r.IntN(200)),
		"customer": fmt.Sprintf("c-%d", r.IntN(5000)),
	}
}

// fillBodies sets request and response bodies of 0.6 to 1.5 KB.
func (g *generator) fillBodies(rec *record.Record) {
	r := g.rng
	prompt := g.filler[:200+r.IntN(800)]
	answer := g.filler[:100+r.IntN(300)]
	rec.RequestBody = fmt.Appendf(nil, `{"model":%q,"messages":[{"role":"user","content":%q}]}`,
		rec.Model, prompt)
	rec.ResponseBody = fmt.Appendf(nil, `{"choices":[{"message":{"role":"assistant",`+
		`"content":%q}}]}`, answer)
	rec.ResponseRaw = rec.ResponseBody
}

// storeOf returns ds.db as the store contract, so the benchmarks exercise the interface.
func (ds *dataset) store() store.Store { return ds.db }
