package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// apiLog is one log of the query API fixture. Every log starts at baseSeconds plus offsetSec.
type apiLog struct {
	n         int
	offsetSec int64
	latencyMs int64
	request   string // providerRequest.json
	response  string // providerResponse.json
	status    int
	ttft      string // timing.timeToFirstToken: a number or null
	cost      string // providerResponse.cost, left out when empty
	meta      map[string]string
}

// llmRequest returns a chat request body for model with one user message.
func llmRequest(model, text string) string {
	return fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":%q}]}`, model, text)
}

// llmResponse returns a chat response body with the model and the token usage.
func llmResponse(model string, prompt, completion int) string {
	return fmt.Sprintf(`{"model":%q,"choices":[{"message":{"role":"assistant",`+
		`"content":"ok"}}],"usage":{"prompt_tokens":%d,"completion_tokens":%d,`+
		`"total_tokens":%d}}`, model, prompt, completion, prompt+completion)
}

// apiLogs is the fixture of the query API tests. The tests compute every expected answer by
// hand from this table, so a change here changes them too.
//
//	n  start      latency  model           kind  status  ttft  tokens p/c/t  cost
//	1  +0s        100      gpt-4o          llm   200     20    10/5/15       0.01
//	2  +60s       300      gpt-4o-mini     llm   500     -     20/10/30      0.02
//	3  +120s      1000     claude-3-haiku  llm   200     100   100/50/150    0.05
//	4  +3600s     50       data:db_query   data  -1      -     0/0/0         -
//	5  +86400s    2000     GPT-4-Turbo     llm   429     500   5/5/10        0
//	6  +86460s    250      tool:search     tool  200     -     0/0/0         0.004
//
// Properties, users and sessions:
//
//	n  env      team   uni.workflow.id  user  session  name   path
//	1  prod     alpha  -                u-1   S1       agent  /plan
//	2  dev      -      -                u-2   S1       agent  /plan/search
//	3  prod     ""     -                u-1   S2       chat   -
//	4  -        -      -                -     -        -      -
//	5  staging  -      wf-1             u-3   -        -      -
//	6  prod     -      -                ""    S3       -      /tools
var apiLogs = []apiLog{
	{n: 1, offsetSec: 0, latencyMs: 100, status: 200, ttft: "20", cost: "0.01",
		request:  llmRequest("gpt-4o", "find the weather in Oslo"),
		response: llmResponse("gpt-4o", 10, 5),
		meta: map[string]string{"Helicone-Property-Env": "prod",
			"Helicone-Property-Team": "alpha", "Helicone-User-Id": "u-1",
			"Helicone-Session-Id": "S1", "Helicone-Session-Name": "agent",
			"Helicone-Session-Path": "/plan"}},
	{n: 2, offsetSec: 60, latencyMs: 300, status: 500, ttft: "null", cost: "0.02",
		request:  llmRequest("gpt-4o-mini", "call failed with timeout"),
		response: llmResponse("gpt-4o-mini", 20, 10),
		meta: map[string]string{"Helicone-Property-Env": "dev", "Helicone-User-Id": "u-2",
			"Helicone-Session-Id": "S1", "Helicone-Session-Name": "agent",
			"Helicone-Session-Path": "/plan/search"}},
	{n: 3, offsetSec: 120, latencyMs: 1000, status: 200, ttft: "100", cost: "0.05",
		request:  llmRequest("claude-3-haiku", "Hello there"),
		response: llmResponse("claude-3-haiku", 100, 50),
		meta: map[string]string{"Helicone-Property-Env": "prod", "Helicone-Property-Team": "",
			"Helicone-User-Id": "u-1", "Helicone-Session-Id": "S2",
			"Helicone-Session-Name": "chat"}},
	{n: 4, offsetSec: 3600, latencyMs: 50, status: -1, ttft: "null",
		request:  `{"_type":"data","name":"db_query","query":"SELECT 1"}`,
		response: `{"rows":1}`},
	{n: 5, offsetSec: 86400, latencyMs: 2000, status: 429, ttft: "500", cost: "0",
		request:  llmRequest("GPT-4-Turbo", "summarise the report"),
		response: llmResponse("GPT-4-Turbo", 5, 5),
		meta: map[string]string{"Helicone-Property-Env": "staging",
			"Helicone-Property-Uni.workflow.id": "wf-1", "Helicone-User-Id": "u-3"}},
	{n: 6, offsetSec: 86460, latencyMs: 250, status: 200, ttft: "null", cost: "0.004",
		request:  `{"_type":"tool","toolName":"search","input":{"q":"weather"}}`,
		response: `{"hits":3}`,
		meta: map[string]string{"Helicone-Property-Env": "prod", "Helicone-User-Id": "",
			"Helicone-Session-Id": "S3", "Helicone-Session-Path": "/tools"}},
}

