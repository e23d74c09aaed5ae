package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/examples/agent"
	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/server"
	"github.com/heliograph/heliograph/internal/store/sqlite"
	"github.com/heliograph/heliograph/sdk"
)

// sdkServerKey is the project key of the servers started by startServerOn; it is the key
// startServer uses too.
const sdkServerKey = "hg_e2e_test_key_for_project_default_000000"

// startServerOn runs a server on ln over a fresh SQLite file and stops it when the test or
// benchmark ends. Unlike startServer it takes the listener, so that a test can choose the
// address, and it accepts a benchmark.
func startServerOn(tb testing.TB, ln net.Listener) *testServer {
	tb.Helper()
	dir := tb.TempDir()
	st, err := sqlite.Open(tb.Context(), filepath.Join(dir, "heliograph.db"), sqlite.Options{})
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	if _, err := auth.Bootstrap(tb.Context(), st, dir, sdkServerKey); err != nil {
		tb.Fatalf("auth.Bootstrap: %v", err)
	}
	srv := server.New(st, server.Options{Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("server.Run: %v", err)
		}
		if err := st.Close(); err != nil {
			tb.Errorf("store.Close: %v", err)
		}
	})
	return &testServer{URL: "http://" + ln.Addr().String(), Key: sdkServerKey, Store: st}
}

// newSDKLogger creates a logger that sends to url with the server's key and reports every
// delivery failure to the test log.
func newSDKLogger(tb testing.TB, url string, opts ...sdk.Option) *sdk.Logger {
	tb.Helper()
	opts = append([]sdk.Option{
		sdk.WithEndpoint(url),
		sdk.WithFlushInterval(20 * time.Millisecond),
		sdk.WithErrorHandler(func(err error) { tb.Logf("sdk error handler: %v", err) }),
	}, opts...)
	l, err := sdk.New(sdkServerKey, opts...)
	if err != nil {
		tb.Fatalf("sdk.New: %v", err)
	}
	return l
}

// closeSDKLogger closes l, expects every log delivered and checks that no goroutine of the
// SDK is left.
func closeSDKLogger(tb testing.TB, l *sdk.Logger) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		tb.Fatalf("Logger.Close: %v (stats %+v)", err, l.Stats())
	}
	checkNoSDKGoroutines(tb)
}

// sdkPackageFrame is how a stack frame of the SDK package starts in a goroutine dump.
const sdkPackageFrame = "github.com/heliograph/heliograph/sdk."

// checkNoSDKGoroutines fails when a goroutine has a frame of the SDK package. A goroutine
// that has closed its done channel may still be returning when Close returns, so the check
// waits up to one second for such goroutines to end.
func checkNoSDKGoroutines(tb testing.TB) {
	tb.Helper()
	var left []string
	for range 50 {
		left = sdkGoroutines()
		if len(left) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Errorf("%d goroutines of the SDK left after Close:\n%s", len(left),
		strings.Join(left, "\n\n"))
}

// sdkGoroutines returns the stacks of the goroutines that run SDK code or were started by
// it, except the caller's own.
func sdkGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := strings.Split(string(buf), "\n\n")
	var found []string
	for _, g := range stacks[1:] {
		if strings.Contains(g, sdkPackageFrame) {
			found = append(found, g)
		}
	}
	return found
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// sessionRows returns the rows of one session, keyed by session path. It fails the test
// when two rows share a path.
func (s *testServer) sessionRows(t *testing.T, session string) map[string]row {
	t.Helper()
	rows, status := s.queryRows(t, s.Key, fmt.Sprintf(`{"filter":{"request_response_rmt":`+
		`{"properties":{"Helicone-Session-Id":{"equals":%q}}}},"limit":1000}`, session))
	if status != http.StatusOK {
		t.Fatalf("query session %s: status %d", session, status)
	}
	byPath := make(map[string]row, len(rows))
	for _, r := range rows {
		if _, dup := byPath[r.SessionPath]; dup {
			t.Errorf("session %s has two rows at path %s", session, r.SessionPath)
		}
		byPath[r.SessionPath] = r
	}
	return byPath
}

// countRowsWithID returns how many stored rows have the request id.
func (s *testServer) countRowsWithID(t *testing.T, id string) int {
	t.Helper()
	rows, status := s.queryRows(t, s.Key, fmt.Sprintf(
		`{"filter":{"request_response_rmt":{"request_id":{"equals":%q}}},"limit":10}`, id))
	if status != http.StatusOK {
		t.Fatalf("query request id %s: status %d", id, status)
	}
	return len(rows)
}

// countAllRows pages through every stored row and returns how many there are.
func (s *testServer) countAllRows(t *testing.T) int {
	t.Helper()
	const page = 1000
	total := 0
	for {
		rows, status := s.queryRows(t, s.Key,
			fmt.Sprintf(`{"filter":"all","limit":%d,"offset":%d}`, page, total))
		if status != http.StatusOK {
			t.Fatalf("query all rows at offset %d: status %d", total, status)
		}
		total += len(rows)
		if len(rows) < page {
			return total
		}
	}
}

// timeWindow is the wall-clock interval of a test's logging calls.
type timeWindow struct{ start, end time.Time }

// checkTiming checks that a row's times lie in w, that delay_ms is the difference of its
// end and start and at least minDelay.
func checkTiming(t *testing.T, r row, w timeWindow, minDelay time.Duration) {
	t.Helper()
	start, err := time.Parse(time.RFC3339, r.RequestCreatedAt)
	if err != nil {
		t.Fatalf("request_created_at %q: %v", r.RequestCreatedAt, err)
	}
	end, err := time.Parse(time.RFC3339, r.ResponseCreatedAt)
	if err != nil {
		t.Fatalf("response_created_at %q: %v", r.ResponseCreatedAt, err)
	}
	// The stored times have millisecond precision.
	if lo := w.start.Truncate(time.Millisecond); start.Before(lo) || start.After(w.end) {
		t.Errorf("request_created_at = %s, want within [%s, %s]", start, lo, w.end)
	}
	if end.Before(start) || end.After(w.end) {
		t.Errorf("response_created_at = %s, want within [%s, %s]", end, start, w.end)
	}
	if got := end.Sub(start).Milliseconds(); got != r.DelayMs {
		t.Errorf("response - request time = %d ms, delay_ms = %d", got, r.DelayMs)
	}
	if r.DelayMs < minDelay.Milliseconds() {
		t.Errorf("delay_ms = %d, want at least %d", r.DelayMs, minDelay.Milliseconds())
	}
}

// jsonObject decodes a body that must be a JSON object.
func jsonObject(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("body %.300s is not a JSON object: %v", raw, err)
	}
	return m
}

