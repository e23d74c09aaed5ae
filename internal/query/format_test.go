package query_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestParseGolden parses every filter in testdata/parse.txt and compares its canonical form
// and tree with testdata/parse.golden. The input has one filter per line, and blank lines
// and lines starting with # are skipped.
func TestParseGolden(t *testing.T) {
	inputs := readFilters(t, filepath.Join("testdata", "parse.txt"))
	var out strings.Builder
	for _, src := range inputs {
		e, err := query.Parse(src, testNow)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", src, err)
			continue
		}
		fmt.Fprintf(&out, "filter: %s\nformat: %s\n", src, query.Format(e))
		dumpTree(&out, e, "  ")
		out.WriteString("\n")
	}

	golden := filepath.Join("testdata", "parse.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("output differs from %s; run go test -update and review the diff\n%s", golden,
			firstDiff(got, string(want)))
	}
}

func readFilters(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// dumpTree writes one node per line, indented by depth, with the Go type of every value.
func dumpTree(b *strings.Builder, e filter.Expr, indent string) {
	switch e := e.(type) {
	case filter.All:
		fmt.Fprintf(b, "%sall\n", indent)
	case filter.And:
		fmt.Fprintf(b, "%sand\n", indent)
		for _, x := range e.Exprs {
			dumpTree(b, x, indent+"  ")
		}
	case filter.Or:
		fmt.Fprintf(b, "%sor\n", indent)
		for _, x := range e.Exprs {
			dumpTree(b, x, indent+"  ")
		}
	case filter.Not:
		fmt.Fprintf(b, "%snot\n", indent)
		dumpTree(b, e.X, indent+"  ")
	case filter.Cond:
		field := e.Field.Name
		if e.Field.Key != "" {
			field += fmt.Sprintf("[%q]", e.Field.Key)
		}
		fmt.Fprintf(b, "%s%s %s%s\n", indent, field, e.Op, dumpValue(e.Value))
	default:
		fmt.Fprintf(b, "%s%T\n", indent, e)
	}
}

func dumpValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		return " time(" + v.Format(time.RFC3339Nano) + ")"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strings.TrimPrefix(dumpValue(x), " ")
		}
		return " [" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf(" %T(%#v)", v, v)
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, gl, wl)
		}
	}
	return ""
}

func TestFormat(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	tests := []struct {
		name string
		e    filter.Expr
		want string
	}{
		{"nil", nil, "all"},
		{"all", filter.All{}, "all"},
		{"empty and", filter.And{}, "all"},
		{"empty or", filter.Or{}, "not all"},
		{"or inside and",
			and(or(cond("status", filter.OpEq, int64(1)), cond("status", filter.OpEq, int64(2))),
				cond("cost", filter.OpGt, 0.5)), "(status = 1 or status = 2) and cost > 0.5"},
		{"and inside or",
			or(and(cond("status", filter.OpEq, int64(1)), cond("status", filter.OpEq, int64(2))),
				cond("cost", filter.OpGt, 0.5)), "status = 1 and status = 2 or cost > 0.5"},
		{"and inside and",
			and(and(cond("user", filter.OpEq, "a"), cond("user", filter.OpEq, "b")),
				cond("user", filter.OpEq, "c")), `(user = "a" and user = "b") and user = "c"`},
		{"or inside or",
			or(or(cond("user", filter.OpEq, "a"), cond("user", filter.OpEq, "b")),
				cond("user", filter.OpEq, "c")), `(user = "a" or user = "b") or user = "c"`},
		{"not of and",
			filter.Not{X: and(cond("user", filter.OpEq, "a"), cond("user", filter.OpEq, "b"))},
			`not (user = "a" and user = "b")`},
		{"not of exists", filter.Not{X: prop("x", filter.OpExists, nil)}, "not property.x exists"},
		{"null", prop("x", filter.OpNull, nil), "property.x not exists"},
		{"not in is postfix",
			filter.Not{X: cond("status", filter.OpIn, []any{int64(1), int64(2)})},
			"status not in (1, 2)"},
		{"not empty is postfix", filter.Not{X: cond("user", filter.OpEmpty, nil)},
			"user not empty"},
		{"not ilike is postfix", filter.Not{X: cond("model", filter.OpILike, "%a%")},
			`model not ilike "%a%"`},
		{"contains", cond("body", filter.OpNotContains, "x"), `body !~ "x"`},
		{"quoted keys",
			and(prop("uni.workflow.id", filter.OpEq, "a"), prop("o'brien", filter.OpEq, "b"),
				score("key with space", filter.OpGt, 1.0)),
			`property."uni.workflow.id" = "a" and property."o'brien" = "b" and ` +
				`score."key with space" > 1`},
		{"bare keys", and(prop("a_b-c", filter.OpExists, nil), score("Helpful", filter.OpEq, 1.0)),
			"property.a_b-c exists and score.Helpful = 1"},
		{"string escapes", cond("user", filter.OpEq, "a\"b\\c\nd\re\tf\x00\x7fé"),
			`user = "a\"b\\c\nd\re\tf\u0000\u007fé"`},
		{"time in UTC", cond("created_at", filter.OpGe, at),
			"created_at >= 2025-01-02T02:04:05.000000006Z"},
		{"float exponent", cond("cost", filter.OpLt, 1e-9), "cost < 1e-09"},
		{"session fields",
			and(cond("session_id", filter.OpEq, "s"), cond("session_name", filter.OpEq, "n"),
				cond("session_path", filter.OpEq, "/a")),
			`session_id = "s" and session_name = "n" and session_path = "/a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := query.Format(tt.e); got != tt.want {
				t.Errorf("Format(%#v)\n got  %s\n want %s", tt.e, got, tt.want)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and that the canonical form of every tree it
// returns parses back to the same tree.
func FuzzParse(f *testing.F) {
	for _, src := range readFiltersFile(f, filepath.Join("testdata", "parse.txt")) {
		f.Add(src)
	}
	for _, src := range []string{"", "(", `"`, `property."`, `time > -1d`, `a = "\uD83D\uDE00"`,
		"not not not", "status in (1,", `cost = 1e308`, `latency = 9223372036854775807`} {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := query.Parse(src, testNow)
		if err != nil {
			return
		}
		text := query.Format(e)
		if len(text) > query.MaxLength {
			return
		}
		again, err := query.Parse(text, testNow)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v\nFormat = %q\nre-parse error: %v", src, e, text, err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("Parse(%q)\n first  %#v\n Format %q\n second %#v", src, e, text, again)
		}
	})
}

func readFiltersFile(f *testing.F, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	return lines
}
