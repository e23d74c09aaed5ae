package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/heliograph/heliograph/internal/filter"
)

// ParseHeliconeFilter translates a Helicone filter tree, the filter field of a Helicone query
// body, into a filter tree:
//
//	node := "all" | leaf | {"left": node, "operator": "and" | "or", "right": node}
//	leaf := {"<table>": {"<column>": {"<operator>": value}}}
//
// Each leaf holds exactly one column and one operator. Property and score leaves name the key
// one level deeper: {"request_response_rmt": {"properties": {"env": {"equals": "prod"}}}}.
// Property keys are lower-cased, like ingest does, except that Helicone-Session-Id,
// Helicone-Session-Name, Helicone-Session-Path, Helicone-Prompt-Id and Helicone-User-Id (in
// any case) map to the session, prompt and user fields. The tables, columns and operators
// are listed in docs/filter-language.md. Errors are *[FilterError] values whose path starts
// at "filter".
func ParseHeliconeFilter(raw json.RawMessage) (filter.Expr, error) {
	e, err := parseNode(raw, "filter", 0)
	if err != nil {
		return nil, err
	}
	if n := countNodes(e); n > MaxNodes {
		return nil, &FilterError{Path: "filter", Msg: fmt.Sprintf(
			"%d conditions and operators, more than the limit of %d", n, MaxNodes)}
	}
	return e, nil
}

// countNodes returns the number of conditions and operators in e, as [MaxNodes] counts them:
// a negated comparison, such as not-equals, is one condition.
func countNodes(e filter.Expr) int {
	switch x := e.(type) {
	case filter.And:
		return 1 + countAll(x.Exprs)
	case filter.Or:
		return 1 + countAll(x.Exprs)
	case filter.Not:
		if _, ok := x.X.(filter.Cond); ok {
			return 1
		}
		return 1 + countNodes(x.X)
	}
	return 1
}

func countAll(es []filter.Expr) int {
	n := 0
	for _, e := range es {
		n += countNodes(e)
	}
	return n
}

// parseNode translates one node. depth counts the and/or objects around it.
func parseNode(raw json.RawMessage, path string, depth int) (filter.Expr, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, &FilterError{Path: path, Msg: `missing; send "all" or a filter object`}
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, invalidJSON(path, err)
		}
		if s != "all" {
			return nil, &FilterError{Path: path, Msg: "unknown filter string " + quoteInput(s) +
				`; the only string filter is "all"`}
		}
		return filter.All{}, nil
	case '{':
		obj, err := decodeObject(raw, path)
		if err != nil {
			return nil, err
		}
		if isBranch(obj) {
			return parseBranch(obj, path, depth)
		}
		return parseLeaf(obj, path)
	}
	return nil, &FilterError{Path: path,
		Msg: `expected "all" or an object, found ` + jsonType(raw)}
}

