package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/seed"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
	"github.com/heliograph/heliograph/internal/web"
)

// env is a dashboard over a real SQLite store in a temporary directory.
type env struct {
	st  *sqlite.DB
	srv *httptest.Server
	web *web.Handler
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "web.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return newEnvOver(t, st)
}

func newEnvOver(t testing.TB, st *sqlite.DB) *env {
	t.Helper()
	h := web.New(st, web.Options{})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		h.CloseStreams()
		srv.Close()
	})
	return &env{st: st, srv: srv, web: h}
}

// project creates a project and a key of scope on it, and returns the project id and key.
func (e *env) project(t testing.TB, name, scope string) (string, string) {
	t.Helper()
	p, err := e.st.ProjectByName(t.Context(), name)
	if err != nil {
		if p, err = e.st.CreateProject(t.Context(), name); err != nil {
			t.Fatalf("CreateProject(%q): %v", name, err)
		}
	}
	return p.ID, e.key(t, p.ID, scope)
}

func (e *env) key(t testing.TB, projectID, scope string) string {
	t.Helper()
	secret, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.st.CreateKey(t.Context(), store.Key{ID: auth.NewID(), ProjectID: projectID,
		Name: "k-" + auth.NewID(), Scope: scope, Hash: auth.HashKey(secret),
		Prefix: auth.DisplayPrefix(secret)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return secret
}

// insert decodes custom-log bodies with their headers and stores them in the project.
func insert(t testing.TB, st store.Store, projectID string, logs ...rawLog) []string {
	t.Helper()
	recs := make([]*record.Record, len(logs))
	ids := make([]string, len(logs))
	for i, l := range logs {
		h := http.Header{}
		for k, v := range l.headers {
			h.Set(k, v)
		}
		rec, err := record.Decode([]byte(l.body), h, record.Options{Provider: l.provider})
		if err != nil {
			t.Fatalf("record.Decode(%.80s): %v", l.body, err)
		}
		rec.ProjectID = projectID
		recs[i], ids[i] = rec, rec.RequestID
	}
	if _, err := st.InsertLogs(t.Context(), recs); err != nil {
		t.Fatalf("InsertLogs: %v", err)
	}
	return ids
}

type rawLog struct {
	headers  map[string]string
	provider string
	body     string
}

// seedLogs stores n generated logs (ending at end) in the project.
func seedLogs(t testing.TB, st store.Store, projectID string, cfg seed.Config) int {
	t.Helper()
	g, err := seed.New(cfg)
	if err != nil {
		t.Fatalf("seed.New: %v", err)
	}
	var batch []rawLog
	n := 0
	flush := func() {
		if len(batch) > 0 {
			insert(t, st, projectID, batch...)
			n += len(batch)
			batch = batch[:0]
		}
	}
	for u := range g.Units() {
		for _, l := range g.Unit(u) {
			batch = append(batch, seedItem(t, l.Item))
			if len(batch) == 500 {
				flush()
			}
		}
	}
	flush()
	return n
}

func seedItem(t testing.TB, item []byte) rawLog {
	t.Helper()
	var it struct {
		Headers  map[string]string `json:"headers"`
		Provider string            `json:"provider"`
		Body     json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(item, &it); err != nil {
		t.Fatalf("decode seed item: %v", err)
	}
	return rawLog{headers: it.Headers, provider: it.Provider, body: string(it.Body)}
}

// customBody builds a custom-log body from a request and a response object.
func customBody(req, resp string, status int, start time.Time, latency time.Duration) string {
	return fmt.Sprintf(`{"providerRequest":{"url":"custom-model-nopath","json":%s,"meta":{}},`+
		`"providerResponse":{"json":%s,"status":%d,"headers":{}},`+
		`"timing":{"startTime":{"seconds":%d,"milliseconds":%d},`+
		`"endTime":{"seconds":%d,"milliseconds":%d}}}`, req, resp, status,
		start.Unix(), start.Nanosecond()/1e6, start.Add(latency).Unix(),
		start.Add(latency).Nanosecond()/1e6)
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (e *env) browser(t testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: e.srv.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (b *browser) get(path string) page {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// openLive opens the live stream of the logs matching q; the caller closes the body.
func (b *browser) openLive(q string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodGet,
		b.base+"/live?q="+url.QueryEscape(q), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("GET /live: %v", err)
	}
	return resp
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.do(http.MethodPost, path, form)
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

var hiddenInput = regexp.MustCompile(`name="(token|csrf)" value="([^"]+)"`)

// formToken returns the value of the hidden token or csrf input of a page.
func formToken(t testing.TB, body, name string) string {
	t.Helper()
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("page has no %s input:\n%.2000s", name, body)
	return ""
}

// signIn signs the browser in with key and fails the test unless it lands on the dashboard.
func (b *browser) signIn(key string) {
	b.t.Helper()
	p := b.tryLogin(key)
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/" {
		b.t.Fatalf("POST /login: status %d, Location %q; want 303 to /\n%.2000s", p.Status,
			p.Header.Get("Location"), p.Body)
	}
}

func (b *browser) tryLogin(key string) page {
	b.t.Helper()
	login := b.get("/login")
	if login.Status != http.StatusOK {
		b.t.Fatalf("GET /login: status %d", login.Status)
	}
	return b.post("/login", url.Values{"token": {formToken(b.t, login.Body, "token")},
		"key": {key}, "next": {"/"}})
}

var (
	rowLink   = regexp.MustCompile(`<td><a href="/requests/([0-9a-f-]{36})">`)
	olderLink = regexp.MustCompile(`<a href="([^"]+)" id="older">`)
)
