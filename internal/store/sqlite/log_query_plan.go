package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

// logQuery is a log query within a project, compiled up to its ORDER BY and LIMIT.
type logQuery struct {
	columns  string // the SELECT list
	from     string // " FROM logs WHERE ..." with the project, filter and cursor
	fromArgs []any
	sort     sortPlan
	limit    int
	offset   int
}

// page returns the SELECT of the logs of lq that also meet cond (SQL starting with " AND ",
// or empty), in the given order, and its arguments.
func (lq *logQuery) page(cond, order string, orderArgs []any, limit, offset int) (string,
	[]any) {
	args := append(slices.Clip(lq.fromArgs), orderArgs...)
	return "SELECT " + lq.columns + lq.from + cond + " ORDER BY " + order + " LIMIT ? OFFSET ?",
		append(args, limit, offset)
}

// buildLogQuery compiles q within the project.
func buildLogQuery(projectID string, q store.LogQuery) (*logQuery, error) {
	if q.Limit < 0 || q.Offset < 0 {
		return nil, fmt.Errorf("%w: negative limit or offset", store.ErrInvalidQuery)
	}
	where, fargs, err := CompileFilter(q.Filter)
	if err != nil {
		return nil, err
	}
	plan, err := compileSort(q.Sort)
	if err != nil {
		return nil, err
	}

	lq := &logQuery{columns: logMetaColumns, sort: plan, limit: q.Limit, offset: q.Offset}
	if q.WithBodies {
		lq.columns += logBodyColumns
	}
	if lq.limit == 0 {
		lq.limit = defaultLimit
	}
	from := " FROM logs WHERE project_pk = " + projectPKSQL
	lq.fromArgs = append([]any{projectID}, fargs...)
	if where != "TRUE" {
		from += " AND (" + where + ")"
	}
	if q.After != nil {
		if !plan.byCreated {
			return nil, fmt.Errorf("%w: a cursor needs the order by created_at",
				store.ErrInvalidQuery)
		}
		// Row-value comparison in the direction of the order: the page starts right after
		// the cursor row, whatever was inserted before or after it.
		cmp := ">"
		if q.Sort.Field.Name == "" || q.Sort.Desc {
			cmp = "<"
		}
		from += " AND (created_at, request_id) " + cmp + " (?, ?)"
		lq.fromArgs = append(lq.fromArgs, q.After.CreatedAt.UnixMilli(), q.After.RequestID)
		lq.offset = 0
	}
	lq.from = from
	return lq, nil
}

// emptyLastRows reads a page of an ascending sort by a text field with the logs that have
// the text first and those without it (the empty text) after them. Each part is a query of
// its own, so SQLite reads the first in the order of the field's index and stops at the
// page's end. A single ORDER BY that moved the empty text last would sort every log in
// scope. Both queries run in tx, so they see one snapshot.
func (lq *logQuery) emptyLastRows(ctx context.Context, tx *sql.Tx, projectID string,
	withBodies bool) ([]*record.Record, []int64, error) {
	has, lacks := " AND "+lq.sort.emptyLast+" <> ''", " AND "+lq.sort.emptyLast+" = ''"
	query, args := lq.page(has, lq.sort.order, lq.sort.args, lq.limit, lq.offset)
	recs, seqs, err := queryLogRows(ctx, tx, query, args, projectID, withBodies)
	if err != nil || len(recs) == lq.limit {
		return recs, seqs, err
	}

	// The page reaches past the logs with the text. If it starts past them too, the logs
	// before it that have the text are counted, so that the rest of the offset skips logs
	// without it.
	offset := 0
	if len(recs) == 0 && lq.offset > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*)"+lq.from+has, lq.fromArgs...).
			Scan(&n); err != nil {
			return nil, nil, err
		}
		offset = max(lq.offset-n, 0)
	}
	query, args = lq.page(lacks, "request_id ASC", nil, lq.limit-len(recs), offset)
	more, moreSeqs, err := queryLogRows(ctx, tx, query, args, projectID, withBodies)
	if err != nil {
		return nil, nil, err
	}
	return append(recs, more...), append(seqs, moreSeqs...), nil
}
