package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportLine is one line of an export file with its members left encoded.
type exportLine map[string]json.RawMessage

// readExport reads a jsonl export and returns its lines by request id.
func readExport(t *testing.T, path string) map[string]exportLine {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read export: %v", err)
	}
	out := map[string]exportLine{}
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n")) {
		var l exportLine
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("%s line %d is not JSON: %v", path, i+1, err)
		}
		var id string
		if err := json.Unmarshal(l["request_id"], &id); err != nil || id == "" {
			t.Fatalf("%s line %d has no request_id", path, i+1)
		}
		if _, dup := out[id]; dup {
			t.Fatalf("%s holds %s twice", path, id)
		}
		out[id] = l
	}
	return out
}

// apiData returns the data member of a GET answer, failing the test on any other status
// than 200.
func (s *testServer) getData(t *testing.T, key, path string) string {
	t.Helper()
	resp := s.do(t, http.MethodGet, path, key, nil, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.Status, resp.Body)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	resp.json(t, &env)
	return string(env.Data)
}

// jsonNear reports whether two JSON documents are equal, numbers within a relative 1e-9: sums
// of costs depend on the order the logs were added in, and import stores them in another
// order.
func jsonNear(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("decode %.200s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("decode %.200s: %v", b, err)
	}
	return valuesNear(va, vb)
}

