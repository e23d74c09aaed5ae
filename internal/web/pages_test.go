package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/store"
)

func TestDetailPagesIgnoreFilter(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	ids := insert(t, e.st, pid, kindLogs()...)
	b := e.browser(t)
	b.signIn(key)
	for _, q := range []string{"kind = tool", "kind ="} {
		for _, path := range []string{"/sessions/s-kinds", "/requests/" + ids[0]} {
			full := path + "?q=" + url.QueryEscape(q)
			p := b.get(full)
			if p.Status != http.StatusOK {
				t.Errorf("GET %s: status %d, want 200", full, p.Status)
			}
			if !strings.Contains(p.Body, `<form class="search" method="get" action="/requests">`) {
				t.Errorf("GET %s: search bar does not submit to /requests", full)
			}
			if strings.Contains(p.Body, `value="`+template.HTMLEscapeString(q)+`"`) {
				t.Errorf("GET %s: page echoes the ignored filter %q", full, q)
			}
			if strings.Contains(p.Body, `class="filter-error"`) {
				t.Errorf("GET %s: page shows a filter error for an ignored filter", full)
			}
		}
		session := b.get("/sessions/s-kinds?q=" + url.QueryEscape(q))
		if got := strings.Count(session.Body, `class="tree-log"`); got != 4 {
			t.Errorf("GET /sessions/s-kinds?q=%s: %d tree logs, want all 4", q, got)
		}
	}
}

func TestRawViewShowsStoredBytes(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	const req = `{"_type":"data","name":"raw","big":12345678901234567890,"list":[1,2]}`
	const resp = `{"status":"ok","n":12345678901234567890,"s":"a<b"}`
	ids := insert(t, e.st, pid, rawLog{body: customBody(req, resp, 200, t0, time.Second)})
	rec, err := e.st.GetLog(t.Context(), pid, ids[0])
	if err != nil {
		t.Fatalf("GetLog: %v", err)
	}
	b := e.browser(t)
	b.signIn(key)
	p := b.get("/requests/" + ids[0])
	want := map[string]string{"raw-request": req, "raw-response": resp,
		"raw-response-raw": string(rec.ResponseRaw)}
	for id, text := range want {
		pre := `id="` + id + `">` + template.HTMLEscapeString(text) + `</pre>`
		if !strings.Contains(p.Body, pre) {
			t.Errorf("GET /requests/%s: #%s is not %s byte for byte", ids[0], id, text)
		}
	}
	if string(rec.RequestBody) != req {
		t.Errorf("stored request body %s, want %s", rec.RequestBody, req)
	}
}

func TestInvalidRangeAndOffsetRejected(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	insert(t, e.st, pid, kindLogs()...)
	b := e.browser(t)
	b.signIn(key)
	bad := map[string][]string{
		"/stats?range=bogus":              {"Invalid range &#34;bogus&#34;", "1h, 24h, 7d, 30d, all"},
		"/properties?range=bogus":         {"Invalid range &#34;bogus&#34;", "1h, 24h, 7d, 30d, all"},
		"/properties?key=x&range=1d":      {"Invalid range &#34;1d&#34;"},
		"/sessions?offset=-5":             {"Invalid offset &#34;-5&#34;", "0 to 1,000,000"},
		"/sessions?offset=abc":            {"Invalid offset &#34;abc&#34;"},
		"/sessions?offset=2000000":        {"Invalid offset &#34;2000000&#34;"},
		"/users?offset=-1":                {"Invalid offset &#34;-1&#34;", "0 to 1,000,000"},
		"/users?q=kind+%3D+llm&offset=1x": {"Invalid offset &#34;1x&#34;"},
	}
	for path, texts := range bad {
		p := b.get(path)
		if p.Status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", path, p.Status)
		}
		for _, text := range texts {
			if !strings.Contains(p.Body, text) {
				t.Errorf("GET %s: page lacks %q", path, text)
			}
		}
	}
	for _, path := range []string{"/stats?range=", "/stats?range=7d", "/properties?range=",
		"/properties?range=all", "/sessions?offset=", "/sessions?offset=0", "/users?offset=0"} {
		if p := b.get(path); p.Status != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, p.Status)
		}
	}
	if p := b.get("/stats?range="); !strings.Contains(p.Body, `class="active">all</a>`) {
		t.Error("GET /stats?range=: the default range all is not marked active")
	}
}

