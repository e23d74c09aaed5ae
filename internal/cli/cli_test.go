package cli

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseFlagsEnvironment(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default", nil, nil, "127.0.0.1:8585"},
		{"environment", nil, map[string]string{"HELIOGRAPH_ADDR": "127.0.0.1:9000"},
			"127.0.0.1:9000"},
		{"flag wins", []string{"--addr", "127.0.0.1:7000"},
			map[string]string{"HELIOGRAPH_ADDR": "127.0.0.1:9000"}, "127.0.0.1:7000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			addr := fs.String("addr", "127.0.0.1:8585", "")
			if err := parseFlags(fs, tc.args, envFrom(tc.env)); err != nil {
				t.Fatalf("parseFlags: %v", err)
			}
			if *addr != tc.want {
				t.Errorf("addr = %q, want %q", *addr, tc.want)
			}
		})
	}
}

func TestParseFlagsInvalidEnvironment(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Int64("max-body-bytes", 1, "")
	fs.Duration("shutdown-timeout", time.Second, "")
	err := parseFlags(fs, nil, envFrom(map[string]string{
		"HELIOGRAPH_MAX_BODY_BYTES": "ten", "HELIOGRAPH_SHUTDOWN_TIMEOUT": "soon"}))
	if err == nil {
		t.Fatal("parseFlags accepted invalid environment values")
	}
	for _, name := range []string{"HELIOGRAPH_MAX_BODY_BYTES", "HELIOGRAPH_SHUTDOWN_TIMEOUT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestServeConfigValidation(t *testing.T) {
	var stderr bytes.Buffer
	code := Run(t.Context(), []string{"serve", "--sync", "sometimes", "--log-format", "xml"},
		Env{Stdout: &stderr, Stderr: &stderr, Getenv: envFrom(nil)})
	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	for _, want := range []string{"--sync", "--log-format"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("output %q does not report %s", stderr.String(), want)
		}
	}
}

func TestServeRejectsInconsistentFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--key-cache-ttl", "-1s"}, "--key-cache-ttl"},
		{[]string{"serve", "--max-batch-bytes", "10"}, "--max-batch-bytes"},
		{[]string{"serve", "extra-arg"}, "no arguments"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code := Run(t.Context(), tt.args, Env{Stdout: &out, Stderr: &out, Getenv: envFrom(nil)})
		if code == 0 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want a failure naming %s", tt.args, code,
				out.String(), tt.want)
		}
	}
}

func TestKeysCreateRejectsBadNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{strings.Repeat("n", 201), "tab\tname", "   ", "bad\xffutf8"} {
		var out bytes.Buffer
		code := Run(t.Context(), []string{"keys", "create", "--data-dir", dir, "--name", name},
			Env{Stdout: &out, Stderr: &out, Getenv: envFrom(nil)})
		if code == 0 || !strings.Contains(out.String(), "--name") {
			t.Errorf("keys create --name %.20q...: exit %d, output %q; want a failure naming "+
				"--name", name, code, out.String())
		}
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"serve", "--help"}, {"keys", "--help"},
		{"keys", "create", "--help"}, {"keys", "list", "--help"}, {"keys", "revoke", "--help"},
		{"help"}} {
		var out bytes.Buffer
		code := Run(t.Context(), args, Env{Stdout: &out, Stderr: &out, Getenv: envFrom(nil)})
		if code != 0 {
			t.Errorf("%v: exit code %d, want 0", args, code)
		}
		if !strings.Contains(out.String(), "Usage") && !strings.Contains(out.String(), "usage") {
			t.Errorf("%v printed no usage: %q", args, out.String())
		}
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := Run(t.Context(), []string{"version"}, Env{Stdout: &out, Stderr: &out}); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if !strings.HasPrefix(out.String(), "heliograph ") {
		t.Errorf("version output %q", out.String())
	}
}

// runServer starts serve in-process and returns its address, its log, and a stop function
// that waits for a clean exit.
func runServer(t *testing.T, dataDir string, env map[string]string) (string, *syncBuffer,
	func() int) {
	t.Helper()
	logs := &syncBuffer{}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir,
			"--key-cache-ttl", "0s"}, Env{Stdout: logs, Stderr: logs, Getenv: envFrom(env),
			Ready: func(addr string) { ready <- addr }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d:\n%s", code, logs.String())
	}
	stopped := false
	stop := func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return addr, logs, stop
}

