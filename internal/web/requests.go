package web

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/record"
	"github.com/heliograph/heliograph/internal/store"
)

const (
	// requestsPageSize is the number of rows of one requests page.
	requestsPageSize = 50
	// previewNodes bounds the JSON read for a row's preview.
	previewNodes = 300
	previewRunes = 140
	// facetValues is the number of user and property facets shown.
	facetValues = 6
)

type requestsView struct {
	Rows  []rowView
	Older string
	// Cursor reports that this is not the first page.
	Cursor bool
	Kinds  []facetLink
	Status []facetLink
	Users  []facetLink
	Props  []facetLink
}

// rowView is one row of the requests table.
type rowView struct {
	ID          string
	Time        time.Time
	Status      int64
	Kind        string
	Name        string
	LatencyMs   int64
	TTFTMs      *int64
	User        string
	SessionID   string
	SessionName string
	Props       []propChip
	Preview     string
	Error       string
}

type propChip struct {
	Key   string
	Value string
}

// requestsPage serves / and /requests: the newest logs matching the filter, with keyset
// paging through the cursor parameter.
func (h *Handler) requestsPage(w http.ResponseWriter, r *http.Request, ws webSession) {
	view := requestsView{}
	p, f, ok := h.startListPage(w, r, ws, "Requests", "/requests", "requests", &view)
	if !ok {
		return
	}
	q := p.Q
	lq := store.LogQuery{Filter: f, Limit: requestsPageSize + 1, WithBodies: true}
	if c := r.URL.Query().Get("cursor"); c != "" {
		cur, ok := decodeCursor(c)
		if !ok {
			h.renderError(w, r, http.StatusBadRequest,
				"The page cursor is invalid; go back to the first page.")
			return
		}
		lq.After, view.Cursor = cur, true
	}

	recs, err := h.store.QueryLogs(r.Context(), ws.principal.ProjectID, lq)
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	if len(recs) > requestsPageSize {
		last := recs[requestsPageSize-1]
		view.Older = "/requests?q=" + url.QueryEscape(q) + "&cursor=" +
			encodeCursor(filter.Cursor{CreatedAt: last.CreatedAt, RequestID: last.RequestID})
		recs = recs[:requestsPageSize]
	}
	view.Rows = make([]rowView, len(recs))
	for i, rec := range recs {
		view.Rows[i] = newRowView(rec)
	}
	view.addFacets(q)
	h.render(w, r, http.StatusOK, "requests", p)
}

func newRowView(rec *record.Record) rowView {
	v := rowView{ID: rec.RequestID, Time: rec.CreatedAt, Status: rec.Status, Kind: rec.Kind,
		Name: record.NameOf(rec.Kind, rec.Model), LatencyMs: rec.LatencyMs, TTFTMs: rec.TimeToFirstTokenMs,
		User: rec.UserID, SessionID: rec.SessionID, SessionName: rec.SessionName,
		Error: shorten(rec.Error, previewRunes), Preview: preview(rec)}
	for k, val := range rec.Properties {
		v.Props = append(v.Props, propChip{Key: k, Value: val})
	}
	slices.SortFunc(v.Props, func(a, b propChip) int { return strings.Compare(a.Key, b.Key) })
	return v
}

// addFacets adds the kind and status facets and the users and property values of the rows
// shown, most frequent first.
func (v *requestsView) addFacets(q string) {
	const path = "/requests"
	kind := filter.Field{Name: filter.FieldKind}
	for _, k := range []string{record.KindLLM, record.KindTool, record.KindVectorDB,
		record.KindData} {
		v.Kinds = append(v.Kinds, facet(path, q, k, kind, k))
	}
	status := filter.Field{Name: filter.FieldStatus}
	v.Status = []facetLink{facet(path, q, "ok", status, int64(200)),
		{Label: "error", Href: path + "?q=" + url.QueryEscape(withClause(q,
			notEqClause(status, int64(200))))}}

	users := map[string]int{}
	props := map[propChip]int{}
	for _, row := range v.Rows {
		if row.User != "" {
			users[row.User]++
		}
		for _, c := range row.Props {
			props[c]++
		}
	}
	for _, u := range topKeys(users) {
		l := facet(path, q, u, filter.Field{Name: filter.FieldUser}, u)
		l.Count = users[u]
		v.Users = append(v.Users, l)
	}
	for _, c := range topKeys(props) {
		l := facet(path, q, c.Key+" = "+c.Value,
			filter.Field{Name: filter.FieldProperty, Key: c.Key}, c.Value)
		l.Count = props[c]
		v.Props = append(v.Props, l)
	}
}

// topKeys returns up to facetValues keys of counts, largest count first.
func topKeys[K comparable](counts map[K]int) []K {
	keys := make([]K, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(keyText(a), keyText(b))
	})
	return keys[:min(len(keys), facetValues)]
}

func keyText(k any) string {
	switch v := k.(type) {
	case string:
		return v
	case propChip:
		return v.Key + "\x00" + v.Value
	}
	return ""
}

// cursorToken is the content of the opaque cursor of the older link: the last row shown.
type cursorToken struct {
	CreatedAtMs int64  `json:"t"`
	RequestID   string `json:"id"`
}

func encodeCursor(c filter.Cursor) string {
	b, _ := json.Marshal(cursorToken{CreatedAtMs: c.CreatedAt.UnixMilli(), RequestID: c.RequestID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*filter.Cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var tok cursorToken
	if err == nil {
		err = json.Unmarshal(b, &tok)
	}
	if err != nil || tok.RequestID == "" {
		return nil, false
	}
	return &filter.Cursor{CreatedAt: time.UnixMilli(tok.CreatedAtMs).UTC(),
		RequestID: tok.RequestID}, true
}