func TestUsersPageOffsetPages(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	logs := make([]rawLog, 101)
	for i := range logs {
		logs[i] = rawLog{headers: map[string]string{"Helicone-User-Id": fmt.Sprintf("u-%03d", i)},
			body: customBody(`{"_type":"data","name":"d"}`, `{}`, 200, t0, time.Second)}
	}
	insert(t, e.st, pid, logs...)
	b := e.browser(t)
	b.signIn(key)
	first := b.get("/users")
	if got := strings.Count(first.Body, `<td><a href="/requests?q=user`); got != 100 {
		t.Errorf("GET /users: %d users, want 100", got)
	}
	next := regexp.MustCompile(`<a href="([^"]+)" id="users-next">`).FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("GET /users with 101 users: no link to the next page")
	}
	path := strings.ReplaceAll(next[1], "&amp;", "&")
	second := b.get(path)
	if got := strings.Count(second.Body, `<td><a href="/requests?q=user`); got != 1 {
		t.Errorf("GET %s: %d users, want 1", path, got)
	}
	if strings.Contains(second.Body, `id="users-next"`) {
		t.Errorf("GET %s: last page links to a next page", path)
	}
}

func TestInvalidFilterHidesLiveToggle(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	if p := b.get("/requests?q=" + url.QueryEscape("kind =")); strings.Contains(p.Body,
		`id="live-toggle"`) {
		t.Error("GET /requests with an invalid filter: page offers live mode")
	}
	if p := b.get("/requests?q=" + url.QueryEscape("kind = llm")); !strings.Contains(p.Body,
		`id="live-toggle"`) {
		t.Error("GET /requests with a valid filter: page lacks the live toggle")
	}
}

// liveEvent is the part of a /live "log" event that the requests table shows.
type liveEvent struct {
	ID         string            `json:"id"`
	Status     int64             `json:"status"`
	StatusText string            `json:"status_text"`
	Kind       string            `json:"kind"`
	Properties map[string]string `json:"properties"`
	Error      string            `json:"error"`
	Preview    string            `json:"preview"`
}

func TestLiveEventCarriesRowTexts(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	resp := b.openLive("kind = tool")
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("read /live: %v", err)
	}
	ids := insert(t, e.st, pid, kindLogs()...)
	var ev liveEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read /live: %v", err)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("decode live event %q: %v", data, err)
			}
			break
		}
	}
	if ev.ID != ids[1] {
		t.Fatalf("live event for %s, want the tool log %s", ev.ID, ids[1])
	}
	if ev.Preview == "" {
		t.Error("live event has no preview")
	}
	if ev.StatusText != "200" {
		t.Errorf("live event status_text %q, want 200", ev.StatusText)
	}
	list := b.get("/requests?q=" + url.QueryEscape("kind = tool"))
	cell := `<td class="preview">` + template.HTMLEscapeString(ev.Preview) + `</td>`
	if !strings.Contains(list.Body, cell) {
		t.Errorf("requests table lacks the live event's preview cell %s", cell)
	}
}

func TestPreviewShowsErrorOnce(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	llm := `{"model":"gpt-4o","messages":[]}`
	insert(t, e.st, pid,
		rawLog{body: customBody(llm, `{}`, 429, t0, time.Second)},
		rawLog{body: customBody(llm, `{}`, -1, t0.Add(time.Second), time.Second)})
	b := e.browser(t)
	b.signIn(key)
	p := b.get("/requests")
	for _, text := range []string{"status 429", "status -1 (timeout)"} {
		if got := strings.Count(p.Body, text); got != 1 {
			t.Errorf("GET /requests: %q appears %d times, want once", text, got)
		}
	}
}

func TestPropertiesEmptyStates(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	if p := b.get("/properties"); !strings.Contains(p.Body, "No properties yet.") {
		t.Error("GET /properties of an empty project: page lacks \"No properties yet.\"")
	}
	insert(t, e.st, pid, kindLogs()...)
	path := "/properties?q=" + url.QueryEscape(`user = "nobody"`)
	if p := b.get(path); !strings.Contains(p.Body, "No property on the matching logs.") {
		t.Errorf("GET %s: page lacks the empty state of a filter matching nothing", path)
	}
	for _, path := range []string{"/properties?key=nope", "/properties?key=environment&range=1h"} {
		p := b.get(path)
		if p.Status != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, p.Status)
		}
		if strings.Contains(p.Body, `class="chart-svg"`) {
			t.Errorf("GET %s: page draws a chart with no data", path)
		}
		if strings.Contains(p.Body, ">max ") {
			t.Errorf("GET %s: chart title shows a maximum with no data", path)
		}
	}
	if p := b.get("/properties?key=nope"); !strings.Contains(p.Body, `id="unknown-key"`) {
		t.Error("GET /properties?key=nope: page lacks the unknown-key empty state")
	}
	if p := b.get("/properties?key=environment"); !strings.Contains(p.Body, `class="chart-svg"`) {
		t.Error("GET /properties?key=environment: page lacks the trend chart")
	}
}

