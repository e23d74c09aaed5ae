package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/server"
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
func TestQueryRejectsInvalidText(t *testing.T) {
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

// A path that the server serves with other methods returns 405 with the methods it takes,
// and a path it does not serve returns 404.
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

// rawExchange sends head and body on a new connection, closes its writing side and returns the
// answer's status and body.
func rawExchange(t *testing.T, srv *testServer, head, body string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head+"\r\n"+body); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatalf("close write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A body that the connection cuts short is described as such, plain or chunked, on the
// ingest and the query routes alike.
func TestTruncatedBodies(t *testing.T) {
	srv := startServer(t)
	auth := "Authorization: Bearer " + srv.Key + "\r\n"
	for _, c := range []struct {
		name, head, body, want string
	}{
		{"ingest, plain", "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Length: 20\r\n", `{"a":1}`,
			"the body ended after 7 of the 20 bytes that Content-Length announced"},
		{"batch, plain", "POST /v1/log/batch HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Length: 30\r\n", `{"logs":[`,
			"the body ended after 9 of the 30 bytes that Content-Length announced"},
		{"query, plain", "POST /v1/request/query HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Length: 40\r\n", `{"filter":"all"}`,
			"the body ended after 16 of the 40 bytes that Content-Length announced"},
		{"ingest, chunked", "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\n" + auth +
			"Transfer-Encoding: chunked\r\n", "7\r\n{\"a\":1}\r\n",
			"the body ended early: the connection closed before its last chunk"},
		{"ingest, gzip, chunked", "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
			"a\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\r\n",
			"the body ended early: the connection closed before its last chunk"},
		{"ingest, gzip, plain", "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Encoding: gzip\r\nContent-Length: 50\r\n",
			"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",
			"the body ended after 10 of the 50 bytes that Content-Length announced"},
		{"ingest, bad chunk size", "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\n" + auth +
			"Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n", "read body: "},
	} {
		status, body := rawExchange(t, srv, c.head, c.body)
		if status != http.StatusBadRequest || !strings.Contains(body, c.want) ||
			strings.Contains(body, "gzip") {
			t.Errorf("%s: status %d %s, want 400 with %q", c.name, status, body, c.want)
		}
	}
}

// A body that does not arrive within the read timeout gets 408, not a closed connection.
func TestSlowBodyGets408(t *testing.T) {
	srv := startServerWith(t, server.Options{ReadTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /custom/v1/log HTTP/1.1\r\nHost: x\r\n"+
		"Authorization: Bearer "+srv.Key+"\r\nContent-Length: 100\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout ||
		!strings.Contains(string(b), "the body did not arrive in time: 1 bytes came") {
		t.Errorf("slow body: status %d %s, want 408", resp.StatusCode, b)
	}
}
