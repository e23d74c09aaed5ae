package record

import (
	"bytes"
	"cmp"
	"slices"
	"unicode/utf8"
)

// isAnthropicEvent reports whether raw is the `type` of an Anthropic Messages stream event.
func isAnthropicEvent(raw []byte) bool {
	switch s, _ := stringValue(raw); s {
	case "message_start", "message_delta", "message_stop", "content_block_start",
		"content_block_delta", "content_block_stop", "ping":
		return true
	}
	return false
}

// anthropicMerge folds Anthropic Messages stream events into one message object.
type anthropicMerge struct {
	id, model, role          []byte // raw, from message_start
	stopReason, stopSequence []byte // raw, last non-null
	usage                    []rawMember
	blocks                   []anthropicBlock
}

// rawMember is one member of an object being merged. A later value replaces an earlier one
// with the same key.
type rawMember struct {
	key, val []byte
}

// anthropicBlock is one content block being assembled. Text fields are decoded with keepWTF8.
type anthropicBlock struct {
	index int64
	typ   string
	// start is the raw content_block of content_block_start.
	start     []byte
	id, name  []byte // raw
	text      []byte
	thinking  []byte
	signature []byte
	// input is the concatenation of input_json_delta fragments.
	input    []byte
	hasInput bool
}

func (am *anthropicMerge) add(cf *chunkFields, maxDepth int) {
	switch s, _ := stringValue(cf.typ); s {
	case "message_start":
		am.addMessageStart(cf.message)
	case "content_block_start":
		am.addBlockStart(indexOr(cf.index, int64(len(am.blocks))), cf.contentBlock)
	case "content_block_delta":
		am.addBlockDelta(indexOr(cf.index, int64(len(am.blocks))-1), cf.delta)
	case "message_delta":
		am.stopReason = lastPresent(am.stopReason, memberValue(cf.delta, "stop_reason"))
		am.stopSequence = lastPresent(am.stopSequence, memberValue(cf.delta, "stop_sequence"))
		am.mergeUsage(cf.usage)
	}
}

func (am *anthropicMerge) addMessageStart(msg []byte) {
	m := newMembers(msg)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "id"):
			am.id = firstRawString(am.id, val)
		case keyIs(key, "model"):
			am.model = firstRawString(am.model, val)
		case keyIs(key, "role"):
			am.role = firstRawString(am.role, val)
		case keyIs(key, "stop_reason"):
			am.stopReason = lastPresent(am.stopReason, val)
		case keyIs(key, "usage"):
			am.mergeUsage(val)
		}
	}
}

func (am *anthropicMerge) addBlockStart(index int64, block []byte) {
	b := am.block(index)
	if b == nil {
		return
	}
	b.start = block
	m := newMembers(block)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "type"):
			b.typ, _ = stringValue(val)
		case keyIs(key, "id"):
			b.id = val
		case keyIs(key, "name"):
			b.name = val
		case keyIs(key, "text"):
			b.text = appendFragment(b.text, val)
		case keyIs(key, "thinking"):
			b.thinking = appendFragment(b.thinking, val)
		}
	}
}

func (am *anthropicMerge) addBlockDelta(index int64, delta []byte) {
	b := am.block(index)
	if b == nil {
		return
	}
	m := newMembers(delta)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "text"):
			b.text = appendFragment(b.text, val)
			b.setTypeIfUnknown("text")
		case keyIs(key, "partial_json"):
			b.input = appendFragment(b.input, val)
			b.hasInput = true
			b.setTypeIfUnknown("tool_use")
		case keyIs(key, "thinking"):
			b.thinking = appendFragment(b.thinking, val)
			b.setTypeIfUnknown("thinking")
		case keyIs(key, "signature"):
			b.signature = appendFragment(b.signature, val)
		}
	}
}

func (b *anthropicBlock) setTypeIfUnknown(typ string) {
	if b.typ == "" {
		b.typ = typ
	}
}

// block returns the content block with the index, adding it if needed, or nil when the index
// is outside [0, maxMergeIndex).
func (am *anthropicMerge) block(index int64) *anthropicBlock {
	if index < 0 || index >= maxMergeIndex {
		return nil
	}
	for i := range am.blocks {
		if am.blocks[i].index == index {
			return &am.blocks[i]
		}
	}
	am.blocks = append(am.blocks, anthropicBlock{index: index})
	return &am.blocks[len(am.blocks)-1]
}

