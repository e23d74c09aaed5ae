package e2e

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seededRow is the part of a request row that the seed tests count.
type seededRow struct {
	RequestID  string            `json:"request_id"`
	Status     int64             `json:"response_status"`
	Kind       string            `json:"kind"`
	Streamed   bool              `json:"streamed"`
	UserID     string            `json:"user_id"`
	SessionID  string            `json:"session_id"`
	Path       string            `json:"session_path"`
	Properties map[string]string `json:"properties"`
}

// allRows reads every log of the key's project through heliograph query.
func (s *testServer) allRows(t *testing.T, key string) []seededRow {
	t.Helper()
	res := s.mustRunCLI(t, key, "query", "--limit", "0", "--format", "jsonl")
	var rows []seededRow
	for _, line := range strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n") {
		var r seededRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("query printed a line that is not a JSON row: %v\n%s", err, line)
		}
		rows = append(rows, r)
	}
	return rows
}

func TestCLISeedStoresExactlyCount(t *testing.T) {
	srv := startServer(t)
	const count = 1500
	res := srv.mustRunCLI(t, srv.Key, "seed", "--count", "1500", "--seed", "5",
		"--end", "2025-03-01T00:00:00Z")
	if !strings.Contains(res.Stdout, "(1500 stored, 0 duplicates, 0 rejected)") {
		t.Errorf("seed output %q, want 1500 stored", res.Stdout)
	}

	rows := srv.allRows(t, srv.Key)
	if len(rows) != count {
		t.Fatalf("server holds %d logs after seed --count %d", len(rows), count)
	}
	kinds := map[string]int{}
	sessions, users := map[string]int{}, map[string]bool{}
	failed, streamed, nested := 0, 0, 0
	for _, r := range rows {
		kinds[r.Kind]++
		if r.SessionID != "" {
			sessions[r.SessionID]++
		}
		if strings.Count(r.Path, "/") >= 2 {
			nested++
		}
		users[r.UserID] = true
		if r.Status != 200 {
			failed++
		}
		if r.Streamed {
			streamed++
		}
		for _, key := range []string{"environment", "feature", "customer"} {
			if r.Properties[key] == "" {
				t.Fatalf("log %s lacks the property %s: %v", r.RequestID, key, r.Properties)
			}
		}
	}
	for _, kind := range []string{"llm", "tool", "vector_db", "data"} {
		if kinds[kind] == 0 {
			t.Errorf("no log of kind %s among %v", kind, kinds)
		}
	}
	if len(sessions) < 10 || nested == 0 {
		t.Errorf("%d sessions and %d logs with nested session paths, want at least 10 and 1",
			len(sessions), nested)
	}
	if len(users) < 5 || failed == 0 || streamed == 0 {
		t.Errorf("%d users, %d failed and %d streamed logs, want at least 5, 1 and 1",
			len(users), failed, streamed)
	}
	if props := srv.getData(t, srv.Key, "/v1/properties"); !strings.Contains(props,
		"environment") || !strings.Contains(props, "customer") {
		t.Errorf("GET /v1/properties = %s, want environment and customer", props)
	}

	res = srv.mustRunCLI(t, srv.Key, "seed", "--count", "1500", "--seed", "5",
		"--end", "2025-03-01T00:00:00Z")
	if !strings.Contains(res.Stdout, "(0 stored, 1500 duplicates, 0 rejected)") {
		t.Errorf("second seed output %q, want 1500 duplicates", res.Stdout)
	}
	if n := srv.countLogs(t, srv.Key); n != count {
		t.Errorf("server holds %d logs after seeding twice, want %d", n, count)
	}

	// Another seed selects other ids, so its logs are stored beside the first ones.
	srv.mustRunCLI(t, srv.Key, "seed", "--count", "200", "--seed", "6",
		"--end", "2025-03-01T00:00:00Z")
	if n := srv.countLogs(t, srv.Key); n != count+200 {
		t.Errorf("server holds %d logs after seeding 200 with another seed, want %d", n,
			count+200)
	}
}

func TestCLISeedBigSession(t *testing.T) {
	srv := startServer(t)
	srv.mustRunCLI(t, srv.Key, "seed", "--count", "3000", "--sessions", "40",
		"--big-session-logs", "1200", "--end", "2025-03-01T00:00:00Z")

	sizes := map[string]int{}
	for _, r := range srv.allRows(t, srv.Key) {
		if r.SessionID != "" {
			sizes[r.SessionID]++
		}
	}
	largest, id := 0, ""
	for s, n := range sizes {
		if n > largest {
			largest, id = n, s
		}
	}
	if largest != 1200 {
		t.Fatalf("largest session holds %d logs, want exactly 1200", largest)
	}
	var tree struct {
		TotalRequests int `json:"total_requests"`
	}
	raw := srv.getData(t, srv.Key, "/v1/sessions/"+url.PathEscape(id)+"/tree")
	if err := json.Unmarshal([]byte(raw), &tree); err != nil {
		t.Fatal(err)
	}
	if tree.TotalRequests != 1200 {
		t.Errorf("tree of session %s has %d requests, want 1200", id, tree.TotalRequests)
	}
}

func TestCLISeedFlagErrors(t *testing.T) {
	srv := startServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no count", []string{"seed"}, "count"},
		{"bad end", []string{"seed", "--count", "5", "--end", "yesterday"}, "--end"},
		{"negative big session", []string{"seed", "--count", "5", "--big-session-logs", "-1"},
			"big session"},
		{"batch too large", []string{"seed", "--count", "5", "--batch-size", "5000"},
			"--batch-size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := srv.runCLI(t, srv.Key, tc.args...)
			if res.Code == 0 || !strings.Contains(res.Stderr, tc.want) {
				t.Errorf("heliograph %q: exit %d, stderr %q; want non-zero naming %q", tc.args,
					res.Code, res.Stderr, tc.want)
			}
		})
	}
	if n := srv.countLogs(t, srv.Key); n != 0 {
		t.Errorf("server holds %d logs after rejected seed commands, want 0", n)
	}
}

// TestCLINoProgressOffTerminal runs the commands that draw a progress bar with their stderr
// in a regular file, and checks that no bar was drawn.
func TestCLINoProgressOffTerminal(t *testing.T) {
	srv := startServer(t)
	dir := t.TempDir()
	exported := filepath.Join(dir, "logs.jsonl")
	for _, args := range [][]string{
		{"seed", "--count", "300", "--end", "2025-03-01T00:00:00Z"},
		{"export", "--out", exported},
		{"import", exported},
	} {
		stderr, err := os.Create(filepath.Join(dir, args[0]+".stderr"))
		if err != nil {
			t.Fatal(err)
		}
		var stdout lockedWriter
		code := runWithStderr(t, srv, args, &stdout, stderr)
		stderr.Close()
		if code != 0 {
			t.Fatalf("heliograph %q: exit code %d", args, code)
		}
		out, err := os.ReadFile(stderr.Name())
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(string(out), "\r\x1b") || strings.Contains(string(out), "[#") {
			t.Errorf("heliograph %q drew a progress bar into a file: %q", args, out)
		}
	}
}
