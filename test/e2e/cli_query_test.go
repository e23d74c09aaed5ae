package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// queryRow is the part of a request row that the query tests check.
type queryRow struct {
	RequestID   string            `json:"request_id"`
	Status      int64             `json:"response_status"`
	Kind        string            `json:"kind"`
	Model       string            `json:"model"`
	LatencyMs   int64             `json:"latency_ms"`
	TTFT        *int64            `json:"time_to_first_token"`
	Cost        float64           `json:"cost"`
	UserID      string            `json:"user_id"`
	SessionID   string            `json:"session_id"`
	SessionPath string            `json:"session_path"`
	Properties  map[string]string `json:"properties"`
	RequestBody json.RawMessage   `json:"request_body"`
}

// newestFirst returns the fixture ids newest first, the order of every query.
func newestFirst(ids []string) []string {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

func decodeJSONL(t *testing.T, out string) []queryRow {
	t.Helper()
	var rows []queryRow
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var r queryRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("jsonl line %d is not a JSON row: %v\n%s", i+1, err, line)
		}
		rows = append(rows, r)
	}
	return rows
}

func queryRowIDs(rows []queryRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.RequestID
	}
	return out
}

func TestCLIQueryJSONL(t *testing.T) {
	srv := startServer(t)
	ids := srv.storeCLILogs(t, srv.Key)

	res := srv.mustRunCLI(t, srv.Key, "query", "--format", "jsonl")
	rows := decodeJSONL(t, res.Stdout)
	if got, want := queryRowIDs(rows), newestFirst(ids); !slices.Equal(got, want) {
		t.Fatalf("query --format jsonl ids = %v, want %v", got, want)
	}

	byID := map[string]queryRow{}
	for _, r := range rows {
		byID[r.RequestID] = r
	}
	first := byID[idN(9001)]
	if first.Status != 200 || first.Kind != "llm" || first.LatencyMs != 120 {
		t.Errorf("log 9001: status %d kind %s latency %d, want 200 llm 120", first.Status,
			first.Kind, first.LatencyMs)
	}
	if first.TTFT == nil || *first.TTFT != 40 {
		t.Errorf("log 9001: time_to_first_token %v, want 40", first.TTFT)
	}
	if first.Cost != 0.0125 {
		t.Errorf("log 9001: cost %v, want 0.0125", first.Cost)
	}
	if first.UserID != "u-1" || first.SessionID != "cli-s1" || first.SessionPath != "/plan" {
		t.Errorf("log 9001: user %q session %q path %q, want u-1 cli-s1 /plan", first.UserID,
			first.SessionID, first.SessionPath)
	}
	if first.Properties["environment"] != "production" || first.Properties["team"] != "alpha" {
		t.Errorf("log 9001: properties %v, want environment=production team=alpha",
			first.Properties)
	}
	if !json.Valid(first.RequestBody) || !strings.Contains(string(first.RequestBody),
		"weather in Oslo") {
		t.Errorf("log 9001: request_body %s, want the stored request", first.RequestBody)
	}
	tool := byID[idN(9003)]
	if tool.Status != 502 || tool.Kind != "tool" || tool.Model != "tool:search" {
		t.Errorf("log 9003: status %d kind %s model %s, want 502 tool tool:search",
			tool.Status, tool.Kind, tool.Model)
	}
	if !strings.Contains(string(tool.RequestBody), "12345678901234567890") {
		t.Errorf("log 9003: request_body %s lost the digits of a large integer",
			tool.RequestBody)
	}
	if timeout := byID[idN(9005)]; timeout.Status != -1 || timeout.Kind != "vector_db" {
		t.Errorf("log 9005: status %d kind %s, want -1 vector_db", timeout.Status,
			timeout.Kind)
	}
}

func TestCLIQueryJSON(t *testing.T) {
	srv := startServer(t)
	ids := srv.storeCLILogs(t, srv.Key)

	res := srv.mustRunCLI(t, srv.Key, "query", "--format", "json", "")
	var rows []queryRow
	if err := json.Unmarshal([]byte(res.Stdout), &rows); err != nil {
		t.Fatalf("query --format json output is not a JSON array: %v\n%s", err, res.Stdout)
	}
	if got, want := queryRowIDs(rows), newestFirst(ids); !slices.Equal(got, want) {
		t.Errorf("query --format json ids = %v, want %v", got, want)
	}

	empty := srv.mustRunCLI(t, srv.Key, "query", "--format", "json", "user = nobody")
	if strings.TrimSpace(empty.Stdout) != "[]" {
		t.Errorf("query --format json with no match printed %q, want []", empty.Stdout)
	}
}

