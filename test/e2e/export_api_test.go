package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/api"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// exportResult is a complete GET /v1/export response.
type exportResult struct {
	Status  int
	Lines   []map[string]json.RawMessage
	Trailer string
	Body    []byte
}

func (s *testServer) export(t *testing.T, key, filter string) exportResult {
	t.Helper()
	v := url.Values{"q": {filter}, "format": {"jsonl"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
		s.URL+"/v1/export?"+v.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)

	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/export: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read GET /v1/export: %v", err)
	}
	res := exportResult{Status: resp.StatusCode, Body: body,
		Trailer: resp.Trailer.Get(api.ExportCountTrailer)}
	if resp.StatusCode != http.StatusOK {
		return res
	}

	for line := range bytes.Lines(body) {
		var l map[string]json.RawMessage
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("export line %q is not JSON: %v", line, err)
		}
		res.Lines = append(res.Lines, l)
	}
	return res
}

func lineString(t *testing.T, l map[string]json.RawMessage, member string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(l[member], &s); err != nil {
		t.Fatalf("export member %s = %s is not a string: %v", member, l[member], err)
	}
	return s
}

func lineIDs(t *testing.T, lines []map[string]json.RawMessage) []string {
	t.Helper()
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = lineString(t, l, "request_id")
	}
	return ids
}

func TestExportAPIIsolationAndFilter(t *testing.T) {
	srv := startServer(t)
	srv.seedAPILogs(t, srv.Key, 100)
	keyB := srv.newProjectKey(t, "project-b", store.ScopeRead)

	all := srv.export(t, srv.Key, "")
	if all.Status != http.StatusOK {
		t.Fatalf("export status %d %s, want 200", all.Status, all.Body)
	}
	ids := lineIDs(t, all.Lines)
	slices.Sort(ids)
	if want := fixtureIDs(100, 1, 2, 3, 4, 5, 6); !slices.Equal(ids, want) {
		t.Errorf("export ids = %v, want %v", ids, want)
	}
	if all.Trailer != strconv.Itoa(len(apiLogs)) {
		t.Errorf("export trailer %s = %q, want %d", api.ExportCountTrailer, all.Trailer,
			len(apiLogs))
	}

	other := srv.export(t, keyB, "")
	if other.Status != http.StatusOK || len(other.Lines) != 0 || other.Trailer != "0" {
		t.Errorf("export with another project's key: status %d, %d lines, trailer %q; "+
			"want 200, no lines, trailer 0", other.Status, len(other.Lines), other.Trailer)
	}

	prod := srv.export(t, srv.Key, `property.env = "prod"`)
	ids = lineIDs(t, prod.Lines)
	slices.Sort(ids)
	if want := fixtureIDs(100, 1, 3, 6); !slices.Equal(ids, want) {
		t.Errorf("export with filter ids = %v, want %v", ids, want)
	}
	for _, l := range prod.Lines {
		var props map[string]string
		if err := json.Unmarshal(l["properties"], &props); err != nil || props["env"] != "prod" {
			t.Errorf("filtered export line properties = %s, want env prod", l["properties"])
		}
	}
}

func TestExportAPIErrors(t *testing.T) {
	srv := startServer(t)
	writeKey := srv.newProjectKey(t, "writer", store.ScopeWrite)
	cases := []struct {
		name, path, key string
		want            int
	}{
		{"no key", "/v1/export", "", http.StatusUnauthorized},
		{"write-only key", "/v1/export", writeKey, http.StatusForbidden},
		{"bad filter", "/v1/export?q=" + url.QueryEscape("model = "), srv.Key,
			http.StatusBadRequest},
		{"unknown field", "/v1/export?q=" + url.QueryEscape(`nope = "x"`), srv.Key,
			http.StatusBadRequest},
		{"csv format", "/v1/export?format=csv", srv.Key, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := srv.do(t, http.MethodGet, tc.path, tc.key, nil, nil)
			if resp.Status != tc.want {
				t.Errorf("GET %s: status %d %s, want %d", tc.path, resp.Status, resp.Body,
					tc.want)
			}
		})
	}
}

