package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
)

const (
	// exportRangeSize is the number of seqs each read transaction of [DB.ExportLogs] covers,
	// so a page holds at most that many logs. A page is short enough that no read holds
	// the WAL back for long.
	//
	// NOTE: memory is bounded by logs, not bytes: up to about four pages are in flight, so
	// logs with bodies near the default ingest limit of 10 MiB could hold gigabytes at once.
	exportRangeSize = 1000
	// exportReaders is the number of pages read at once. Decoding rows in the pure-Go driver
	// takes most of an export's time, and two readers use a second core for it.
	exportReaders = 2
)

// exportColumns are the columns of an export read, in the order of [scanExportLog]: the
// columns of an export line, without the token counts, latency, request model and error.
const exportColumns = "seq, request_id, created_at, ended_at, ttft_ms, status, kind, model, " +
	"response_model, model_override, provider, path, user_id, session_id, session_name, " +
	"session_path, prompt_id, cost, streamed, request_body, response_raw"

// exportPage is one seq range of an export: the matching logs in seq order with their scores.
type exportPage struct {
	recs   []*record.Record
	scores []map[string]float64
	err    error
}

// ExportLogs calls fn for every log of the project that matches f, in seq order, with the
// request body, the raw response, the properties and the scores. It covers the logs stored
// before it starts: it reads the seq ranges up to the newest seq at that moment, each range
// in its own read transaction, [exportReaders] ranges at once, while fn runs on the page
// before them.
//
// NOTE: each range is read through the (project_pk, seq) index and f is tested on every log
// of the project, so a filter that matches few logs still reads every row once. Any other
// index would need a sort of all matches per range.
func (db *DB) ExportLogs(ctx context.Context, projectID string, f filter.Expr,
	fn func(rec *record.Record, scores map[string]float64) error) error {
	where, fargs, err := CompileFilter(f)
	if err != nil {
		return err
	}
	query := "SELECT " + exportColumns +
		" FROM logs INDEXED BY logs_project_seq WHERE project_pk = ? AND seq > ? AND seq <= ? " +
		"AND (" + where + ") ORDER BY seq"
	first, head, err := db.exportBounds(ctx, projectID)
	if err != nil {
		return fmt.Errorf("export logs: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Each range gets a channel of its own; pages come out in range order whichever reader
	// finishes first.
	pending := make(chan chan exportPage, exportReaders)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(pending)
		sem := make(chan struct{}, exportReaders)
		for lo := first; lo < head && ctx.Err() == nil; lo += exportRangeSize {
			out := make(chan exportPage, 1)
			select {
			case pending <- out:
			case <-ctx.Done():
				return
			}
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				out <- db.readExportRange(ctx, projectID, query, fargs, lo,
					min(lo+exportRangeSize, head))
			})
		}
	})
	err = drainExportPages(pending, fn)
	cancel()
	for range pending { // Let the dispatcher end before waiting for the readers.
	}
	wg.Wait()
	return err
}