func get(t *testing.T, url, key string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeBootstrapsKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr, logs, stop := runServer(t, dir, nil)

	keyFile := filepath.Join(dir, "bootstrap-key")
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("bootstrap key file: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("bootstrap key file mode = %o, want 600", mode)
	}
	raw, _ := os.ReadFile(keyFile)
	key := strings.TrimSpace(string(raw))
	if strings.Contains(logs.String(), key) {
		t.Errorf("the log contains the key")
	}
	if !strings.Contains(logs.String(), keyFile) {
		t.Errorf("the log does not name the key file %s", keyFile)
	}
	for _, want := range []string{"msg=ready", "version=", "data_path=", "store=sqlite"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("startup log lacks %q:\n%s", want, logs.String())
		}
	}

	if got := get(t, "http://"+addr+"/metrics", key); got != 200 {
		t.Errorf("GET /metrics with the bootstrap key: %d, want 200", got)
	}
	if got := get(t, "http://"+addr+"/metrics", ""); got != 401 {
		t.Errorf("GET /metrics without a key: %d, want 401", got)
	}
	if got := get(t, "http://"+addr+"/healthz", ""); got != 200 {
		t.Errorf("GET /healthz: %d, want 200", got)
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exit code after shutdown = %d, want 0:\n%s", code, logs.String())
	}
	if !strings.Contains(logs.String(), "store closed") {
		t.Errorf("shutdown did not close the store:\n%s", logs.String())
	}

	// A second start finds the project and creates no new key.
	before, _ := os.ReadFile(keyFile)
	addr, _, stop = runServer(t, dir, nil)
	after, _ := os.ReadFile(keyFile)
	if !bytes.Equal(before, after) {
		t.Errorf("restart rewrote the bootstrap key")
	}
	if got := get(t, "http://"+addr+"/readyz", ""); got != 200 {
		t.Errorf("GET /readyz after restart: %d", got)
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exit code after the restart = %d, want 0", code)
	}

	// A bootstrap key set for a store that has projects is ignored, with a warning.
	const lateKey = "hg_late_bootstrap_key_00000000000000"
	addr, logs, _ = runServer(t, dir, map[string]string{"HELIOGRAPH_BOOTSTRAP_KEY": lateKey})
	if !strings.Contains(logs.String(), "HELIOGRAPH_BOOTSTRAP_KEY is ignored") {
		t.Errorf("restart with a bootstrap key logs no warning:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), lateKey) {
		t.Errorf("the log contains the ignored bootstrap key")
	}
	if got := get(t, "http://"+addr+"/metrics", lateKey); got != 401 {
		t.Errorf("GET /metrics with the ignored bootstrap key: %d, want 401", got)
	}
}

func TestKeysLifecycle(t *testing.T) {
	dir := t.TempDir()
	const bootKey = "hg_cli_bootstrap_key_000000000000000000000"
	addr, logs, _ := runServer(t, dir, map[string]string{"HELIOGRAPH_BOOTSTRAP_KEY": bootKey})
	if _, err := os.Stat(filepath.Join(dir, "bootstrap-key")); err == nil {
		t.Errorf("bootstrap-key written although HELIOGRAPH_BOOTSTRAP_KEY was set")
	}
	if strings.Contains(logs.String(), bootKey) {
		t.Errorf("the log contains the bootstrap key")
	}
	if got := get(t, "http://"+addr+"/metrics", bootKey); got != 200 {
		t.Fatalf("bootstrap key rejected: %d", got)
	}

	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := Run(t.Context(), append(args, "--data-dir", dir),
			Env{Stdout: &out, Stderr: &errOut, Getenv: envFrom(nil)})
		return out.String(), errOut.String(), code
	}
	secret, msg, code := run("keys", "create", "--name", "reader", "--project", "team-b",
		"--scope", "read")
	if code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, msg)
	}
	secret = strings.TrimSpace(secret)
	if got := get(t, "http://"+addr+"/metrics", secret); got != 200 {
		t.Errorf("new read key on /metrics: %d, want 200", got)
	}

	list, _, code := run("keys", "list")
	if code != 0 || !strings.Contains(list, "reader") || !strings.Contains(list, "team-b") {
		t.Fatalf("keys list: exit %d:\n%s", code, list)
	}
	if strings.Contains(list, secret) {
		t.Errorf("keys list shows the whole key")
	}
	// The generated key shows its first characters; the chosen bootstrap key shows none.
	if !strings.Contains(list, secret[:10]+"…") || strings.Contains(list, bootKey[:10]) ||
		!strings.Contains(list, "(chosen)") {
		t.Errorf("keys list shows the prefixes wrongly, want %q… for the generated key and "+
			"(chosen) for the bootstrap key:\n%s", secret[:10], list)
	}
	var id string
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, "reader") {
			id = strings.Fields(line)[0]
		}
	}
	if _, msg, code := run("keys", "revoke", id); code != 0 {
		t.Fatalf("keys revoke %s: exit %d: %s", id, code, msg)
	}
	if got := get(t, "http://"+addr+"/metrics", secret); got != 401 {
		t.Errorf("revoked key on /metrics: %d, want 401", got)
	}
	if _, _, code := run("keys", "revoke", "no-such-key"); code != 1 {
		t.Errorf("revoking an unknown key: exit %d, want 1", code)
	}
	if _, msg, code := run("keys", "create", "--name", "x", "--scope", "admin"); code == 0 ||
		!strings.Contains(msg, "scope") {
		t.Errorf("invalid scope: exit %d, output %q", code, msg)
	}
}

