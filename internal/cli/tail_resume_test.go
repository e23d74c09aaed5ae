package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A connection that drops before the first log must not lose the logs stored while tail
// is away: the stream's opening id gives tail the position to resume from.
func TestTailResumesAfterDropBeforeFirstLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, stop := startKeyedServer(t, dir)
	proxy := newHoldProxy(t, strings.TrimPrefix(base, "http://"))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"tail", "--format", "jsonl", "--url", proxy.URL(),
			"--api-key", fixtureKey},
			Env{Stdout: out, Stderr: &syncBuffer{}, Getenv: func(string) string { return "" }})
	}()
	waitFor(t, "the first stream to open", func() bool { return proxy.count(": stream open") == 1 })

	// The server stops before any log and restarts on the same data directory, while tail's
	// reconnection waits at the proxy. The logs are stored before tail gets back.
	proxy.hold()
	if code := stop(); code != 0 {
		t.Fatalf("serve exit code %d", code)
	}
	base, _ = startKeyedServer(t, dir)
	var ids []string
	for i := range 3 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		postToolLog(t, base, id, "search")
		ids = append(ids, id)
	}
	proxy.resume(strings.TrimPrefix(base, "http://"))
	waitFor(t, "the second stream to open", func() bool {
		return proxy.count(": stream open") == 2
	})

	// A log stored after the reconnection marks the point by which tail has printed
	// everything it is going to print of the earlier ones.
	const marker = "00000000-0000-4000-8000-000000000099"
	postToolLog(t, base, marker, "search")
	waitFor(t, "tail to print the log stored after reconnecting", func() bool {
		return strings.Contains(out.String(), marker)
	})
	cancel()
	<-done
	for _, id := range ids {
		if !strings.Contains(out.String(), id) {
			t.Errorf("tail output lacks log %s, stored while the stream was down:\n%s", id,
				out.String())
		}
	}
}
