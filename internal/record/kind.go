package record

import (
	"bytes"
	"strings"
)

// bodyFields contains the raw top-level members of a request or response object that decide
// the kind, the model, the usage and the error text. Absent members are nil.
type bodyFields struct {
	model        []byte
	modelVersion []byte // Google's name for the response model
	typ          []byte // _type
	toolName     []byte
	name         []byte
	stream       []byte

	usage                []byte
	usageMetadata        []byte // Google
	promptTokenCount     []byte // prompt_token_count, as sent by some Bedrock models
	generationTokenCount []byte // generation_token_count
	errorValue           []byte
	status               []byte
	message              []byte
	streamedData         []byte
	// complete reports that the object has choices, content or candidates, so it is a whole
	// response and its streamed_data, if any, is not merged again.
	complete bool
}

// scanFields reads the members of obj that bodyFields lists. obj may be any raw value.
func scanFields(obj []byte) bodyFields {
	var f bodyFields
	m := newMembers(obj)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		if bytes.IndexByte(key, '\\') >= 0 {
			key = unquoteInner(key, nil, keepEscaped)
		}
		switch string(key) {
		case "model":
			f.model = val
		case "modelVersion":
			f.modelVersion = val
		case "_type":
			f.typ = val
		case "toolName":
			f.toolName = val
		case "name":
			f.name = val
		case "stream":
			f.stream = val
		case "usage":
			f.usage = val
		case "usageMetadata":
			f.usageMetadata = val
		case "prompt_token_count":
			f.promptTokenCount = val
		case "generation_token_count":
			f.generationTokenCount = val
		case "error":
			f.errorValue = val
		case "status":
			f.status = val
		case "message":
			f.message = val
		case "streamed_data":
			f.streamedData = val
		case "choices", "content", "candidates":
			f.complete = true
		}
	}
	return f
}

// modelName returns the model the body names: `model`, or Google's `modelVersion`.
func (f *bodyFields) modelName() string {
	if s, ok := stringValue(f.model); ok && s != "" {
		return s
	}
	s, _ := stringValue(f.modelVersion)
	return s
}

// customType returns the body's `_type`, treating "unknown" (which the Python SDK writes
// into every dict response) as absent.
func (f *bodyFields) customType() string {
	return knownString(f.typ)
}

// knownString decodes a string member, treating "" and "unknown" as absent.
func knownString(raw []byte) string {
	s, _ := stringValue(raw)
	if s == "unknown" {
		return ""
	}
	return s
}

// kindAndModel decides the record kind and display model. The request's `_type` decides,
// else the response's. Data and tool names come from the request first because the Python
// SDK copies neither `name` nor a real `toolName` into the response. A model override header
// wins for every kind.
func kindAndModel(req, resp *bodyFields, override string) (kind, model string) {
	typ := req.customType()
	if typ == "" {
		typ = resp.customType()
	}
	switch typ {
	case KindData:
		kind, model = KindData, "data:"+firstNonEmpty(knownString(req.name),
			knownString(resp.name), "unknown")
	case KindTool:
		kind, model = KindTool, "tool:"+firstNonEmpty(knownString(req.toolName),
			knownString(resp.toolName), "unknown")
	case KindVectorDB:
		kind, model = KindVectorDB, "vector_db"
	default:
		kind, model = KindLLM, firstNonEmpty(resp.modelName(), req.modelName(), "unknown")
	}
	if override != "" {
		model = override
	}
	return kind, model
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// NameOf returns a log's name as the filter field name reads it: the model without the
// "data:" or "tool:" prefix that data and tool logs store, and the model itself otherwise or
// when a model override replaced the prefixed model.
func NameOf(kind, model string) string {
	if kind == KindData || kind == KindTool {
		if name, ok := strings.CutPrefix(model, kind+":"); ok {
			return name
		}
	}
	return model
}
