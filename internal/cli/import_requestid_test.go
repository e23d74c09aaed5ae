package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A line whose request_id is not a UUID would get a new id from ingest on every import, so
// import rejects it and importing a file twice stores nothing twice.
func TestImportRejectsNonUUIDRequestID(t *testing.T) {
	base, _ := startKeyedServer(t, filepath.Join(t.TempDir(), "data"))
	conn := []string{"--url", base, "--api-key", fixtureKey}
	const id = "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e"
	postToolLog(t, base, id, "search")

	export := filepath.Join(t.TempDir(), "logs.jsonl")
	code, _, errOut := runCommand(t.Context(),
		append([]string{"export", "--out", export}, conn...)...)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	line, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(line), `"request_id":"`+id+`"`, `"request_id":"not-a-uuid"`, 1)
	if bad == string(line) {
		t.Fatalf("export line lacks the request id %s:\n%s", id, line)
	}
	file := filepath.Join(t.TempDir(), "import.jsonl")
	if err := os.WriteFile(file, append(line, bad...), 0o600); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		code, out, errOut := runCommand(t.Context(),
			append([]string{"import", "--gzip=false", file}, conn...)...)
		if code != 1 {
			t.Errorf("import %d: exit %d, want 1 for the rejected line; stderr:\n%s", i+1, code,
				errOut)
		}
		if !strings.Contains(out, "0 stored, 1 duplicates, 1 rejected") {
			t.Errorf("import %d: summary %q, want 0 stored, 1 duplicate, 1 rejected", i+1, out)
		}
		if !strings.Contains(errOut, `line 2: request_id: "not-a-uuid"`) {
			t.Errorf("import %d: stderr does not name line 2 and request_id:\n%s", i+1, errOut)
		}
	}

	code, out, errOut := runCommand(t.Context(),
		append([]string{"query", "--format", "jsonl"}, conn...)...)
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("query after two imports returned %d logs, want 1:\n%s", n, out)
	}
}

// An interrupted import can leave a log stored without its scores. Importing the file again
// counts the log as a duplicate and sets the scores it lacks.
func TestImportSetsScoresOnDuplicates(t *testing.T) {
	base, _ := startKeyedServer(t, filepath.Join(t.TempDir(), "data"))
	conn := []string{"--url", base, "--api-key", fixtureKey}
	const id = "0b6a1f4e-2c3d-4e5f-8a9b-1c2d3e4f5a6b"
	postToolLog(t, base, id, "search")

	export := filepath.Join(t.TempDir(), "logs.jsonl")
	code, _, errOut := runCommand(t.Context(),
		append([]string{"export", "--out", export}, conn...)...)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if info, err := os.Stat(export); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("export file: %v, %v; want mode 600", info, err)
	}
	line, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	scored := strings.Replace(string(line), `"request_id":"`+id+`"`,
		`"request_id":"`+id+`","scores":{"quality":0.75}`, 1)
	if scored == string(line) {
		t.Fatalf("export line lacks the request id %s:\n%s", id, line)
	}
	file := filepath.Join(t.TempDir(), "scored.jsonl")
	if err := os.WriteFile(file, []byte(scored), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCommand(t.Context(),
		append([]string{"import", "--gzip=false", file}, conn...)...)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "0 stored, 1 duplicates") {
		t.Errorf("import summary %q, want 0 stored, 1 duplicate", out)
	}
	code, out, errOut = runCommand(t.Context(),
		append([]string{"query", "--format", "jsonl", "request_id = " + id}, conn...)...)
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"quality":0.75`) {
		t.Errorf("query after import: scores missing, want quality 0.75:\n%s", out)
	}
}