func TestSessionTimelineDrawnAtFullSize(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	insert(t, e.st, pid, kindLogs()...)
	b := e.browser(t)
	b.signIn(key)
	p := b.get("/sessions/s-kinds")
	svg := regexp.MustCompile(`<svg class="waterfall-svg"[^>]*>`).FindString(p.Body)
	if !strings.Contains(svg, ` width="1200" `) || !strings.Contains(svg, `viewBox="0 0 1200 `) {
		t.Errorf("timeline %s: want width 1200 at 1 px per user unit", svg)
	}
	if strings.Contains(p.Body, ">1 logs") {
		t.Error("GET /sessions/s-kinds: tree says \"1 logs\"")
	}
	if !strings.Contains(p.Body, ">1 log · ") || !strings.Contains(p.Body, ">4 logs · ") {
		t.Error("GET /sessions/s-kinds: tree lacks the counts \"1 log\" and \"4 logs\"")
	}
}

func TestListPathsWithSlashRedirect(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	for path, want := range map[string]string{"/requests/": "/requests",
		"/sessions/": "/sessions", "/requests/?q=kind+%3D+llm": "/requests?q=kind+%3D+llm"} {
		p := b.get(path)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != want {
			t.Errorf("GET %s: status %d, Location %q; want 303 to %s", path, p.Status,
				p.Header.Get("Location"), want)
		}
		checkSecurityHeaders(t, path, p)
	}
}

func TestErrorCountsAnyStatusButOK(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	h := map[string]string{"Helicone-Session-Id": "s-status"}
	body := `{"_type":"data","name":"d"}`
	insert(t, e.st, pid,
		rawLog{headers: h, body: customBody(body, `{}`, 200, t0, time.Second)},
		rawLog{headers: h, body: customBody(body, `{}`, 302, t0.Add(time.Second), time.Second)},
		rawLog{headers: h, body: customBody(body, `{}`, -2, t0.Add(2*time.Second), time.Second)})
	sessions, err := e.st.Sessions(t.Context(), pid, store.SessionQuery{Limit: 10})
	if err != nil || len(sessions) != 1 {
		t.Fatalf("Sessions: %v, %d sessions", err, len(sessions))
	}
	b := e.browser(t)
	b.signIn(key)
	p := b.get("/sessions/s-status")
	want := fmt.Sprintf("<dt>Errors</dt><dd>%d</dd>", sessions[0].Errors)
	if sessions[0].Errors != 2 || !strings.Contains(p.Body, want) {
		t.Errorf("store counts %d errors; session page lacks %q", sessions[0].Errors, want)
	}
	if got := strings.Count(p.Body, `class="badge err"`); got != 2 {
		t.Errorf("GET /sessions/s-status: %d error badges, want 2", got)
	}
}

// TestStatsBucketsWithFarFutureLog checks that a log dated in year 9999 does not multiply the
// chart buckets of the range "all", which spans the first to the last log.
func TestStatsBucketsWithFarFutureLog(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	far := time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)
	insert(t, e.st, pid, rawLog{body: customBody(`{"model":"m"}`, `{}`, 200, t0, time.Second)},
		rawLog{body: customBody(`{"model":"m"}`, `{}`, 200, far, time.Second)})
	b := e.browser(t)
	b.signIn(key)
	p := b.get("/stats?range=all")
	if p.Status != http.StatusOK {
		t.Fatalf("GET /stats: status %d", p.Status)
	}
	// Every chart draws one bar or point per bucket; 4 charts of at most 60 buckets stay
	// far below 1,000 shapes.
	if n := strings.Count(p.Body, "<rect"); n > 1000 {
		t.Errorf("GET /stats draws %d rectangles, want at most 60 buckets per chart", n)
	}
}

// TestDotSessionIDsLinkToTheirPage checks that sessions named "." and ".." get links that a
// browser does not resolve to another page.
func TestDotSessionIDsLinkToTheirPage(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	for _, id := range []string{".", ".."} {
		insert(t, e.st, pid, rawLog{headers: map[string]string{"Helicone-Session-Id": id},
			body: customBody(`{"model":"m"}`, `{}`, 200, t0, time.Second)})
	}
	b := e.browser(t)
	b.signIn(key)
	list := b.get("/sessions")
	for _, href := range []string{`href="/sessions/%2E"`, `href="/sessions/%2E%2E"`} {
		if !strings.Contains(list.Body, href) {
			t.Errorf("GET /sessions lacks the link %s", href)
		}
	}
	for _, path := range []string{"/sessions/%2E", "/sessions/%2E%2E"} {
		if p := b.get(path); p.Status != http.StatusOK {
			t.Errorf("GET %s: status %d, want the session page", path, p.Status)
		}
	}
}
