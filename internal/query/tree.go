package query

import (
	"slices"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

// TreeNode is a node of a session tree. A folder stands for one session-path prefix and holds
// its sub-folders and the logs made at that path; a log node is one record. Times span every
// descendant: Start is the earliest start and End the latest end below the node.
type TreeNode struct {
	// Type is "folder" or "log".
	Type string `json:"type"`
	// Name is the last path segment of a folder ("" for the root) or the log's display name.
	Name string `json:"name"`
	// Path is the folder's full path ("/" for the root) or the log's session path as stored.
	Path string `json:"path"`
	// Synthetic marks a folder that no log names as its own path: it exists only because
	// logs below it do.
	Synthetic  bool        `json:"synthetic,omitempty"`
	Start      time.Time   `json:"start"`
	End        time.Time   `json:"end"`
	DurationMs int64       `json:"duration_ms"`
	Logs       int         `json:"logs"`
	Log        *TreeLog    `json:"log,omitempty"`
	Children   []*TreeNode `json:"children,omitempty"`
}

// TreeLog summarises the record of a log node.
type TreeLog struct {
	RequestID string  `json:"request_id"`
	Kind      string  `json:"kind"`
	Model     string  `json:"model"`
	Status    int64   `json:"status"`
	LatencyMs int64   `json:"latency_ms"`
	Cost      float64 `json:"cost"`
	Tokens    int64   `json:"total_tokens"`
	UserID    string  `json:"user_id,omitempty"`
}

// BuildSessionTree builds the tree of one session from its records' session paths. Each path
// is split on "/" and every prefix becomes a folder, created when no record sits there, so a
// record whose parents were never logged still appears under them. Records without a path, or
// with "" or "/", sit at the root. Several records on one path are siblings in start-time
// order; folders come before records at the same level, in order of their earliest start.
func BuildSessionTree(recs []*record.Record) *TreeNode {
	root := &TreeNode{Type: "folder", Path: "/", Synthetic: true}
	folders := map[string]*TreeNode{"": root}

	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b *record.Record) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.RequestID, b.RequestID)
	})
	for _, rec := range sorted {
		parent := folderFor(folders, splitPath(rec.SessionPath))
		parent.Synthetic = false
		parent.Children = append(parent.Children, logNode(rec))
	}
	if len(recs) == 0 {
		root.Synthetic = false
	}
	finish(root)
	return root
}

// splitPath returns the non-empty segments of a session path.
func splitPath(p string) []string {
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// folderFor returns the folder of a path, creating the missing folders on the way.
func folderFor(folders map[string]*TreeNode, segs []string) *TreeNode {
	node := folders[""]
	key := ""
	for _, s := range segs {
		key += "/" + s
		child, ok := folders[key]
		if !ok {
			child = &TreeNode{Type: "folder", Name: s, Path: key, Synthetic: true}
			folders[key] = child
			node.Children = append(node.Children, child)
		}
		node = child
	}
	return node
}

func logNode(rec *record.Record) *TreeNode {
	return &TreeNode{
		Type:       "log",
		Name:       rec.Model,
		Path:       rec.SessionPath,
		Start:      rec.CreatedAt,
		End:        rec.EndedAt,
		DurationMs: SpanMs(rec.CreatedAt, rec.EndedAt),
		Logs:       1,
		Log: &TreeLog{
			RequestID: rec.RequestID,
			Kind:      rec.Kind,
			Model:     rec.Model,
			Status:    rec.Status,
			LatencyMs: rec.LatencyMs,
			Cost:      rec.Cost,
			Tokens:    rec.TotalTokens,
			UserID:    rec.UserID,
		},
	}
}

// finish computes the span and log count of every folder below n and orders its children.
func finish(n *TreeNode) {
	if n.Type == "log" {
		return
	}
	n.Logs = 0
	for i, c := range n.Children {
		finish(c)
		n.Logs += c.Logs
		if i == 0 || c.Start.Before(n.Start) {
			n.Start = c.Start
		}
		if i == 0 || c.End.After(n.End) {
			n.End = c.End
		}
	}
	n.DurationMs = SpanMs(n.Start, n.End)
	slices.SortStableFunc(n.Children, func(a, b *TreeNode) int {
		if a.Type != b.Type {
			if a.Type == "folder" {
				return -1
			}
			return 1
		}
		return a.Start.Compare(b.Start)
	})
}

// SpanMs returns the milliseconds from start to end. Unlike time.Time.Sub, whose
// time.Duration stops at about 292 years, it is exact for every time a log can have.
func SpanMs(start, end time.Time) int64 {
	return end.UnixMilli() - start.UnixMilli()
}
