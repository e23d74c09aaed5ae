package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/auth"
	"github.com/heliograph/heliograph/internal/store"
)

func TestEscapeControls(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text", "search tool/v2 ключ", "search tool/v2 ключ"},
		{"backslash kept", `C:\dir`, `C:\dir`},
		{"escape sequence", "bad\x1b[2J", `bad\x1b[2J`},
		{"bell and nul", "a\x07b\x00", `a\x07b\x00`},
		{"tab and line breaks", "a\tb\nc\r", `a\tb\nc\r`},
		{"delete", "a\x7f", `a\x7f`},
		{"C1 control", "a\u009b31m", `a\u009b31m`},
		{"bidi override", "txt\u202egpj.exe", `txt\u202egpj.exe`},
		{"bidi isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"replacement character kept", "a\ufffdb", "a\ufffdb"},
		{"zero-width space", "a\u200bb", `a\u200bb`},
		{"byte order mark", "\ufeffx", `\ufeffx`},
		{"soft hyphen", "a\u00adb", `a\u00adb`},
		{"interlinear annotation", "\ufff9x", `\ufff9x`},
		{"tag characters", "a\U000E0001\U000E0041b", `a\U000e0001\U000e0041b`},
		{"emoji kept", "ok \U0001F600", "ok \U0001F600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeControls(tt.in); got != tt.want {
				t.Errorf("escapeControls(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeMessageKeepsLineBreaks(t *testing.T) {
	got := escapeMessage("first\nsecond\x1b[0m")
	if want := "first\nsecond\\x1b[0m"; got != want {
		t.Errorf("escapeMessage = %q, want %q", got, want)
	}
}

func TestEscapeJSONControlsKeepsValue(t *testing.T) {
	value := "a\u202eb\u009bc\x7fd\u2028e ключ\u200b\U000E0041 \U0001F600"
	raw, err := json.Marshal(map[string]string{"v": value})
	if err != nil {
		t.Fatal(err)
	}
	out := escapeJSONControls(raw)
	for _, r := range []string{"\u202e", "\u009b", "\x7f", "\u2028", "\u200b", "\U000E0041"} {
		if strings.Contains(string(out), r) {
			t.Errorf("escapeJSONControls(%s) kept %q raw", raw, r)
		}
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("escapeJSONControls output %s is not JSON: %v", out, err)
	}
	if got["v"] != value {
		t.Errorf("decoded value %q, want %q", got["v"], value)
	}
}

// rawControls lists the bytes and characters that must not reach a terminal.
var rawControls = []string{"\x1b", "\x07", "\u009b", "\u202e"}

func assertNoRawControls(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range rawControls {
		if strings.Contains(out, c) {
			t.Errorf("%s contains the raw control %q:\n%q", what, c, out)
		}
	}
}

func TestTextOutputsEscapeLoggedControls(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, _ := startKeyedServer(t, dir)
	const id = "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e"
	conn := []string{"--url", base, "--api-key", fixtureKey}

	// tail runs through a proxy that shows when its stream is open, so the log is stored
	// after tail's start position.
	proxy := newHoldProxy(t, strings.TrimPrefix(base, "http://"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tailOut := &syncBuffer{}
	tailDone := make(chan int, 1)
	go func() {
		tailDone <- Run(ctx, []string{"tail", "--url", proxy.URL(), "--api-key", fixtureKey},
			Env{Stdout: tailOut, Stderr: &syncBuffer{}, Getenv: func(string) string { return "" }})
	}()
	waitFor(t, "the tail stream to open", func() bool { return proxy.count(": stream open") > 0 })

	postToolLog(t, base, id, "bad\x1b[2J\x07\u009b\u202e")
	waitFor(t, "tail output with the log", func() bool {
		return strings.Contains(tailOut.String(), id)
	})
	cancel()
	<-tailDone
	assertNoRawControls(t, "tail", tailOut.String())
	if !strings.Contains(tailOut.String(), `bad\x1b[2J\x07\u009b\u202e`) {
		t.Errorf("tail output lacks the escaped tool name:\n%q", tailOut.String())
	}

	for _, format := range []string{"table", "json", "jsonl"} {
		code, out, errOut := runCommand(t.Context(),
			append([]string{"query", "--format", format}, conn...)...)
		if code != 0 {
			t.Fatalf("query --format %s: exit %d: %s", format, code, errOut)
		}
		assertNoRawControls(t, "query --format "+format, out)
		if format == "table" && !strings.Contains(out, `bad\x1b[2J`) {
			t.Errorf("query table lacks the escaped tool name:\n%q", out)
		}
	}

	// keys create rejects such a name, but a key stored by an earlier version may have one.
	const evil = "evil\x1b]0;title\x07\u202e"
	code, _, errOut := runCommand(t.Context(), "keys", "create", "--data-dir", dir,
		"--name", evil)
	if code == 0 {
		t.Errorf("keys create --name %q: exit 0, want a rejection", evil)
	}
	assertNoRawControls(t, "keys create", errOut)
	storeKeyNamed(t, dir, evil)
	code, out, errOut := runCommand(t.Context(), "keys", "list", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("keys list: exit %d: %s", code, errOut)
	}
	assertNoRawControls(t, "keys list", out)
	if !strings.Contains(out, `evil\x1b]0;title\x07\u202e`) {
		t.Errorf("keys list lacks the escaped key name:\n%q", out)
	}
}

// storeKeyNamed stores a key with the name in the default project of the store in dir.
func storeKeyNamed(t *testing.T, dir, name string) {
	t.Helper()
	st, err := openStore(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.ProjectByName(t.Context(), auth.DefaultProject)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateKey(t.Context(), store.Key{ID: auth.NewID(), ProjectID: p.ID,
		Name: name, Scope: store.ScopeAll, Hash: auth.HashKey("hg_escape_test_key_0000000000"),
		Prefix: "hg_esca"}); err != nil {
		t.Fatal(err)
	}
}
