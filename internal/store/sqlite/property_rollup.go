package sqlite

import (
	"context"
	"database/sql"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
)

// propertyRollupChunk is the number of rows per multi-row upsert of property_hourly: 128 rows
// × 6 columns = 768 parameters.
const propertyRollupChunk = 128

// propertyHourKey identifies a row of property_hourly.
type propertyHourKey struct {
	projectPK  int64
	key, value string
	hour       int64
}

// propertyCount is the contribution of some logs to one row of property_hourly.
type propertyCount struct {
	requests int64
	cost     float64
}

// propertyRollup collects the property_hourly rows of the logs one InsertLogs call stores, so
// that each row is written once per call.
// NOTE: SetProperty moves a log from one value's row to another's. A path that deleted logs
// or changed their time or cost would have to subtract from the rows as well.
type propertyRollup struct {
	rows map[propertyHourKey]*propertyCount
}

// add counts the properties of the log r of the project pk.
func (pr *propertyRollup) add(pk int64, r *record.Record) {
	if len(r.Properties) == 0 {
		return
	}
	if pr.rows == nil {
		pr.rows = make(map[propertyHourKey]*propertyCount)
	}
	hour := floorDiv(r.CreatedAt.UnixMilli(), hourMs)
	for key, value := range r.Properties {
		k := propertyHourKey{pk, key, value, hour}
		c := pr.rows[k]
		if c == nil {
			c = &propertyCount{}
			pr.rows[k] = c
		}
		c.requests++
		c.cost += r.Cost
	}
}

// write adds the collected rows to property_hourly within tx.
func (pr *propertyRollup) write(ctx context.Context, tx *sql.Tx, stmts *stmtCache) error {
	w := &chunkWriter{ctx: ctx, tx: tx, stmts: stmts, kind: stmtAddPropertyRollup,
		chunk: propertyRollupChunk}
	for k, c := range pr.rows {
		if err := w.add(k.projectPK, k.key, k.value, k.hour, c.requests, c.cost); err != nil {
			return err
		}
	}
	return w.flush()
}

// addPropertyRollupSQL returns the upsert of rows property_hourly rows.
func addPropertyRollupSQL(rows int) string {
	return "INSERT INTO property_hourly (project_pk, key, value, hour, requests, cost) " +
		"VALUES " + repeatJoin("(?, ?, ?, ?, ?, ?)", rows) +
		" ON CONFLICT (project_pk, key, value, hour) DO UPDATE SET " +
		"requests = requests + excluded.requests, cost = cost + excluded.cost"
}

// Statements of SetProperty that move one log between rows of property_hourly. A row whose
// count drops to zero is deleted, so every row counts at least one log.
const (
	propertyRollupAddSQL = "INSERT INTO property_hourly " +
		"(project_pk, key, value, hour, requests, cost) VALUES (?, ?, ?, ?, 1, ?) " +
		"ON CONFLICT (project_pk, key, value, hour) DO UPDATE SET " +
		"requests = requests + 1, cost = cost + excluded.cost"
	propertyRollupSubtractSQL = "UPDATE property_hourly SET requests = requests - 1, " +
		"cost = cost - ? WHERE project_pk = ? AND key = ? AND value = ? AND hour = ?"
	propertyRollupDropEmptySQL = "DELETE FROM property_hourly " +
		"WHERE project_pk = ? AND key = ? AND value = ? AND hour = ? AND requests <= 0"
)

// rollupPropertyValues reports whether a scope filter f selects, among the logs that have the
// property key, exactly those whose value is one of values, so that property_hourly can serve
// the query. It accepts no filter, an empty And, and an And of those with one equality or
// IN condition of strings on the property key. all is true when f does not restrict the
// values.
func rollupPropertyValues(f filter.Expr, key string) (values []string, all, ok bool) {
	var terms []filter.Expr
	if !flattenAnd(f, &terms) {
		return nil, false, false
	}
	if len(terms) == 0 {
		return nil, true, true
	}
	c, isCond := terms[0].(filter.Cond)
	if len(terms) > 1 || !isCond ||
		c.Field != (filter.Field{Name: filter.FieldProperty, Key: key}) {
		return nil, false, false
	}
	operands := []any{c.Value}
	switch c.Op {
	case filter.OpEq:
	case filter.OpIn:
		list, isList := c.Value.([]any)
		if !isList {
			return nil, false, false
		}
		operands = list
	default:
		return nil, false, false
	}
	for _, o := range operands {
		v, isString := o.(string)
		if !isString {
			return nil, false, false
		}
		values = append(values, v)
	}
	return values, false, true
}

// flattenAnd appends the operands of f other than matches-all ones to terms, descending into
// And nodes, and reports false for an Or or a Not, which it does not flatten.
func flattenAnd(f filter.Expr, terms *[]filter.Expr) bool {
	switch e := f.(type) {
	case nil, filter.All, *filter.All:
		return true
	case filter.And:
		for _, x := range e.Exprs {
			if !flattenAnd(x, terms) {
				return false
			}
		}
		return true
	case *filter.And:
		return e == nil || flattenAnd(*e, terms)
	case filter.Or, *filter.Or, filter.Not, *filter.Not:
		return false
	default:
		*terms = append(*terms, f)
		return true
	}
}

// propertyValueList returns " AND value IN (?, ...)" for values, which must not be empty, and
// appends them to args. It returns nothing when all values count.
func propertyValueList(values []string, all bool, args []any) (string, []any) {
	if all {
		return "", args
	}
	for _, v := range values {
		args = append(args, v)
	}
	return " AND value IN (" + repeatJoin("?", len(values)) + ")", args
}