// body returns the custom-log body of l. The Helicone headers travel in providerRequest.meta,
// which keeps empty values that an HTTP client may drop.
func (l apiLog) body() string {
	meta, _ := json.Marshal(l.meta)
	if l.meta == nil {
		meta = []byte("{}")
	}
	start := baseSeconds + l.offsetSec
	endMs := start*1000 + l.latencyMs
	cost := ""
	if l.cost != "" {
		cost = `,"cost":` + l.cost
	}
	return fmt.Sprintf(`{"providerRequest":{"url":"custom-model-nopath","json":%s,"meta":%s},`+
		`"providerResponse":{"json":%s,"status":%d,"headers":{}%s},`+
		`"timing":{"startTime":{"seconds":%d,"milliseconds":0},`+
		`"endTime":{"seconds":%d,"milliseconds":%d},"timeToFirstToken":%s}}`,
		l.request, meta, l.response, l.status, cost, start, endMs/1000, endMs%1000, l.ttft)
}

// seedAPILogs stores the fixture with key through POST /custom/v1/log. Log n gets the
// request id idN(idBase+n), so two projects can hold the fixture under different ids.
func (s *testServer) seedAPILogs(t *testing.T, key string, idBase int) {
	t.Helper()
	for _, l := range apiLogs {
		hdr := map[string]string{"Helicone-Request-Id": idN(idBase + l.n)}
		resp := s.do(t, http.MethodPost, "/custom/v1/log", key, []byte(l.body()), hdr)
		if resp.Status != http.StatusOK {
			t.Fatalf("POST fixture log %d: %d %s", l.n, resp.Status, resp.Body)
		}
	}
}

// ids returns the request ids of fixture logs ns under idBase, sorted.
func fixtureIDs(idBase int, ns ...int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = idN(idBase + n)
	}
	slices.Sort(out)
	return out
}

// rowIDs returns the request ids of rows in their order.
func rowIDs(rows []row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.RequestID
	}
	return out
}

// sortedRowIDs returns the request ids of rows, sorted.
func sortedRowIDs(rows []row) []string {
	out := rowIDs(rows)
	slices.Sort(out)
	return out
}

// apiEnvelope is the {"data", "error"} answer of the query API with data left encoded.
type apiEnvelope struct {
	Data  json.RawMessage `json:"data"`
	Error *string         `json:"error"`
}

// api sends one query API request and decodes the envelope. It checks the headers every API
// answer carries, success or error.
func (s *testServer) api(t *testing.T, method, path, key, body string) (apiEnvelope,
	response) {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp := s.do(t, method, path, key, b, nil)
	checkAPIHeaders(t, method+" "+path, resp)
	var env apiEnvelope
	resp.json(t, &env)
	return env, resp
}

// apiData sends one request, expects wantStatus and decodes the data into v.
func (s *testServer) apiData(t *testing.T, method, path, key, body string, wantStatus int,
	v any) {
	t.Helper()
	env, resp := s.api(t, method, path, key, body)
	if resp.Status != wantStatus {
		t.Fatalf("%s %s %s: status %d %s, want %d", method, path, body, resp.Status,
			resp.Body, wantStatus)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		t.Fatalf("%s %s: decode data %s: %v", method, path, env.Data, err)
	}
}

// apiError sends one request and expects wantStatus with an error that contains every part
// of wantParts.
func (s *testServer) apiError(t *testing.T, method, path, key, body string, wantStatus int,
	wantParts ...string) {
	t.Helper()
	env, resp := s.api(t, method, path, key, body)
	if resp.Status != wantStatus {
		t.Errorf("%s %s %s: status %d %s, want %d", method, path, body, resp.Status,
			resp.Body, wantStatus)
		return
	}
	if env.Error == nil {
		t.Errorf("%s %s %s: no error in %s", method, path, body, resp.Body)
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(resp.Body), &fields); err != nil || fields["data"] == nil {
		t.Errorf("%s %s %s: body %s lacks the \"data\" member of the envelope", method, path,
			body, resp.Body)
	}
	for _, part := range wantParts {
		if !strings.Contains(*env.Error, part) {
			t.Errorf("%s %s %s: error %q does not name %q", method, path, body, *env.Error,
				part)
		}
	}
}

// checkAPIHeaders checks the headers of a JSON answer.
func checkAPIHeaders(t *testing.T, what string, resp response) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want application/json (status %d)", what, ct,
			resp.Status)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff (status %d)", what, got,
			resp.Status)
	}
}

// within reports whether got is within 5% of want, the error bound of the store's percentile
// estimates.
func withinEstimate(got, want float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return d <= 0.05*want
}

// near reports whether two sums of money are equal up to floating-point rounding.
func nearlyEqual(got, want float64) bool {
	d := got - want
	return d < 1e-9 && d > -1e-9
}
