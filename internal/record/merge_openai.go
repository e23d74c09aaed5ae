package record

import (
	"cmp"
	"slices"
)

// openAIMerge folds OpenAI chat.completion.chunk objects (choices[].delta) and completions
// chunks (choices[].text) into one chat.completion or text_completion object.
type openAIMerge struct {
	// id, created, model and fingerprint are the first non-empty raw values seen.
	id, created, model, fingerprint []byte
	choices                         []openAIChoice
	// chat reports that some choice carried a delta, so the output is a chat completion.
	chat bool
}

// openAIChoice is one choice being assembled. Text fields are decoded with keepWTF8.
type openAIChoice struct {
	index        int64
	role         []byte // raw
	content      []byte
	hasContent   bool
	text         []byte
	finishReason []byte // raw, last non-null
	toolCalls    []openAIToolCall
}

// openAIToolCall is one tool call being assembled. id, type and name are set by the first
// chunk that carries them, and argument fragments are concatenated.
type openAIToolCall struct {
	index     int64
	id, typ   []byte // raw
	name      []byte // raw
	arguments []byte
}

func (om *openAIMerge) add(cf *chunkFields) {
	om.id = firstRawString(om.id, cf.id)
	om.created = firstRaw(om.created, cf.created)
	om.model = firstRawString(om.model, cf.model)
	om.fingerprint = firstRawString(om.fingerprint, cf.fingerprint)

	elems := newElements(cf.choices)
	for pos := int64(0); ; pos++ {
		raw, ok := elems.next()
		if !ok {
			return
		}
		om.addChoice(raw, pos)
	}
}

// addChoice merges one element of a chunk's choices. pos is its position, used when the
// element has no index.
func (om *openAIMerge) addChoice(raw []byte, pos int64) {
	var index, delta, text, finish []byte
	m := newMembers(raw)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "index"):
			index = val
		case keyIs(key, "delta"):
			delta = val
		case keyIs(key, "text"):
			text = val
		case keyIs(key, "finish_reason"):
			finish = val
		}
	}
	c := om.choice(indexOr(index, pos))
	if c == nil {
		return
	}
	if !isAbsent(finish) {
		c.finishReason = finish
	}
	if kindOf(text) == kindString {
		c.text = appendFragment(c.text, text)
	}
	if kindOf(delta) == kindObject {
		om.chat = true
		c.addDelta(delta)
	}
}

func (c *openAIChoice) addDelta(delta []byte) {
	m := newMembers(delta)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "role"):
			c.role = firstRawString(c.role, val)
		case keyIs(key, "content"):
			if kindOf(val) == kindString {
				c.content = appendFragment(c.content, val)
				c.hasContent = true
			}
		case keyIs(key, "tool_calls"):
			c.addToolCalls(val)
		}
	}
}

func (c *openAIChoice) addToolCalls(arr []byte) {
	elems := newElements(arr)
	for pos := int64(0); ; pos++ {
		raw, ok := elems.next()
		if !ok {
			return
		}
		var index, id, typ, fn []byte
		m := newMembers(raw)
		for key, val, ok := m.next(); ok; key, val, ok = m.next() {
			switch {
			case keyIs(key, "index"):
				index = val
			case keyIs(key, "id"):
				id = val
			case keyIs(key, "type"):
				typ = val
			case keyIs(key, "function"):
				fn = val
			}
		}
		tc := c.toolCall(indexOr(index, pos))
		if tc == nil {
			continue
		}
		tc.id = firstRawString(tc.id, id)
		tc.typ = firstRawString(tc.typ, typ)
		tc.name = firstRawString(tc.name, memberValue(fn, "name"))
		if args := memberValue(fn, "arguments"); kindOf(args) == kindString {
			tc.arguments = appendFragment(tc.arguments, args)
		}
	}
}

// choice returns the choice with the index, adding it if needed, or nil when the index is
// outside [0, maxMergeIndex).
func (om *openAIMerge) choice(index int64) *openAIChoice {
	if index < 0 || index >= maxMergeIndex {
		return nil
	}
	for i := range om.choices {
		if om.choices[i].index == index {
			return &om.choices[i]
		}
	}
	om.choices = append(om.choices, openAIChoice{index: index})
	return &om.choices[len(om.choices)-1]
}

