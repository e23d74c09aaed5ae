package e2e

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"
)

func TestQueryRouteRejectsCompressedBody(t *testing.T) {
	srv := startServer(t)
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	if _, err := zw.Write([]byte(`{"filter":"all"}`)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	resp := srv.do(t, http.MethodPost, "/v1/request/query", srv.Key, body.Bytes(),
		map[string]string{"Content-Encoding": "gzip"})
	if resp.Status != http.StatusUnsupportedMediaType ||
		!strings.Contains(string(resp.Body), "Content-Encoding") {
		t.Errorf("gzip query body: status %d %s, want 415 naming Content-Encoding", resp.Status,
			resp.Body)
	}
}

// A query body names text exactly or is rejected: invalid UTF-8 and lone surrogate escapes
// would otherwise become U+FFFD and match logs the request never named.
func TestQueryRouteRejectsTextThatIsNoCharacter(t *testing.T) {
	srv := startServer(t)
	filter := func(value string) []byte {
		return []byte(`{"filter":{"request_response_rmt":{"user_id":{"equals":"` + value +
			`"}}}}`)
	}
	for _, c := range []struct {
		name string
		body []byte
		want string
	}{
		{"raw byte 0xFF", filter("u\xff"), "invalid UTF-8 at byte 57"},
		{"lone surrogate", filter(`u\ud800`), "user_id.equals: invalid surrogate escape"},
	} {
		resp := srv.do(t, http.MethodPost, "/v1/request/query", srv.Key, c.body, nil)
		if resp.Status != http.StatusBadRequest || !strings.Contains(string(resp.Body), c.want) {
			t.Errorf("%s: status %d %s, want 400 with %q", c.name, resp.Status, resp.Body,
				c.want)
		}
	}
	resp := srv.do(t, http.MethodPost, "/v1/request/query", srv.Key,
		filter(`\ud83d\ude00`), nil)
	if resp.Status != http.StatusOK {
		t.Errorf("surrogate pair: status %d %s, want 200", resp.Status, resp.Body)
	}
}

// A path that the server serves with other methods answers 405 with the methods it takes; a
// path it does not serve answers 404.
func TestWrongMethodAndUnknownPath(t *testing.T) {
	srv := startServer(t)
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/v1/session/query", http.StatusMethodNotAllowed, "POST"},
		{http.MethodDelete, "/v1/request/query", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodPut, "/healthz", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/stats", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/custom/v1/log", http.StatusMethodNotAllowed, "POST"},
		{http.MethodGet, "/v1/nope", http.StatusNotFound, ""},
		{http.MethodPost, "/nope/deeper", http.StatusNotFound, ""},
	} {
		resp := srv.do(t, c.method, c.path, srv.Key, nil, nil)
		if resp.Status != c.status || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: status %d, Allow %q, body %s; want %d and Allow %q", c.method,
				c.path, resp.Status, resp.Header.Get("Allow"), resp.Body, c.status, c.allow)
		}
	}
}
