package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file with lines that the client cannot decode and a line that the server rejects is
// reported under one heading for each origin. A decoding problem names the line and the
// field in the terms of the file, not of Go.
func TestImportReportsRejectionsByOrigin(t *testing.T) {
	addr, _, _ := runServer(t, filepath.Join(t.TempDir(), "data"), map[string]string{
		"HELIOGRAPH_BOOTSTRAP_KEY": fixtureKey, "HELIOGRAPH_MAX_BODY_BYTES": "2048"})
	base := "http://" + addr
	conn := []string{"--url", base, "--api-key", fixtureKey}
	postToolLog(t, base, "3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e", "search")

	export := filepath.Join(t.TempDir(), "logs.jsonl")
	code, _, errOut := runCommand(t.Context(),
		append([]string{"export", "--out", export}, conn...)...)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	good, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	var big exportLog
	if err := json.Unmarshal(good, &big); err != nil {
		t.Fatalf("decode export line: %v", err)
	}
	big.RequestID = "7d2a1b3c-4d5e-4f60-8a71-9b2c3d4e5f60"
	big.RequestBody = `{"x":"` + strings.Repeat("a", 4096) + `"}`
	bigLine, err := json.Marshal(big)
	if err != nil {
		t.Fatal(err)
	}

	// The blank third line counts in the line numbers but not as a log.
	lines := []string{
		strings.TrimSpace(string(good)),
		`{"request_id":"0b6a1f4e-2c3d-4e5f-8a9b-1c2d3e4f5a6b","status":"ok"}`,
		"",
		string(bigLine),
		`{"request_id":"0b6a1f4e-2c3d-4e5f-8a9b-1c2d3e4f5a6c","properties":{"tier":3}}`,
		`{"request_id": "0b6a1f4e`,
		`[1, 2]`,
	}
	file := filepath.Join(t.TempDir(), "import.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCommand(t.Context(),
		append([]string{"import", "--gzip=false", file}, conn...)...)
	if code != 1 {
		t.Errorf("import: exit %d, want 1; stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, ": 6 logs, 0 stored, 1 duplicates, 5 rejected") {
		t.Errorf("import summary %q, want 6 logs: 0 stored, 1 duplicate, 5 rejected", out)
	}

	for _, bad := range []string{"Go struct", "cli.exportLog", "of type", "unmarshal"} {
		if strings.Contains(errOut, bad) {
			t.Errorf("import stderr contains Go terms %q:\n%s", bad, errOut)
		}
	}
	// Each want follows the previous one: the input heading, its reasons in line order,
	// then the server heading and its reason.
	wants := []string{
		"5 logs were rejected",
		"4 rejected while reading the input, so not sent, in input order:",
		"line 2: field status: expected a whole number, found a string",
		"line 5: field properties: expected every value in it to be a string, found a number",
		"line 6: not valid JSON at byte 24: unexpected end of JSON input",
		"line 7: expected a JSON object, found an array",
		"1 rejected by the server, in the order its responses arrived:",
		"line 4 (7d2a1b3c-4d5e-4f60-8a71-9b2c3d4e5f60): body:",
	}
	rest := errOut
	for _, want := range wants {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Errorf("import stderr lacks %q after the earlier parts:\n%s", want, errOut)
			continue
		}
		rest = rest[i+len(want):]
	}
}

func TestDescribeLineError(t *testing.T) {
	tests := []struct{ line, want string }{
		{`{"status":1.5}`, "field status: expected a whole number, found the number 1.5"},
		{`{"cost":"1"}`, "field cost: expected a number, found a string"},
		{`{"streamed":"yes"}`, "field streamed: expected true or false, found a string"},
		{`{"time_to_first_token_ms":true}`,
			"field time_to_first_token_ms: expected a whole number, found true or false"},
		{`{"response_raw":{}}`, "field response_raw: expected a string, found an object"},
		{`{"scores":{"q":"high"}}`,
			"field scores: expected every value in it to be a number, found a string"},
		{`"text"`, "expected a JSON object, found a string"},
		{`{x}`, "not valid JSON at byte 1: invalid character 'x'"},
	}
	for _, tc := range tests {
		var l exportLog
		err := json.Unmarshal([]byte(tc.line), &l)
		if err == nil {
			t.Errorf("json.Unmarshal(%s) succeeded, want an error", tc.line)
			continue
		}
		if got := describeLineError(err); !strings.Contains(got, tc.want) {
			t.Errorf("describeLineError(%s) = %q, want it to contain %q", tc.line, got, tc.want)
		}
	}
}
