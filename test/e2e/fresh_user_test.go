package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/server"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// startServerWith runs a server with opts on a fresh data directory and stops it when the
// test ends. Its logs are discarded.
func startServerWith(t *testing.T, opts server.Options) *testServer {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "heliograph.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	const key = "hg_e2e_test_key_for_project_default_000000"
	if _, err := auth.Bootstrap(t.Context(), st, dir, key); err != nil {
		t.Fatalf("auth.Bootstrap: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	srv := server.New(st, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server.Run: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("store.Close: %v", err)
		}
	})
	return &testServer{URL: "http://" + ln.Addr().String(), Key: key, Store: st}
}

// revocableKey creates a key of scope in the default project and returns it with its id.
func (s *testServer) revocableKey(t *testing.T, scope string) (secret, id string) {
	t.Helper()
	keys, err := s.Store.ListKeys(t.Context())
	if err != nil || len(keys) == 0 {
		t.Fatalf("ListKeys: %d keys, %v", len(keys), err)
	}
	secret, err = auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	id = auth.NewID()
	_, err = s.Store.CreateKey(t.Context(), store.Key{ID: id, ProjectID: keys[0].ProjectID,
		Name: scope, Scope: scope, Hash: auth.HashKey(secret), Prefix: auth.DisplayPrefix(secret)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return secret, id
}

// TestStreamEndsAfterKeyRevoked revokes the key of an open /v1/stream in the store, as
// `heliograph keys revoke` in another process does, so the server's key cache is not cleared.
// Once the cache TTL has passed, a log stored afterwards must not reach the stream.
func TestStreamEndsAfterKeyRevoked(t *testing.T) {
	const ttl = 100 * time.Millisecond
	srv := startServerWith(t, server.Options{KeyCacheTTL: ttl})
	readKey, keyID := srv.revocableKey(t, store.ScopeRead)
	st := srv.openStream(t, readKey, url.Values{}, nil)
	defer st.Close()
	<-st.Opened

	if err := srv.Store.RevokeKey(t.Context(), keyID); err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	// Past the TTL the cached key has expired, so the next check reads the revocation.
	time.Sleep(3 * ttl)
	if resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody),
		nil); resp.Status != http.StatusOK {
		t.Fatalf("POST /custom/v1/log: status %d %s", resp.Status, resp.Body)
	}

	var events []sseEvent
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case ev, ok := <-st.Events:
			if !ok {
				done = true
				break
			}
			events = append(events, ev)
		case <-timeout:
			t.Fatalf("stream still open 10 s after its key was revoked; events %+v", events)
		}
	}
	for _, ev := range events {
		if ev.Name == "log" {
			t.Errorf("revoked key's stream received a log: %s", ev.Data)
		}
	}
	if len(events) != 1 || events[0].Name != "error" ||
		!strings.Contains(events[0].Data, "revoked") {
		t.Errorf("stream events %+v, want one error event about the revoked key", events)
	}
}

// TestDashboardLiveEndsAfterKeyRevoked checks the dashboard's cookie-authenticated /live
// stream: after its key is revoked, a log stored afterwards must not reach it.
func TestDashboardLiveEndsAfterKeyRevoked(t *testing.T) {
	srv := startServerWith(t, server.Options{KeyCacheTTL: 100 * time.Millisecond})
	readKey, keyID := srv.revocableKey(t, store.ScopeRead)
	client := signInDashboard(t, srv.URL, readKey)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /live: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /live: status %d", resp.StatusCode)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	if first := <-lines; first != ": open" {
		t.Fatalf("first line of /live = %q, want %q", first, ": open")
	}

	if err := srv.Store.RevokeKey(t.Context(), keyID); err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	if r := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody),
		nil); r.Status != http.StatusOK {
		t.Fatalf("POST /custom/v1/log: status %d %s", r.Status, r.Body)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return
			}
			if strings.HasPrefix(line, "event: log") {
				t.Fatalf("revoked key's dashboard stream received a log")
			}
		case <-timeout:
			t.Fatalf("dashboard stream still open 10 s after its key was revoked")
		}
	}
}

var loginToken = regexp.MustCompile(`name="token" value="([^"]+)"`)

