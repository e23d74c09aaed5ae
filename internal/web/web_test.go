package web_test

import (
	"bufio"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/seed"
	"github.com/heliograph/heliograph/internal/store"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// kindLogs returns one log of every kind, in one session, with a 25-digit integer in the data
// log's request.
func kindLogs() []rawLog {
	h := func(path string) map[string]string {
		return map[string]string{"Helicone-Session-Id": "s-kinds", "Helicone-Session-Name": "kinds",
			"Helicone-Session-Path": path, "Helicone-User-Id": "user-7",
			"Helicone-Property-Environment": "production"}
	}
	return []rawLog{
		{headers: h("/agent/load"), body: customBody(
			`{"_type":"data","name":"load_rows","meta":{"source":"pg"},"big":1234567890123456789012345}`,
			`{"status":"ok","data":{"rows":42,"fields":["a","b"]}}`, 200, t0, 30*time.Millisecond)},
		{headers: h("/agent/search"), body: customBody(
			`{"_type":"tool","toolName":"web_search","input":{"query":"weather","limit":3}}`,
			`{"status":"success","results":[{"title":"t1"}]}`, 200, t0.Add(time.Second),
			200*time.Millisecond)},
		{headers: h("/agent/retrieve"), body: customBody(
			`{"_type":"vector_db","operation":"search","text":"refund policy","topK":2,`+
				`"filter":{"lang":"en"}}`,
			`{"matches":[{"id":"doc-1","score":0.91,"text":"Refunds within 30 days"}]}`, 200,
			t0.Add(2*time.Second), 50*time.Millisecond)},
		{headers: h("/agent"), body: customBody(
			`{"model":"gpt-4o","messages":[{"role":"user","content":"Say hi"}]}`,
			`{"model":"gpt-4o","choices":[{"message":{"role":"assistant","content":"Hello there"}}],`+
				`"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`,
			500, t0.Add(3*time.Second), 900*time.Millisecond)},
	}
}

// hostileLogs returns logs whose every shown field tries to run script.
func hostileLogs() []rawLog {
	hostile := map[string]string{
		"Helicone-Property-note": `<img src=x onerror=alert(1)>`,
		"Helicone-Session-Id":    "s-hostile",
		"Helicone-Session-Name":  `</script><script>alert(2)</script>`,
		"Helicone-User-Id":       `"><svg/onload=alert(3)>`,
		"Helicone-Session-Path":  `/<iframe srcdoc=x>/step`,
	}
	content := "```html\\n<script>alert(4)</script>\\n```\\n[click](javascript:alert(5))"
	return []rawLog{
		{headers: hostile, body: customBody(
			`{"model":"gpt-4o","messages":[{"role":"user","content":"`+content+`"}]}`,
			`{"choices":[{"message":{"role":"assistant","content":"`+content+`"}}]}`, 200,
			t0.Add(time.Minute), time.Second)},
		{headers: map[string]string{"Helicone-Session-Id": "s-hostile"}, body: customBody(
			`{"_type":"tool","toolName":"<b onmouseover=alert(6)>t</b>","input":{"q":"<i>x</i>"}}`,
			`{"status":"success"}`, 200, t0.Add(2*time.Minute), time.Second)},
		{body: `{"providerRequest":{"url":"u","json":{"model":"m"},"meta":{}},` +
			`"providerResponse":{"textBody":"<!doctype html><html><body><script>alert(7)</script>` +
			`<a href=\"javascript:alert(8)\">x</a></body></html>","status":502,"headers":{}}}`},
	}
}

func TestPagesRedirectWithoutSession(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	for _, path := range []string{"/", "/requests", "/requests/x", "/sessions", "/sessions/s",
		"/properties", "/users", "/stats"} {
		p := b.get(path)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("GET %s: status %d, Location %q; want 303 to /login", path, p.Status,
				p.Header.Get("Location"))
		}
		checkSecurityHeaders(t, path, p)
	}
	if p := b.get("/live"); p.Status != http.StatusUnauthorized {
		t.Errorf("GET /live: status %d, want 401", p.Status)
	}
}

