// Package ingest receives logs over HTTP, decodes them into records and commits them to the
// store through a group-commit writer.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heliograph/heliograph/internal/metrics"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// ErrWriterClosed reports a write after [Writer.Close].
var ErrWriterClosed = errors.New("writer closed")

// failingFor is how long [Writer.Failing] reports a failed commit that no later commit
// succeeded. A server that gets no traffic while it reports failure reports ready again
// after it, and the next commit then shows whether the store has recovered.
const failingFor = 30 * time.Second

// Inserter is the part of the store the writer needs.
type Inserter interface {
	InsertLogs(ctx context.Context, recs []*record.Record) ([]store.InsertStatus, error)
}

// WriterOptions configures a [Writer].
type WriterOptions struct {
	// MaxBatch is the most records one transaction takes; default 1,000.
	MaxBatch int
	// QueueLength is how many write calls may wait for a commit; default 8,192. Past it,
	// Write blocks until there is room or its context ends.
	QueueLength int
	Logger      *slog.Logger
	Metrics     *metrics.Metrics
}

// Writer commits records with group commit: one goroutine owns the store's write side and
// takes every call that queued up while the previous transaction was committing into the next
// one, so concurrent requests share a disk sync without waiting for a timer. Safe for
// concurrent use; Close stops the goroutine.
type Writer struct {
	store    Inserter
	maxBatch int
	log      *slog.Logger
	metrics  *metrics.Metrics

	queue chan *writeCall
	// Unix nanoseconds of the end of the latest failed and the latest successful commit.
	lastFailure, lastSuccess atomic.Int64
	// mu guards closed against sends on a closed queue.
	mu     sync.RWMutex
	closed bool
	done   chan struct{}
}

type writeCall struct {
	recs     []*record.Record
	statuses []store.InsertStatus
	err      error
	done     chan struct{}
}

// NewWriter starts the writer goroutine.
func NewWriter(st Inserter, opts WriterOptions) *Writer {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1000
	}
	if opts.QueueLength <= 0 {
		opts.QueueLength = 8192
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{
		store:    st,
		maxBatch: opts.MaxBatch,
		log:      opts.Logger,
		metrics:  opts.Metrics,
		queue:    make(chan *writeCall, opts.QueueLength),
		done:     make(chan struct{}),
	}
	go w.run()
	return w
}

// Write commits recs and returns one status per record. It returns only after the commit
// succeeded or failed; ctx bounds only the wait for a place in the queue, so once queued the
// records are either committed or reported failed.
func (w *Writer) Write(ctx context.Context, recs []*record.Record) ([]store.InsertStatus, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	call := &writeCall{recs: recs, done: make(chan struct{})}

	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return nil, ErrWriterClosed
	}
	select {
	case w.queue <- call:
	case <-ctx.Done():
		w.mu.RUnlock()
		return nil, fmt.Errorf("wait for writer queue: %w", ctx.Err())
	}
	w.mu.RUnlock()

	<-call.done
	return call.statuses, call.err
}

// Failing reports whether the latest commit failed less than 30 seconds before now, such as
// on a full disk, where the store may still serve reads.
func (w *Writer) Failing(now time.Time) bool {
	failed := w.lastFailure.Load()
	return failed > w.lastSuccess.Load() && now.UnixNano()-failed < int64(failingFor)
}

// QueueDepth returns the number of write calls waiting for a commit.
func (w *Writer) QueueDepth() int { return len(w.queue) }

// Close stops accepting writes, commits everything already queued and stops the goroutine.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	var batch []*writeCall
	var recs []*record.Record
	for first := range w.queue {
		batch = append(batch[:0], first)
		recs = append(recs[:0], first.recs...)
		batch, recs = w.collect(batch, recs)
		w.commit(batch, recs)
		clear(batch)
		clear(recs)
	}
}

// collect adds queued calls without waiting until the batch is full or the queue is empty.
func (w *Writer) collect(batch []*writeCall, recs []*record.Record) ([]*writeCall, []*record.Record) {
	for len(recs) < w.maxBatch {
		select {
		case call, ok := <-w.queue:
			if !ok {
				return batch, recs
			}
			batch = append(batch, call)
			recs = append(recs, call.recs...)
		default:
			return batch, recs
		}
	}
	return batch, recs
}

// commit runs one transaction for the whole batch and hands each call its statuses. The
// transaction does not use a request's context: a client that goes away must not abort the
// commit of other clients' records.
func (w *Writer) commit(batch []*writeCall, recs []*record.Record) {
	start := time.Now()
	statuses, err := w.store.InsertLogs(context.Background(), recs)
	elapsed := time.Since(start)
	if err == nil && len(statuses) != len(recs) {
		err = fmt.Errorf("BUG: store returned %d statuses for %d records", len(statuses), len(recs))
	}
	if end := start.Add(elapsed).UnixNano(); err != nil {
		w.lastFailure.Store(end)
	} else {
		w.lastSuccess.Store(end)
	}
	w.observe(statuses, len(recs), elapsed, err)

	offset := 0
	for _, call := range batch {
		n := len(call.recs)
		if err != nil {
			call.err = err
		} else {
			call.statuses = statuses[offset : offset+n : offset+n]
		}
		offset += n
		close(call.done)
	}
}

func (w *Writer) observe(statuses []store.InsertStatus, n int, elapsed time.Duration, err error) {
	if err != nil {
		w.log.Error("commit failed", "batch_size", n, "duration_ms", elapsed.Milliseconds(),
			"error", err)
	}
	if w.metrics == nil {
		return
	}
	w.metrics.CommitBatch.Observe(float64(n))
	w.metrics.CommitDuration.Observe(elapsed.Seconds())
	if err != nil {
		w.metrics.CommitErrors.Inc()
		return
	}
	stored := 0
	for _, s := range statuses {
		if s == store.Inserted {
			stored++
		}
	}
	w.metrics.LogsStored.Add(float64(stored))
	w.metrics.LogsDuplicate.Add(float64(n - stored))
}