func TestCLIQueryCSV(t *testing.T) {
	srv := startServer(t)
	ids := srv.storeCLILogs(t, srv.Key)

	res := srv.mustRunCLI(t, srv.Key, "query", "--format", "csv")
	records, err := csv.NewReader(strings.NewReader(res.Stdout)).ReadAll()
	if err != nil {
		t.Fatalf("query --format csv output does not parse as CSV: %v\n%s", err, res.Stdout)
	}
	if len(records) != len(ids)+1 {
		t.Fatalf("query --format csv printed %d records, want a header and %d rows",
			len(records), len(ids))
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	for _, name := range []string{"request_id", "status", "kind", "latency_ms", "ttft_ms",
		"cost", "user_id", "session_id", "session_path"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("csv header %v lacks %s", records[0], name)
		}
	}
	var gotIDs []string
	byID := map[string][]string{}
	for _, rec := range records[1:] {
		gotIDs = append(gotIDs, rec[col["request_id"]])
		byID[rec[col["request_id"]]] = rec
	}
	if want := newestFirst(ids); !slices.Equal(gotIDs, want) {
		t.Errorf("csv request ids = %v, want %v", gotIDs, want)
	}

	tests := []struct {
		id, column, want string
	}{
		{idN(9001), "status", "200"},
		{idN(9001), "kind", "llm"},
		{idN(9001), "latency_ms", "120"},
		{idN(9001), "ttft_ms", "40"},
		{idN(9001), "cost", "0.0125"},
		{idN(9001), "user_id", "u-1"},
		{idN(9001), "session_path", "/plan"},
		{idN(9003), "ttft_ms", ""},
		{idN(9003), "status", "502"},
		{idN(9003), "session_id", "cli-s2"},
		{idN(9005), "status", "-1"},
		{idN(9005), "latency_ms", "30000"},
	}
	for _, tc := range tests {
		if got := byID[tc.id][col[tc.column]]; got != tc.want {
			t.Errorf("csv row %s column %s = %q, want %q", tc.id, tc.column, got, tc.want)
		}
	}
}

func TestCLIQueryTable(t *testing.T) {
	srv := startServer(t)
	ids := srv.storeCLILogs(t, srv.Key)

	res := srv.mustRunCLI(t, srv.Key, "query", "--format", "table")
	lines := strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n")
	if len(lines) != len(ids)+1 {
		t.Fatalf("table has %d lines, want a header and %d rows:\n%s", len(lines), len(ids),
			res.Stdout)
	}
	header := lines[0]
	names := strings.Fields(header)
	wantNames := []string{"TIME", "STATUS", "KIND", "NAME", "LATENCY", "USER", "SESSION"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("table header %q, want columns %v", header, wantNames)
	}
	starts := make([]int, len(names))
	for i, name := range names {
		starts[i] = strings.Index(header, name)
	}
	for _, line := range lines[1:] {
		if strings.ContainsAny(line, "\t\r") {
			t.Errorf("table row %q contains a tab or carriage return", line)
		}
		for i, start := range starts[1:] {
			if len(line) <= start || line[start] == ' ' || line[start-1] != ' ' {
				t.Errorf("table row %q: column %s does not start at byte %d", line,
					names[i+1], start)
			}
		}
	}

	// The newest log is the vector database timeout of 30 seconds.
	cells := strings.Fields(lines[1])
	// TIME is two words: date and time of day.
	want := []string{"-1", "vector_db", "vector_db", "30.00s", "u-3", "-"}
	if len(cells) != 8 || !slices.Equal(cells[2:], want) {
		t.Errorf("first table row %q, want a time and then %v", lines[1], want)
	}
	if !strings.HasPrefix(lines[1], "2025-01-01 00:00:08.000") {
		t.Errorf("first table row %q does not start with its time 2025-01-01 00:00:08.000",
			lines[1])
	}
	// NAME is the bare name that the filter field name matches, without the stored prefix.
	for _, line := range lines[1:] {
		cells := strings.Fields(line)
		if len(cells) > 4 && (cells[3] == "tool" || cells[3] == "data") &&
			strings.HasPrefix(cells[4], cells[3]+":") {
			t.Errorf("table row %q: NAME %q keeps the %s: prefix", line, cells[4], cells[3])
		}
	}
}

func TestCLIQueryFilterAndLimit(t *testing.T) {
	srv := startServer(t)
	srv.storeCLILogs(t, srv.Key)

	res := srv.mustRunCLI(t, srv.Key, "query", `property.environment = "production"`,
		"--format", "jsonl")
	got := queryRowIDs(decodeJSONL(t, res.Stdout))
	if want := []string{idN(9004), idN(9002), idN(9001)}; !slices.Equal(got, want) {
		t.Errorf("query property.environment = production: ids %v, want %v", got, want)
	}

	res = srv.mustRunCLI(t, srv.Key, "query", "status != 200 or latency > 2s",
		"--format", "jsonl")
	got = queryRowIDs(decodeJSONL(t, res.Stdout))
	if want := []string{idN(9005), idN(9003), idN(9002)}; !slices.Equal(got, want) {
		t.Errorf("query status != 200 or latency > 2s: ids %v, want %v", got, want)
	}

	res = srv.mustRunCLI(t, srv.Key, "query", "--limit", "2", "--format", "jsonl")
	got = queryRowIDs(decodeJSONL(t, res.Stdout))
	if want := []string{idN(9005), idN(9004)}; !slices.Equal(got, want) {
		t.Errorf("query --limit 2: ids %v, want the newest two %v", got, want)
	}
}