func isBranch(obj map[string]json.RawMessage) bool {
	for _, k := range [...]string{"left", "operator", "right"} {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

// parseBranch translates {"left": node, "operator": "and" | "or", "right": node}.
func parseBranch(obj map[string]json.RawMessage, path string, depth int) (filter.Expr, error) {
	for _, k := range sortedKeys(obj) {
		if k != "left" && k != "operator" && k != "right" {
			return nil, &FilterError{Path: path, Msg: "unexpected key " + quoteInput(k) +
				` beside "left", "operator" and "right"`}
		}
	}
	for _, k := range [...]string{"left", "operator", "right"} {
		if _, ok := obj[k]; !ok {
			return nil, &FilterError{Path: path, Msg: fmt.Sprintf("missing %q", k)}
		}
	}
	if depth >= MaxDepth {
		return nil, &FilterError{Path: path,
			Msg: fmt.Sprintf("and/or nodes nested deeper than %d levels", MaxDepth)}
	}

	var op string
	if err := json.Unmarshal(obj["operator"], &op); err != nil || op != "and" && op != "or" {
		return nil, &FilterError{Path: path + ".operator", Msg: `expected "and" or "or"`}
	}
	left, err := parseNode(obj["left"], path+".left", depth+1)
	if err != nil {
		return nil, err
	}
	right, err := parseNode(obj["right"], path+".right", depth+1)
	if err != nil {
		return nil, err
	}
	if op == "or" {
		return anyOf(left, right), nil
	}
	return allOf(left, right), nil
}

// parseLeaf translates {"<table>": {"<column>": {"<operator>": value}}}.
func parseLeaf(obj map[string]json.RawMessage, path string) (filter.Expr, error) {
	table, body, err := single(obj, path, "table")
	if err != nil {
		return nil, err
	}
	tablePath := pathKey(path, table)
	if table == "properties" {
		return parseKeyed(body, tablePath, filter.FieldProperty)
	}
	lookup, ok := tableColumns(table)
	if !ok {
		return nil, &FilterError{Path: path, Msg: "unknown table " + quoteInput(table) +
			"; tables are " + strings.Join(tableNames(), ", ")}
	}

	cols, err := decodeObject(body, tablePath)
	if err != nil {
		return nil, err
	}
	col, ops, err := single(cols, tablePath, "column")
	if err != nil {
		return nil, err
	}
	f, state := lookup(col)
	switch state {
	case columnUnknown:
		return nil, &FilterError{Path: tablePath, Msg: "unknown column " + quoteInput(col)}
	case columnUnsupported:
		return nil, &FilterError{Path: tablePath,
			Msg: "column " + quoteInput(col) + " is not supported by this server"}
	case columnKeyed:
		return parseKeyed(ops, pathKey(tablePath, col), f.Name)
	}
	return parseOperator(ops, pathKey(tablePath, col), f)
}

// parseKeyed translates {"<key>": {"<operator>": value}} for a property or score field.
func parseKeyed(raw json.RawMessage, path, fieldName string) (filter.Expr, error) {
	keys, err := decodeObject(raw, path)
	if err != nil {
		return nil, err
	}
	key, ops, err := single(keys, path, "key")
	if err != nil {
		return nil, err
	}
	keyPath := pathKey(path, key)
	if key == "" {
		return nil, &FilterError{Path: keyPath, Msg: "key is empty"}
	}
	f := filter.Field{Name: filter.FieldScore, Key: key}
	if fieldName == filter.FieldProperty {
		f = propertyField(key)
	}
	return parseOperator(ops, keyPath, f)
}

// parseOperator translates {"<operator>": value} for field f.
func parseOperator(raw json.RawMessage, path string, f filter.Field) (filter.Expr, error) {
	ops, err := decodeObject(raw, path)
	if err != nil {
		return nil, err
	}
	name, value, err := single(ops, path, "operator")
	if err != nil {
		return nil, err
	}
	opPath := pathKey(path, name)
	op, ok := heliconeOp(name)
	if !ok {
		return nil, &FilterError{Path: path, Msg: "unknown operator " + quoteInput(name) +
			"; operators are equals, not-equals, like, ilike, contains, not-contains, " +
			"gt, gte, lt and lte"}
	}
	e, err := heliconeCond(f, op, name, value)
	if err != nil {
		return nil, &FilterError{Path: opPath, Msg: err.Error()}
	}
	return e, nil
}

func heliconeOp(name string) (filter.Op, bool) {
	switch name {
	case "equals":
		return filter.OpEq, true
	case "not-equals":
		return filter.OpNe, true
	case "like":
		return filter.OpLike, true
	case "ilike":
		return filter.OpILike, true
	case "contains":
		return filter.OpContains, true
	case "not-contains":
		return filter.OpNotContains, true
	case "gt":
		return filter.OpGt, true
	case "gte":
		return filter.OpGe, true
	case "lt":
		return filter.OpLt, true
	case "lte":
		return filter.OpLe, true
	}
	return "", false
}

// heliconeCond builds the condition for one leaf. With equals and not-equals, the value
// "null" (or JSON null) tests for a missing value and "__empty__" for an empty or missing
// text.
func heliconeCond(f filter.Field, op filter.Op, opName string, raw json.RawMessage) (
	filter.Expr, error) {
	kind, _ := kindOf(f)
	v, err := decodeScalar(raw)
	if err != nil {
		return nil, err
	}

	magic := op == filter.OpEq || op == filter.OpNe
	switch {
	case magic && (v.typ == "null" || v.typ == "string" && v.text == "null"):
		test := filter.OpNull
		if op == filter.OpNe {
			test = filter.OpExists
		}
		if err := checkOp(f, kind, test, opName+` "null"`); err != nil {
			return nil, err
		}
		return filter.Cond{Field: f, Op: test}, nil
	case magic && v.typ == "string" && v.text == "__empty__":
		if err := checkOp(f, kind, filter.OpEmpty, opName+` "__empty__"`); err != nil {
			return nil, err
		}
		cond := filter.Cond{Field: f, Op: filter.OpEmpty}
		if op == filter.OpNe {
			return filter.Not{X: cond}, nil
		}
		return cond, nil
	case v.typ == "null":
		return nil, fmt.Errorf("null is only valid with equals and not-equals")
	}

	if err := checkOp(f, kind, op, opName); err != nil {
		return nil, err
	}
	if v.typ == "string" {
		v.text = requestIDText(f, op, v.text)
	}
	value, err := heliconeValue(kind, op, v)
	if err != nil {
		return nil, err
	}
	return filter.Cond{Field: f, Op: op, Value: value}, nil
}

// heliconeValue converts a JSON scalar to the type of kind. Text fields take the text of
// numbers and booleans, numeric fields take numeric strings, and scores take booleans as 1
// and 0.
func heliconeValue(kind valueKind, op filter.Op, v scalar) (any, error) {
	switch {
	case v.typ == "boolean" && kind == kindScore:
		return parseScore(v.text)
	case v.typ == "boolean" && !kind.isText() && kind != kindBody:
		return nil, fmt.Errorf("expected %s, found boolean %s", kind.article(), v.text)
	case v.typ == "number" && kind == kindTime:
		return nil, fmt.Errorf("expected an ISO 8601 time string, found number %s", v.text)
	}
	return convertValue(kind, op, v.text, timeRef{})
}

// scalar is a JSON string, number, boolean or null. typ names the JSON type, and text is the
// decoded string or the literal text of the other types.
type scalar struct {
	typ  string
	text string
}

func decodeScalar(raw json.RawMessage) (scalar, error) {
	raw = bytes.TrimSpace(raw)
	typ := jsonType(raw)
	switch typ {
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return scalar{}, fmt.Errorf("invalid JSON string: %w", err)
		}
		return scalar{typ: typ, text: s}, nil
	case "number", "boolean", "null":
		if !json.Valid(raw) {
			return scalar{}, fmt.Errorf("invalid JSON %s", typ)
		}
		return scalar{typ: typ, text: string(raw)}, nil
	}
	return scalar{}, fmt.Errorf("expected a string, number or boolean, found %s", typ)
}

// jsonType names the JSON type of raw from its first byte, so raw must not start with spaces.
func jsonType(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func decodeObject(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, &FilterError{Path: path, Msg: "expected an object, found " + jsonType(raw)}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, invalidJSON(path, err)
	}
	return obj, nil
}

func invalidJSON(path string, err error) error {
	return &FilterError{Path: path, Msg: "invalid JSON: " + err.Error()}
}

// single returns the only entry of obj. When obj has none or several, the error calls the
// entry entryName.
func single(obj map[string]json.RawMessage, path, entryName string) (string, json.RawMessage,
	error) {
	if len(obj) == 1 {
		for k, v := range obj {
			return k, v, nil
		}
	}
	keys := sortedKeys(obj)
	for i, k := range keys {
		keys[i] = quoteInput(k)
	}
	msg := fmt.Sprintf("expected exactly one %s, found %d", entryName, len(obj))
	if len(keys) > 0 {
		msg += " (" + strings.Join(keys, ", ") + ")"
	}
	return "", nil, &FilterError{Path: path, Msg: msg}
}

func sortedKeys(obj map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pathKey appends a key to a JSON path: .key for keys of letters, digits, _ and -, and
// ["key"] otherwise.
func pathKey(path, key string) string {
	plain := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' {
			plain = false
			break
		}
	}
	if plain {
		return path + "." + key
	}
	return path + "[" + quoteInput(key) + "]"
}
