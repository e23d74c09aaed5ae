package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/heliograph/heliograph/internal/record"
)

// Checkpoint thresholds. The write connection's own automatic checkpoint stays as a backstop
// at walBackstopPages, above the size the background checkpoints let the WAL reach.
const (
	// checkpointEvery is how many bytes, by walEstimate, InsertLogs writes to the WAL between
	// two background checkpoints. Larger intervals write a page changed by many commits to
	// the database file once instead of many times.
	checkpointEvery = 4 << 20
	// walBackstopPages is the wal_autocheckpoint of the write connection: 64 MiB of 4 KiB
	// pages, the size journal_size_limit truncates the WAL file back to.
	walBackstopPages = 16384
	// walBytesPerLog is what a log adds to the WAL besides its bodies: its share of the row
	// and index pages that a commit rewrites, chiefly the leaf page of the request id index
	// that its random id lands on.
	walBytesPerLog = 8 << 10
)

// checkpointer copies the WAL into the database file in the background, so that the writer
// does not stop for it. By itself SQLite runs a checkpoint inside the commit that crosses
// wal_autocheckpoint pages, and every ingest request waits for that commit. Here a goroutine
// copies the bulk on a connection of its own while commits go on. A short pass on the write
// connection then copies what those commits added, so the next commit restarts the WAL file
// from its beginning.
type checkpointer struct {
	own   *sql.DB // one connection, used only for checkpoints
	write *sql.DB // the write handle, for the catch-up pass
	path  string  // the database file, for log lines
	log   *slog.Logger

	pending atomic.Int64 // WAL bytes written since the last checkpoint began, by walEstimate
	runs    atomic.Int64 // checkpoints completed, both passes
	kick    chan struct{}
	done    chan struct{}
}

func newCheckpointer(own, write *sql.DB, path string, log *slog.Logger) *checkpointer {
	own.SetMaxOpenConns(1)
	c := &checkpointer{own: own, write: write, path: path, log: log,
		kick: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run()
	return c
}

// added records that a commit wrote about n bytes to the WAL and starts a checkpoint once
// checkpointEvery bytes have accumulated, without blocking. The DB calls it only while it
// holds its lock shared, and close only while it holds it exclusively, so never after close.
func (c *checkpointer) added(n int64) {
	if c.pending.Add(n) < checkpointEvery {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default: // a checkpoint is already due
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for range c.kick {
		c.pending.Store(0)
		c.checkpoint(c.own, "background")
		c.checkpoint(c.write, "catch-up")
		c.runs.Add(1)
	}
}

// checkpoint runs a passive checkpoint, which copies the frames that no reader still needs and
// waits for no lock. SQLITE_BUSY means that another checkpoint is running and does the same
// work. Other failures are logged, and the next checkpoint or the backstop copies the frames.
func (c *checkpointer) checkpoint(h *sql.DB, pass string) {
	_, err := h.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	if err != nil && errCode(err)&0xff != sqlite3.SQLITE_BUSY {
		c.log.Warn("checkpoint failed", "path", c.path, "pass", pass, "error", err)
	}
}

// close stops the goroutine after the checkpoint in progress and closes the checkpoint
// connection.
func (c *checkpointer) close() error {
	close(c.kick)
	<-c.done
	return c.own.Close()
}

// walEstimate returns about how many bytes storing recs adds to the WAL.
func walEstimate(recs []*record.Record) int64 {
	var n int64
	for _, r := range recs {
		n += int64(len(r.RequestBody)+len(r.ResponseBody)+len(r.ResponseRaw)) + walBytesPerLog
	}
	return n
}
