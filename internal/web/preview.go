package web

import (
	"strings"

	"github.com/heliograph/heliograph/internal/record"
)

// preview returns a one-line summary of a log's content for the requests table. It leaves out
// rec.Error, which the table shows in its own span before the preview.
func preview(rec *record.Record) string {
	var s string
	switch rec.Kind {
	case record.KindTool:
		s = toolPreview(displayTree(rec.RequestBody, previewNodes))
	case record.KindVectorDB:
		req := displayTree(rec.RequestBody, previewNodes)
		s = firstNonEmpty(req.Get("text").String(), req.Get("query").String())
	case record.KindData:
		resp := displayTree(rec.ResponseBody, previewNodes)
		s = firstNonEmpty(resp.Get("message").String(), resp.Get("status").String())
	default:
		s = llmPreview(rec)
	}
	return shorten(s, previewRunes)
}

func llmPreview(rec *record.Record) string {
	for _, m := range replyMessages(displayTree(rec.ResponseBody, previewNodes)) {
		if m.Text != "" {
			return m.Text
		}
	}
	msgs := requestMessages(displayTree(rec.RequestBody, previewNodes))
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Text != "" {
			return msgs[i].Text
		}
	}
	return ""
}

func toolPreview(req *jsonNode) string {
	var parts []string
	for _, f := range req.Get("input").fieldsOrNil() {
		if v := f.Value.String(); v != "" {
			parts = append(parts, f.Key+": "+v)
		}
	}
	return strings.Join(parts, ", ")
}

// shorten joins the lines of s and cuts it to at most n runes.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
