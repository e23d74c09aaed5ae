package query_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/heliograph/heliograph/internal/filter"
	"github.com/heliograph/heliograph/internal/query"
)

func TestParseHeliconeSort(t *testing.T) {
	by := func(name string, desc bool) filter.Sort {
		return filter.Sort{Field: filter.Field{Name: name}, Desc: desc}
	}
	byProp := func(key string, desc bool) filter.Sort {
		return filter.Sort{Field: filter.Field{Name: filter.FieldProperty, Key: key}, Desc: desc}
	}
	tests := []struct {
		raw  string
		want filter.Sort
	}{
		{``, filter.Sort{}},
		{`null`, filter.Sort{}},
		{`{}`, filter.Sort{}},
		{`{"created_at": "desc"}`, filter.Sort{}},
		{`{"created_at": "asc"}`, by(filter.FieldCreatedAt, false)},
		{`{"request_created_at": "ASC"}`, by(filter.FieldCreatedAt, false)},
		{`{"latency": "desc"}`, by(filter.FieldLatency, true)},
		{`{"time_to_first_token": "asc"}`, by(filter.FieldTTFT, false)},
		{`{"total_tokens": "desc"}`, by(filter.FieldTotalTokens, true)},
		{`{"prompt_tokens": "asc"}`, by(filter.FieldPromptTokens, false)},
		{`{"completion_tokens": "desc"}`, by(filter.FieldCompletionTokens, true)},
		{`{"cost": "Desc"}`, by(filter.FieldCost, true)},
		{`{"status": "asc"}`, by(filter.FieldStatus, false)},
		{`{"user_id": "asc"}`, by(filter.FieldUser, false)},
		{`{"body_model": "asc"}`, by(filter.FieldModel, false)},
		{`{"model": "desc"}`, by(filter.FieldModel, true)},
		{`{"provider": "asc"}`, by(filter.FieldProvider, false)},
		{`{"properties": {"o'brien": "asc"}}`, byProp("o'brien", false)},
		{`{"properties": {"Key With Space.and;--": "desc"}}`,
			byProp("key with space.and;--", true)},
		{`{"properties": {"Helicone-Session-Id": "asc"}}`, by(filter.FieldSessionID, false)},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := query.ParseHeliconeSort(json.RawMessage(tt.raw))
			if err != nil {
				t.Fatalf("ParseHeliconeSort(%s) error: %v", tt.raw, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseHeliconeSort(%s) = %#v, want %#v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseHeliconeSortErrors(t *testing.T) {
	const keys = `; sort keys are created_at, latency, time_to_first_token, total_tokens, ` +
		`prompt_tokens, completion_tokens, cost, status, user_id, model, body_model, provider, ` +
		`properties`
	tests := []struct {
		raw  string
		path string
		msg  string
	}{
		{`"latency"`, "sort", `expected an object, found string`},
		{`[]`, "sort", `expected an object, found array`},
		{`{"latency": "desc", "cost": "asc"}`, "sort",
			`expected exactly one sort key, found 2 ("cost", "latency")`},
		{`{"nope": "asc"}`, "sort", `unknown sort key "nope"` + keys},
		{`{"random": true}`, "sort.random", `random order is not supported`},
		{`{"is_cached": "asc"}`, "sort", `sort key "is_cached" is not supported by this server`},
		{`{"request_prompt": "asc"}`, "sort",
			`sort key "request_prompt" is not supported by this server`},
		{`{"latency": "up"}`, "sort.latency", `expected "asc" or "desc"`},
		{`{"latency": true}`, "sort.latency", `expected "asc" or "desc"`},
		{`{"latency": null}`, "sort.latency", `expected "asc" or "desc"`},
		{`{"properties": "asc"}`, "sort.properties", `expected an object, found string`},
		{`{"properties": {}}`, "sort.properties", `expected exactly one property key, found 0`},
		{`{"properties": {"a": "asc", "b": "asc"}}`, "sort.properties",
			`expected exactly one property key, found 2 ("a", "b")`},
		{`{"properties": {"": "asc"}}`, `sort.properties[""]`, `key is empty`},
		{`{"properties": {"o'brien": "sideways"}}`, `sort.properties["o'brien"]`,
			`expected "asc" or "desc"`},
		{`{"latency": `, "sort", `invalid JSON: unexpected end of JSON input`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := query.ParseHeliconeSort(json.RawMessage(tt.raw))
			var fe *query.FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseHeliconeSort(%s) = %#v, %v; want a *FilterError", tt.raw, got, err)
			}
			if fe.Path != tt.path {
				t.Errorf("ParseHeliconeSort(%s) error path = %s, want %s", tt.raw, fe.Path, tt.path)
			}
			if fe.Msg != tt.msg {
				t.Errorf("ParseHeliconeSort(%s) error message\n got  %s\n want %s", tt.raw, fe.Msg,
					tt.msg)
			}
		})
	}
}
