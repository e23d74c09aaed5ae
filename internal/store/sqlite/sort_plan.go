package sqlite

import (
	"fmt"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/store"
)

// sortPlan is a compiled sort order.
type sortPlan struct {
	order     string // the ORDER BY terms
	args      []any  // their arguments
	byCreated bool   // the order is by created_at
	// emptyLast is the text expression of an ascending text sort. Logs without the text (the
	// empty text) come after those with it, as [logQuery.emptyLastRows] reads them.
	emptyLast string
}

// compileSort returns the plan of s. Ties are broken by request_id in the same direction.
// Logs without the sort value (a missing property or score, an unknown ttft, an empty text
// such as no user) come last in either direction.
func compileSort(s filter.Sort) (sortPlan, error) {
	if s.Field.Name == "" && s.Field.Key == "" {
		return sortPlan{order: "created_at DESC, request_id DESC", byCreated: true}, nil
	}
	col, ok := lookupColumn(s.Field.Name)
	switch {
	case !ok:
		return sortPlan{}, fmt.Errorf("%w: unknown sort field %q", store.ErrInvalidQuery,
			s.Field.Name)
	case col.kind == kindBody:
		return sortPlan{}, fmt.Errorf("%w: cannot sort by %q", store.ErrInvalidQuery,
			s.Field.Name)
	case col.keyed != (s.Field.Key != ""):
		return sortPlan{}, fmt.Errorf("%w: sort field %q: key required only for property "+
			"and score", store.ErrInvalidQuery, s.Field.Name)
	}

	dir := " ASC"
	if s.Desc {
		dir = " DESC"
	}
	plan := sortPlan{byCreated: s.Field.Name == filter.FieldCreatedAt}
	expr, nulls := col.expr, ""
	switch col.kind {
	case kindProperty:
		expr = "(SELECT value FROM log_properties WHERE log_seq = logs.seq AND key = ?)"
		plan.args = []any{s.Field.Key}
	case kindScore:
		expr = "(SELECT value FROM scores WHERE log_seq = logs.seq AND name = ?)"
		plan.args = []any{s.Field.Key}
	}
	switch {
	case col.nullable || col.keyed:
		nulls = " NULLS LAST"
	case col.kind == kindText && !s.Desc:
		// Text columns hold '' for no value, such as a log without a user, and '' sorts
		// before any other text, so a descending sort puts it last as it is. Ascending, the
		// logs without it are read after the others.
		plan.emptyLast = expr
	}
	plan.order = expr + dir + nulls + ", request_id" + dir
	return plan, nil
}