func TestCLIQueryPaging(t *testing.T) {
	srv := startServer(t)
	const seeded = 2300
	srv.mustRunCLI(t, srv.Key, "seed", "--count", "2300", "--end", "2025-03-01T00:00:00Z")

	tests := []struct {
		name  string
		limit string
		want  int
	}{
		{"all pages", "0", seeded},
		{"limit within the second page", "1500", 1500},
		{"limit of exactly one page", "1000", 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := srv.mustRunCLI(t, srv.Key, "query", "--limit", tc.limit, "--format",
				"jsonl")
			rows := decodeJSONL(t, res.Stdout)
			if len(rows) != tc.want {
				t.Fatalf("query --limit %s printed %d rows, want %d", tc.limit, len(rows),
					tc.want)
			}
			seen := map[string]bool{}
			for _, r := range rows {
				if seen[r.RequestID] {
					t.Fatalf("query --limit %s printed %s twice", tc.limit, r.RequestID)
				}
				seen[r.RequestID] = true
			}
		})
	}
}

func TestCLIQueryErrors(t *testing.T) {
	srv := startServer(t)
	srv.storeCLILogs(t, srv.Key)

	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"syntax error", []string{"query", "status = = 200"}, []string{"position 9"}},
		{"unknown field", []string{"query", "colour = red"}, []string{"position 0", "colour"}},
		{"unclosed parenthesis", []string{"query", "(kind = llm"}, []string{"position"}},
		{"json format", []string{"query", "--format", "json", "kind = "},
			[]string{"position 7"}},
		{"bad format", []string{"query", "--format", "xml"}, []string{"--format", "xml"}},
		{"negative limit", []string{"query", "--limit", "-1"}, []string{"--limit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := srv.runCLI(t, srv.Key, tc.args...)
			if res.Code == 0 {
				t.Fatalf("heliograph %q: exit code 0, want non-zero", tc.args)
			}
			if res.Stdout != "" {
				t.Errorf("heliograph %q printed %q on stdout, want nothing", tc.args,
					res.Stdout)
			}
			for _, want := range tc.want {
				if !strings.Contains(res.Stderr, want) {
					t.Errorf("heliograph %q: stderr %q does not contain %q", tc.args,
						res.Stderr, want)
				}
			}
		})
	}

	res := srv.runCLI(t, "hg_not_a_key_of_this_server_0000000000000", "query")
	if res.Code == 0 || !strings.Contains(res.Stderr, "401") {
		t.Errorf("query with an unknown key: exit %d, stderr %q; want non-zero and 401",
			res.Code, res.Stderr)
	}
}

// query reports on standard error when nothing matched and when the limit cut the output,
// and leaves standard output to the logs.
func TestCLIQueryReportsEmptyAndLimit(t *testing.T) {
	srv := startServer(t)
	ids := srv.storeCLILogs(t, srv.Key)

	res := srv.mustRunCLI(t, srv.Key, "query", "--format", "jsonl", "kind = vector_db and "+
		"status = 599")
	if res.Stdout != "" || !strings.Contains(res.Stderr, "no logs match") {
		t.Errorf("query matching nothing: stdout %q, stderr %q; want none and \"no logs "+
			"match\"", res.Stdout, res.Stderr)
	}
	res = srv.mustRunCLI(t, srv.Key, "query", "--format", "jsonl", "--limit", "2")
	if n := len(decodeJSONL(t, res.Stdout)); n != 2 ||
		!strings.Contains(res.Stderr, "printed the first 2 matching logs, and more match") {
		t.Errorf("query --limit 2 of %d logs: %d rows, stderr %q; want 2 and a note", len(ids),
			n, res.Stderr)
	}
	res = srv.mustRunCLI(t, srv.Key, "query", "--format", "jsonl", "--limit", "0")
	if n := len(decodeJSONL(t, res.Stdout)); n != len(ids) || res.Stderr != "" {
		t.Errorf("query --limit 0: %d rows, stderr %q; want %d and nothing", n, res.Stderr,
			len(ids))
	}
}

// A limit equal to the number of matching logs cuts nothing, so query reports nothing.
func TestCLIQueryLimitEqualToMatches(t *testing.T) {
	srv := startServer(t)
	ids := srv.storeCLILogs(t, srv.Key)
	res := srv.mustRunCLI(t, srv.Key, "query", "--format", "jsonl", "--limit",
		fmt.Sprint(len(ids)))
	if n := len(decodeJSONL(t, res.Stdout)); n != len(ids) || res.Stderr != "" {
		t.Errorf("query --limit %d: %d rows, stderr %q; want all and nothing", len(ids), n,
			res.Stderr)
	}
}
