package web

import (
	"strings"

	"github.com/heliograph/heliograph/internal/record"
)

// bodyView is the request and response of one log, read for its kind. Every field holds text
// or a display tree; nothing in it is trusted markup.
type bodyView struct {
	Request  *jsonNode
	Response *jsonNode
	// ResponseText is the text of a response that was not JSON (stored as {"text": ...}).
	ResponseText string
	Data         *dataView
	Tool         *toolView
	Vector       *vectorView
	LLM          *llmView
}

type dataView struct {
	Name   string
	Meta   *jsonNode
	Fields *jsonNode
	Status string
	Result *jsonNode
	Counts []countRow
}

type countRow struct {
	Key   string
	Count string
}

type toolView struct {
	ToolName string
	Input    []jsonField
	Status   string
	Message  string
	Result   *jsonNode
}

type vectorView struct {
	Operation string
	Query     string
	TopK      string
	Database  string
	Filter    *jsonNode
	Status    string
	Message   string
	Matches   []vectorMatch
}

type vectorMatch struct {
	ID    string
	Score string
	Text  string
	Rest  *jsonNode
}

type llmView struct {
	Messages []chatMessage
	Reply    []chatMessage
	Streamed bool
}

type chatMessage struct {
	Role  string
	Text  string
	Parts []*jsonNode
}

// newBodyView reads the bodies of rec.
func newBodyView(rec *record.Record) bodyView {
	v := bodyView{Request: displayTree(rec.RequestBody, maxJSONNodes),
		Response: displayTree(rec.ResponseBody, maxJSONNodes)}
	if t := v.Response.Get("text"); t != nil && t.Type == "string" && v.Response.Len() == 1 {
		v.ResponseText = t.Text
	}
	switch rec.Kind {
	case record.KindData:
		v.Data = newDataView(v.Request, v.Response)
	case record.KindTool:
		v.Tool = newToolView(v.Request, v.Response)
	case record.KindVectorDB:
		v.Vector = newVectorView(v.Request, v.Response)
	default:
		v.LLM = &llmView{Messages: requestMessages(v.Request), Reply: replyMessages(v.Response),
			Streamed: rec.Streamed}
	}
	return v
}

func newDataView(req, resp *jsonNode) *dataView {
	d := &dataView{Name: req.Get("name").String(), Meta: req.Get("meta"),
		Fields: req.Without("_type", "name", "meta"), Status: resp.Get("status").String()}
	d.Result = resp.Get("data")
	if d.Result == nil {
		d.Result = resp.Without("_type", "name", "status")
	}
	d.Counts = counts(d.Result)
	return d
}

// counts lists the sizes of the arrays in a result and its count-like numbers.
func counts(result *jsonNode) []countRow {
	var rows []countRow
	if result != nil && result.Type == "array" {
		return []countRow{{Key: "items", Count: formatInt(int64(len(result.Items)))}}
	}
	for _, f := range result.fieldsOrNil() {
		switch {
		case f.Value.Type == "array":
			rows = append(rows, countRow{Key: f.Key, Count: formatInt(int64(len(f.Value.Items)))})
		case f.Value.Type == "number" && isCountName(f.Key):
			rows = append(rows, countRow{Key: f.Key, Count: f.Value.Text})
		}
	}
	return rows
}

func (n *jsonNode) fieldsOrNil() []jsonField {
	if n == nil {
		return nil
	}
	return n.Fields
}

func isCountName(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "count") || strings.Contains(k, "rows") || k == "total"
}

func newToolView(req, resp *jsonNode) *toolView {
	t := &toolView{ToolName: req.Get("toolName").String(), Status: resp.Get("status").String(),
		Message: resp.Get("message").String(), Result: resp.Without("_type", "toolName")}
	if t.ToolName == "" {
		t.ToolName = resp.Get("toolName").String()
	}
	if in := req.Get("input"); in != nil && in.Type == "object" {
		t.Input = in.Fields
	} else if in != nil {
		t.Input = []jsonField{{Key: "input", Value: in}}
	}
	return t
}