// agentStepCase is the expected row of one step of the example agent.
type agentStepCase struct {
	path  string
	kind  string
	model string
	// latencies is how many times the agent's latency the step waits at least.
	latencies int
	check     func(t *testing.T, r row, report agent.Report)
}

var agentStepCases = []agentStepCase{
	{path: "/agent", kind: "data", model: "data:agent", latencies: 5,
		check: func(t *testing.T, r row, report agent.Report) {
			resp := jsonObject(t, r.ResponseBody)
			if resp["answer"] != report.Answer.Text || resp["sentiment"] != "negative" {
				t.Errorf("response = %s, want the answer and sentiment returned", r.ResponseBody)
			}
		}},
	{path: "/agent/orders_query", kind: "data", model: "data:orders_query", latencies: 1,
		check: func(t *testing.T, r row, report agent.Report) {
			req := jsonObject(t, r.RequestBody)
			if q, _ := req["query"].(string); !strings.HasPrefix(q, "SELECT") {
				t.Errorf("request query = %v, want the SQL text", req["query"])
			}
			resp := jsonObject(t, r.ResponseBody)
			if resp["row_count"] != float64(3) || resp["total_eur"] != 77.49 ||
				resp["latest_status"] != "shipped" {
				t.Errorf("response = %s, want 3 rows, 77.49 EUR, shipped", r.ResponseBody)
			}
		}},
	{path: "/agent/weather_api", kind: "data", model: "data:weather_api", latencies: 1,
		check: func(t *testing.T, r row, report agent.Report) {
			req := jsonObject(t, r.RequestBody)
			if u, _ := req["url"].(string); !strings.HasSuffix(u, "/v1/current?city=Paris") {
				t.Errorf("request url = %v, want the weather API URL for Paris", req["url"])
			}
			resp := jsonObject(t, r.ResponseBody)
			if resp["status"] != float64(200) || resp["temp_c"] != 21.5 ||
				resp["conditions"] != "sunny" {
				t.Errorf("response = %s, want status 200, 21.5 C, sunny", r.ResponseBody)
			}
		}},
	{path: "/agent/sentiment_model", kind: "data", model: "data:sentiment_model", latencies: 1,
		check: func(t *testing.T, r row, report agent.Report) {
			resp := jsonObject(t, r.ResponseBody)
			if resp["prediction"] != "negative" || resp["score"] != report.Sentiment.Score {
				t.Errorf("response = %s, want negative with score %v", r.ResponseBody,
					report.Sentiment.Score)
			}
		}},
	{path: "/agent/search_docs", kind: "tool", model: "tool:search_docs", latencies: 1,
		check: func(t *testing.T, r row, report agent.Report) {
			resp := jsonObject(t, r.ResponseBody)
			if resp["status"] != "success" || resp["top_id"] != "late-delivery" {
				t.Errorf("response = %s, want success with top_id late-delivery", r.ResponseBody)
			}
		}},
	{path: "/agent/search_docs/docs_index", kind: "vector_db", model: "vector_db", latencies: 1,
		check: checkVectorRow},
	{path: "/agent/answer", kind: "llm", model: "gpt-4o-mini", latencies: 1,
		check: checkStreamRow},
}

