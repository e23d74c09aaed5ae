package sqlite

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

// TestBackgroundCheckpoint stores about 96 MiB of logs, past the background threshold and past
// the write connection's own 64 MiB backstop. The background checkpoints must copy the logs
// into the database file, and the WAL file must restart instead of growing with every commit.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heliograph.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	p, err := db.CreateProject(t.Context(), "checkpoints")
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}

	body := bytes.Repeat([]byte("x"), 64<<10)
	const batches, perBatch = 48, 32 // 1,536 logs of 64 KiB
	for range batches {
		recs := make([]*record.Record, perBatch)
		for i := range recs {
			now := time.Now()
			recs[i] = &record.Record{ProjectID: p.ID, RequestID: record.NewRequestID(),
				CreatedAt: now, EndedAt: now, Status: 200, Kind: record.KindLLM,
				Model: "m", RequestBody: body}
		}
		if _, err := db.InsertLogs(t.Context(), recs); err != nil {
			t.Fatalf("InsertLogs: %v", err)
		}
	}

	// Each 4 MiB crossed starts a checkpoint, and kicks that come during one merge.
	waitFor(t, func() bool { return db.ckpt.runs.Load() >= 2 })
	if n := db.ckpt.runs.Load(); n < 2 {
		t.Fatalf("background checkpoints = %d, want at least 2 for 96 MiB of logs", n)
	}
	dbSize := fileSize(t, path)
	if dbSize < 32<<20 {
		t.Errorf("database file = %d bytes after the checkpoints, want at least 32 MiB", dbSize)
	}
	// With the backstop alone, the WAL file reaches 64 MiB before its first checkpoint.
	if walSize := fileSize(t, path+"-wal"); walSize >= 48<<20 {
		t.Errorf("WAL file = %d bytes, want below 48 MiB: the WAL did not start over", walSize)
	}
}

func waitFor(t *testing.T, done func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if done() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return fi.Size()
}
