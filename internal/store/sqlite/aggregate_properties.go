package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/heliograph/heliograph/internal/store"
)

// propertyKeysSQL lists the distinct keys of a project by jumping from each key to the next
// one in the (project_pk, key, value, log_seq) index, so it reads one index entry per key
// instead of one per property row.
const propertyKeysSQL = `WITH RECURSIVE k(key) AS (
	SELECT MIN(key) FROM log_properties WHERE project_pk = ?1
	UNION ALL
	SELECT (SELECT MIN(key) FROM log_properties WHERE project_pk = ?1 AND key > k.key)
	FROM k WHERE k.key IS NOT NULL
) SELECT key FROM k WHERE key IS NOT NULL`

// propertyJoinSQL joins the rows of one property key to their logs. The caller appends the
// scope condition.
const propertyJoinSQL = " FROM log_properties AS p JOIN logs ON logs.seq = p.log_seq " +
	"WHERE p.project_pk = ? AND p.key = ? AND "

// PropertyKeys returns the property keys of the logs within s, sorted by their bytes. Without
// a filter or time range it reads one index entry per key; with one it reads the properties
// of every log within s.
func (db *DB) PropertyKeys(ctx context.Context, projectID string, s store.Scope) (
	[]string, error) {
	keys := []string{}
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		query, args, err := propertyKeysQuery(pk, s)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("property keys: %w", err)
	}
	return keys, nil
}

// propertyKeysQuery returns the query of PropertyKeys and its arguments.
func propertyKeysQuery(pk int64, s store.Scope) (string, []any, error) {
	if s.SelectsAll() {
		return propertyKeysSQL, []any{pk}, nil
	}
	where, args, err := compileScope(pk, s)
	if err != nil {
		return "", nil, err
	}
	query := "SELECT DISTINCT p.key FROM log_properties AS p JOIN logs ON logs.seq = p.log_seq " +
		"WHERE " + where + " ORDER BY p.key"
	return query, args, nil
}

// PropertyValues returns up to limit values of key that contain search, ignoring case for
// ASCII letters, with the number of logs and the cost of each, most used first, then by value.
// A zero limit means 100.
func (db *DB) PropertyValues(ctx context.Context, projectID, key, search string, limit int) (
	[]store.ValueCount, error) {
	if err := checkPage(limit, 0); err != nil {
		return nil, err
	}
	out := []store.ValueCount{}
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		query := "SELECT p.value, COUNT(*), TOTAL(logs.cost)" + propertyJoinSQL + "TRUE"
		args := []any{pk, key}
		if search != "" {
			query += " AND " + containsSQL("p.value")
			args = append(args, search)
		}
		query += " GROUP BY p.value ORDER BY COUNT(*) DESC, p.value LIMIT ?"
		var err error
		out, err = scanValueCounts(ctx, tx, query, append(args, orDefault(limit,
			defaultPropertyLimit)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("property values of %q: %w", key, err)
	}
	return out, nil
}

// PropertyTop returns up to limit values of key over the logs within s, by number of logs
// when byCost is false and by cost otherwise, then by value. A zero limit means 100.
func (db *DB) PropertyTop(ctx context.Context, projectID, key string, s store.Scope,
	byCost bool, limit int) ([]store.ValueCount, error) {
	if err := checkPage(limit, 0); err != nil {
		return nil, err
	}
	out := []store.ValueCount{}
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		where, args, err := compileScope(pk, s)
		if err != nil {
			return err
		}
		order := "COUNT(*) DESC"
		if byCost {
			order = "TOTAL(logs.cost) DESC"
		}
		query := "SELECT p.value, COUNT(*), TOTAL(logs.cost)" + propertyJoinSQL + where +
			" GROUP BY p.value ORDER BY " + order + ", p.value LIMIT ?"
		args = append([]any{pk, key}, args...)
		out, err = scanValueCounts(ctx, tx, query, append(args, orDefault(limit,
			defaultPropertyLimit)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("top values of property %q: %w", key, err)
	}
	return out, nil
}

func scanValueCounts(ctx context.Context, tx *sql.Tx, query string, args []any) (
	[]store.ValueCount, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	out := []store.ValueCount{}
	for rows.Next() {
		var v store.ValueCount
		if err := rows.Scan(&v.Value, &v.Requests, &v.Cost); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PropertyOverTime returns the number of logs and the cost of each value of key per time
// bucket, over the logs within q.Scope that have the property, oldest bucket first, then by
// value. Buckets without such logs are left out.
func (db *DB) PropertyOverTime(ctx context.Context, projectID, key string,
	q store.MetricsQuery) ([]store.PropertyPoint, error) {
	width, err := bucketWidth(q.Bucket)
	if err != nil {
		return nil, err
	}
	out := []store.PropertyPoint{}
	err = db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		where, args, err := compileScope(pk, q.Scope)
		if err != nil {
			return err
		}
		query := "SELECT " + bucketSQL + " AS b, p.value, COUNT(*), TOTAL(logs.cost)" +
			propertyJoinSQL + where + " GROUP BY b, p.value ORDER BY b, p.value"
		args = append([]any{width, width, pk, key}, args...)
		out, err = scanPropertyPoints(ctx, tx, query, args, width)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("property %q over time: %w", key, err)
	}
	return out, nil
}

func scanPropertyPoints(ctx context.Context, tx *sql.Tx, query string, args []any,
	width int64) ([]store.PropertyPoint, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	out := []store.PropertyPoint{}
	for rows.Next() {
		var p store.PropertyPoint
		var bucket int64
		if err := rows.Scan(&bucket, &p.Value, &p.Requests, &p.Cost); err != nil {
			return nil, err
		}
		p.Start = fromMilli(bucket * width)
		out = append(out, p)
	}
	return out, rows.Err()
}
