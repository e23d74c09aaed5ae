package query_test

import (
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/record"
)

func treeRecord(id, path string, startMs, endMs int64) *record.Record {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return &record.Record{
		RequestID:   id,
		SessionID:   "S1",
		SessionPath: path,
		Model:       "m-" + id,
		CreatedAt:   base.Add(time.Duration(startMs) * time.Millisecond),
		EndedAt:     base.Add(time.Duration(endMs) * time.Millisecond),
		LatencyMs:   endMs - startMs,
	}
}

func TestBuildSessionTreeMissingParents(t *testing.T) {
	root := query.BuildSessionTree([]*record.Record{
		treeRecord("a", "/run/tool_a", 100, 200),
		treeRecord("b", "/run/tool_b", 150, 400),
		treeRecord("c", "/run/llm/retry", 300, 900),
		treeRecord("d", "", 0, 50),
		treeRecord("e", "/", 950, 1000),
	})
	if root.Logs != 5 {
		t.Errorf("root counts %d logs, want 5", root.Logs)
	}
	if root.DurationMs != 1000 {
		t.Errorf("root duration = %d ms, want 1000 (earliest start to latest end)",
			root.DurationMs)
	}
	// Root: folder "run", then the path-less logs d and e in start order.
	if len(root.Children) != 3 {
		t.Fatalf("root has %d children, want 3", len(root.Children))
	}
	run := root.Children[0]
	if run.Type != "folder" || run.Name != "run" || !run.Synthetic {
		t.Errorf("first root child = %+v, want synthetic folder run", run)
	}
	if got := []string{root.Children[1].Log.RequestID, root.Children[2].Log.RequestID}; got[0] !=
		"d" || got[1] != "e" {
		t.Errorf("root logs = %v, want [d e]", got)
	}
	if run.Logs != 3 || run.Start.UnixMilli()%1000 != 100 || run.DurationMs != 800 {
		t.Errorf("folder run: %d logs, %d ms, want 3 logs spanning 100..900", run.Logs,
			run.DurationMs)
	}
	// Every path is a folder holding the logs made there: /run holds tool_a, tool_b and the
	// synthetic llm folder, in order of their earliest start.
	if len(run.Children) != 3 {
		t.Fatalf("folder run has %d children, want tool_a, tool_b, llm", len(run.Children))
	}
	for i, want := range []string{"/run/tool_a", "/run/tool_b", "/run/llm"} {
		if got := run.Children[i].Path; got != want {
			t.Errorf("run child %d = %q, want %q", i, got, want)
		}
	}
	toolA := run.Children[0]
	if toolA.Synthetic || len(toolA.Children) != 1 || toolA.Children[0].Log.RequestID != "a" {
		t.Errorf("folder tool_a = %+v, want a real folder holding log a", toolA)
	}
	llm := run.Children[2]
	if !llm.Synthetic || llm.Logs != 1 || llm.DurationMs != 600 {
		t.Errorf("folder llm: synthetic %v, %d logs, %d ms, want synthetic, 1, 600",
			llm.Synthetic, llm.Logs, llm.DurationMs)
	}
	if len(llm.Children) != 1 || llm.Children[0].Path != "/run/llm/retry" {
		t.Fatalf("folder llm children = %+v, want folder retry", llm.Children)
	}
	if leaf := llm.Children[0].Children[0]; leaf.Log.RequestID != "c" {
		t.Errorf("retry folder holds %q, want c", leaf.Log.RequestID)
	}
}

func TestBuildSessionTreeSamePath(t *testing.T) {
	root := query.BuildSessionTree([]*record.Record{
		treeRecord("late", "/step", 500, 600),
		treeRecord("early", "/step", 100, 200),
	})
	step := root.Children[0]
	if step.Synthetic {
		t.Errorf("folder /step holds logs, want Synthetic false")
	}
	if len(step.Children) != 2 || step.Children[0].Log.RequestID != "early" {
		t.Errorf("logs on one path are not siblings in start order: %+v", step.Children)
	}
}

func TestBuildSessionTreeEmpty(t *testing.T) {
	root := query.BuildSessionTree(nil)
	if root.Logs != 0 || len(root.Children) != 0 {
		t.Errorf("empty tree = %+v", root)
	}
}

// Durations stay exact beyond the 292 years that a time.Duration holds.
func TestBuildSessionTreeSpansCenturies(t *testing.T) {
	start := time.UnixMilli(0).UTC()
	end := time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
	last := &record.Record{RequestID: "late", SessionID: "S1", SessionPath: "/a",
		CreatedAt: end.Add(-time.Second), EndedAt: end, LatencyMs: 1000}
	long := &record.Record{RequestID: "long", SessionID: "S1", SessionPath: "/a",
		CreatedAt: start, EndedAt: end, LatencyMs: end.UnixMilli()}
	root := query.BuildSessionTree([]*record.Record{long, last})
	want := end.UnixMilli()
	if root.DurationMs != want {
		t.Errorf("root duration = %d ms, want %d", root.DurationMs, want)
	}
	folder := root.Children[0]
	if folder.DurationMs != want || len(folder.Children) != 2 {
		t.Fatalf("folder /a: duration %d ms, %d children; want %d ms, 2", folder.DurationMs,
			len(folder.Children), want)
	}
	for _, c := range folder.Children {
		if c.Log.RequestID == "long" && c.DurationMs != want {
			t.Errorf("log long: duration %d ms, want %d", c.DurationMs, want)
		}
	}
}