func checkVectorRow(t *testing.T, r row, report agent.Report) {
	t.Helper()
	req := jsonObject(t, r.RequestBody)
	if req["topK"] != float64(2) || req["databaseName"] != "docs_index" ||
		req["operation"] != "search" {
		t.Errorf("request = %s, want a search of docs_index with topK 2", r.RequestBody)
	}
	var resp struct {
		Matches []agent.Match `json:"matches"`
	}
	if err := json.Unmarshal(r.ResponseBody, &resp); err != nil {
		t.Fatalf("response %s: %v", r.ResponseBody, err)
	}
	if len(resp.Matches) != len(report.Articles) {
		t.Fatalf("logged matches = %+v, want %+v", resp.Matches, report.Articles)
	}
	for i, m := range resp.Matches {
		if m != report.Articles[i] {
			t.Errorf("logged match %d = %+v, want %+v", i, m, report.Articles[i])
		}
	}
}

func checkStreamRow(t *testing.T, r row, report agent.Report) {
	t.Helper()
	if r.Provider != "OPENAI" || !r.Streamed {
		t.Errorf("provider = %q, streamed = %v, want OPENAI and true", r.Provider, r.Streamed)
	}
	var resp struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(r.ResponseBody, &resp); err != nil {
		t.Fatalf("response %s: %v", r.ResponseBody, err)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].Message.Content != report.Answer.Text {
		t.Errorf("merged response = %.500s, want the content %q", r.ResponseBody,
			report.Answer.Text)
	}
	u := report.Answer.Usage
	if r.PromptTokens != int64(u.PromptTokens) || r.CompletionTokens != int64(u.CompletionTokens) {
		t.Errorf("tokens = %d/%d, want %d/%d from the last chunk", r.PromptTokens,
			r.CompletionTokens, u.PromptTokens, u.CompletionTokens)
	}
}

// newExampleAgent opens the orders database, starts the weather API and returns the agent.
func newExampleAgent(t *testing.T, l *sdk.Logger, latency time.Duration) *agent.Agent {
	t.Helper()
	db, err := agent.OpenOrders(t.Context(), filepath.Join(t.TempDir(), "orders.db"))
	if err != nil {
		t.Fatalf("OpenOrders: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	weather := agent.NewWeatherServer()
	t.Cleanup(weather.Close)
	return agent.New(agent.Config{Logger: l, DB: db, WeatherURL: weather.URL, Latency: latency})
}

// agentContext puts the logs of ctx into session id as user alice with one property.
func agentContext(ctx context.Context, session string) context.Context {
	ctx = sdk.ContextWithSession(ctx, session, "support chat")
	ctx = sdk.ContextWithUserID(ctx, "alice")
	return sdk.ContextWithProperties(ctx, map[string]string{"app": "agent-example"})
}

func TestSDKAgentExampleStored(t *testing.T) {
	const latency = 15 * time.Millisecond
	srv := startServer(t)
	l := newSDKLogger(t, srv.URL)
	a := newExampleAgent(t, l, latency)
	session := newUUID()

	window := timeWindow{start: time.Now()}
	report, err := a.Run(agentContext(t.Context(), session), agent.Question{
		Customer: "alice", City: "Paris",
		Message: "Where is my tea sampler? The delivery is late and I am unhappy.",
	})
	window.end = time.Now()
	if err != nil {
		t.Fatalf("Agent.Run: %v", err)
	}
	closeSDKLogger(t, l)

	rows := srv.sessionRows(t, session)
	if len(rows) != len(agentStepCases) {
		t.Errorf("session has %d rows, want %d", len(rows), len(agentStepCases))
	}
	for _, tc := range agentStepCases {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			r, ok := rows[tc.path]
			if !ok {
				t.Fatalf("no row at path %s", tc.path)
			}
			checkAgentRow(t, r, session, tc)
			checkTiming(t, r, window, time.Duration(tc.latencies)*latency-time.Millisecond)
			tc.check(t, r, report)
		})
	}
	if r := rows["/agent/answer"]; r.TimeToFirstToken == nil ||
		*r.TimeToFirstToken < (latency-time.Millisecond).Milliseconds() ||
		*r.TimeToFirstToken > r.DelayMs {
		t.Errorf("stream time_to_first_token = %s, want between %v and delay_ms %d",
			formatTTFT(r.TimeToFirstToken), latency-time.Millisecond, r.DelayMs)
	}
}

