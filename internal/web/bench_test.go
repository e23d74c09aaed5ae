package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/seed"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
	"github.com/heliograph/heliograph/internal/web"
)

// Environment variables of the benchmarks.
const (
	// benchLogsEnv sets the number of generated logs besides the large session; the default
	// keeps CI fast.
	benchLogsEnv = "HELIOGRAPH_BENCH_LOGS"
	// benchDBEnv names a database file that keeps the dataset across runs. A file that
	// already holds the dataset is used as it is, so remove it after changing the size.
	benchDBEnv = "HELIOGRAPH_BENCH_DB"

	defaultBenchLogs = 5000
	bigSessionLogs   = 5000
	bigSessionID     = "bench-big-session"
	benchProject     = "bench"
)

var benchEnd = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// benchSet is the dataset shared by the benchmarks of one test binary.
type benchSet struct {
	db     *sqlite.DB
	key    string
	tmpDir string
}

var (
	benchOnce sync.Once
	benchData *benchSet
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchData != nil {
		_ = benchData.db.Close()
		if benchData.tmpDir != "" {
			_ = os.RemoveAll(benchData.tmpDir)
		}
	}
	os.Exit(code)
}

// benchDataset opens or builds the dataset: HELIOGRAPH_BENCH_LOGS seeded logs plus one
// session of 5,000 logs, in project "bench".
func benchDataset(b *testing.B) *benchSet {
	b.Helper()
	benchOnce.Do(func() { benchData, benchErr = openBenchSet(b) })
	if benchErr != nil {
		b.Fatalf("benchmark dataset: %v", benchErr)
	}
	return benchData
}

func openBenchSet(b *testing.B) (*benchSet, error) {
	n := defaultBenchLogs
	if v := os.Getenv(benchLogsEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: want a positive integer", benchLogsEnv, v)
		}
	}

	set := &benchSet{}
	path := os.Getenv(benchDBEnv)
	if path == "" {
		dir, err := os.MkdirTemp("", "heliograph-web-bench-")
		if err != nil {
			return nil, err
		}
		set.tmpDir, path = dir, filepath.Join(dir, "bench.db")
	}

	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		return nil, err
	}
	set.db = db
	p, err := db.ProjectByName(context.Background(), benchProject)
	if errors.Is(err, store.ErrNotFound) {
		if p, err = db.CreateProject(context.Background(), benchProject); err != nil {
			return nil, err
		}
		seedLogs(b, db, p.ID, seed.Config{Count: n, Seed: 1, End: benchEnd})
		insertBigSession(b, db, p.ID)
	} else if err != nil {
		return nil, err
	}
	e := &env{st: db}
	set.key = e.key(b, p.ID, store.ScopeRead)
	return set, nil
}

// insertBigSession stores a session of bigSessionLogs logs on nested paths.
func insertBigSession(b *testing.B, st store.Store, projectID string) {
	start := benchEnd.Add(-2 * time.Hour)
	var batch []rawLog
	for i := range bigSessionLogs {
		h := map[string]string{"Helicone-Session-Id": bigSessionID,
			"Helicone-Session-Name": "big agent run", "Helicone-User-Id": "user-big",
			"Helicone-Session-Path": fmt.Sprintf("/run/step-%d/sub-%d", i/100, i%7)}
		req := fmt.Sprintf(`{"_type":"tool","toolName":"tool_%d","input":{"n":%d}}`, i%13, i)
		batch = append(batch, rawLog{headers: h, body: customBody(req, `{"ok":true}`, 200,
			start.Add(time.Duration(i)*time.Second), time.Duration(200+i%900)*time.Millisecond)})
		if len(batch) == 500 {
			insert(b, st, projectID, batch...)
			batch = batch[:0]
		}
	}
}

// benchClient serves requests straight into the handler with a signed-in session cookie, so
// the figures are server time without the network.
type benchClient struct {
	mux    *http.ServeMux
	cookie string
}

func newBenchClient(b *testing.B, set *benchSet) *benchClient {
	b.Helper()
	h := web.New(set.db, web.Options{})
	b.Cleanup(h.CloseStreams)
	mux := http.NewServeMux()
	h.Register(mux)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	loginCookie := rec.Result().Cookies()[0]
	token := formToken(b, rec.Body.String(), "token")
	form := url.Values{"token": {token}, "key": {set.key}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(loginCookie)
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "hg_session" {
			return &benchClient{mux: mux, cookie: c.Name + "=" + c.Value}
		}
	}
	b.Fatalf("POST /login: status %d, no session cookie", rec.Code)
	return nil
}

// run serves GET path b.N times and checks that every response is 200.
func (c *benchClient) run(b *testing.B, path string) {
	b.Helper()
	b.ReportAllocs()
	bytes := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Cookie", c.cookie)
		rec := httptest.NewRecorder()
		c.mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: status %d\n%.500s", path, rec.Code, rec.Body.String())
		}
		bytes = rec.Body.Len()
	}
	b.ReportMetric(float64(bytes), "page-bytes")
}

func BenchmarkRequestsPage(b *testing.B) {
	c := newBenchClient(b, benchDataset(b))
	b.Run("all", func(b *testing.B) { c.run(b, "/requests") })
	b.Run("filtered", func(b *testing.B) {
		c.run(b, "/requests?q="+url.QueryEscape("kind = llm and latency > 1s"))
	})
}

func BenchmarkSessionPage5000(b *testing.B) {
	c := newBenchClient(b, benchDataset(b))
	b.Run("capped", func(b *testing.B) { c.run(b, "/sessions/"+bigSessionID) })
	b.Run("all-rows", func(b *testing.B) { c.run(b, "/sessions/"+bigSessionID+"?all=1") })
}

func BenchmarkAggregatePages(b *testing.B) {
	c := newBenchClient(b, benchDataset(b))
	for _, path := range []string{"/sessions", "/users", "/properties", "/stats"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) { c.run(b, path) })
	}
}
