package record

import "bytes"

// streamPayloads splits a streamed body into payload lines. Lines end in \n or \r\n. Blank
// lines, SSE comments (":…") and the SSE fields event, id and retry are skipped, a "data:"
// prefix (with or without a space) is removed, and "[DONE]" ends the stream. isSSE reports
// whether any line had the "data:" prefix.
func streamPayloads(text []byte) (payloads [][]byte, isSSE bool) {
	for len(text) > 0 {
		var line []byte
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, nil
		}
		line = trimASCIISpace(line)
		switch {
		case len(line) == 0, line[0] == ':':
			continue
		case hasFieldPrefix(line, "event:"), hasFieldPrefix(line, "id:"),
			hasFieldPrefix(line, "retry:"):
			continue
		case hasFieldPrefix(line, "data:"):
			isSSE = true
			line = trimASCIISpace(line[len("data:"):])
		}
		if string(line) == "[DONE]" {
			break
		}
		if len(line) > 0 {
			payloads = append(payloads, line)
		}
	}
	return payloads, isSSE
}

func hasFieldPrefix(line []byte, prefix string) bool {
	return len(line) >= len(prefix) && string(line[:len(prefix)]) == prefix
}

func trimASCIISpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// streamChunks validates payloads and returns the JSON objects among them. invalid counts
// the payloads that are not JSON objects.
func streamChunks(payloads [][]byte, maxDepth int) (chunks [][]byte, invalid int) {
	chunks = make([][]byte, 0, len(payloads))
	for _, p := range payloads {
		if p[0] != '{' || checkJSON(p, maxDepth) != nil {
			invalid++
			continue
		}
		chunks = append(chunks, p)
	}
	return chunks, invalid
}

// Bounds on what merging tracks, so that lookups stay cheap for any input. Choices, tool
// calls, content blocks and candidates with an index outside [0, maxMergeIndex) are left out
// of the merged object, but their chunks are still kept in streamed_data.
const (
	maxMergeIndex   = 1024
	maxUsageMembers = 64
)

// streamFormat is the chunk shape that a merged stream takes its output shape from.
type streamFormat uint8

const (
	formatPlain streamFormat = iota
	formatOpenAI
	formatAnthropic
	formatGoogle
)

// streamMerger folds the chunks of one stream into a single response object. The output
// shape follows the first recognised chunk: OpenAI chat or completions, Anthropic Messages
// events or Gemini. Other objects are kept only in the list of chunks.
type streamMerger struct {
	maxDepth  int
	format    streamFormat
	openAI    openAIMerge
	anthropic anthropicMerge
	google    googleMerge
	// usage and errorValue are the last non-null `usage` and `error` members of any chunk.
	usage      []byte
	errorValue []byte
	chunks     [][]byte
	// invalid counts payload lines that were not JSON objects.
	invalid int
}

// chunkFields holds the raw top-level members of one chunk.
type chunkFields struct {
	typ, id, object, created, model, fingerprint []byte
	choices, usage, errorValue                   []byte
	message, index, contentBlock, delta          []byte
	candidates, usageMetadata, modelVersion      []byte
	responseID                                   []byte
}

func scanChunk(chunk []byte) chunkFields {
	var cf chunkFields
	m := newMembers(chunk)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		if bytes.IndexByte(key, '\\') >= 0 {
			key = unquoteInner(key, nil, keepEscaped)
		}
		switch string(key) {
		case "type":
			cf.typ = val
		case "id":
			cf.id = val
		case "object":
			cf.object = val
		case "created":
			cf.created = val
		case "model":
			cf.model = val
		case "system_fingerprint":
			cf.fingerprint = val
		case "choices":
			cf.choices = val
		case "usage":
			cf.usage = val
		case "error":
			cf.errorValue = val
		case "message":
			cf.message = val
		case "index":
			cf.index = val
		case "content_block":
			cf.contentBlock = val
		case "delta":
			cf.delta = val
		case "candidates":
			cf.candidates = val
		case "usageMetadata":
			cf.usageMetadata = val
		case "modelVersion":
			cf.modelVersion = val
		case "responseId":
			cf.responseID = val
		}
	}
	return cf
}

// add merges one chunk, which must be a validated JSON object.
func (sm *streamMerger) add(chunk []byte) {
	sm.chunks = append(sm.chunks, chunk)
	cf := scanChunk(chunk)
	if !isAbsent(cf.errorValue) {
		sm.errorValue = cf.errorValue
	}
	switch {
	case isAnthropicEvent(cf.typ):
		sm.anthropic.add(&cf, sm.maxDepth)
		sm.setFormat(formatAnthropic)
		return
	case kindOf(cf.choices) == kindArray:
		sm.openAI.add(&cf)
		sm.setFormat(formatOpenAI)
	case kindOf(cf.candidates) == kindArray || kindOf(cf.usageMetadata) == kindObject:
		sm.google.add(&cf)
		sm.setFormat(formatGoogle)
	}
	if kindOf(cf.usage) == kindObject {
		sm.usage = cf.usage
	}
}

func (sm *streamMerger) setFormat(f streamFormat) {
	if sm.format == formatPlain {
		sm.format = f
	}
}

// output returns the merged response object. It always ends with "streamed_data", the
// list of chunks as received.
func (sm *streamMerger) output() []byte {
	size := 256
	for _, c := range sm.chunks {
		size += len(c) + 1
	}
	dst := make([]byte, 0, size)
	switch sm.format {
	case formatOpenAI:
		dst = sm.openAI.appendOutput(dst, sm.usage)
	case formatAnthropic:
		dst = sm.anthropic.appendOutput(dst, sm.maxDepth)
	case formatGoogle:
		dst = sm.google.appendOutput(dst)
	default:
		dst = append(dst, '{')
		dst = appendRawMember(dst, "usage", sm.usage)
	}
	dst = appendRawMember(dst, "error", sm.errorValue)
	if sm.invalid > 0 {
		dst = appendKey(dst, "invalid_lines")
		dst = appendInt(dst, int64(sm.invalid))
	}
	dst = appendKey(dst, "streamed_data")
	dst = append(dst, '[')
	for i, c := range sm.chunks {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c...)
	}
	return append(dst, ']', '}')
}