func valuesNear(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(x))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesNear(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !valuesNear(v, y[k]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// TestCLIExportImportRoundTrip exports a project that holds the fixture and seeded logs and
// imports it into an empty server with another project and key.
func TestCLIExportImportRoundTrip(t *testing.T) {
	src, dst := startServer(t), startServer(t)
	dstKey := dst.newProjectKey(t, "imported", "all")
	fixtureIDs := src.storeCLILogs(t, src.Key)
	src.mustRunCLI(t, src.Key, "seed", "--count", "1200", "--sessions", "30",
		"--end", "2025-03-01T00:00:00Z")
	const total = 1205
	// A score travels in the export and is set again by import.
	resp := src.do(t, http.MethodPost, "/v1/request/"+idN(9001)+"/score", src.Key,
		[]byte(`{"scores":{"accuracy":0.75}}`), nil)
	if resp.Status/100 != 2 {
		t.Fatalf("POST score: %d %s", resp.Status, resp.Body)
	}

	dir := t.TempDir()
	exported := filepath.Join(dir, "src.jsonl")
	res := src.mustRunCLI(t, src.Key, "export", "--format", "jsonl", "--out", exported)
	if !strings.Contains(res.Stderr, fmt.Sprintf("exported %d logs", total)) {
		t.Errorf("export stderr %q does not report %d logs", res.Stderr, total)
	}
	if _, err := os.Stat(exported + ".partial"); !os.IsNotExist(err) {
		t.Errorf("export left %s.partial behind", exported)
	}

	res = dst.mustRunCLI(t, dstKey, "import", exported)
	if !strings.Contains(res.Stdout, fmt.Sprintf("%d stored, 0 duplicates, 0 rejected",
		total)) {
		t.Errorf("import output %q, want %d stored", res.Stdout, total)
	}
	if n := dst.countLogs(t, dstKey); n != total {
		t.Fatalf("the second server holds %d logs after import, want %d", n, total)
	}

	t.Run("rows equal", func(t *testing.T) {
		for _, id := range fixtureIDs {
			a, b := src.rawRow(t, src.Key, id), dst.rawRow(t, dstKey, id)
			for k := range a {
				if !bytes.Equal(a[k], b[k]) {
					t.Errorf("log %s member %s: %s before, %s after import", id, k, a[k],
						b[k])
				}
			}
			if len(a) != len(b) {
				t.Errorf("log %s: %d members before, %d after import", id, len(a), len(b))
			}
		}
	})

	t.Run("exports equal", func(t *testing.T) {
		again := filepath.Join(dir, "dst.jsonl")
		dst.mustRunCLI(t, dstKey, "export", "--out", again)
		before, after := readExport(t, exported), readExport(t, again)
		if len(before) != total || len(after) != total {
			t.Fatalf("exports hold %d and %d logs, want %d each", len(before), len(after),
				total)
		}
		for id, a := range before {
			b, ok := after[id]
			if !ok {
				t.Errorf("log %s is missing after import", id)
				continue
			}
			for k := range a {
				if !bytes.Equal(a[k], b[k]) {
					t.Errorf("log %s member %s: %s before, %s after import", id, k, a[k],
						b[k])
				}
			}
			if len(a) != len(b) {
				t.Errorf("log %s: %d members before, %d after import", id, len(a), len(b))
			}
		}
	})

	t.Run("aggregates equal", func(t *testing.T) {
		for _, path := range []string{"/v1/sessions?limit=1000", "/v1/users?limit=1000",
			"/v1/properties", "/v1/sessions/cli-s1/tree",
			"/v1/metrics?bucket=24h&from=2024-12-01T00:00:00Z&to=2025-03-02T00:00:00Z"} {
			a, b := src.getData(t, src.Key, path), dst.getData(t, dstKey, path)
			if !jsonNear(t, a, b) {
				t.Errorf("GET %s differs after import:\nbefore %.400s\nafter  %.400s", path,
					a, b)
			}
		}
	})

	t.Run("import again", func(t *testing.T) {
		res := dst.mustRunCLI(t, dstKey, "import", exported)
		want := fmt.Sprintf("0 stored, %d duplicates, 0 rejected", total)
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("second import output %q, want %q", res.Stdout, want)
		}
		if n := dst.countLogs(t, dstKey); n != total {
			t.Errorf("the second server holds %d logs after importing twice, want %d", n,
				total)
		}
	})
}

func TestCLIExportCSV(t *testing.T) {
	srv := startServer(t)
	ids := srv.storeCLILogs(t, srv.Key)

	out := filepath.Join(t.TempDir(), "logs.csv")
	srv.mustRunCLI(t, srv.Key, "export", "--format", "csv", "--out", out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("export --format csv does not parse as CSV: %v", err)
	}
	if len(records) != len(ids)+1 {
		t.Fatalf("csv export holds %d records, want a header and %d rows", len(records),
			len(ids))
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	byID := map[string][]string{}
	for _, rec := range records[1:] {
		if len(rec) != len(records[0]) {
			t.Fatalf("csv row %v has %d fields, the header %d", rec, len(rec), len(records[0]))
		}
		byID[rec[col["request_id"]]] = rec
	}

	tool := byID[idN(9003)]
	if got, want := tool[col["request_body"]], cliLogs[2].request; got != want {
		t.Errorf("csv request_body of 9003 = %q, want the stored bytes %q", got, want)
	}
	var props map[string]string
	if err := json.Unmarshal([]byte(tool[col["properties"]]), &props); err != nil {
		t.Fatalf("csv properties %q is not a JSON object: %v", tool[col["properties"]], err)
	}
	if props["note"] != `comma, "quote" and ünïcode` {
		t.Errorf("csv properties of 9003 = %v, want the note with comma and quotes", props)
	}
	stream := byID[idN(9002)]
	if raw := stream[col["response_raw"]]; !strings.HasPrefix(raw, "data: {") ||
		!strings.Contains(raw, "\n\ndata: [DONE]") {
		t.Errorf("csv response_raw of the stream = %q, want the SSE text with line breaks", raw)
	}
	if stream[col["streamed"]] != "true" || stream[col["ttft_ms"]] != "310" {
		t.Errorf("csv streamed %q ttft_ms %q of 9002, want true 310", stream[col["streamed"]],
			stream[col["ttft_ms"]])
	}
}

func TestCLIImportBadLines(t *testing.T) {
	src, dst := startServer(t), startServer(t)
	src.storeCLILogs(t, src.Key)
	dir := t.TempDir()
	exported := filepath.Join(dir, "src.jsonl")
	src.mustRunCLI(t, src.Key, "export", "--out", exported)
	raw, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != len(cliLogs) {
		t.Fatalf("export has %d lines, want %d", len(lines), len(cliLogs))
	}

	// Line 2 is corrupt, line 4 lacks its request body and the last line is cut short, as
	// when a copy stops in the middle of the file.
	lines[1] = `{"request_id": "` + "\n"
	lines[3] = strings.Replace(lines[3], `"request_body":"`, `"request_body":"{`, 1)
	last := lines[len(lines)-1]
	lines[len(lines)-1] = last[:len(last)/2]
	broken := filepath.Join(dir, "broken.jsonl")
	if err := os.WriteFile(broken, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}

	res := dst.runCLI(t, dst.Key, "import", broken)
	if res.Code == 0 {
		t.Fatalf("import of a broken file: exit code 0, want non-zero\n%s", res.Stdout)
	}
	if !strings.Contains(res.Stdout, "2 stored, 0 duplicates, 3 rejected") {
		t.Errorf("import output %q, want 2 stored and 3 rejected", res.Stdout)
	}
	for _, want := range []string{"line 2:", "line 4 (", "request_body", "line 5:"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("import stderr does not name %q:\n%s", want, res.Stderr)
		}
	}
	if n := dst.countLogs(t, dst.Key); n != 2 {
		t.Errorf("server holds %d logs after the import, want the 2 good ones", n)
	}
}

func TestCLIImportMissingFile(t *testing.T) {
	srv := startServer(t)
	missing := filepath.Join(t.TempDir(), "missing.jsonl")
	res := srv.runCLI(t, srv.Key, "import", missing)
	if res.Code == 0 || !strings.Contains(res.Stderr, missing) {
		t.Errorf("import of a missing file: exit %d, stderr %q; want non-zero naming the file",
			res.Code, res.Stderr)
	}
}

// A csv export is refused as a whole with a message that names the format to use.
func TestCLIImportRefusesCSV(t *testing.T) {
	srv := startServer(t)
	srv.storeCLILogs(t, srv.Key)
	out := filepath.Join(t.TempDir(), "logs.csv")
	srv.mustRunCLI(t, srv.Key, "export", "--format", "csv", "--out", out)
	res := srv.runCLI(t, srv.Key, "import", out)
	if res.Code != 1 || !strings.Contains(res.Stderr, "the input is a csv export") ||
		strings.Contains(res.Stderr, "line 2") {
		t.Errorf("import of a csv export: exit %d, stderr %q; want 1 and one message", res.Code,
			res.Stderr)
	}
}