func newVectorView(req, resp *jsonNode) *vectorView {
	v := &vectorView{Operation: req.Get("operation").String(), Query: req.Get("text").String(),
		TopK: req.Get("topK").String(), Database: req.Get("databaseName").String(),
		Filter: req.Get("filter"), Status: resp.Get("status").String(),
		Message: resp.Get("message").String()}
	if v.Query == "" {
		v.Query = req.Get("query").String()
	}
	for _, m := range resp.Get("matches").itemsOrNil() {
		v.Matches = append(v.Matches, vectorMatch{ID: m.Get("id").String(),
			Score: m.Get("score").String(), Text: m.Get("text").String(),
			Rest: m.Without("id", "score", "text")})
	}
	return v
}

func (n *jsonNode) itemsOrNil() []*jsonNode {
	if n == nil || n.Type != "array" {
		return nil
	}
	return n.Items
}

// requestMessages reads the prompt of an OpenAI, Anthropic or Google request.
func requestMessages(req *jsonNode) []chatMessage {
	var out []chatMessage
	if s := req.Get("system"); s != nil {
		out = append(out, newChatMessage("system", s))
	}
	for _, m := range req.Get("messages").itemsOrNil() {
		out = append(out, newChatMessage(m.Get("role").String(), m.Get("content")))
	}
	for _, c := range req.Get("contents").itemsOrNil() {
		out = append(out, newChatMessage(c.Get("role").String(), c.Get("parts")))
	}
	if p := req.Get("prompt"); p != nil && len(out) == 0 {
		out = append(out, newChatMessage("prompt", p))
	}
	return out
}

// replyMessages reads the reply of an OpenAI, Anthropic or Google response; a merged stream
// has the shape of a whole response.
func replyMessages(resp *jsonNode) []chatMessage {
	var out []chatMessage
	for _, c := range resp.Get("choices").itemsOrNil() {
		m := c.Get("message")
		if m == nil {
			m = c.Get("delta")
		}
		msg := newChatMessage(m.Get("role").String(), m.Get("content"))
		if msg.Text == "" {
			msg.Text = c.Get("text").String()
		}
		if tc := m.Get("tool_calls"); tc != nil {
			msg.Parts = append(msg.Parts, tc)
		}
		out = append(out, msg)
	}
	if resp.Get("type").String() == "message" || resp.Get("content").typeOf() == "array" {
		out = append(out, newChatMessage(resp.Get("role").String(), resp.Get("content")))
	}
	for _, c := range resp.Get("candidates").itemsOrNil() {
		out = append(out, newChatMessage(c.Get("content").Get("role").String(),
			c.Get("content").Get("parts")))
	}
	if e := resp.Get("error"); e != nil && len(out) == 0 {
		out = append(out, chatMessage{Role: "error", Text: e.Get("message").String(),
			Parts: []*jsonNode{e}})
	}
	return out
}

// typeOf returns the node type, "" for nil.
func (n *jsonNode) typeOf() string {
	if n == nil {
		return ""
	}
	return n.Type
}

// newChatMessage joins the text parts of content and keeps the other parts as trees.
func newChatMessage(role string, content *jsonNode) chatMessage {
	m := chatMessage{Role: role}
	if role == "" {
		m.Role = "assistant"
	}
	switch content.typeOf() {
	case "string":
		m.Text = content.Text
	case "array":
		var texts []string
		for _, p := range content.Items {
			if t := p.Get("text"); t != nil && t.Type == "string" {
				texts = append(texts, t.Text)
				continue
			}
			m.Parts = append(m.Parts, p)
		}
		m.Text = strings.Join(texts, "\n")
	case "":
	default:
		m.Parts = append(m.Parts, content)
	}
	return m
}