// formatTTFT prints a time_to_first_token value, which is null when the log has none.
func formatTTFT(ms *int64) string {
	if ms == nil {
		return "null"
	}
	return fmt.Sprintf("%d ms", *ms)
}

// checkAgentRow checks the kind, model, status, session and user of a row of the agent.
func checkAgentRow(t *testing.T, r row, session string, tc agentStepCase) {
	t.Helper()
	if r.Kind != tc.kind || r.Model != tc.model {
		t.Errorf("kind, model = %q, %q, want %q, %q", r.Kind, r.Model, tc.kind, tc.model)
	}
	if r.ResponseStatus != http.StatusOK {
		t.Errorf("response_status = %d, want 200", r.ResponseStatus)
	}
	if r.SessionID != session || r.SessionName != "support chat" {
		t.Errorf("session = %q %q, want %q %q", r.SessionID, r.SessionName, session,
			"support chat")
	}
	if r.UserID != "alice" || r.Properties["app"] != "agent-example" {
		t.Errorf("user = %q, property app = %q, want alice and agent-example", r.UserID,
			r.Properties["app"])
	}
	if r.Error != "" {
		t.Errorf("error = %q, want none", r.Error)
	}
}

func TestSDKStreamChunksStored(t *testing.T) {
	const latency = 10 * time.Millisecond
	srv := startServer(t)
	l := newSDKLogger(t, srv.URL)
	a := newExampleAgent(t, l, latency)
	session := newUUID()

	window := timeWindow{start: time.Now()}
	ans, err := a.StreamChunks(agentContext(t.Context(), session), "Is it on its way?",
		"your order has shipped.")
	window.end = time.Now()
	if err != nil {
		t.Fatalf("Agent.StreamChunks: %v", err)
	}
	closeSDKLogger(t, l)

	r, ok := srv.sessionRows(t, session)["/answer"]
	if !ok {
		t.Fatal("no row at path /answer")
	}
	checkAgentRow(t, r, session, agentStepCase{kind: "llm", model: "gpt-4o-mini"})
	checkTiming(t, r, window, latency-time.Millisecond)
	checkStreamRow(t, r, agent.Report{Answer: ans})
	minTTFT := (latency - time.Millisecond).Milliseconds()
	if r.TimeToFirstToken == nil || *r.TimeToFirstToken < minTTFT {
		t.Errorf("time_to_first_token = %s, want at least %d ms", formatTTFT(r.TimeToFirstToken),
			minTTFT)
	}
}

func TestSDKAgentStepFailureStored(t *testing.T) {
	srv := startServer(t)
	l := newSDKLogger(t, srv.URL)
	a := newExampleAgent(t, l, 0)
	session := newUUID()

	_, err := a.FetchWeather(agentContext(t.Context(), session), "Atlantis")
	if !errors.Is(err, agent.ErrUnknownCity) {
		t.Fatalf("FetchWeather(Atlantis) = %v, want ErrUnknownCity", err)
	}
	closeSDKLogger(t, l)

	rows := srv.sessionRows(t, session)
	r, ok := rows["/weather_api"]
	if len(rows) != 1 || !ok {
		t.Fatalf("session rows = %d, want one at /weather_api", len(rows))
	}
	if r.ResponseStatus != http.StatusNotFound {
		t.Errorf("response_status = %d, want the API's 404", r.ResponseStatus)
	}
	if !strings.Contains(r.Error, "unknown city") {
		t.Errorf("error = %q, want the returned error text", r.Error)
	}
}

// errLookupFailed is the sentinel of the failing operation.
var errLookupFailed = errors.New("lookup failed")

