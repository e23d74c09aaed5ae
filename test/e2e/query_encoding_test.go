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
