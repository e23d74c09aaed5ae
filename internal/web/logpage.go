package web

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/heliograph/heliograph/internal/record"
)

type logView struct {
	Rec   *record.Record
	Props []propChip
	Body  bodyView
	// RawRequest and RawResponse are the stored bodies and RawResponseRaw the response as
	// received, each byte for byte up to maxRawBytes.
	RawRequest     string
	RawResponse    string
	RawResponseRaw string
	// RawCut reports that a raw body was cut at maxRawBytes; the API serves it whole.
	RawCut bool
}

// maxRawBytes bounds each raw body shown on a log page, so that a 10 MiB body does not make a
// page the browser struggles with.
const maxRawBytes = 1 << 20

// logPage serves /requests/{id}: one log of the session's project. A log of another project
// gets the same 404 as an unknown id.
func (h *Handler) logPage(w http.ResponseWriter, r *http.Request, ws webSession) {
	rec, err := h.store.GetLog(r.Context(), ws.principal.ProjectID, r.PathValue("id"))
	if err != nil {
		h.storeFailed(w, r, err)
		return
	}
	view := logView{Rec: rec, Body: newBodyView(rec)}
	var cut [3]bool
	view.RawRequest, cut[0] = cutText(string(rec.RequestBody), maxRawBytes)
	view.RawResponse, cut[1] = cutText(string(rec.ResponseBody), maxRawBytes)
	view.RawResponseRaw, cut[2] = cutText(string(rec.ResponseRaw), maxRawBytes)
	view.RawCut = cut[0] || cut[1] || cut[2]
	for k, v := range rec.Properties {
		view.Props = append(view.Props, propChip{Key: k, Value: v})
	}
	slices.SortFunc(view.Props, func(a, b propChip) int { return strings.Compare(a.Key, b.Key) })

	p := newDetailPage(ws, rec.Model, "/requests")
	p.Data = view
	h.render(w, r, http.StatusOK, "log", p)
}

// cutText returns s cut to at most n bytes on a UTF-8 boundary, and whether it was cut.
func cutText(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}
