package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

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
// A zero limit means 100. It reads property_hourly.
func (db *DB) PropertyValues(ctx context.Context, projectID, key, search string, limit int) (
	[]store.ValueCount, error) {
	if err := checkPage(limit, 0); err != nil {
		return nil, err
	}
	out := []store.ValueCount{}
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		query := propertyTotalsSQL
		args := []any{pk, key}
		if search != "" {
			query += " AND " + containsSQL("value")
			args = append(args, search)
		}
		query += " GROUP BY value ORDER BY SUM(requests) DESC, value LIMIT ?"
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

// propertyTotalsSQL sums the rows of property_hourly of one key by value. The caller appends
// conditions, the grouping and the order.
const propertyTotalsSQL = "SELECT value, SUM(requests), TOTAL(cost) FROM property_hourly " +
	"WHERE project_pk = ? AND key = ?"

// PropertyTop returns up to limit values of key over the logs within s, by number of logs
// when byCost is false and by cost otherwise, then by value. A zero limit means 100. A scope
// without a time range, whose filter is absent or only picks values of key, is read from
// property_hourly. Any other scope groups the property rows of the logs within it.
func (db *DB) PropertyTop(ctx context.Context, projectID, key string, s store.Scope,
	byCost bool, limit int) ([]store.ValueCount, error) {
	if err := checkPage(limit, 0); err != nil {
		return nil, err
	}
	out := []store.ValueCount{}
	err := db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		query, args, err := propertyTopQuery(pk, key, s, byCost)
		if err != nil {
			return err
		}
		out, err = scanValueCounts(ctx, tx, query, append(args, orDefault(limit,
			defaultPropertyLimit)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("top values of property %q: %w", key, err)
	}
	return out, nil
}

// propertyTopQuery returns the query of PropertyTop without its LIMIT value, and its other
// arguments.
func propertyTopQuery(pk int64, key string, s store.Scope, byCost bool) (string, []any,
	error) {
	values, all, ok := rollupPropertyValues(s.Filter, key)
	if ok && s.From.IsZero() && s.To.IsZero() {
		order := "SUM(requests) DESC"
		if byCost {
			order = "TOTAL(cost) DESC"
		}
		in, args := propertyValueList(values, all, []any{pk, key})
		return propertyTotalsSQL + in + " GROUP BY value ORDER BY " + order +
			", value LIMIT ?", args, nil
	}

	where, args, err := compileScope(pk, s)
	if err != nil {
		return "", nil, err
	}
	order := "COUNT(*) DESC"
	if byCost {
		order = "TOTAL(logs.cost) DESC"
	}
	query := "SELECT p.value, COUNT(*), TOTAL(logs.cost)" + propertyJoinSQL + where +
		" GROUP BY p.value ORDER BY " + order + ", p.value LIMIT ?"
	return query, append([]any{pk, key}, args...), nil
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
// value. Buckets without such logs are left out. For buckets of whole hours, with no filter or
// one that only picks values of key, the whole hours come from property_hourly and only the
// partial hours at the ends from the logs.
func (db *DB) PropertyOverTime(ctx context.Context, projectID, key string,
	q store.MetricsQuery) ([]store.PropertyPoint, error) {
	width, err := bucketWidth(q.Bucket)
	if err != nil {
		return nil, err
	}
	out := []store.PropertyPoint{}
	err = db.view(ctx, projectID, func(tx *sql.Tx, pk int64) error {
		parts := []metricsPart{{scope: q.Scope}}
		values, all, ok := rollupPropertyValues(q.Scope.Filter, key)
		if ok && width%hourMs == 0 {
			parts = splitHours(q.Scope)
		}
		sums := make(map[propertyBucket]*propertyCount)
		for _, part := range parts {
			if part.rollup {
				err = readPropertyRollup(ctx, tx, pk, key, values, all, part, width, sums)
			} else {
				err = readPropertyLogs(ctx, tx, pk, key, part.scope, width, sums)
			}
			if err != nil {
				return err
			}
		}
		out = propertyPoints(sums, width)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("property %q over time: %w", key, err)
	}
	return out, nil
}

// propertyBucket identifies a point of PropertyOverTime.
type propertyBucket struct {
	bucket int64
	value  string
}

// readPropertyRollup adds the property_hourly rows of key in the hours of part to sums.
func readPropertyRollup(ctx context.Context, tx *sql.Tx, pk int64, key string,
	values []string, all bool, part metricsPart, width int64,
	sums map[propertyBucket]*propertyCount) error {
	if !all && len(values) == 0 {
		return nil
	}
	in, args := propertyValueList(values, all, []any{pk, key, part.fromHour, part.toHour})
	rows, err := tx.QueryContext(ctx, "SELECT hour, value, requests, cost FROM property_hourly "+
		"WHERE project_pk = ? AND key = ? AND hour >= ? AND hour < ?"+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		var hour int64
		var value string
		var c propertyCount
		if err := rows.Scan(&hour, &value, &c.requests, &c.cost); err != nil {
			return err
		}
		addPropertyCount(sums, propertyBucket{floorDiv(hour*hourMs, width), value}, c)
	}
	return rows.Err()
}

// readPropertyLogs adds the property rows of key of the logs within scope to sums.
func readPropertyLogs(ctx context.Context, tx *sql.Tx, pk int64, key string, scope store.Scope,
	width int64, sums map[propertyBucket]*propertyCount) error {
	where, args, err := compileScope(pk, scope)
	if err != nil {
		return err
	}
	query := "SELECT " + bucketSQL + " AS b, p.value, COUNT(*), TOTAL(logs.cost)" +
		propertyJoinSQL + where + " GROUP BY b, p.value"
	rows, err := tx.QueryContext(ctx, query, append([]any{width, width, pk, key}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()

	for rows.Next() {
		var b propertyBucket
		var c propertyCount
		if err := rows.Scan(&b.bucket, &b.value, &c.requests, &c.cost); err != nil {
			return err
		}
		addPropertyCount(sums, b, c)
	}
	return rows.Err()
}

func addPropertyCount(sums map[propertyBucket]*propertyCount, b propertyBucket,
	c propertyCount) {
	sum := sums[b]
	if sum == nil {
		sum = &propertyCount{}
		sums[b] = sum
	}
	sum.requests += c.requests
	sum.cost += c.cost
}

// propertyPoints returns the points of sums, oldest bucket first, then by value.
func propertyPoints(sums map[propertyBucket]*propertyCount, width int64) []store.PropertyPoint {
	keys := slices.Collect(maps.Keys(sums))
	slices.SortFunc(keys, func(a, b propertyBucket) int {
		if c := cmp.Compare(a.bucket, b.bucket); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	out := make([]store.PropertyPoint, 0, len(keys))
	for _, k := range keys {
		s := sums[k]
		out = append(out, store.PropertyPoint{Start: fromMilli(k.bucket * width), Value: k.value,
			Requests: s.requests, Cost: s.cost})
	}
	return out
}
