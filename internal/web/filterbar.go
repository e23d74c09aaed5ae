package web

import (
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
)

// filterError is an invalid search-bar filter, shown as text with a caret under the position
// the parser points at.
type filterError struct {
	Message string
	Source  string
	Caret   string
}

// parseFilter parses the search-bar text q. An invalid filter returns a filterError to show;
// the page then lists nothing rather than everything.
func parseFilter(q string, now time.Time) (filter.Expr, *filterError) {
	f, err := query.Parse(q, now)
	if err == nil {
		return f, nil
	}
	fe := &filterError{Message: err.Error()}
	var se *query.SyntaxError
	if errors.As(err, &se) {
		// Tabs and line breaks would move the caret off its column.
		fe.Source = strings.Map(func(r rune) rune {
			if r < ' ' {
				return ' '
			}
			return r
		}, q)
		pos := min(max(se.Pos, 0), len(q))
		fe.Caret = strings.Repeat(" ", utf8.RuneCountInString(q[:pos])) + "^"
	}
	return nil, fe
}

// isFiltered reports whether the search-bar text q narrows the logs at all.
func isFiltered(q string) bool {
	t := strings.TrimSpace(q)
	return t != "" && !strings.EqualFold(t, "all")
}

// withClause returns q narrowed by clause, a filter-language comparison.
func withClause(q, clause string) string {
	if !isFiltered(q) {
		return clause
	}
	return "(" + strings.TrimSpace(q) + ") and " + clause
}

// eqClause returns the filter-language text of field = value.
func eqClause(f filter.Field, value any) string {
	return query.Format(filter.Cond{Field: f, Op: filter.OpEq, Value: value})
}

// facetLink is a link that narrows the current filter.
type facetLink struct {
	Label string
	Count int
	Href  string
}

// facet returns a link to path with q narrowed by field = value.
func facet(path, q, label string, f filter.Field, value any) facetLink {
	return facetLink{Label: label, Href: path + "?q=" + url.QueryEscape(withClause(q,
		eqClause(f, value)))}
}

// notEqClause returns the filter-language text of field != value.
func notEqClause(f filter.Field, value any) string {
	return query.Format(filter.Cond{Field: f, Op: filter.OpNe, Value: value})
}
