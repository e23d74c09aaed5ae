package cli

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/heliograph/heliograph/internal/auth"
)

// streamLog records the writes of standard output and standard error in the order they
// happen, as a terminal that shows both would.
type streamLog struct {
	mu     sync.Mutex
	writes []streamWrite
}

type streamWrite struct {
	stream, text string
}

// writer returns a writer that records its writes under stream.
func (l *streamLog) writer(stream string) *streamLogWriter {
	return &streamLogWriter{log: l, stream: stream}
}

type streamLogWriter struct {
	log    *streamLog
	stream string
}

func (w *streamLogWriter) Write(p []byte) (int, error) {
	w.log.mu.Lock()
	defer w.log.mu.Unlock()
	w.log.writes = append(w.log.writes, streamWrite{w.stream, string(p)})
	return len(p), nil
}

// keys create explains the key on standard error before the key appears on standard
// output, and standard output holds nothing but the key, for scripts that capture it.
func TestKeysCreatePrintsExplanationFirst(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, out := runServeOnce(t, nil, "--addr", "127.0.0.1:0", "--data-dir", dir); code != 0 {
		t.Fatalf("serve: exit %d:\n%s", code, out)
	}
	var log streamLog
	code := Run(t.Context(), []string{"keys", "create", "--data-dir", dir, "--name", "ci"},
		Env{Stdout: log.writer("stdout"), Stderr: log.writer("stderr"), Getenv: envFrom(nil)})
	if code != 0 {
		t.Fatalf("keys create: exit %d: %v", code, log.writes)
	}

	var stdout []string
	explained := -1
	for i, w := range log.writes {
		switch {
		case w.stream == "stdout":
			stdout = append(stdout, w.text)
			if explained < 0 {
				t.Errorf("keys create wrote %q to stdout before the explanation on stderr", w.text)
			}
		case strings.Contains(w.text, "it is shown only once"):
			explained = i
		}
	}
	if explained < 0 {
		t.Errorf("keys create wrote no explanation to stderr: %v", log.writes)
	}
	key := strings.Join(stdout, "")
	if !strings.HasPrefix(key, auth.KeyPrefix) || strings.Count(key, "\n") != 1 ||
		strings.ContainsAny(strings.TrimSuffix(key, "\n"), " \t\n") {
		t.Errorf("keys create stdout = %q, want only the key and a line break", key)
	}
}
