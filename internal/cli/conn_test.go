package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runToExit runs the command line in-process with the environment env and returns its exit
// code, standard output and standard error. It fails the test when the command has not
// returned within a minute, the symptom of a command that retries forever.
func runToExit(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, args, Env{Stdout: &stdout, Stderr: &stderr, Getenv: envFrom(env)})
	}()
	select {
	case code := <-done:
		return code, stdout.String(), stderr.String()
	case <-time.After(time.Minute):
		cancel()
		<-done
		t.Fatalf("heliograph %q did not exit within a minute; stderr:\n%s", args,
			stderr.String())
		return 0, "", ""
	}
}

// clientCommands are the command lines of every subcommand that talks to a server, without
// the connection flags.
func clientCommands(t *testing.T) [][]string {
	return [][]string{{"query"}, {"tail"}, {"export"},
		{"import", filepath.Join(t.TempDir(), "logs.jsonl")}, {"seed", "--count", "1"}}
}

// An API key that no request can carry is reported before any request by every command,
// with the flag or variable that set it, and without showing the key.
func TestClientCommandsRejectInvalidKey(t *testing.T) {
	base, _ := startKeyedServer(t, filepath.Join(t.TempDir(), "data"))
	const secret = "hg_leak_check"
	for _, key := range []string{secret + "\nrest", secret + "\x01rest", secret + "é",
		" " + secret, secret + " "} {
		for _, cmd := range clientCommands(t) {
			code, _, stderr := runToExit(t, nil,
				append(cmd, "--url", base, "--api-key", key)...)
			if code != 1 || !strings.Contains(stderr, "invalid API key in --api-key") {
				t.Errorf("heliograph %s --api-key %q: exit %d, stderr %q; want 1 naming "+
					"--api-key", cmd[0], key, code, stderr)
			}
			if strings.Contains(stderr, secret) {
				t.Errorf("heliograph %s --api-key %q: stderr shows the key: %q", cmd[0], key,
					stderr)
			}

			env := map[string]string{"HELIOGRAPH_API_KEY": key, "HELIOGRAPH_URL": base}
			code, _, stderr = runToExit(t, env, cmd...)
			if code != 1 || !strings.Contains(stderr, "invalid API key in HELIOGRAPH_API_KEY") {
				t.Errorf("heliograph %s with HELIOGRAPH_API_KEY=%q: exit %d, stderr %q; want "+
					"1 naming HELIOGRAPH_API_KEY", cmd[0], key, code, stderr)
			}
		}
	}
}

func TestClientCommandsRejectInvalidURL(t *testing.T) {
	for _, url := range []string{"ftp://127.0.0.1:1", "127.0.0.1:1", "http://",
		"http://127.0.0.1:1/?x=1", "http://127.0.0.1:1/#top", "http://a b",
		"http://127.0.0.1:1#", "http://127.0.0.1:1/?"} {
		for _, cmd := range clientCommands(t) {
			code, _, stderr := runToExit(t, map[string]string{"HELIOGRAPH_URL": url},
				append(cmd, "--api-key", fixtureKey)...)
			if code != 1 || !strings.Contains(stderr, "invalid server URL") ||
				!strings.Contains(stderr, "HELIOGRAPH_URL") {
				t.Errorf("heliograph %s with HELIOGRAPH_URL=%q: exit %d, stderr %q; want 1 "+
					"naming HELIOGRAPH_URL", cmd[0], url, code, stderr)
			}
		}
	}
}

// Spaces copied around the server URL are ignored.
func TestClientCommandsTrimURL(t *testing.T) {
	base, _ := startKeyedServer(t, filepath.Join(t.TempDir(), "data"))
	code, _, stderr := runToExit(t, nil, "query", "--url", " "+base+"\t", "--api-key",
		fixtureKey)
	if code != 0 {
		t.Errorf("query --url %q: exit %d, stderr %q; want 0", " "+base+"\t", code, stderr)
	}
}

func TestServerURLHidesPassword(t *testing.T) {
	code, _, stderr := runToExit(t, nil, "query", "--api-key", fixtureKey, "--url",
		"http://user:hunter2secret@127.0.0.1:1/?x")
	if code != 1 || !strings.Contains(stderr, "--url") {
		t.Errorf("query with a URL with a query: exit %d, stderr %q; want 1 naming --url",
			code, stderr)
	}
	if strings.Contains(stderr, "hunter2secret") {
		t.Errorf("query error shows the URL's password: %q", stderr)
	}
}

func TestCheckAPIKeyAcceptsPrintableASCII(t *testing.T) {
	for _, key := range []string{fixtureKey, "hg_" + strings.Repeat("x", 40), "key with space",
		"~!@#$%^&*()_+{}|:<>?"} {
		if err := checkAPIKey(key); err != nil {
			t.Errorf("checkAPIKey(%q) = %v, want nil", key, err)
		}
	}
}

func TestServerURLQuotedAsTyped(t *testing.T) {
	code, _, stderr := runToExit(t, map[string]string{"HELIOGRAPH_URL": "not a url"}, "query",
		"--api-key", fixtureKey)
	if code != 1 || !strings.Contains(stderr, `invalid server URL "not a url" in HELIOGRAPH_URL`) {
		t.Errorf("query with HELIOGRAPH_URL=\"not a url\": exit %d, stderr %q; want 1 quoting "+
			"the URL as typed", code, stderr)
	}
}

// A key the server refuses is reported with where the key came from.
func TestUnknownKeyNamesItsSource(t *testing.T) {
	base, _ := startKeyedServer(t, filepath.Join(t.TempDir(), "data"))
	code, _, stderr := runToExit(t, nil, "query", "--url", base, "--api-key", "hg_unknown")
	if code != 1 || !strings.Contains(stderr, "401") ||
		!strings.Contains(stderr, "the key comes from --api-key or HELIOGRAPH_API_KEY") {
		t.Errorf("query with an unknown key: exit %d, stderr %q; want 1 naming the key's "+
			"sources", code, stderr)
	}
}