// drainExportPages calls fn on the logs of every page in order and returns the first error.
func drainExportPages(pending <-chan chan exportPage,
	fn func(*record.Record, map[string]float64) error) error {
	for out := range pending {
		page := <-out
		if page.err != nil {
			return fmt.Errorf("export logs: %w", page.err)
		}
		for i, rec := range page.recs {
			if err := fn(rec, page.scores[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// exportBounds returns the seq before the project's oldest log and its newest seq; both
// are 0 for an unknown or empty project.
func (db *DB) exportBounds(ctx context.Context, projectID string) (first, head int64,
	err error) {
	err = db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		return tx.QueryRowContext(ctx, "SELECT COALESCE(MIN(seq) - 1, 0), "+
			"COALESCE(MAX(seq), 0) FROM logs WHERE project_pk = ?", pk).Scan(&first, &head)
	})
	return first, head, err
}

// readExportRange reads the matching logs with a seq in (lo, hi], then the properties and
// scores of that range with one range scan of each primary key. The scans have no project_pk
// term, because SQLite would then search the (project_pk, key) index for every row of the
// project. Rows of other projects' logs are skipped because their seqs are not in the page.
func (db *DB) readExportRange(ctx context.Context, projectID, query string, fargs []any,
	lo, hi int64) exportPage {
	var page exportPage
	page.err = db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		args := make([]any, 0, len(fargs)+3)
		args = append(args, pk, lo, hi)
		args = append(args, fargs...)
		recs, seqs, err := queryExportRows(ctx, tx, query, args, projectID)
		if err != nil || len(recs) == 0 {
			return err
		}
		page.recs = recs
		page.scores = make([]map[string]float64, len(recs))
		index := make(map[int64]int, len(seqs))
		for i, s := range seqs {
			index[s] = i
		}
		if err := page.loadProperties(ctx, tx, lo, hi, index); err != nil {
			return fmt.Errorf("load properties: %w", err)
		}
		if err := page.loadScores(ctx, tx, lo, hi, index); err != nil {
			return fmt.Errorf("load scores: %w", err)
		}
		return nil
	})
	return page
}

// queryExportRows runs query, which selects [exportColumns].
func queryExportRows(ctx context.Context, tx *sql.Tx, query string, args []any,
	projectID string) ([]*record.Record, []int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()

	var recs []*record.Record
	var seqs []int64
	for rows.Next() {
		r, seq, err := scanExportLog(rows, projectID)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
		seqs = append(seqs, seq)
	}
	return recs, seqs, rows.Err()
}

// scanExportLog reads one row of [exportColumns] and returns the record and its seq.
func scanExportLog(r rowScanner, projectID string) (*record.Record, int64, error) {
	var (
		rec            record.Record
		seq            int64
		created, ended int64
		ttft           sql.NullInt64
		streamed       int64
	)
	rec.ProjectID = projectID
	err := r.Scan(&seq, &rec.RequestID, &created, &ended, &ttft, &rec.Status, &rec.Kind,
		&rec.Model, &rec.ResponseModel, &rec.ModelOverride, &rec.Provider, &rec.Path,
		&rec.UserID, &rec.SessionID, &rec.SessionName, &rec.SessionPath, &rec.PromptID,
		&rec.Cost, &streamed, &rec.RequestBody, &rec.ResponseRaw)
	if err != nil {
		return nil, 0, err
	}
	rec.CreatedAt = fromMilli(created)
	rec.EndedAt = fromMilli(ended)
	if ttft.Valid {
		rec.TimeToFirstTokenMs = &ttft.Int64
	}
	rec.Streamed = streamed != 0
	return &rec, seq, nil
}

func (p *exportPage) loadProperties(ctx context.Context, tx *sql.Tx, lo, hi int64,
	index map[int64]int) error {
	rows, err := tx.QueryContext(ctx, "SELECT log_seq, key, value FROM log_properties "+
		"WHERE log_seq > ? AND log_seq <= ?", lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var k, v string
		if err := rows.Scan(&seq, &k, &v); err != nil {
			return err
		}
		i, ok := index[seq]
		if !ok {
			continue
		}
		r := p.recs[i]
		if r.Properties == nil {
			r.Properties = make(map[string]string)
		}
		r.Properties[k] = v
	}
	return rows.Err()
}

func (p *exportPage) loadScores(ctx context.Context, tx *sql.Tx, lo, hi int64,
	index map[int64]int) error {
	rows, err := tx.QueryContext(ctx, "SELECT log_seq, name, value FROM scores "+
		"WHERE log_seq > ? AND log_seq <= ?", lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var name string
		var v float64
		if err := rows.Scan(&seq, &name, &v); err != nil {
			return err
		}
		i, ok := index[seq]
		if !ok {
			continue
		}
		if p.scores[i] == nil {
			p.scores[i] = make(map[string]float64)
		}
		p.scores[i][name] = v
	}
	return rows.Err()
}
