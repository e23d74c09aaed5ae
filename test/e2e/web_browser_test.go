package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/seed"
	"github.com/heliograph/heliograph/internal/store"
)

const (
	// browserDir holds the Node project that installs playwright-core.
	browserDir = "../browser"
	// chromiumPath is Debian's chromium package; playwright-core drives it, and never
	// downloads a browser of its own.
	chromiumPath = "/usr/bin/chromium"
)

// requireBrowser skips when Node, playwright-core or Chromium is missing, unless the test
// command asked for every test to run (HELIOGRAPH_REQUIRE_BROWSER=1), where it fails instead.
func requireBrowser(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(browserDir, "node_modules", "playwright-core"))
	}
	if err == nil {
		_, err = os.Stat(chromiumPath)
	}
	if err != nil {
		msg := "node, playwright-core (run npm ci in test/browser) or " + chromiumPath +
			" (apt-get install chromium) missing: %v"
		if os.Getenv("HELIOGRAPH_REQUIRE_BROWSER") == "1" {
			t.Fatalf(msg, err)
		}
		t.Skipf(msg, err)
	}
	return node
}

// browserManifest lists the logs and sessions that the browser script opens.
type browserManifest struct {
	Kinds       map[string]string `json:"kinds"`
	KindSession string            `json:"kindSession"`
	Hostile     map[string]string `json:"hostile"`
	HostileSess string            `json:"hostileSession"`
}