// mergeUsage overlays the members of a usage object: message_delta carries the final
// output_tokens and sometimes updated input and cache counts. At most maxUsageMembers keys
// are kept, which bounds the cost of the key lookups.
func (am *anthropicMerge) mergeUsage(obj []byte) {
	m := newMembers(obj)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		if kindOf(val) == kindNull {
			continue
		}
		replaced := false
		for i := range am.usage {
			if bytes.Equal(am.usage[i].key, key) {
				am.usage[i].val = val
				replaced = true
			}
		}
		if !replaced && len(am.usage) < maxUsageMembers {
			am.usage = append(am.usage, rawMember{key: key, val: val})
		}
	}
}

// appendOutput writes the merged message without its closing brace.
func (am *anthropicMerge) appendOutput(dst []byte, maxDepth int) []byte {
	dst = append(dst, '{')
	dst = appendRawMember(dst, "id", am.id)
	dst = appendKey(dst, "type")
	dst = append(dst, `"message"`...)
	dst = appendKey(dst, "role")
	dst = append(dst, orDefault(am.role, `"assistant"`)...)
	dst = appendRawMember(dst, "model", am.model)

	slices.SortStableFunc(am.blocks, func(a, b anthropicBlock) int {
		return cmp.Compare(a.index, b.index)
	})
	dst = appendKey(dst, "content")
	dst = append(dst, '[')
	for i := range am.blocks {
		dst = appendElementSep(dst)
		dst = am.blocks[i].appendOutput(dst, maxDepth)
	}
	dst = append(dst, ']')

	dst = appendKey(dst, "stop_reason")
	dst = appendRawOrNull(dst, am.stopReason)
	dst = appendKey(dst, "stop_sequence")
	dst = appendRawOrNull(dst, am.stopSequence)
	if len(am.usage) > 0 {
		dst = appendKey(dst, "usage")
		dst = append(dst, '{')
		for _, um := range am.usage {
			dst = appendElementSep(dst)
			dst = append(dst, '"')
			dst = append(dst, um.key...)
			dst = append(dst, '"', ':')
			dst = append(dst, um.val...)
		}
		dst = append(dst, '}')
	}
	return dst
}

func (b *anthropicBlock) appendOutput(dst []byte, maxDepth int) []byte {
	switch b.typ {
	case "text":
		dst = append(dst, `{"type":"text"`...)
		dst = appendTextMember(dst, "text", joinSurrogates(b.text))
	case "thinking":
		dst = append(dst, `{"type":"thinking"`...)
		dst = appendTextMember(dst, "thinking", joinSurrogates(b.thinking))
		if b.signature != nil {
			dst = appendTextMember(dst, "signature", joinSurrogates(b.signature))
		}
	case "tool_use", "server_tool_use":
		dst = append(dst, `{"type":`...)
		dst = appendJSONString(dst, []byte(b.typ))
		dst = appendRawMember(dst, "id", b.id)
		dst = appendRawMember(dst, "name", b.name)
		dst = appendKey(dst, "input")
		dst = b.appendInput(dst, maxDepth)
	default:
		if b.start != nil {
			return append(dst, b.start...)
		}
		return append(dst, "{}"...)
	}
	return append(dst, '}')
}

// appendInput writes a tool block's input: the concatenated JSON fragments when they form
// valid JSON, else that text as a string, else the input of content_block_start.
func (b *anthropicBlock) appendInput(dst []byte, maxDepth int) []byte {
	if !b.hasInput {
		if in := memberValue(b.start, "input"); in != nil {
			return append(dst, in...)
		}
		return append(dst, "{}"...)
	}
	input := joinSurrogates(b.input)
	trimmed := trimASCIISpace(input)
	if len(trimmed) == 0 {
		return append(dst, "{}"...)
	}
	if utf8.Valid(trimmed) && checkJSON(trimmed, maxDepth) == nil {
		return append(dst, trimmed...)
	}
	return appendJSONString(dst, input)
}

// lastPresent returns next when it is present and not null, else cur.
func lastPresent(cur, next []byte) []byte {
	if isAbsent(next) {
		return cur
	}
	return next
}