func TestSDKFailureAndPanicLogged(t *testing.T) {
	const pause = 10 * time.Millisecond
	srv := startServer(t)
	l := newSDKLogger(t, srv.URL)
	failSession, panicSession := newUUID(), newUUID()
	panicValue := errors.New("vector index corrupted")

	window := timeWindow{start: time.Now()}
	_, err := sdk.Wrap(agentContext(t.Context(), failSession), l, sdk.Tool{ToolName: "lookup"},
		func(ctx context.Context, _ *sdk.Recorder) (int, error) {
			time.Sleep(pause)
			return 0, fmt.Errorf("lookup %q: %w", "order-9", errLookupFailed)
		})
	recovered := runPanicking(agentContext(t.Context(), panicSession), l, pause, panicValue)
	window.end = time.Now()

	if !errors.Is(err, errLookupFailed) {
		t.Errorf("Wrap returned %v, want an error wrapping errLookupFailed", err)
	}
	if recovered != panicValue {
		t.Errorf("recovered %#v, want the panic value %#v unchanged", recovered, panicValue)
	}
	closeSDKLogger(t, l)

	for _, tc := range []struct {
		name, session, path, text string
	}{
		{"error", failSession, "/lookup", `lookup "order-9": lookup failed`},
		{"panic", panicSession, "/index", "vector index corrupted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := srv.sessionRows(t, tc.session)
			r, ok := rows[tc.path]
			if len(rows) != 1 || !ok {
				t.Fatalf("session rows = %d, want exactly one at %s", len(rows), tc.path)
			}
			if r.ResponseStatus != http.StatusInternalServerError {
				t.Errorf("response_status = %d, want 500", r.ResponseStatus)
			}
			if !strings.Contains(r.Error, tc.text) {
				t.Errorf("error = %q, want it to contain %q", r.Error, tc.text)
			}
			checkTiming(t, r, window, pause-time.Millisecond)
		})
	}
}

// runPanicking runs a wrapped operation that panics with v and returns what recover got.
func runPanicking(ctx context.Context, l *sdk.Logger, pause time.Duration, v any) (got any) {
	defer func() { got = recover() }()
	l.LogRequest(ctx, sdk.Tool{ToolName: "index"},
		func(context.Context, *sdk.Recorder) (any, error) {
			time.Sleep(pause)
			panic(v)
		})
	return nil
}

func TestSDKUnencodableValuesStored(t *testing.T) {
	srv := startServer(t)
	l := newSDKLogger(t, srv.URL)
	selfMap := map[string]any{"name": "loop"}
	selfMap["self"] = selfMap
	// The input is logged as the request's "input" field and returned as the response. A
	// string response is a text body, so it is cut with a closing line, not an object marker.
	cases := []struct {
		name    string
		input   any
		markers []string
		inText  string
	}{
		{name: "nan and infinities", input: map[string]any{"nan": math.NaN(),
			"inf": math.Inf(1), "neg": math.Inf(-1)},
			markers: []string{`"NaN"`, `"Infinity"`, `"-Infinity"`}},
		{name: "self-referencing map", input: selfMap,
			markers: []string{`"self":"[cycle]"`, `"name":"loop"`}},
		{name: "12 MiB field", input: strings.Repeat("x", 12<<20),
			markers: []string{`"truncated":true`, `"original_bytes":12582912`},
			inText:  "[truncated: 12582912 bytes total]"},
	}
	ids := make([]string, len(cases))
	for i, tc := range cases {
		ids[i] = newUUID()
		_, err := l.LogRequest(t.Context(), sdk.Tool{ToolName: "encode", Input: tc.input},
			func(context.Context, *sdk.Recorder) (any, error) { return tc.input, nil },
			sdk.WithRequestID(ids[i]), sdk.WithProperty("case", tc.name))
		if err != nil {
			t.Fatalf("LogRequest(%s): %v", tc.name, err)
		}
	}
	closeSDKLogger(t, l)
	if st := l.Stats(); st.Sanitised == 0 || st.Sent != int64(len(cases)) {
		t.Errorf("Stats = %+v, want replacements counted and %d sent", st, len(cases))
	}

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, status := srv.getRow(t, srv.Key, ids[i])
			if status != http.StatusOK {
				t.Fatalf("GET /v1/request/%s: status %d", ids[i], status)
			}
			if r.Properties["case"] != tc.name {
				t.Errorf("property case = %q, want %q", r.Properties["case"], tc.name)
			}
			compact := compactJSON(t, r.RequestBody)
			for _, m := range tc.markers {
				if !strings.Contains(compact, m) {
					t.Errorf("request_body %.300s lacks %s", compact, m)
				}
			}
			resp := compactJSON(t, r.ResponseBody)
			want := tc.markers[0]
			if tc.inText != "" {
				want = tc.inText
			}
			if !strings.Contains(resp, want) {
				t.Errorf("response_body %.300s lacks %s", resp, want)
			}
		})
	}
}

// compactJSON returns raw without insignificant white space.
func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("body %.300s: %v", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