func TestExportAPIOddBodies(t *testing.T) {
	srv := startServer(t)
	request := `{"model":"m","n":123456789012345678901234567890,"f":1.0e400,` +
		`"s":"caf\u00e9 \u0001 \"q\" 日本 \ud83d\ude00 <>&","raw":"é\t"}`
	text := "line 1\nline 2\r\n\u0001\u001f \u2028\u2029 ünïcode 😀 <b>&amp;</b> \\ \" end"
	textJSON, _ := json.Marshal(text)
	body := `{"providerRequest":{"url":"custom-model-nopath","json":` + request +
		`,"meta":{}},"providerResponse":{"textBody":` + string(textJSON) +
		`,"status":200,"headers":{}},"timing":{"startTime":{"seconds":1767225600,` +
		`"milliseconds":0},"endTime":{"seconds":1767225601,"milliseconds":5}}}`
	id := idN(77)
	resp := srv.do(t, http.MethodPost, "/custom/v1/log", srv.Key, []byte(body),
		map[string]string{"Helicone-Request-Id": id,
			"Helicone-Property-Note": "comma, \"quote\" and ünïcode"})
	if resp.Status != http.StatusOK {
		t.Fatalf("POST log: %d %s", resp.Status, resp.Body)
	}

	stored, err := srv.Store.GetLog(t.Context(), srv.projectID(t), id)
	if err != nil {
		t.Fatalf("GetLog: %v", err)
	}
	res := srv.export(t, srv.Key, "")
	if len(res.Lines) != 1 {
		t.Fatalf("export holds %d lines, want 1: %s", len(res.Lines), res.Body)
	}
	l := res.Lines[0]
	if got := lineString(t, l, "request_body"); got != string(stored.RequestBody) {
		t.Errorf("export request_body = %q, want the stored %q", got, stored.RequestBody)
	}
	if got := lineString(t, l, "response_raw"); got != string(stored.ResponseRaw) {
		t.Errorf("export response_raw = %q, want the stored %q", got, stored.ResponseRaw)
	}
	if got := lineString(t, l, "response_raw"); got != text {
		t.Errorf("export response_raw = %q, want the text sent %q", got, text)
	}
	if !bytes.Contains(res.Body, []byte(`\u2028\u2029`)) {
		t.Errorf("export line does not escape U+2028 and U+2029: %s", res.Body)
	}
	var props map[string]string
	if err := json.Unmarshal(l["properties"], &props); err != nil ||
		props["note"] != "comma, \"quote\" and ünïcode" {
		t.Errorf("export properties = %s, want the note", l["properties"])
	}
}

// projectID returns the id of the project of the server's bootstrap key.
func (s *testServer) projectID(t *testing.T) string {
	t.Helper()
	p, err := s.Store.ProjectByName(t.Context(), "default")
	if err != nil {
		t.Fatalf("ProjectByName(default): %v", err)
	}
	return p.ID
}

// TestExportAPIDisconnect stops reading after the first line of an export much larger than
// the socket buffers and checks that the server's goroutines for it end.
func TestExportAPIDisconnect(t *testing.T) {
	srv := startServer(t)
	projectID := srv.projectID(t)
	big := []byte(`{"text":"` + strings.Repeat("x", 20_000) + `"}`)
	const n = 3000
	for start := 0; start < n; start += 500 {
		recs := make([]*record.Record, 0, 500)
		for i := start; i < start+500; i++ {
			created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) *
				time.Second)
			recs = append(recs, &record.Record{ProjectID: projectID, RequestID: idN(i),
				CreatedAt: created, EndedAt: created, Status: 200, Kind: record.KindLLM,
				Model: "m", Provider: record.ProviderCustom, Path: "/custom/v1/log",
				RequestBody: big, ResponseBody: []byte(`{}`), ResponseRaw: big})
		}
		if _, err := srv.Store.InsertLogs(t.Context(), recs); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}

	transport := &http.Transport{DisableKeepAlives: true}
	client := &http.Client{Transport: transport}
	runtime.GC()
	before := runtime.NumGoroutine()

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
		srv.URL+"/v1/export?format=jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/export: %v", err)
	}
	first, err := bufio.NewReader(resp.Body).ReadBytes('\n')
	if err != nil || !bytes.HasPrefix(first, []byte(`{"request_id":`)) {
		t.Fatalf("first export line %.80q, error %v", first, err)
	}
	resp.Body.Close()
	transport.CloseIdleConnections()

	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines 10 s after the client left, %d before the export:\n%s",
			after, before, buf[:runtime.Stack(buf, true)])
	}

	// The server still serves a complete export afterwards.
	res := srv.export(t, srv.Key, "")
	if len(res.Lines) != n || res.Trailer != fmt.Sprint(n) {
		t.Errorf("export after a disconnect: %d lines, trailer %q; want %d", len(res.Lines),
			res.Trailer, n)
	}
}
