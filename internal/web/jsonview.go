package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Bounds of one body's display tree, so that a 10 MiB body does not become a page of
// millions of elements. The raw view shows the body up to maxRawBytes.
const (
	maxJSONNodes = 5000
	// maxStringBytes bounds the text of one string node.
	maxStringBytes = 64 << 10
)

// jsonNode is one JSON value kept in document order, for display. Numbers keep their source
// text, so large integers keep every digit.
type jsonNode struct {
	// Type is object, array, string, number, bool, null or more (the node budget ran out).
	Type string
	Text string
	// Cut reports that Text was cut at maxStringBytes.
	Cut    bool
	Fields []jsonField
	Items  []*jsonNode
}

type jsonField struct {
	Key   string
	Value *jsonNode
}

// Get returns the member key of an object node, or nil.
func (n *jsonNode) Get(key string) *jsonNode {
	if n == nil || n.Type != "object" {
		return nil
	}
	for _, f := range n.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

// String returns the text of a string, number or bool node, and "" for the rest.
func (n *jsonNode) String() string {
	if n == nil {
		return ""
	}
	switch n.Type {
	case "string", "number", "bool":
		return n.Text
	}
	return ""
}

// Len returns the number of items of an array node or members of an object node.
func (n *jsonNode) Len() int {
	if n == nil {
		return 0
	}
	return len(n.Items) + len(n.Fields)
}

// Without returns a copy of an object node without the given members.
func (n *jsonNode) Without(keys ...string) *jsonNode {
	if n == nil || n.Type != "object" {
		return n
	}
	out := &jsonNode{Type: "object"}
	for _, f := range n.Fields {
		skip := false
		for _, k := range keys {
			skip = skip || f.Key == k
		}
		if !skip {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

// parseJSON builds the display tree of a JSON document of at most budget nodes; empty input
// gives nil.
func parseJSON(b []byte, budget int) (*jsonNode, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return readNode(d, &budget)
}

var errEndOfContainer = errors.New("end of container")

// readNode reads one value. When the budget runs out it returns a "more" node and leaves the
// rest of the document unread, so the caller stops there.
func readNode(d *json.Decoder, budget *int) (*jsonNode, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	if *budget <= 0 {
		return &jsonNode{Type: "more"}, io.EOF
	}
	*budget--
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return readObject(d, budget)
		case '[':
			return readArray(d, budget)
		}
		return nil, errEndOfContainer
	case string:
		text, cut := cutText(v, maxStringBytes)
		return &jsonNode{Type: "string", Text: text, Cut: cut}, nil
	case json.Number:
		return &jsonNode{Type: "number", Text: v.String()}, nil
	case bool:
		if v {
			return &jsonNode{Type: "bool", Text: "true"}, nil
		}
		return &jsonNode{Type: "bool", Text: "false"}, nil
	}
	return &jsonNode{Type: "null", Text: "null"}, nil
}

func readObject(d *json.Decoder, budget *int) (*jsonNode, error) {
	n := &jsonNode{Type: "object"}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return n, err
		}
		key, _ := tok.(string)
		v, err := readNode(d, budget)
		if v != nil {
			n.Fields = append(n.Fields, jsonField{Key: key, Value: v})
		}
		if err != nil {
			return n, err
		}
	}
	_, err := d.Token()
	return n, err
}

func readArray(d *json.Decoder, budget *int) (*jsonNode, error) {
	n := &jsonNode{Type: "array"}
	for d.More() {
		v, err := readNode(d, budget)
		if v != nil {
			n.Items = append(n.Items, v)
		}
		if err != nil {
			return n, err
		}
	}
	_, err := d.Token()
	return n, err
}

// displayTree returns the tree of b for display: the partial tree when the node budget ran
// out, nil when b is not JSON (the raw view shows it).
func displayTree(b []byte, budget int) *jsonNode {
	n, err := parseJSON(b, budget)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	return n
}
