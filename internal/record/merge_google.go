package record

import (
	"cmp"
	"slices"
)

// googleMerge folds Gemini streamGenerateContent chunks into one response object.
type googleMerge struct {
	modelVersion, responseID []byte // raw, first non-empty
	usageMetadata            []byte // raw, last one wins
	candidates               []googleCandidate
}

// googleCandidate is one candidate being assembled. Text parts are concatenated, thought
// parts separately. Other parts (function calls, inline data) are kept as received.
type googleCandidate struct {
	index        int64
	role         []byte // raw
	text         []byte
	hasText      bool
	thought      []byte
	hasThought   bool
	otherParts   [][]byte
	finishReason []byte // raw, last non-null
}

func (gm *googleMerge) add(cf *chunkFields) {
	gm.modelVersion = firstRawString(gm.modelVersion, cf.modelVersion)
	gm.responseID = firstRawString(gm.responseID, cf.responseID)
	if kindOf(cf.usageMetadata) == kindObject {
		gm.usageMetadata = cf.usageMetadata
	}
	elems := newElements(cf.candidates)
	for pos := int64(0); ; pos++ {
		raw, ok := elems.next()
		if !ok {
			return
		}
		gm.addCandidate(raw, pos)
	}
}

func (gm *googleMerge) addCandidate(raw []byte, pos int64) {
	var index, content, finish []byte
	m := newMembers(raw)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "index"):
			index = val
		case keyIs(key, "content"):
			content = val
		case keyIs(key, "finishReason"):
			finish = val
		}
	}
	c := gm.candidate(indexOr(index, pos))
	if c == nil {
		return
	}
	c.finishReason = lastPresent(c.finishReason, finish)
	c.role = firstRawString(c.role, memberValue(content, "role"))
	parts := newElements(memberValue(content, "parts"))
	for part, ok := parts.next(); ok; part, ok = parts.next() {
		c.addPart(part)
	}
}

func (c *googleCandidate) addPart(part []byte) {
	var text, thought []byte
	others := false
	m := newMembers(part)
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		switch {
		case keyIs(key, "text"):
			text = val
		case keyIs(key, "thought"):
			thought = val
		case keyIs(key, "thoughtSignature"):
			// Signatures of thought parts are kept in streamed_data only.
		default:
			others = true
		}
	}
	switch {
	case kindOf(text) != kindString || others:
		c.otherParts = append(c.otherParts, part)
	case string(thought) == "true":
		c.thought = appendFragment(c.thought, text)
		c.hasThought = true
	default:
		c.text = appendFragment(c.text, text)
		c.hasText = true
	}
}

// candidate returns the candidate with the index, adding it if needed, or nil when the index
// is outside [0, maxMergeIndex).
func (gm *googleMerge) candidate(index int64) *googleCandidate {
	if index < 0 || index >= maxMergeIndex {
		return nil
	}
	for i := range gm.candidates {
		if gm.candidates[i].index == index {
			return &gm.candidates[i]
		}
	}
	gm.candidates = append(gm.candidates, googleCandidate{index: index})
	return &gm.candidates[len(gm.candidates)-1]
}

// appendOutput writes the merged response without its closing brace.
func (gm *googleMerge) appendOutput(dst []byte) []byte {
	slices.SortStableFunc(gm.candidates, func(a, b googleCandidate) int {
		return cmp.Compare(a.index, b.index)
	})
	dst = append(dst, '{')
	dst = appendKey(dst, "candidates")
	dst = append(dst, '[')
	for i := range gm.candidates {
		dst = appendElementSep(dst)
		dst = gm.candidates[i].appendOutput(dst)
	}
	dst = append(dst, ']')
	dst = appendRawMember(dst, "usageMetadata", gm.usageMetadata)
	dst = appendRawMember(dst, "modelVersion", gm.modelVersion)
	return appendRawMember(dst, "responseId", gm.responseID)
}

func (c *googleCandidate) appendOutput(dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendKey(dst, "index")
	dst = appendInt(dst, c.index)
	dst = appendKey(dst, "content")
	dst = append(dst, '{')
	dst = appendKey(dst, "role")
	dst = append(dst, orDefault(c.role, `"model"`)...)
	dst = appendKey(dst, "parts")
	dst = append(dst, '[')
	if c.hasThought {
		dst = appendElementSep(dst)
		dst = append(dst, '{')
		dst = appendTextMember(dst, "text", joinSurrogates(c.thought))
		dst = append(dst, `,"thought":true}`...)
	}
	if c.hasText {
		dst = appendElementSep(dst)
		dst = append(dst, '{')
		dst = appendTextMember(dst, "text", joinSurrogates(c.text))
		dst = append(dst, '}')
	}
	for _, p := range c.otherParts {
		dst = appendElementSep(dst)
		dst = append(dst, p...)
	}
	dst = append(dst, ']', '}')
	dst = appendKey(dst, "finishReason")
	dst = appendRawOrNull(dst, c.finishReason)
	return append(dst, '}')
}
