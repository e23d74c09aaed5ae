package sqlite_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/store"
	"github.com/heliograph/heliograph/internal/store/sqlite"
)

// heliconeOrTree returns a balanced tree of or objects over n leaves of leaf.
func heliconeOrTree(n int, leaf string) string {
	if n == 1 {
		return leaf
	}
	return `{"left":` + heliconeOrTree(n/2, leaf) + `,"operator":"or","right":` +
		heliconeOrTree(n-n/2, leaf) + `}`
}

// The largest filters that the parsers accept compile and run, negated comparisons included,
// also with a condition added by the caller.
func TestLargestParsedFiltersRun(t *testing.T) {
	db, _ := openTemp(t, sqlite.Options{})
	defer db.Close()
	p, err := db.CreateProject(t.Context(), "limits")
	if err != nil {
		t.Fatal(err)
	}

	// As many negated comparisons as the length limit allows. Each compiles to two nodes.
	const term = "kind not empty or "
	terms := (query.MaxLength + len(" or ")) / len(term)
	src := strings.TrimSuffix(strings.Repeat(term, terms), " or ")
	parsed, err := query.Parse(src, time.Now())
	if err != nil {
		t.Fatalf("Parse of %d negated comparisons: %v", terms, err)
	}

	tree := heliconeOrTree(query.MaxNodes-1,
		`{"request_response_rmt":{"user_id":{"not-equals":"a"}}}`)
	helicone, err := query.ParseHeliconeFilter(json.RawMessage(tree))
	if err != nil {
		t.Fatalf("ParseHeliconeFilter of %d not-equals leaves: %v", query.MaxNodes-1, err)
	}

	extra := filter.Cond{Field: filter.Field{Name: filter.FieldKind}, Op: filter.OpEq,
		Value: "tool"}
	for name, f := range map[string]filter.Expr{"filter language": parsed,
		"Helicone tree": helicone} {
		for _, e := range []filter.Expr{f, filter.And{Exprs: []filter.Expr{f, extra}}} {
			if _, err := db.QueryLogs(t.Context(), p.ID, store.LogQuery{Filter: e}); err != nil {
				t.Errorf("%s at the node limit: QueryLogs: %v", name, err)
			}
		}
	}
}
