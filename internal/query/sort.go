package query

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/heliograph/heliograph/internal/filter"
)

// ParseHeliconeSort translates a Helicone sort object, such as {"latency": "desc"} or
// {"properties": {"env": "asc"}}, into a [filter.Sort]. Empty input, null and {} return the
// zero Sort (newest first), and so does {"created_at": "desc"}, which is the same order.
// Property keys may hold any characters and are lower-cased like filter keys. More than one
// key, an unknown key, random order and a direction other than "asc" or "desc" are
// *[FilterError] values whose path starts at "sort".
func ParseHeliconeSort(raw json.RawMessage) (filter.Sort, error) {
	const path = "sort"
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return filter.Sort{}, nil
	}
	obj, err := decodeObject(raw, path)
	if err != nil {
		return filter.Sort{}, err
	}
	if len(obj) == 0 {
		return filter.Sort{}, nil
	}
	key, value, err := single(obj, path, "sort key")
	if err != nil {
		return filter.Sort{}, err
	}
	keyPath := pathKey(path, key)

	var f filter.Field
	switch key {
	case "properties":
		return parsePropertySort(value, keyPath)
	case "random":
		return filter.Sort{}, &FilterError{Path: keyPath, Msg: "random order is not supported"}
	case "is_cached", "request_prompt", "response_text":
		return filter.Sort{}, &FilterError{Path: path,
			Msg: "sort key " + quoteInput(key) + " is not supported by this server"}
	default:
		name, ok := sortColumn(key)
		if !ok {
			return filter.Sort{}, &FilterError{Path: path, Msg: "unknown sort key " +
				quoteInput(key) + "; sort keys are " + strings.Join(sortKeys(), ", ")}
		}
		f = filter.Field{Name: name}
	}

	desc, err := parseDirection(value, keyPath)
	if err != nil {
		return filter.Sort{}, err
	}
	if f.Name == filter.FieldCreatedAt && desc {
		return filter.Sort{}, nil
	}
	return filter.Sort{Field: f, Desc: desc}, nil
}

// parsePropertySort translates {"<key>": "asc" | "desc"}.
func parsePropertySort(raw json.RawMessage, path string) (filter.Sort, error) {
	keys, err := decodeObject(raw, path)
	if err != nil {
		return filter.Sort{}, err
	}
	key, value, err := single(keys, path, "property key")
	if err != nil {
		return filter.Sort{}, err
	}
	keyPath := pathKey(path, key)
	if key == "" {
		return filter.Sort{}, &FilterError{Path: keyPath, Msg: "key is empty"}
	}
	desc, err := parseDirection(value, keyPath)
	if err != nil {
		return filter.Sort{}, err
	}
	return filter.Sort{Field: propertyField(key), Desc: desc}, nil
}

func parseDirection(raw json.RawMessage, path string) (desc bool, err error) {
	var dir string
	if json.Unmarshal(raw, &dir) == nil {
		switch strings.ToLower(dir) {
		case "asc":
			return false, nil
		case "desc":
			return true, nil
		}
	}
	return false, &FilterError{Path: path, Msg: `expected "asc" or "desc"`}
}

// sortKeys lists the column sort keys, for error messages.
func sortKeys() []string {
	return []string{"created_at", "latency", "time_to_first_token", "total_tokens",
		"prompt_tokens", "completion_tokens", "cost", "status", "user_id", "model",
		"body_model", "provider", "properties"}
}

func sortColumn(key string) (string, bool) {
	switch key {
	case "created_at", "request_created_at":
		return filter.FieldCreatedAt, true
	case "latency":
		return filter.FieldLatency, true
	case "time_to_first_token":
		return filter.FieldTTFT, true
	case "total_tokens":
		return filter.FieldTotalTokens, true
	case "prompt_tokens":
		return filter.FieldPromptTokens, true
	case "completion_tokens":
		return filter.FieldCompletionTokens, true
	case "cost":
		return filter.FieldCost, true
	case "status":
		return filter.FieldStatus, true
	case "user_id":
		return filter.FieldUser, true
	case "model", "body_model":
		return filter.FieldModel, true
	case "provider":
		return filter.FieldProvider, true
	}
	return "", false
}
