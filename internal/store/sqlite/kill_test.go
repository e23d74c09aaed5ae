package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// killChildEnv names the database file when the test binary runs as the writer process of
// TestCommittedSurvivesKill.
const killChildEnv = "HELIOGRAPH_SQLITE_KILL_CHILD"

const killBatch = 10

func TestMain(m *testing.M) {
	if path := os.Getenv(killChildEnv); path != "" {
		if err := runKillChild(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(runTests(m))
}

// runKillChild inserts batches until it is killed and prints "committed N" after batch N
// returns.
func runKillChild(path string) error {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	p, err := db.CreateProject(ctx, "kill")
	if err != nil {
		return err
	}
	for n := 0; n < 100000; n++ {
		recs := make([]*record.Record, killBatch)
		for i := range recs {
			recs[i] = &record.Record{ProjectID: p.ID, RequestID: fmt.Sprintf("b%06d-%d", n, i),
				Properties: map[string]string{"batch": strconv.Itoa(n)}}
		}
		if _, err := db.InsertLogs(ctx, recs); err != nil {
			return err
		}
		fmt.Printf("committed %d\n", n)
	}
	return nil
}

// TestCommittedSurvivesKill kills a writer process with SIGKILL and checks that every batch
// whose InsertLogs had returned is stored, and that no batch is stored in part. A power loss
// cannot be simulated here; synchronous=FULL is what extends the guarantee to it.
func TestCommittedSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "kill.db")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start writer: %v", err)
	}
	lastAcked := -1
	sc := bufio.NewScanner(out)
	for lastAcked < 20 && sc.Scan() {
		n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "committed "))
		if err != nil {
			t.Fatalf("writer printed %q", sc.Text())
		}
		lastAcked = n
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill writer: %v", err)
	}
	_ = cmd.Wait()
	if lastAcked < 20 {
		t.Fatalf("writer acknowledged %d batches before it stopped, want 21", lastAcked+1)
	}

	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open() after kill = %v, want nil", err)
	}
	defer db.Close()
	p, err := db.ProjectByName(t.Context(), "kill")
	if err != nil {
		t.Fatalf("ProjectByName(kill) = %v", err)
	}
	recs, err := db.QueryLogs(t.Context(), p.ID, store.LogQuery{Limit: 1 << 20})
	if err != nil {
		t.Fatalf("QueryLogs() after kill = %v", err)
	}
	if len(recs) < (lastAcked+1)*killBatch {
		t.Errorf("%d logs stored, want at least %d acknowledged", len(recs), (lastAcked+1)*killBatch)
	}
	if len(recs)%killBatch != 0 {
		t.Errorf("%d logs stored, want a multiple of the batch size %d", len(recs), killBatch)
	}
	for n := 0; n <= lastAcked; n++ {
		id := fmt.Sprintf("b%06d-%d", n, killBatch-1)
		if _, err := db.GetLog(t.Context(), p.ID, id); err != nil {
			t.Errorf("GetLog(%s) of an acknowledged batch = %v, want nil", id, err)
		}
	}
}
