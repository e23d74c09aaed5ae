package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

// TestKillDuringIngest kills the server with SIGKILL while clients post logs, restarts it on
// the same data directory, and checks that every log answered 200 is stored exactly once.
func TestKillDuringIngest(t *testing.T) {
	dir := t.TempDir()
	const key = "hg_crash_test_key_0000000000000000000000"
	env := []string{"HELIOGRAPH_BOOTSTRAP_KEY=" + key}
	p := startBinary(t, dir, env)

	const clients = 8
	var (
		mu    sync.Mutex
		acked []string
		count atomic.Int64
		// lastReject holds the last non-200 status seen.
		lastReject atomic.Value
		wg         sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for c := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := record.NewRequestID()
				req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/custom/v1/log",
					bytes.NewReader([]byte(baseBody)))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Helicone-Request-Id", id)
				req.Header.Set("Helicone-Property-Client", fmt.Sprint(c))
				resp, err := client.Do(req)
				if err != nil {
					return // The server is gone.
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					lastReject.Store(resp.StatusCode)
				}
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
					count.Add(1)
				}
			}
		})
	}

	// Kill once a good number of logs were acknowledged, with writes still in flight. The
	// deadline only stops a broken server from hanging the test.
	deadline := time.After(2 * time.Minute)
	for count.Load() < 2000 {
		select {
		case <-p.done:
			t.Fatalf("server exited early:\n%s", p.logs.String())
		case <-deadline:
			t.Fatalf("only %d logs acknowledged in 2 minutes; last rejection: %v",
				count.Load(), lastReject.Load())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	wg.Wait()

	restarted := startBinary(t, dir, env)
	srv := &testServer{URL: "http://" + restarted.addr, Key: key}
	seen := map[string]int{}
	for offset := 0; ; offset += 1000 {
		rows, status := srv.queryRows(t, key,
			fmt.Sprintf(`{"filter":"all","limit":1000,"offset":%d}`, offset))
		if status != http.StatusOK {
			t.Fatalf("query after restart: status %d", status)
		}
		for _, r := range rows {
			seen[r.RequestID]++
		}
		if len(rows) < 1000 {
			break
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("request %s stored %d times", id, n)
		}
	}
	lost := 0
	for _, id := range acked {
		if seen[id] == 0 {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged logs missing after SIGKILL and restart", lost, len(acked))
	}
	t.Logf("acknowledged %d logs before SIGKILL; %d stored after restart", len(acked), len(seen))
}
