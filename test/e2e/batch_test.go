package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/server"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

type batchResult struct {
	Results []struct {
		Index  int    `json:"index"`
		ID     string `json:"id"`
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"results"`
	Stored     int    `json:"stored"`
	Duplicates int    `json:"duplicates"`
	Rejected   int    `json:"rejected"`
	Error      string `json:"error"`
}

func TestBatchPartialRejection(t *testing.T) {
	srv := startServer(t)
	badTiming := withTiming(`{"startTime":{"seconds":1735689601,"milliseconds":0},` +
		`"endTime":{"seconds":1735689600,"milliseconds":0}}`)
	ids := []string{"aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002",
		"aaaaaaaa-0000-4000-8000-000000000003"}
	body := `{"logs":[` +
		`{"headers":{"Helicone-Request-Id":"` + ids[0] + `","Helicone-Property-N":"1"},"body":` +
		baseBody + `},` +
		`{"headers":{"Helicone-Request-Id":"` + ids[1] + `"},"body":` + badTiming + `},` +
		`{"headers":{"Helicone-Request-Id":"` + ids[2] + `"},"provider":"OPENAI","body":` +
		baseBody + `}]}`

	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(body))
	zw.Close()
	resp := srv.do(t, http.MethodPost, "/v1/log/batch", srv.Key, zipped.Bytes(),
		map[string]string{"Content-Encoding": "gzip"})
	if resp.Status != http.StatusOK {
		t.Fatalf("batch: status %d %s", resp.Status, resp.Body)
	}
	var res batchResult
	resp.json(t, &res)
	if res.Stored != 2 || res.Rejected != 1 || len(res.Results) != 3 {
		t.Fatalf("batch result %+v, want 2 stored and 1 rejected", res)
	}
	if res.Results[1].Status != "rejected" || !strings.Contains(res.Results[1].Error, "timing") {
		t.Errorf("item 1 = %+v, want rejected naming timing", res.Results[1])
	}
	for _, i := range []int{0, 2} {
		if res.Results[i].Status != "stored" || res.Results[i].ID != ids[i] {
			t.Errorf("item %d = %+v, want stored with id %s", i, res.Results[i], ids[i])
		}
	}
	if r, _ := srv.getRow(t, srv.Key, ids[2]); r.Provider != "OPENAI" {
		t.Errorf("item 2 provider = %q, want OPENAI", r.Provider)
	}
	if _, status := srv.getRow(t, srv.Key, ids[1]); status != http.StatusNotFound {
		t.Errorf("rejected item stored: GET status %d", status)
	}

	// A retry of the same batch stores nothing twice.
	resp = srv.do(t, http.MethodPost, "/v1/log/batch", srv.Key, []byte(body), nil)
	resp.json(t, &res)
	if res.Duplicates != 2 || res.Stored != 0 {
		t.Errorf("retried batch: %+v, want 2 duplicates", res)
	}
	rows, _ := srv.queryRows(t, srv.Key, `{"filter":"all"}`)
	if len(rows) != 2 {
		t.Errorf("stored %d rows after retry, want 2", len(rows))
	}

	resp = srv.do(t, http.MethodPost, "/v1/log/batch", srv.Key,
		[]byte(`{"logs":[{"body":`+badTiming+`}]}`), nil)
	resp.json(t, &res)
	if resp.Status != http.StatusBadRequest || res.Rejected != 1 || res.Error == "" {
		t.Errorf("all-rejected batch: status %d %+v, want 400", resp.Status, res)
	}
}

// failingStore is a fault: a real store whose writes and pings fail.
type failingStore struct {
	*sqlite.DB
}

var errDiskGone = errors.New("disk I/O error")

func (failingStore) InsertLogs(context.Context, []*record.Record) ([]store.InsertStatus, error) {
	return nil, errDiskGone
}

func (failingStore) Ping(context.Context) error { return errDiskGone }

// serveFaulty serves a real store wrapped by fault over loopback, with one key of project
// default.
func serveFaulty(t *testing.T, fault func(*sqlite.DB) store.Store) *testServer {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "h.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const key = "hg_faulty_store_key_0000000000000000000000"
	if _, err := auth.Bootstrap(t.Context(), st, dir, key); err != nil {
		t.Fatal(err)
	}
	srv := server.New(fault(st), server.Options{Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(srv.Handler())
	// Cleanups run last first: the HTTP server, then the writer, then the store.
	t.Cleanup(srv.Close)
	t.Cleanup(ts.Close)
	return &testServer{URL: ts.URL, Key: key, Store: st}
}

func TestStoreFailureIsNot200(t *testing.T) {
	h := serveFaulty(t, func(st *sqlite.DB) store.Store { return failingStore{st} })
	key := h.Key

	resp := h.do(t, http.MethodPost, "/custom/v1/log", key, []byte(baseBody), nil)
	if resp.Status != http.StatusServiceUnavailable {
		t.Errorf("single log on failing store: status %d, want 503", resp.Status)
	}
	if strings.Contains(string(resp.Body), "disk I/O") {
		t.Errorf("503 body leaks the internal error: %s", resp.Body)
	}
	resp = h.do(t, http.MethodPost, "/v1/log/batch", key,
		[]byte(`{"logs":[{"body":`+baseBody+`}]}`), nil)
	if resp.Status != http.StatusServiceUnavailable {
		t.Errorf("batch on failing store: status %d, want 503", resp.Status)
	}
	if resp := h.do(t, http.MethodGet, "/readyz", "", nil, nil); resp.Status != 503 {
		t.Errorf("GET /readyz on failing store: status %d, want 503", resp.Status)
	}
	if resp := h.do(t, http.MethodGet, "/healthz", "", nil, nil); resp.Status != 200 {
		t.Errorf("GET /healthz: status %d, want 200", resp.Status)
	}
}

// flakyStore is a fault: a real store whose commits fail while fail is set, as on a full
// disk, and whose reads keep working.
type flakyStore struct {
	*sqlite.DB
	fail *atomic.Bool
}

func (f flakyStore) InsertLogs(ctx context.Context, recs []*record.Record) (
	[]store.InsertStatus, error) {
	if f.fail.Load() {
		return nil, errDiskGone
	}
	return f.DB.InsertLogs(ctx, recs)
}

// A server whose commits fail is not ready, although its store still serves reads, and it is
// ready again once a commit succeeds.
func TestReadyzFollowsCommits(t *testing.T) {
	fail := &atomic.Bool{}
	h := serveFaulty(t, func(st *sqlite.DB) store.Store { return flakyStore{st, fail} })
	key := h.Key

	steps := []struct {
		fail       bool
		wantIngest int
		wantReady  int
	}{
		{false, http.StatusOK, http.StatusOK},
		{true, http.StatusServiceUnavailable, http.StatusServiceUnavailable},
		{false, http.StatusOK, http.StatusOK},
	}
	for i, s := range steps {
		fail.Store(s.fail)
		resp := h.do(t, http.MethodPost, "/custom/v1/log", key, []byte(baseBody), nil)
		if resp.Status != s.wantIngest {
			t.Errorf("step %d: ingest status %d, want %d", i, resp.Status, s.wantIngest)
		}
		resp = h.do(t, http.MethodGet, "/readyz", "", nil, nil)
		if resp.Status != s.wantReady {
			t.Errorf("step %d: /readyz status %d %s, want %d", i, resp.Status, resp.Body,
				s.wantReady)
		}
	}
}
