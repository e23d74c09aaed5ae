package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

const (
	sessionsPageSize = 50
	// maxSessionLogs bounds the logs read for one session page.
	maxSessionLogs = 100_000
	// waterfallRows is how many timeline rows a session page draws unless all=1 is asked.
	waterfallRows = 300
	// Waterfall geometry in SVG user units: a label column, then the bars. The SVG is drawn at
	// 1 px per unit, so its 13 px labels keep their size; a narrow window scrolls it.
	waterfallLabel = 300.0
	waterfallBars  = 900.0
	waterfallRowH  = 18.0
)

type sessionsView struct {
	Sessions []store.SessionSummary
	Search   string
	Next     string
	Prev     string
}

// sessionsPage serves /sessions: sessions that have logs matching the filter, latest activity
// first, paged by offset.
func (h *Handler) sessionsPage(w http.ResponseWriter, r *http.Request, ws webSession) {
	view := sessionsView{Search: r.URL.Query().Get("search")}
	p, f, ok := h.startListPage(w, r, ws, "Sessions", "/sessions", "sessions", &view)
	if !ok {
		return
	}
	q := p.Q
	offset, msg, ok := offsetParam(r)
	if !ok {
		h.renderError(w, r, http.StatusBadRequest, msg)
		return
	}

	sessions, err := h.store.Sessions(r.Context(), ws.principal.ProjectID, store.SessionQuery{
		Scope: store.Scope{Filter: f}, Search: view.Search, Limit: sessionsPageSize + 1,
		Offset: offset})
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	link := func(off int) string {
		return "/sessions?q=" + url.QueryEscape(q) + "&search=" + url.QueryEscape(view.Search) +
			"&offset=" + strconv.Itoa(off)
	}
	if len(sessions) > sessionsPageSize {
		sessions = sessions[:sessionsPageSize]
		view.Next = link(offset + sessionsPageSize)
	}
	if offset > 0 {
		view.Prev = link(max(offset-sessionsPageSize, 0))
	}
	view.Sessions = sessions
	h.render(w, r, http.StatusOK, "sessions", p)
}

type sessionView struct {
	ID        string
	Name      string
	Logs      int
	Errors    int
	Cost      float64
	Tokens    int64
	Truncated bool
	Tree      *query.TreeNode
	// Nodes is the tree with its text formatted, so that a 5,000-log tree renders without a
	// template function call per node.
	Nodes     *treeView
	Waterfall waterfallView
}

// treeView is one node of the session tree, ready to print.
type treeView struct {
	Folder   bool
	Name     string
	Meta     string
	ID       string
	Kind     string
	Status   string
	StatusOK bool
	Children []*treeView
}

func newTreeView(n *query.TreeNode) *treeView {
	if n.Type == "log" {
		return &treeView{Name: n.Name, ID: n.Log.RequestID, Kind: n.Log.Kind,
			Status: statusText(n.Log.Status), StatusOK: n.Log.Status == 200,
			Meta: formatMs(n.Log.LatencyMs)}
	}
	v := &treeView{Folder: true, Name: firstNonEmpty(n.Name, "/"),
		Meta:     plural(n.Logs, "log", "logs") + " · " + formatMs(n.DurationMs),
		Children: make([]*treeView, len(n.Children))}
	for i, c := range n.Children {
		v.Children[i] = newTreeView(c)
	}
	return v
}

type waterfallView struct {
	Rows   []waterfallRow
	Height float64
	// Hidden is the number of rows not drawn; ShowAll links to the page with every row.
	Hidden  int
	ShowAll string
	SpanMs  int64
}

type waterfallRow struct {
	ID        string
	Label     string
	Kind      string
	Failed    bool
	LatencyMs int64
	Y, X, W   float64
	TextY     float64
}

// sessionPage serves /sessions/{id}: the session's tree built from its session paths and a
// timeline of its logs.
func (h *Handler) sessionPage(w http.ResponseWriter, r *http.Request, ws webSession) {
	id := r.PathValue("id")
	recs, err := h.store.QueryLogs(r.Context(), ws.principal.ProjectID, store.LogQuery{
		Filter: filter.Cond{Field: filter.Field{Name: filter.FieldSessionID}, Op: filter.OpEq,
			Value: id},
		Sort:  filter.Sort{Field: filter.Field{Name: filter.FieldCreatedAt}},
		Limit: maxSessionLogs + 1,
	})
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	if len(recs) == 0 {
		h.renderError(w, r, http.StatusNotFound, "No session with this id.")
		return
	}
	view := sessionView{ID: id, Truncated: len(recs) > maxSessionLogs}
	recs = recs[:min(len(recs), maxSessionLogs)]
	for _, rec := range recs {
		if view.Name == "" {
			view.Name = rec.SessionName
		}
		if rec.Status != 200 {
			view.Errors++
		}
		view.Cost += rec.Cost
		view.Tokens += rec.TotalTokens
	}
	view.Logs = len(recs)
	view.Tree = query.BuildSessionTree(recs)
	view.Nodes = newTreeView(view.Tree)
	showAll := r.URL.Query().Get("all") == "1"
	view.Waterfall = newWaterfall(recs, view.Tree, showAll)
	if view.Waterfall.Hidden > 0 {
		view.Waterfall.ShowAll = "/sessions/" + pathSegment(id) + "?all=1"
	}

	p := newDetailPage(ws, "Session "+firstNonEmpty(view.Name, id), "/sessions")
	p.Data = view
	h.render(w, r, http.StatusOK, "session", p)
}

// newWaterfall places one bar per log, in start order, on the span of the whole session.
// recs are sorted by start time.
func newWaterfall(recs []*record.Record, tree *query.TreeNode, all bool) waterfallView {
	wf := waterfallView{SpanMs: query.SpanMs(tree.Start, tree.End)}
	span := float64(wf.SpanMs)
	n := len(recs)
	if !all && n > waterfallRows {
		wf.Hidden = n - waterfallRows
		n = waterfallRows
	}
	wf.Rows = make([]waterfallRow, n)
	for i, rec := range recs[:n] {
		x, width := 0.0, waterfallBars
		if span > 0 {
			x = float64(query.SpanMs(tree.Start, rec.CreatedAt)) / span * waterfallBars
			width = float64(query.SpanMs(rec.CreatedAt, rec.EndedAt)) / span * waterfallBars
		}
		y := float64(i) * waterfallRowH
		wf.Rows[i] = waterfallRow{ID: rec.RequestID, Label: shorten(rec.Model, 40),
			Kind: rec.Kind, Failed: rec.Status != 200, LatencyMs: rec.LatencyMs,
			Y: y + 2, X: waterfallLabel + x, W: max(width, 1), TextY: y + 13}
	}
	wf.Height = float64(n) * waterfallRowH
	return wf
}