func checkSecurityHeaders(t *testing.T, path string, p page) {
	t.Helper()
	csp := p.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") ||
		strings.Contains(csp, "unsafe") {
		t.Errorf("GET %s: Content-Security-Policy %q; want the strict policy", path, csp)
	}
	if got := p.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", path, got)
	}
	if got := p.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("GET %s: Referrer-Policy %q, want no-referrer", path, got)
	}
}

func TestSignInAndSignOut(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)

	p := b.tryLogin(key)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("POST /login: status %d, want 303\n%.1000s", p.Status, p.Body)
	}
	cookie := p.Header.Get("Set-Cookie")
	for _, attr := range []string{"hg_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, key) || strings.Contains(p.Header.Get("Location"), key) {
		t.Errorf("sign-in answer carries the key: cookie %q, Location %q", cookie,
			p.Header.Get("Location"))
	}
	home := b.get("/")
	if home.Status != http.StatusOK {
		t.Fatalf("GET / after sign-in: status %d", home.Status)
	}
	if strings.Contains(home.Body, key) {
		t.Error("GET /: page contains the API key")
	}

	if p := b.post("/logout", url.Values{"csrf": {"wrong"}}); p.Status != http.StatusForbidden {
		t.Errorf("POST /logout with a wrong token: status %d, want 403", p.Status)
	}
	if p := b.get("/"); p.Status != http.StatusOK {
		t.Fatalf("GET / after rejected sign-out: status %d, want 200", p.Status)
	}
	out := b.post("/logout", url.Values{"csrf": {formToken(t, home.Body, "csrf")}})
	if out.Status != http.StatusSeeOther || out.Header.Get("Location") != "/login" {
		t.Fatalf("POST /logout: status %d, Location %q; want 303 to /login", out.Status,
			out.Header.Get("Location"))
	}
	if p := b.get("/"); p.Status != http.StatusSeeOther {
		t.Errorf("GET / after sign-out: status %d, want 303", p.Status)
	}
	// Signing out again, as from a second tab of the ended session, lands on the sign-in page.
	again := b.post("/logout", url.Values{"csrf": {formToken(t, home.Body, "csrf")}})
	if again.Status != http.StatusSeeOther || again.Header.Get("Location") != "/login" {
		t.Errorf("POST /logout of an ended session: status %d, Location %q; want 303 to "+
			"/login", again.Status, again.Header.Get("Location"))
	}
}

func TestSignInRejectsBadKeys(t *testing.T) {
	e := newEnv(t)
	_, writeKey := e.project(t, "p1", store.ScopeWrite)
	tests := []struct {
		name   string
		key    string
		status int
		text   string
	}{
		{"write scope", writeKey, http.StatusForbidden, "may only send logs"},
		{"unknown key", "hg_unknown", http.StatusUnauthorized, "Invalid or revoked API key"},
		{"empty key", "", http.StatusBadRequest, "Enter an API key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser(t)
			p := b.tryLogin(tc.key)
			if p.Status != tc.status {
				t.Errorf("POST /login: status %d, want %d", p.Status, tc.status)
			}
			if !strings.Contains(p.Body, tc.text) {
				t.Errorf("POST /login: page lacks %q", tc.text)
			}
			if got := b.get("/"); got.Status != http.StatusSeeOther {
				t.Errorf("GET / after failed sign-in: status %d, want 303", got.Status)
			}
		})
	}
}

func TestSignInRequiresFormToken(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeAll)
	b := e.browser(t)
	p := b.post("/login", url.Values{"key": {key}, "token": {"forged"}})
	if p.Status != http.StatusForbidden {
		t.Errorf("POST /login without the form's token: status %d, want 403", p.Status)
	}

	// A site that can set cookies for this host picks a cookie and repeats it in the form.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/login",
		strings.NewReader(url.Values{"key": {key}, "token": {"chosen"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "hg_login", Value: "chosen"})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /login with a chosen cookie repeated as the token: status %d, want 403",
			resp.StatusCode)
	}
}

// TestSignInRejectsOtherOrigins posts a valid sign-in form, nonce cookie and token fetched
// from the server, as a page of another origin would: another port of the same host, or a
// browser that labels the request same-site.
func TestSignInRejectsOtherOrigins(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeAll)
	for _, h := range []map[string]string{
		{"Origin": "http://127.0.0.1:1"},
		{"Sec-Fetch-Site": "same-site"},
		{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
	} {
		b := e.browser(t)
		login := b.get("/login")
		form := url.Values{"key": {key}, "token": {formToken(t, login.Body, "token")}}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
			e.srv.URL+"/login", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /login with %v: status %d, want 403", h, resp.StatusCode)
		}
	}
}

