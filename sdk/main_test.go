package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func runtimeStack(buf []byte) int { return runtime.Stack(buf, true) }

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// TestMain fails the run when goroutines started by the tests outlive them.
func TestMain(m *testing.M) {
	before := goroutineIDs()
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(before); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// ignoredGoroutine matches goroutines of the test runner and the runtime.
func ignoredGoroutine(stack string) bool {
	for _, s := range []string{
		"testing.(*M).", "testing.tRunner", "testing.runTests", "testing.(*T).Run",
		"os/signal.", "runtime.goexit0", "main.main()", "runtime.ensureSigM",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

func goroutineIDs() map[string]bool {
	ids := map[string]bool{}
	for _, g := range goroutineStacks() {
		ids[goroutineID(g)] = true
	}
	return ids
}

func goroutineID(stack string) string {
	head, _, _ := strings.Cut(stack, " [")
	return head
}

// leakedGoroutines waits up to two seconds for goroutines absent from before to end.
func leakedGoroutines(before map[string]bool) []string {
	var leaked []string
	for range 100 {
		leaked = leaked[:0]
		for _, g := range goroutineStacks() {
			if !before[goroutineID(g)] && !ignoredGoroutine(g) {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return leaked
}

func newTextLogger(w *strings.Builder, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{w: w, mu: mu}, nil))
}

type lockedWriter struct {
	w  *strings.Builder
	mu *sync.Mutex
}

func (lw lockedWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}
