package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/store"
)

type malformedCase struct {
	name    string
	path    string
	body    string
	headers map[string]string
	key     string // "" uses the server's key; "-" sends none
	status  int
	want    string // substring of the error message
}

func TestMalformedRequests(t *testing.T) {
	srv := startServer(t)
	readKey := srv.newProjectKey(t, "readers", store.ScopeRead)
	invalidUTF8 := strings.Replace(baseBody, `"hi"`, "\"h\xff\xfei\"", 1)
	cases := []malformedCase{
		{name: "empty body", body: "", status: 400, want: "JSON"},
		{name: "truncated JSON", body: `{"providerRequest":`, status: 400, want: "invalid JSON"},
		{name: "trailing garbage", body: baseBody + " x", status: 400, want: "invalid JSON"},
		{name: "top level array", body: `[]`, status: 400, want: "object"},
		{name: "top level string", body: `"log"`, status: 400, want: "object"},
		{name: "missing providerRequest", body: `{"providerResponse":{"json":{},"status":200}}`,
			status: 400, want: "providerRequest"},
		{name: "missing providerResponse",
			body: `{"providerRequest":{"url":"u","json":{},"meta":{}}}`, status: 400,
			want: "providerResponse"},
		{name: "providerRequest not object", body: `{"providerRequest":"x","providerResponse":{}}`,
			status: 400, want: "providerRequest"},
		{name: "request json is a string", body: withRequestJSON(`"hello"`), status: 400,
			want: "providerRequest.json"},
		{name: "status is a string",
			body: withResponse(`{"json":{},"status":"200","headers":{}}`), status: 400,
			want: "providerResponse.status"},
		{name: "status is fractional",
			body: withResponse(`{"json":{},"status":200.5,"headers":{}}`), status: 400,
			want: "providerResponse.status"},
		{name: "textBody is a number",
			body: withResponse(`{"json":{},"textBody":5,"status":200,"headers":{}}`), status: 400,
			want: "providerResponse.textBody"},
		{name: "startTime is a boolean",
			body:   withTiming(`{"startTime":true,"endTime":{"seconds":1,"milliseconds":0}}`),
			status: 400, want: "timing.startTime"},
		{name: "start after end",
			body: withTiming(`{"startTime":{"seconds":1735689601,"milliseconds":0},` +
				`"endTime":{"seconds":1735689600,"milliseconds":0}}`),
			status: 400, want: "timing.endTime"},
		{name: "milliseconds above 999",
			body: withTiming(`{"startTime":{"seconds":1735689600,"milliseconds":1000},` +
				`"endTime":{"seconds":1735689601,"milliseconds":0}}`),
			status: 400, want: "milliseconds"},
		{name: "negative milliseconds",
			body: withTiming(`{"startTime":{"seconds":1735689600,"milliseconds":-1},` +
				`"endTime":{"seconds":1735689601,"milliseconds":0}}`),
			status: 400, want: "milliseconds"},
		{name: "seconds not a number",
			body: withTiming(`{"startTime":{"seconds":"soon","milliseconds":0},` +
				`"endTime":{"seconds":1735689601,"milliseconds":0}}`),
			status: 400, want: "timing.startTime"},
		{name: "time to first token is text",
			body: withTiming(`{"startTime":{"seconds":1735689600,"milliseconds":0},` +
				`"endTime":{"seconds":1735689601,"milliseconds":0},"timeToFirstToken":"fast"}`),
			status: 400, want: "timeToFirstToken"},
		{name: "invalid UTF-8", body: invalidUTF8, status: 400, want: "UTF-8"},
		{name: "nesting too deep", body: withRequestJSON(nested(100_000)), status: 400,
			want: "nesting too deep"},
		{name: "NaN literal",
			body:   withResponse(`{"json":{"score":NaN,"x":Infinity},"status":200,"headers":{}}`),
			status: 400, want: "invalid JSON"},
		{name: "Infinity literal", body: withRequestJSON(`{"x":-Infinity}`), status: 400,
			want: "invalid JSON"},
		{name: "meta header not a string",
			body:   strings.Replace(baseBody, `"meta":{}`, `"meta":{"Helicone-User-Id":5}`, 1),
			status: 400, want: "providerRequest.meta"},
		{name: "gzip header on plain body", body: baseBody,
			headers: map[string]string{"Content-Encoding": "gzip"}, status: 400, want: "gzip"},
		{name: "gzip body with corrupt deflate data",
			body:    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff",
			headers: map[string]string{"Content-Encoding": "gzip"}, status: 400,
			want: "invalid gzip body: flate: corrupt input"},
		{name: "unsupported encoding", body: baseBody,
			headers: map[string]string{"Content-Encoding": "br"}, status: 415, want: "br"},
		{name: "missing key", body: baseBody, key: "-", status: 401, want: "API key"},
		{name: "unknown key", body: baseBody, key: "hg_not_a_key", status: 401, want: "API key"},
		{name: "read-only key", body: baseBody, key: readKey, status: 403, want: "scope"},
		{name: "batch without logs", path: "/v1/log/batch", body: `{"logs":[]}`, status: 400,
			want: "logs"},
		{name: "batch logs not an array", path: "/v1/log/batch", body: `{"logs":{}}`,
			status: 400, want: "invalid batch JSON"},
		{name: "batch item with bad provider", path: "/v1/log/batch",
			body: `{"logs":[{"provider":"ACME","body":` + baseBody + `}]}`, status: 400,
			want: "provider"},
		{name: "lone high surrogate", status: 400,
			body: strings.Replace(baseBody, `"hi"`, `"h\ud800"`, 1),
			want: `providerRequest.json.messages[0].content: invalid surrogate escape \ud800`},
		{name: "high surrogate without low",
			body: strings.Replace(baseBody, `"hello"`, `"\ud83d\u0041"`, 1), status: 400,
			want: `invalid surrogate escape \ud83d`},
		{name: "lone low surrogate in meta",
			body: strings.Replace(baseBody, `"meta":{}`, `"meta":{"Helicone-User-Id":"\udc00"}`,
				1),
			status: 400, want: `providerRequest.meta.Helicone-User-Id: invalid surrogate escape`},
		{name: "batch header with lone surrogate", path: "/v1/log/batch", status: 400,
			body: `{"logs":[{"headers":{"Helicone-User-Id":"\ud800"},"body":` + baseBody +
				`}]}`,
			want: `headers.Helicone-User-Id: invalid surrogate escape \ud800`},
		{name: "batch logs not an array names no Go type", path: "/v1/log/batch",
			body: `{"logs":{}}`, status: 400,
			want: "invalid batch JSON: logs: expected an array, found an object"},
		{name: "batch item not an object", path: "/v1/log/batch", body: `{"logs":[1]}`,
			status: 400, want: "logs[0]: expected an object, found a number"},
		{name: "batch item with a path that is no ingest route", path: "/v1/log/batch",
			body: `{"logs":[{"path":"/evil","body":` + baseBody + `}]}`, status: 400,
			want: `logs[0]: path: "/evil" is not an ingest route`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/custom/v1/log"
			}
			key := tc.key
			switch key {
			case "":
				key = srv.Key
			case "-":
				key = ""
			}
			resp := srv.do(t, http.MethodPost, path, key, []byte(tc.body), tc.headers)
			if resp.Status != tc.status {
				t.Errorf("status = %d, want %d (body %s)", resp.Status, tc.status, resp.Body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			var e struct{ Error string }
			if err := json.Unmarshal(resp.Body, &e); err != nil || e.Error == "" {
				t.Fatalf("body %q is not a JSON error: %v", resp.Body, err)
			}
			if !strings.Contains(e.Error, tc.want) {
				t.Errorf("error %q does not mention %q", e.Error, tc.want)
			}
		})
	}

	// The server keeps serving after every bad request.
	if resp := srv.do(t, http.MethodGet, "/healthz", "", nil, nil); resp.Status != 200 {
		t.Errorf("GET /healthz after bad input: status %d", resp.Status)
	}
	if resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(baseBody),
		nil); resp.Status != 200 {
		t.Errorf("valid log after bad input: status %d %s", resp.Status, resp.Body)
	}
	rows, _ := srv.queryRows(t, srv.Key, `{"filter":"all","limit":100}`)
	if len(rows) != 1 {
		t.Errorf("stored %d logs, want only the one valid log", len(rows))
	}
}

func TestGzipBody(t *testing.T) {
	srv := startServer(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(baseBody))
	zw.Close()
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, buf.Bytes(),
		map[string]string{"Content-Encoding": "gzip"})
	if resp.Status != http.StatusOK {
		t.Fatalf("gzip POST: status %d %s", resp.Status, resp.Body)
	}
	var ack struct{ ID string }
	resp.json(t, &ack)
	r, _ := srv.getRow(t, srv.Key, ack.ID)
	if r.Model != "test-model" || r.DelayMs != 1250 {
		t.Errorf("stored model %q, latency %d, want test-model, 1250", r.Model, r.DelayMs)
	}
}
