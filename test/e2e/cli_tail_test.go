package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds, failing the test after a minute. The limit only guards
// against a hang; it is not a speed requirement.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tailIDs returns the request ids of the jsonl lines printed by tail.
func tailIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		var r struct {
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("tail printed a line that is not a JSON row: %v\n%s", err, line)
		}
		ids = append(ids, r.RequestID)
	}
	return ids
}

// isProbe reports whether id is one of the first n probe logs.
func isProbe(id string, n int) bool {
	for i := range n {
		if id == idN(7000+i) {
			return true
		}
	}
	return false
}

func TestCLITailPrintsOnlyMatchingLogs(t *testing.T) {
	srv := startServer(t)
	stdout, stderr, stop := srv.startCLI(t, srv.Key, "tail", "--format", "jsonl",
		`property.tail = "yes" and status != 500`)

	// The stream only sends logs stored after it opened, so matching probes are stored until
	// one is printed.
	probes := 0
	waitFor(t, "tail to print a probe log", func() bool {
		if len(tailIDs(t, stdout.String())) > 0 {
			return true
		}
		srv.postAt(t, idN(7000+probes), baseSeconds, map[string]string{
			"Helicone-Property-Tail": "yes"})
		probes++
		time.Sleep(100 * time.Millisecond)
		return false
	})
	matching := []string{idN(7101), idN(7102), idN(7103)}
	srv.postAt(t, matching[0], baseSeconds+10, map[string]string{"Helicone-Property-Tail": "yes"})
	srv.postAt(t, idN(7201), baseSeconds+11, map[string]string{"Helicone-Property-Tail": "no"})
	srv.postAt(t, idN(7202), baseSeconds+12, nil)
	srv.postAt(t, matching[1], baseSeconds+13, map[string]string{"Helicone-Property-Tail": "yes"})
	// Status 500 is excluded by the filter.
	body := strings.Replace(cliLogs[0].body(), `"status":200`, `"status":500`, 1)
	resp := srv.do(t, "POST", "/custom/v1/log", srv.Key, []byte(body), map[string]string{
		"Helicone-Request-Id": idN(7203), "Helicone-Property-Tail": "yes"})
	if resp.Status != 200 {
		t.Fatalf("POST log 7203: %d %s", resp.Status, resp.Body)
	}
	// The last matching log is stored after every other one, and the stream sends logs in
	// the order they were stored, so once it is printed nothing else can follow.
	srv.postAt(t, matching[2], baseSeconds+14, map[string]string{"Helicone-Property-Tail": "yes"})

	waitFor(t, "tail to print the last matching log", func() bool {
		return strings.Contains(stdout.String(), matching[2])
	})
	var got []string
	for _, id := range tailIDs(t, stdout.String()) {
		if !isProbe(id, probes) {
			got = append(got, id)
		}
	}
	if strings.Join(got, " ") != strings.Join(matching, " ") {
		t.Errorf("tail printed %v besides the probes, want exactly %v", got, matching)
	}

	if code := stop(); code != 0 {
		t.Errorf("tail exit code after cancel = %d, want 0; stderr:\n%s", code, stderr)
	}
	// One line reports that tail is connected, and nothing else, such as a reconnect.
	if s := stderr.String(); s != "heliograph: waiting for new logs (Ctrl-C stops)\n" {
		t.Errorf("tail wrote to stderr: %q, want only the line that it waits", s)
	}
}

func TestCLITailLineFormat(t *testing.T) {
	srv := startServer(t)
	stdout, _, stop := srv.startCLI(t, srv.Key, "tail", "session = cli-s2")

	// Log 9003 of the fixture is the only one of session cli-s2; it is stored again under
	// new ids until the stream, which only sends logs stored after it opened, prints one.
	n := 0
	waitFor(t, "tail to print a log", func() bool {
		if stdout.String() != "" {
			return true
		}
		l := cliLogs[2]
		hdr := map[string]string{"Helicone-Request-Id": idN(7300 + n)}
		for k, v := range l.headers {
			hdr[k] = v
		}
		if resp := srv.do(t, "POST", "/custom/v1/log", srv.Key, []byte(l.body()),
			hdr); resp.Status != 200 {
			t.Fatalf("POST log: %d %s", resp.Status, resp.Body)
		}
		n++
		time.Sleep(100 * time.Millisecond)
		return false
	})
	stop()

	line, _, _ := strings.Cut(stdout.String(), "\n")
	if strings.Contains(line, "\t") {
		t.Errorf("tail line %q contains a tab", line)
	}
	// The name is the bare tool name, as the filter field name matches it.
	for _, want := range []string{"2025-01-01 00:00:04.000", "502", "tool  search  ",
		"480ms", "u-1", "cli-s2", "00000000-0000-4000-8000-0000000073"} {
		if !strings.Contains(line, want) {
			t.Errorf("tail line %q does not contain %q", line, want)
		}
	}
}

func TestCLITailBadFilter(t *testing.T) {
	srv := startServer(t)
	res := srv.runCLI(t, srv.Key, "tail", "latency > > 2s")
	if res.Code == 0 {
		t.Fatalf("tail with a bad filter: exit code 0, want non-zero")
	}
	if !strings.Contains(res.Stderr, "position 10") {
		t.Errorf("tail with a bad filter: stderr %q does not name position 10", res.Stderr)
	}
}