func TestKeysCommandsCheckArguments(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := Run(t.Context(), args, Env{Stdout: &out, Stderr: &errOut, Getenv: envFrom(nil)})
		return out.String(), errOut.String(), code
	}
	_, msg, code := run("keys", "create", "--data-dir", dir, "--name", "z", "extra")
	if code != 1 || !strings.Contains(msg, `keys create takes no arguments, found "extra"`) {
		t.Errorf("keys create with an extra argument: exit %d, %q; want 1 naming it", code, msg)
	}
	_, msg, code = run("keys", "create", "--name", "z", "extra", "--data-dir", dir)
	if code != 1 || !strings.Contains(msg, "the flags after it were not read") {
		t.Errorf("keys create with flags after an argument: exit %d, %q; want 1 saying the "+
			"flags were not read", code, msg)
	}
	_, msg, code = run("keys", "list", "--data-dir", dir, "extra")
	if code != 1 || !strings.Contains(msg, `keys list takes no arguments, found "extra"`) {
		t.Errorf("keys list with an extra argument: exit %d, %q; want 1 naming it", code, msg)
	}

	if _, msg, code := run("keys", "create", "--data-dir", dir, "--name", " spaced ",
		"--project", " default "); code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, msg)
	}
	list, _, _ := run("keys", "list", "--data-dir", dir)
	var id string
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "spaced" {
			id = f[0]
			if f[1] != "default" {
				t.Errorf("key listed in project %q, want default trimmed: %q", f[1], line)
			}
		}
	}
	if id == "" {
		t.Fatalf("keys list lacks the key named spaced, trimmed:\n%s", list)
	}
	if _, msg, code := run("keys", "revoke", id, "--data-dir", dir); code != 0 ||
		!strings.HasPrefix(msg, "revoked key "+id) {
		t.Errorf("keys revoke: exit %d, %q", code, msg)
	}
	if _, msg, code := run("keys", "revoke", id, "--data-dir", dir); code != 0 ||
		!strings.Contains(msg, "was already revoked at ") {
		t.Errorf("keys revoke twice: exit %d, %q; want 0 saying it was already revoked",
			code, msg)
	}
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, _ := runCommand(t.Context(), args...)
		if code != 0 || !strings.HasPrefix(stdout, "heliograph ") {
			t.Errorf("heliograph %q: exit %d, stdout %q; want 0 and the version", args, code,
				stdout)
		}
	}
	code, stdout, stderr := runCommand(t.Context(), "version", "extra")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "version takes no arguments") {
		t.Errorf("heliograph version extra: exit %d, stdout %q, stderr %q; want 1 naming the "+
			"argument", code, stdout, stderr)
	}
	code, _, stderr = runCommand(t.Context(), "version", "--json")
	if code != 2 || !strings.Contains(stderr, "-json") {
		t.Errorf("heliograph version --json: exit %d, stderr %q; want 2 naming the flag", code,
			stderr)
	}
}

// A project whose name has spaces around it, as builds that did not trim names made, is still
// found by that name.
func TestKeysCreateFindsUntrimmedProject(t *testing.T) {
	dir := t.TempDir()
	st, err := openStore(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	old, err := st.CreateProject(t.Context(), " team ")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, _, stderr := runCommand(t.Context(), "keys", "create", "--data-dir", dir, "--name",
		"k", "--project", " team ")
	if code != 0 || strings.Contains(stderr, "created project") {
		t.Fatalf("keys create --project \" team \": exit %d, %q; want 0 and no new project",
			code, stderr)
	}
	st, err = openStore(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys, err := st.ListKeys(t.Context())
	if err != nil || len(keys) != 1 || keys[0].ProjectID != old.ID {
		t.Errorf("keys after create: %+v, %v; want one key of project %s", keys, err, old.ID)
	}
}