func TestRevokedKeyEndsSession(t *testing.T) {
	e := newEnv(t)
	pid, _ := e.project(t, "p1", store.ScopeRead)
	key := e.key(t, pid, store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	keys, err := e.st.ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RevokeKey(t.Context(), keys[len(keys)-1].ID); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/"); p.Status != http.StatusSeeOther {
		t.Errorf("GET / after revoking the key: status %d, want 303", p.Status)
	}
}

func TestEveryPageSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	ids := insert(t, e.st, pid, kindLogs()...)
	b := e.browser(t)
	b.signIn(key)
	paths := []string{"/", "/requests?q=kind+%3D+llm", "/requests/" + ids[0], "/sessions",
		"/sessions/s-kinds", "/properties", "/users", "/stats", "/requests/missing",
		"/static/app.css", "/static/app.js", "/login", "/requests?q=kind+%3D"}
	for _, path := range paths {
		p := b.get(path)
		if p.Status >= 500 {
			t.Errorf("GET %s: status %d", path, p.Status)
		}
		checkSecurityHeaders(t, path, p)
		if strings.Contains(p.Body, " style=") || strings.Contains(p.Body, "<script>") ||
			strings.Contains(p.Body, " onclick=") {
			t.Errorf("GET %s: page has inline style or script, which the policy blocks", path)
		}
	}
}

func TestPagesShowEveryKind(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	ids := insert(t, e.st, pid, kindLogs()...)
	b := e.browser(t)
	b.signIn(key)
	want := map[string][]string{
		ids[0]: {`id="data-view"`, "load_rows", "1234567890123456789012345", "42"},
		ids[1]: {`id="tool-view"`, "web_search", "weather"},
		ids[2]: {`id="vector-view"`, "refund policy", "doc-1", "0.91"},
		ids[3]: {`id="llm-view"`, "Say hi", "Hello there", "badge err", "/sessions/s-kinds"},
	}
	for id, texts := range want {
		p := b.get("/requests/" + id)
		if p.Status != http.StatusOK {
			t.Fatalf("GET /requests/%s: status %d", id, p.Status)
		}
		for _, text := range texts {
			if !strings.Contains(p.Body, text) {
				t.Errorf("GET /requests/%s: page lacks %q", id, text)
			}
		}
	}

	list := b.get("/requests?q=" + url.QueryEscape("kind = tool"))
	if !strings.Contains(list.Body, "web_search") || strings.Contains(list.Body, "load_rows") {
		t.Errorf("GET /requests?q=kind = tool: want only the tool log")
	}
	session := b.get("/sessions/s-kinds")
	for _, text := range []string{`id="session-tree"`, "retrieve", `class="wf-bar`, ids[2]} {
		if !strings.Contains(session.Body, text) {
			t.Errorf("GET /sessions/s-kinds: page lacks %q", text)
		}
	}
	for path, text := range map[string]string{"/users": "user-7",
		"/properties": "production", "/stats": "<rect class=\"bar\"",
		"/stats?range=all": "<path class=\"line s0\" d=\"M", "/sessions": "s-kinds"} {
		if p := b.get(path); p.Status != http.StatusOK || !strings.Contains(p.Body, text) {
			t.Errorf("GET %s: status %d, want 200 with %q", path, p.Status, text)
		}
	}
}

func TestFilterErrorShowsPosition(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	p := b.get("/requests?q=" + url.QueryEscape("kind = llm and"))
	if p.Status != http.StatusBadRequest {
		t.Errorf("GET with an invalid filter: status %d, want 400", p.Status)
	}
	if !strings.Contains(p.Body, "position 14") {
		t.Errorf("GET with an invalid filter: page lacks the error position:\n%.3000s", p.Body)
	}
	if !strings.Contains(p.Body, "kind = llm and\n              ^") {
		t.Errorf("GET with an invalid filter: page lacks the caret under position 14")
	}
}