// TestDashboardInBrowser drives the dashboard in headless Chromium: sign-in, filtering, a log
// of every kind, a session's tree and timeline, the chart pages, live mode, sign-out, and
// logs whose content tries to run script on every page that shows it.
func TestDashboardInBrowser(t *testing.T) {
	node := requireBrowser(t)
	srv := startServer(t)
	srv.seedBatch(t, seed.Config{Count: 400, Seed: 21,
		End: time.Now().UTC().Truncate(time.Hour)})
	m := browserManifest{Kinds: map[string]string{}, Hostile: map[string]string{},
		KindSession: "kinds-session", HostileSess: "s-hostile"}
	for name, l := range browserKindLogs(m.KindSession) {
		m.Kinds[name] = srv.postLog(t, l)
	}
	for name, l := range browserHostileLogs(m.HostileSess) {
		m.Hostile[name] = srv.postLog(t, l)
	}
	readKey := srv.defaultProjectKey(t, store.ScopeRead)
	writeKey := srv.defaultProjectKey(t, store.ScopeWrite)
	manifest, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("HELIOGRAPH_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(t.Context(), node, "dashboard.mjs")
	cmd.Dir = browserDir
	cmd.Env = append(os.Environ(), "HELIOGRAPH_URL="+srv.URL, "HELIOGRAPH_READ_KEY="+readKey,
		"HELIOGRAPH_WRITE_KEY="+writeKey, "HELIOGRAPH_MANIFEST="+string(manifest),
		"HELIOGRAPH_SCREENSHOTS="+shots, "HELIOGRAPH_CHROMIUM="+chromiumPath)
	out, err := cmd.CombinedOutput()
	t.Logf("dashboard.mjs output:\n%s", out)
	if err != nil {
		t.Fatalf("node dashboard.mjs: %v", err)
	}
	t.Logf("screenshots in %s", shots)
}

// seedBatch stores generated logs through POST /v1/log/batch.
func (s *testServer) seedBatch(t *testing.T, cfg seed.Config) {
	t.Helper()
	g, err := seed.New(cfg)
	if err != nil {
		t.Fatalf("seed.New: %v", err)
	}
	var items []json.RawMessage
	send := func() {
		body, err := json.Marshal(map[string]any{"logs": items})
		if err != nil {
			t.Fatal(err)
		}
		resp := s.do(t, http.MethodPost, "/v1/log/batch", s.Key, body, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("POST /v1/log/batch: %d %s", resp.Status, resp.Body)
		}
		items = items[:0]
	}
	for u := range g.Units() {
		for _, l := range g.Unit(u) {
			items = append(items, l.Item)
			if len(items) == 500 {
				send()
			}
		}
	}
	if len(items) > 0 {
		send()
	}
}

// browserLog is one log sent through POST /custom/v1/log.
type browserLog struct {
	headers map[string]string
	body    string
}

// postLog stores one log and returns its request id.
func (s *testServer) postLog(t *testing.T, l browserLog) string {
	t.Helper()
	resp := s.do(t, http.MethodPost, "/custom/v1/log", s.Key, []byte(l.body), l.headers)
	var out struct {
		ID string `json:"id"`
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("POST /custom/v1/log: %d %s", resp.Status, resp.Body)
	}
	resp.json(t, &out)
	return out.ID
}

// defaultProjectKey creates a key of scope on the project "default".
func (s *testServer) defaultProjectKey(t *testing.T, scope string) string {
	t.Helper()
	p, err := s.Store.ProjectByName(t.Context(), auth.DefaultProject)
	if err != nil {
		t.Fatalf("ProjectByName: %v", err)
	}
	secret, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Store.CreateKey(t.Context(), store.Key{ID: auth.NewID(), ProjectID: p.ID,
		Name: "browser-" + scope, Scope: scope, Hash: auth.HashKey(secret),
		Prefix: auth.DisplayPrefix(secret)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return secret
}

// customLog builds a custom-log body that started ago before now.
func customLog(req, resp string, status int, ago, latency time.Duration) string {
	start := time.Now().Add(-ago)
	end := start.Add(latency)
	return fmt.Sprintf(`{"providerRequest":{"url":"custom-model-nopath","json":%s,"meta":{}},`+
		`"providerResponse":{"json":%s,"status":%d,"headers":{}},`+
		`"timing":{"startTime":{"seconds":%d,"milliseconds":%d},`+
		`"endTime":{"seconds":%d,"milliseconds":%d}}}`, req, resp, status, start.Unix(),
		start.UnixMilli()%1000, end.Unix(), end.UnixMilli()%1000)
}

// browserKindLogs returns one log of every kind in one session.
func browserKindLogs(session string) map[string]browserLog {
	h := func(path string) map[string]string {
		return map[string]string{"Helicone-Session-Id": session,
			"Helicone-Session-Name": "kinds tour", "Helicone-Session-Path": path,
			"Helicone-User-Id": "user-tour", "Helicone-Property-Environment": "tour"}
	}
	return map[string]browserLog{
		"data": {h("/agent/load"), customLog(
			`{"_type":"data","name":"load_rows","meta":{"source":"pg"},"big":1234567890123456789012345}`,
			`{"status":"ok","data":{"rows":42,"fields":["a","b"]}}`, 200, 40*time.Second,
			30*time.Millisecond)},
		"tool": {h("/agent/search"), customLog(
			`{"_type":"tool","toolName":"web_search","input":{"query":"weather","limit":3}}`,
			`{"status":"success","results":[{"title":"t1"}]}`, 200, 39*time.Second,
			200*time.Millisecond)},
		"vector_db": {h("/agent/retrieve"), customLog(
			`{"_type":"vector_db","operation":"search","text":"refund policy","topK":2}`,
			`{"matches":[{"id":"doc-1","score":0.91,"text":"Refunds within 30 days"}]}`, 200,
			38*time.Second, 50*time.Millisecond)},
		"llm": {h("/agent"), customLog(
			`{"model":"gpt-4o","messages":[{"role":"user","content":"Say hi"}]}`,
			`{"model":"gpt-4o","choices":[{"message":{"role":"assistant","content":"Hello there"}}],`+
				`"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`, 200,
			37*time.Second, 900*time.Millisecond)},
	}
}

// browserHostileLogs returns logs whose every shown field tries to run script.
func browserHostileLogs(session string) map[string]browserLog {
	content := "```html\\n<script>alert(4)</script>\\n```\\n[click](javascript:alert(5))"
	return map[string]browserLog{
		"llm": {map[string]string{
			"Helicone-Property-note": `<img src=x onerror=alert(1)>`,
			// One long word, which a chip or facet must not stretch across the page.
			"Helicone-Property-long": strings.Repeat("x", 20000),
			"Helicone-Session-Id":    session,
			"Helicone-Session-Name":  `</script><script>alert(2)</script>`,
			"Helicone-User-Id":       `"><svg/onload=alert(3)>`,
			"Helicone-Session-Path":  `/<iframe srcdoc=x>/step`,
		}, customLog(`{"model":"gpt-4o","messages":[{"role":"user","content":"`+content+`"}]}`,
			`{"choices":[{"message":{"role":"assistant","content":"`+content+`"}}]}`, 200,
			20*time.Second, time.Second)},
		"tool": {map[string]string{"Helicone-Session-Id": session,
			"Helicone-Session-Path": "/tools"}, customLog(
			`{"_type":"tool","toolName":"<b onmouseover=alert(6)>t</b>","input":{"q":"x"}}`,
			`{"status":"success"}`, 200, 19*time.Second, time.Second)},
		"html": {map[string]string{"Helicone-Session-Id": session}, strings.Replace(
			customLog(`{"model":"m"}`, `{}`, 502, 18*time.Second, time.Second),
			`"json":{},`, `"json":{},"textBody":"<!doctype html><html><head><title>Bad gateway`+
				`</title></head><body><h1>502</h1><script>alert(7)</script>`+
				`<a href=\"javascript:alert(8)\">retry</a></body></html>",`, 1)},
	}
}
