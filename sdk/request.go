package sdk

import (
	"slices"
	"strings"
)

// Request is the request side of a log: what the application asked of a model, a tool, a
// vector database or a data step. It is one of [Data], [Tool], [VectorDB], [LLM] or [Map];
// [Map] carries any other shape. Each produces the JSON object that the official Helicone
// JavaScript client sends as providerRequest.json.
type Request interface {
	encodeRequest(e *encoder)
	describe() requestInfo
	// pathSegment names the session path segment of the request (see WithPathSegment).
	pathSegment() string
}

// requestInfo holds the request fields that are copied into object responses, as the
// official clients do.
type requestInfo struct {
	typ, toolName, name string
}

// Data is a custom data step, sent as {"_type":"data","name":...,"meta":...}. Keys of
// Fields are added to the object unless they collide with the fixed keys.
type Data struct {
	Name   string
	Meta   map[string]any
	Fields map[string]any
}

// Tool is a tool call, sent as {"_type":"tool","toolName":...,"input":...}. Keys of Fields
// are added to the object unless they collide with the fixed keys.
type Tool struct {
	ToolName string
	Input    any
	Fields   map[string]any
}

// VectorDB is a vector database operation, sent as {"_type":"vector_db","operation":...}.
// Operation is one of "search", "insert", "delete" or "update". Empty optional fields are
// left out. Keys of Fields are added to the object unless they collide with the fixed keys.
type VectorDB struct {
	Operation    string
	Text         string
	Vector       []float64
	TopK         int
	Filter       map[string]any
	DatabaseName string
	Fields       map[string]any
}

// LLM is a model call, sent as {"model":...,"messages":[...]} with "stream":true when
// Stream is set. Keys of Fields (temperature, tools and so on) are added to the object
// unless they collide with the fixed keys.
type LLM struct {
	Model    string
	Messages []Message
	Stream   bool
	Fields   map[string]any
}

// Message is one chat message of an [LLM] request. Content is a string or any
// JSON-encodable value such as a list of content parts. An empty Name is left out.
type Message struct {
	Role    string
	Content any
	Name    string
}

// Map is a request object sent as it is. Its "name", "toolName" or "model" string value
// names the session path segment, in that order of preference.
type Map map[string]any

func (d Data) encodeRequest(e *encoder) {
	e.raw(`{"_type":"data","name":`)
	e.str(d.Name)
	if d.Meta != nil {
		e.raw(`,"meta":`)
		e.mapAny(d.Meta)
	}
	e.extraFields(d.Fields, "_type", "name", "meta")
	e.buf = append(e.buf, '}')
}

func (d Data) describe() requestInfo { return requestInfo{typ: "data", name: d.Name} }

func (d Data) pathSegment() string { return d.Name }

func (t Tool) encodeRequest(e *encoder) {
	e.raw(`{"_type":"tool","toolName":`)
	e.str(t.ToolName)
	e.raw(`,"input":`)
	e.value(t.Input)
	e.extraFields(t.Fields, "_type", "toolName", "input")
	e.buf = append(e.buf, '}')
}

func (t Tool) describe() requestInfo { return requestInfo{typ: "tool", toolName: t.ToolName} }

func (t Tool) pathSegment() string { return t.ToolName }

func (v VectorDB) encodeRequest(e *encoder) {
	e.raw(`{"_type":"vector_db","operation":`)
	e.str(v.Operation)
	if v.Text != "" {
		e.raw(`,"text":`)
		e.str(v.Text)
	}
	if v.Vector != nil {
		e.raw(`,"vector":`)
		e.sliceFloat(v.Vector)
	}
	if v.TopK != 0 {
		e.raw(`,"topK":`)
		e.value(v.TopK)
	}
	if v.Filter != nil {
		e.raw(`,"filter":`)
		e.mapAny(v.Filter)
	}
	if v.DatabaseName != "" {
		e.raw(`,"databaseName":`)
		e.str(v.DatabaseName)
	}
	e.extraFields(v.Fields, "_type", "operation", "text", "vector", "topK", "filter",
		"databaseName")
	e.buf = append(e.buf, '}')
}

func (v VectorDB) describe() requestInfo { return requestInfo{typ: "vector_db"} }

// pathSegment is the database name, or "vector_db" when it is empty.
func (v VectorDB) pathSegment() string {
	if v.DatabaseName == "" {
		return "vector_db"
	}
	return v.DatabaseName
}

func (m LLM) encodeRequest(e *encoder) {
	e.raw(`{"model":`)
	e.str(m.Model)
	e.raw(`,"messages":`)
	if m.Messages == nil {
		e.raw("[]")
	} else if e.enter() {
		e.buf = append(e.buf, '[')
		for i, msg := range m.Messages {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.raw(`{"role":`)
			e.str(msg.Role)
			e.raw(`,"content":`)
			e.value(msg.Content)
			if msg.Name != "" {
				e.raw(`,"name":`)
				e.str(msg.Name)
			}
			e.buf = append(e.buf, '}')
		}
		e.buf = append(e.buf, ']')
		e.leave()
	}
	if m.Stream {
		e.raw(`,"stream":true`)
	}
	e.extraFields(m.Fields, "model", "messages", "stream")
	e.buf = append(e.buf, '}')
}

func (m LLM) describe() requestInfo { return requestInfo{} }

func (m LLM) pathSegment() string { return m.Model }

func (m Map) encodeRequest(e *encoder) {
	if m == nil {
		e.raw("{}")
		return
	}
	e.mapAny(m)
}

func (m Map) describe() requestInfo {
	var info requestInfo
	info.typ, _ = m["_type"].(string)
	info.toolName, _ = m["toolName"].(string)
	info.name, _ = m["name"].(string)
	return info
}

func (m Map) pathSegment() string {
	for _, k := range [...]string{"name", "toolName", "model"} {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// extraFields writes the keys of fields, sorted, after an object's fixed keys. Keys equal
// to one of fixed are skipped so that the fixed values stay authoritative.
func (e *encoder) extraFields(fields map[string]any, fixed ...string) {
	if len(fields) == 0 {
		return
	}
	if !e.push(containerRef{ptr: mapPointer(fields)}) {
		return
	}
	defer e.pop()
	mark := len(e.keys)
	for k := range fields {
		if !slices.Contains(fixed, k) {
			e.keys = append(e.keys, k)
		}
	}
	keys := e.keys[mark:]
	slices.SortFunc(keys, strings.Compare)
	for _, k := range keys {
		e.buf = append(e.buf, ',')
		e.key(k)
		e.value(fields[k])
	}
	e.keys = e.keys[:mark]
}
