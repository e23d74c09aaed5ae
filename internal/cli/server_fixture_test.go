package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fixtureKey is the bootstrap key of the servers started by startKeyedServer.
const fixtureKey = "hg_fixture-key-0123456789"

// startKeyedServer starts serve in-process on dataDir with fixtureKey as its first key and
// returns the server's base URL and a function that stops it and returns its exit code.
func startKeyedServer(t *testing.T, dataDir string) (string, func() int) {
	t.Helper()
	addr, _, stop := runServer(t, dataDir,
		map[string]string{"HELIOGRAPH_BOOTSTRAP_KEY": fixtureKey})
	return "http://" + addr, stop
}

// postToolLog stores one tool-call log named toolName with the request id id.
func postToolLog(t *testing.T, baseURL, id, toolName string) {
	t.Helper()
	body := `{"providerRequest":{"url":"custom-model-nopath","json":{"_type":"tool",` +
		`"toolName":` + quoteJSON(toolName) + `,"input":{}},"meta":{}},` +
		`"providerResponse":{"json":{"ok":true},"status":200,"headers":{}},` +
		`"timing":{"startTime":{"seconds":1735689600,"milliseconds":0},` +
		`"endTime":{"seconds":1735689600,"milliseconds":420}}}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		baseURL+"/custom/v1/log", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fixtureKey)
	req.Header.Set("Helicone-Request-Id", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /custom/v1/log: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /custom/v1/log: %d %s", resp.StatusCode, msg)
	}
}

func quoteJSON(s string) string {
	return string(appendString(nil, s))
}

// runCommand runs the heliograph command line args in-process and returns its exit code,
// standard output and standard error.
func runCommand(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr syncBuffer
	code := Run(ctx, args, Env{Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }})
	return code, stdout.String(), stderr.String()
}