// signInDashboard signs in to the dashboard with key and returns a client with the session
// cookie.
func signInDashboard(t *testing.T, base, key string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Get(base + "/login")
	if err != nil {
		t.Fatalf("GET /login: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := loginToken.FindSubmatch(page)
	if m == nil {
		t.Fatalf("GET /login: no token in the form")
	}
	resp, err = client.PostForm(base+"/login", url.Values{"key": {key},
		"token": {string(m[1])}, "next": {"/"}})
	if err != nil {
		t.Fatalf("POST /login: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login: status %d, want 303", resp.StatusCode)
	}
	return client
}

// batchLog returns a batch item whose body is baseBody with the request JSON padded to at
// least pad bytes.
func batchLog(id string, pad int) string {
	body := baseBody
	if pad > 0 {
		body = strings.Replace(baseBody, `"model":"test-model",`,
			`"model":"test-model","pad":"`+strings.Repeat("x", pad)+`",`, 1)
	}
	return `{"headers":{"Helicone-Request-Id":"` + id + `"},"body":` + body + `}`
}

type batchItemResult struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Status string `json:"status"`
	Code   int    `json:"code"`
	Error  string `json:"error"`
}

type batchResponse struct {
	Results  []batchItemResult `json:"results"`
	Stored   int               `json:"stored"`
	Rejected int               `json:"rejected"`
	Error    string            `json:"error"`
}

func TestBatchItemOverSingleLogLimit(t *testing.T) {
	const limit = 4096
	srv := startServerWith(t, server.Options{MaxBodyBytes: limit})
	big := batchLog(idN(1), limit)
	small := batchLog(idN(2), 0)

	// The same body on the single-log route is a 413.
	bigBody := strings.Replace(baseBody, `"model":"test-model",`,
		`"model":"test-model","pad":"`+strings.Repeat("x", limit)+`",`, 1)
	if r := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(bigBody),
		nil); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST /custom/v1/log with %d bytes: status %d, want 413", len(bigBody), r.Status)
	}

	resp := srv.do(t, http.MethodPost, "/v1/log/batch", srv.Key,
		[]byte(`{"logs":[`+big+`,`+small+`]}`), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("POST /v1/log/batch: status %d %s", resp.Status, resp.Body)
	}
	var ans batchResponse
	resp.json(t, &ans)
	if ans.Stored != 1 || ans.Rejected != 1 || len(ans.Results) != 2 {
		t.Fatalf("batch answer %+v, want 1 stored and 1 rejected", ans)
	}
	first := ans.Results[0]
	if first.Status != "rejected" || first.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("results[0] = %+v, want rejected with code 413", first)
	}
	if !strings.Contains(first.Error, fmt.Sprintf("limit of %d bytes", limit)) {
		t.Errorf("results[0].error = %q, want the single-log limit named", first.Error)
	}
	if ans.Results[1].Status != "stored" {
		t.Errorf("results[1] = %+v, want stored", ans.Results[1])
	}
	if _, status := srv.getRow(t, srv.Key, idN(1)); status != http.StatusNotFound {
		t.Errorf("GET the oversized log: status %d, want 404", status)
	}

	// A batch whose every item is too large is a 413 as a whole.
	resp = srv.do(t, http.MethodPost, "/v1/log/batch", srv.Key, []byte(`{"logs":[`+big+`]}`),
		nil)
	if resp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("batch of one oversized log: status %d, want 413 (%s)", resp.Status, resp.Body)
	}
}

func TestBatchNonObjectItemsRejectedAlone(t *testing.T) {
	srv := startServer(t)
	body := `{"logs":[1,` + batchLog(idN(1), 0) + `,"x",[],{"provider":5,"body":` + baseBody +
		`}]}`
	resp := srv.do(t, http.MethodPost, "/v1/log/batch", srv.Key, []byte(body), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("POST /v1/log/batch: status %d %s", resp.Status, resp.Body)
	}
	var ans batchResponse
	resp.json(t, &ans)
	want := []string{
		"expected an object, found a number",
		"",
		"expected an object, found a string",
		"expected an object, found an array",
		"provider: expected a string, found a number",
	}
	if len(ans.Results) != len(want) || ans.Stored != 1 {
		t.Fatalf("batch answer %+v, want %d results and 1 stored", ans, len(want))
	}
	for i, w := range want {
		got := ans.Results[i]
		if w == "" {
			if got.Status != "stored" {
				t.Errorf("results[%d] = %+v, want stored", i, got)
			}
			continue
		}
		if got.Status != "rejected" || got.Error != w || got.Code != http.StatusBadRequest {
			t.Errorf("results[%d] = %+v, want rejected with code 400 and error %q", i, got, w)
		}
	}
}