func TestOtherProjectIsHidden(t *testing.T) {
	e := newEnv(t)
	_, keyA := e.project(t, "a", store.ScopeRead)
	pidB, _ := e.project(t, "b", store.ScopeAll)
	idsB := insert(t, e.st, pidB, kindLogs()...)
	b := e.browser(t)
	b.signIn(keyA)
	if p := b.get("/requests/" + idsB[0]); p.Status != http.StatusNotFound {
		t.Errorf("GET another project's log: status %d, want 404", p.Status)
	}
	if p := b.get("/sessions/s-kinds"); p.Status != http.StatusNotFound {
		t.Errorf("GET another project's session: status %d, want 404", p.Status)
	}
	for _, path := range []string{"/", "/sessions", "/users", "/properties"} {
		p := b.get(path)
		for _, leak := range []string{idsB[0], "user-7", "s-kinds", "production"} {
			if strings.Contains(p.Body, leak) {
				t.Errorf("GET %s: page shows %q of another project", path, leak)
			}
		}
	}
}

func TestHostileLogIsEscaped(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	ids := insert(t, e.st, pid, hostileLogs()...)
	b := e.browser(t)
	b.signIn(key)
	paths := []string{"/", "/sessions", "/sessions/s-hostile", "/users", "/properties",
		"/properties?key=note", "/stats"}
	for _, id := range ids {
		paths = append(paths, "/requests/"+id)
	}
	forbidden := []string{"<img", "<svg/onload", "<iframe", "<script>alert", "<b onmouseover",
		`href="javascript:`, "<html><body>", "onerror=alert(1)>"}
	for _, path := range paths {
		p := b.get(path)
		if p.Status != http.StatusOK {
			t.Errorf("GET %s: status %d", path, p.Status)
		}
		for _, f := range forbidden {
			if strings.Contains(p.Body, f) {
				t.Errorf("GET %s: page contains unescaped %q", path, f)
			}
		}
	}
	for path, text := range map[string]string{
		"/":                   "&lt;img src=x onerror=alert(1)&gt;",
		"/sessions/s-hostile": "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;",
		"/users":              "&#34;&gt;&lt;svg/onload=alert(3)&gt;",
		"/requests/" + ids[0]: "[click](javascript:alert(5))",
		"/requests/" + ids[1]: "&lt;b onmouseover=alert(6)&gt;t&lt;/b&gt;",
		"/requests/" + ids[2]: "&lt;!doctype html&gt;&lt;html&gt;",
	} {
		if p := b.get(path); !strings.Contains(p.Body, text) {
			t.Errorf("GET %s: page lacks the escaped text %q", path, text)
		}
	}
}

func TestRequestsPaging(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	n := seedLogs(t, e.st, pid, seed.Config{Count: 120, Seed: 3, End: t0})
	b := e.browser(t)
	b.signIn(key)
	seen := map[string]bool{}
	path := "/requests"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("more than 5 pages of 50 for 120 logs")
		}
		p := b.get(path)
		for _, m := range rowLink.FindAllStringSubmatch(p.Body, -1) {
			if seen[m[1]] {
				t.Errorf("log %s shown on two pages", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := olderLink.FindStringSubmatch(p.Body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != n {
		t.Errorf("paging showed %d logs, want %d", len(seen), n)
	}
}

func TestLiveStreamSendsNewLogs(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	resp := b.openLive("kind = tool")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /live: status %d", resp.StatusCode)
	}

	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, ": open") {
		t.Fatalf("first line of /live: %q, %v", line, err)
	}
	ids := insert(t, e.st, pid, kindLogs()...)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read /live: %v", err)
		}
		if strings.HasPrefix(line, "data: ") {
			if !strings.Contains(line, ids[1]) || strings.Contains(line, ids[0]) {
				t.Errorf("first live event %q; want the tool log %s only", line, ids[1])
			}
			return
		}
	}
}

