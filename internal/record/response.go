package record

// response is the processed providerResponse.
type response struct {
	// body is the processed response JSON. raw is the response as received, or nil when the
	// log carried neither json nor textBody.
	body, raw []byte
	streamed  bool
	// fields are read from body, with the kind fields of providerResponse.json filling gaps
	// when the response came as text.
	fields bodyFields
	// text is the decoded textBody when the response came as text, and plainText reports
	// that body wraps it as {"text": …} because it is neither JSON nor a stream.
	text      []byte
	plainText bool
}

// decodeResponse picks the response: textBody when it is a non-empty string, else json.
// stream is the request's "stream": true flag.
func (d *decoder) decodeResponse(w *wireLog, stream bool, status int64) response {
	var r response
	textToken := w.textBody
	switch {
	case kindOf(textToken) == kindString && len(textToken) > 2:
		r.raw = unquoteInner(textToken[1:len(textToken)-1], make([]byte, 0, len(textToken)-2),
			keepEscaped)
		r.text = r.raw
		d.decodeText(&r, stream, status)
		r.fields = scanFields(r.body)
		r.fields.fillKindFrom(scanFields(w.responseJSON))
	case kindOf(w.responseJSON) == kindObject:
		r.raw = clone(w.responseJSON)
		r.body = r.raw
		r.fields = scanFields(r.body)
		if kindOf(r.fields.streamedData) == kindArray && !r.fields.complete {
			d.mergeStreamedData(&r)
		}
	default:
		r.body = []byte("{}")
		r.fields = scanFields(r.body)
	}
	return r
}

// decodeText processes a text response: JSON text is kept as JSON, a stream (SSE, NDJSON,
// or any line-oriented text when the request asked for a stream) is merged, and other text
// is wrapped as {"text": …}.
func (d *decoder) decodeText(r *response, stream bool, status int64) {
	trimmed := trimASCIISpace(r.raw)
	if len(trimmed) > 0 && checkJSON(trimmed, d.maxDepth) == nil {
		if stream && kindOf(trimmed) == kindArray {
			// Gemini without alt=sse streams one JSON array of chunks.
			if chunks := arrayObjects(trimmed); len(chunks) > 0 {
				r.body, r.streamed = d.merge(chunks, 0), true
				return
			}
		}
		r.body = trimmed[:len(trimmed):len(trimmed)]
		return
	}

	payloads, isSSE := streamPayloads(r.raw)
	lines := len(payloads)
	if status == StatusCancelled && lines > 0 {
		// A cancelled stream ends in a chunk that was cut off.
		payloads = payloads[:lines-1]
	}
	chunks, invalid := streamChunks(payloads, d.maxDepth)
	ndjson := lines >= 2 && invalid == 0 && len(chunks) > 0
	if isSSE || ndjson || (stream && len(chunks) > 0) {
		r.body, r.streamed = d.merge(chunks, invalid), true
		return
	}
	r.plainText = true
	r.body = appendTextObject(r.raw)
}

// mergeStreamedData merges a response object's "streamed_data" array of chunks, a form some
// clients send instead of a text stream.
func (d *decoder) mergeStreamedData(r *response) {
	chunks := arrayObjects(r.fields.streamedData)
	if len(chunks) == 0 {
		return
	}
	r.body, r.streamed = d.merge(chunks, 0), true
	fields := scanFields(r.body)
	fields.fillKindFrom(r.fields)
	r.fields = fields
}

func (d *decoder) merge(chunks [][]byte, invalid int) []byte {
	sm := streamMerger{maxDepth: d.maxDepth, invalid: invalid}
	for _, c := range chunks {
		sm.add(c)
	}
	return sm.output()
}

// arrayObjects returns the elements of arr when all of them are objects, else nil.
func arrayObjects(arr []byte) [][]byte {
	var out [][]byte
	elems := newElements(arr)
	for el, ok := elems.next(); ok; el, ok = elems.next() {
		if kindOf(el) != kindObject {
			return nil
		}
		out = append(out, el)
	}
	return out
}

// appendTextObject returns {"text": text} for text that is not JSON.
func appendTextObject(text []byte) []byte {
	dst := make([]byte, 0, len(text)+16)
	dst = append(dst, `{"text":`...)
	dst = appendJSONString(dst, text)
	return append(dst, '}')
}

// fillKindFrom copies the members that decide kind and model from other where f lacks them.
func (f *bodyFields) fillKindFrom(other bodyFields) {
	f.model = firstPresent(f.model, other.model)
	f.typ = firstPresent(f.typ, other.typ)
	f.toolName = firstPresent(f.toolName, other.toolName)
	f.name = firstPresent(f.name, other.name)
}

// modelOnlyBody returns the body stored for an omitted request or response: {"model": model},
// or {} when there is no model.
func modelOnlyBody(model string) []byte {
	if model == "" {
		return []byte("{}")
	}
	dst := append([]byte(nil), `{"model":`...)
	dst = appendJSONString(dst, []byte(model))
	return append(dst, '}')
}

func clone(b []byte) []byte {
	return append(make([]byte, 0, len(b)), b...)
}