// toolCall returns the tool call with the index, adding it if needed, or nil when the index
// is outside [0, maxMergeIndex).
func (c *openAIChoice) toolCall(index int64) *openAIToolCall {
	if index < 0 || index >= maxMergeIndex {
		return nil
	}
	for i := range c.toolCalls {
		if c.toolCalls[i].index == index {
			return &c.toolCalls[i]
		}
	}
	c.toolCalls = append(c.toolCalls, openAIToolCall{index: index})
	return &c.toolCalls[len(c.toolCalls)-1]
}

// appendOutput writes the merged object without its closing brace.
func (om *openAIMerge) appendOutput(dst, usage []byte) []byte {
	dst = append(dst, '{')
	dst = appendRawMember(dst, "id", om.id)
	dst = appendKey(dst, "object")
	if om.chat {
		dst = append(dst, `"chat.completion"`...)
	} else {
		dst = append(dst, `"text_completion"`...)
	}
	dst = appendRawMember(dst, "created", om.created)
	dst = appendRawMember(dst, "model", om.model)
	dst = appendRawMember(dst, "system_fingerprint", om.fingerprint)

	slices.SortStableFunc(om.choices, func(a, b openAIChoice) int {
		return cmp.Compare(a.index, b.index)
	})
	dst = appendKey(dst, "choices")
	dst = append(dst, '[')
	for i := range om.choices {
		dst = appendElementSep(dst)
		dst = om.choices[i].appendOutput(dst, om.chat)
	}
	dst = append(dst, ']')
	return appendRawMember(dst, "usage", usage)
}

func (c *openAIChoice) appendOutput(dst []byte, chat bool) []byte {
	dst = append(dst, '{')
	dst = appendKey(dst, "index")
	dst = appendInt(dst, c.index)
	if chat {
		dst = c.appendMessage(appendKey(dst, "message"))
	} else {
		dst = appendTextMember(dst, "text", joinSurrogates(c.text))
	}
	dst = appendKey(dst, "finish_reason")
	dst = appendRawOrNull(dst, c.finishReason)
	return append(dst, '}')
}

func (c *openAIChoice) appendMessage(dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendKey(dst, "role")
	dst = append(dst, orDefault(c.role, `"assistant"`)...)
	dst = appendKey(dst, "content")
	if c.hasContent {
		dst = appendJSONString(dst, joinSurrogates(c.content))
	} else {
		dst = append(dst, "null"...)
	}
	if len(c.toolCalls) > 0 {
		slices.SortStableFunc(c.toolCalls, func(a, b openAIToolCall) int {
			return cmp.Compare(a.index, b.index)
		})
		dst = appendKey(dst, "tool_calls")
		dst = append(dst, '[')
		for i := range c.toolCalls {
			dst = appendElementSep(dst)
			dst = c.toolCalls[i].appendOutput(dst)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func (tc *openAIToolCall) appendOutput(dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendRawMember(dst, "id", tc.id)
	dst = appendKey(dst, "type")
	dst = append(dst, orDefault(tc.typ, `"function"`)...)
	dst = appendKey(dst, "function")
	dst = append(dst, '{')
	dst = appendKey(dst, "name")
	dst = append(dst, orDefault(tc.name, `""`)...)
	dst = appendTextMember(dst, "arguments", joinSurrogates(tc.arguments))
	return append(dst, '}', '}')
}

// appendFragment decodes the JSON string raw and appends its text to dst, keeping lone
// surrogates as WTF-8 so that a pair split across two fragments can be joined later.
func appendFragment(dst, raw []byte) []byte {
	if len(raw) < 2 {
		return dst
	}
	return unquoteInner(raw[1:len(raw)-1], dst, keepWTF8)
}

// firstRaw returns cur unless it is nil and next is present and not null.
func firstRaw(cur, next []byte) []byte {
	if cur != nil || isAbsent(next) {
		return cur
	}
	return next
}

// firstRawString returns cur unless it is nil and next is a non-empty JSON string.
func firstRawString(cur, next []byte) []byte {
	if cur != nil || kindOf(next) != kindString || len(next) <= 2 {
		return cur
	}
	return next
}

// indexOr returns the integer in raw, or def when raw is not an integer.
func indexOr(raw []byte, def int64) int64 {
	if n, ok := intValue(raw); ok {
		return n
	}
	return def
}