func TestSignInReturnsOnlyToLocalPaths(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeRead)
	tests := []struct{ next, want string }{
		{"/users?q=kind+%3D+llm", "/users?q=kind+%3D+llm"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{`/\evil.example`, "/"},
		{"/\t/evil.example/x", "/"},
		{"/\n/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"/%09/x", "/%09/x"},
	}
	for _, tc := range tests {
		b := e.browser(t)
		login := b.get("/login?next=" + url.QueryEscape(tc.next))
		p := b.post("/login", url.Values{"token": {formToken(t, login.Body, "token")},
			"key": {key}, "next": {tc.next}})
		if got := p.Header.Get("Location"); p.Status != http.StatusSeeOther || got != tc.want {
			t.Errorf("sign-in with next=%q: status %d, Location %q; want 303 to %q", tc.next,
				p.Status, got, tc.want)
		}
	}
}

func TestLargeSessionTimelineIsCapped(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	const n = 350
	logs := make([]rawLog, n)
	for i := range logs {
		logs[i] = rawLog{headers: map[string]string{"Helicone-Session-Id": "s-big",
			"Helicone-Session-Path": "/run/step"},
			body: customBody(`{"_type":"tool","toolName":"t","input":{}}`, `{}`, 200,
				t0.Add(time.Duration(i)*time.Second), 500*time.Millisecond)}
	}
	insert(t, e.st, pid, logs...)
	b := e.browser(t)
	b.signIn(key)

	capped := b.get("/sessions/s-big")
	if got := strings.Count(capped.Body, `class="wf-bar`); got != 300 {
		t.Errorf("GET /sessions/s-big: %d timeline bars, want 300", got)
	}
	if !strings.Contains(capped.Body, `href="/sessions/s-big?all=1" id="show-all"`) {
		t.Error("GET /sessions/s-big: no show-all link")
	}
	if got := strings.Count(capped.Body, `class="tree-log"`); got != n {
		t.Errorf("GET /sessions/s-big: %d tree logs, want %d", got, n)
	}
	all := b.get("/sessions/s-big?all=1")
	if got := strings.Count(all.Body, `class="wf-bar`); got != n {
		t.Errorf("GET /sessions/s-big?all=1: %d timeline bars, want %d", got, n)
	}
}

func TestLogPageCutsHugeRawBody(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	big := strings.Repeat("é", 700_000) // 1.4 MB of two-byte characters
	ids := insert(t, e.st, pid, rawLog{body: customBody(
		`{"_type":"data","name":"bulk","payload":"`+big+`"}`, `{"status":"ok"}`, 200, t0,
		time.Second)})
	b := e.browser(t)
	b.signIn(key)
	p := b.get("/requests/" + ids[0])
	if p.Status != http.StatusOK {
		t.Fatalf("GET log with a 1.4 MB body: status %d", p.Status)
	}
	if !strings.Contains(p.Body, "Bodies over 1 MiB are cut here") {
		t.Error("GET log with a 1.4 MB body: no note that the raw body was cut")
	}
	if len(p.Body) > 2<<20 {
		t.Errorf("GET log with a 1.4 MB body: page is %d bytes, want the body cut", len(p.Body))
	}
	if !utf8.ValidString(p.Body) {
		t.Error("GET log with a 1.4 MB body: page is not valid UTF-8 after the cut")
	}
}

func TestSessionIDWithSlashOpens(t *testing.T) {
	e := newEnv(t)
	pid, key := e.project(t, "p1", store.ScopeRead)
	const id = "team/α b?x=1#y"
	insert(t, e.st, pid, rawLog{headers: map[string]string{"Helicone-Session-Id": id},
		body: customBody(`{"_type":"data","name":"d"}`, `{}`, 200, t0, time.Second)})
	b := e.browser(t)
	b.signIn(key)
	list := b.get("/sessions")
	link := "/sessions/" + url.PathEscape(id)
	if !strings.Contains(list.Body, `href="`+link+`"`) {
		t.Fatalf("GET /sessions: no link %q", link)
	}
	if p := b.get(link); p.Status != http.StatusOK || !strings.Contains(p.Body, "team/α b?x=1#y") {
		t.Errorf("GET %s: status %d, want 200 with the session id", link, p.Status)
	}
}

func TestSignOutEndsLiveStream(t *testing.T) {
	e := newEnv(t)
	_, key := e.project(t, "p1", store.ScopeRead)
	b := e.browser(t)
	b.signIn(key)
	home := b.get("/")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("GET /live: %v", err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("read /live: %v", err)
	}

	b.post("/logout", url.Values{"csrf": {formToken(t, home.Body, "csrf")}})
	for {
		// The stream must end by itself; the test's own deadline bounds the wait.
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
	}
}