// TestJSONErrorsNameNoGoTypes checks that messages about mistyped JSON name the field and
// the JSON types, not the server's Go types.
func TestJSONErrorsNameNoGoTypes(t *testing.T) {
	srv := startServer(t)
	cases := []struct {
		method, path, body, want string
	}{
		{http.MethodPost, "/v1/log/batch", `{"logs":{}}`,
			"invalid batch JSON: logs: expected an array, found an object"},
		{http.MethodPost, "/v1/log/batch", `{"logs":[1]}`,
			"every log in the batch was rejected; logs[0]: expected an object, found a number"},
		{http.MethodPost, "/v1/log/batch", `{"logs":[`,
			"invalid batch JSON at byte 9: unexpected end of JSON input"},
		{http.MethodPost, "/v1/request/query", `{"filter":"all","limit":"10"}`,
			"invalid JSON body: limit: expected an integer, found a string"},
		{http.MethodPost, "/v1/request/query", `{"filter":"all","limit":1.5}`,
			"invalid JSON body: limit: expected an integer, found the number 1.5"},
		{http.MethodPost, "/v1/session/query", `{"search":["a"]}`,
			"invalid JSON body: search: expected a string, found an array"},
	}
	for _, tc := range cases {
		resp := srv.do(t, tc.method, tc.path, srv.Key, []byte(tc.body), nil)
		if resp.Status != http.StatusBadRequest {
			t.Errorf("%s %s %s: status %d, want 400", tc.method, tc.path, tc.body, resp.Status)
		}
		var e struct {
			Error string `json:"error"`
		}
		resp.json(t, &e)
		if e.Error != tc.want {
			t.Errorf("%s %s %s: error %q, want %q", tc.method, tc.path, tc.body, e.Error,
				tc.want)
		}
	}
}

// TestNonASCIIPropertyKeys checks what docs/api.md states: a property key outside HTTP token
// characters cannot be sent as a header, because net/http rejects the request itself with a
// plain-text 400, but it can be sent in providerRequest.meta.
func TestNonASCIIPropertyKeys(t *testing.T) {
	srv := startServer(t)
	body := strings.Replace(baseBody, `"meta":{}`, `"meta":{"Helicone-Property-Ключ":"v"}`, 1)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(body),
		map[string]string{"Helicone-Request-Id": idN(7)})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST with a non-ASCII meta property: status %d %s", resp.Status, resp.Body)
	}
	r, _ := srv.getRow(t, srv.Key, idN(7))
	if got := r.Properties["ключ"]; got != "v" {
		t.Errorf("property ключ = %q, want %q (properties %v)", got, "v", r.Properties)
	}

	for _, header := range []string{"Helicone-Property-ключ: v", "Helicone-User-Id: a\x1bb"} {
		checkPlainText400(t, srv, header)
	}
}

// checkPlainText400 sends a log whose headers include the raw line header and checks that
// net/http rejects it with its own plain-text 400 before any handler runs.
func checkPlainText400(t *testing.T, srv *testServer, header string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	raw := "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + srv.Key +
		"\r\n" + header + "\r\nContent-Length: " + fmt.Sprint(len(baseBody)) + "\r\n\r\n" +
		baseBody
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
	hr, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer hr.Body.Close()
	if hr.StatusCode != http.StatusBadRequest {
		t.Errorf("header %q: status %d, want 400", header, hr.StatusCode)
	}
	if ct := hr.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("header %q: Content-Type %q, want net/http's text/plain", header, ct)
	}
	var probe json.RawMessage
	if b, _ := io.ReadAll(hr.Body); json.Unmarshal(b, &probe) == nil {
		t.Errorf("header %q: body %q is JSON; update docs/api.md", header, b)
	}
}
