package httperr_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heliograph/heliograph/internal/httperr"
)

type testItem struct {
	Headers map[string]string `json:"headers"`
	Scores  []float64         `json:"scores"`
	Ok      *bool             `json:"ok"`
}

type testRequest struct {
	Logs  []testItem `json:"logs"`
	Limit int        `json:"limit"`
	Cost  float64    `json:"cost"`
	Name  string     `json:"name"`
}

func TestDescribeJSON(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"object for array", `{"logs":{}}`, "logs: expected an array, found an object"},
		{"number for object", `{"logs":[1]}`, "logs: expected an object, found a number"},
		{"string for integer", `{"limit":"10"}`, "limit: expected an integer, found a string"},
		{"fraction for integer", `{"limit":1.5}`,
			"limit: expected an integer, found the number 1.5"},
		{"bool for number", `{"cost":true}`, "cost: expected a number, found a boolean"},
		{"array for string", `{"name":[]}`, "name: expected a string, found an array"},
		{"nested map value", `{"logs":[{"headers":{"a":1}}]}`,
			"logs.headers: expected a string, found a number"},
		{"pointer field", `{"logs":[{"ok":"yes"}]}`,
			"logs.ok: expected a boolean, found a string"},
		{"top level", `[1]`, "expected an object, found an array"},
		{"syntax", `{"logs":[}`,
			"invalid JSON at byte 9: invalid character '}' looking for beginning of value"},
		{"truncated", `{"logs":`, "invalid JSON at byte 8: unexpected end of JSON input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v testRequest
			err := json.Unmarshal([]byte(tc.body), &v)
			if err == nil {
				t.Fatalf("json.Unmarshal(%s) = nil, want an error", tc.body)
			}
			got := httperr.DescribeJSON(err)
			if got != tc.want {
				t.Errorf("DescribeJSON(%v) = %q, want %q", err, got, tc.want)
			}
			if strings.Contains(got, "Go ") || strings.Contains(got, "httperr_test") {
				t.Errorf("DescribeJSON(%v) = %q, names a Go type", err, got)
			}
		})
	}
}

func TestDescribeJSONDecoderErrors(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"limit":1,"extra":2}`))
	dec.DisallowUnknownFields()
	var v testRequest
	err := dec.Decode(&v)
	if got, want := httperr.DescribeJSON(err), `unknown field "extra"`; got != want {
		t.Errorf("DescribeJSON(%v) = %q, want %q", err, got, want)
	}

	dec = json.NewDecoder(strings.NewReader(`{"limit":1`))
	err = dec.Decode(&v)
	got, want := httperr.DescribeJSON(err), "invalid JSON: unexpected end of input"
	if got != want {
		t.Errorf("DescribeJSON(%v) = %q, want %q", err, got, want)
	}
}

func TestBadJSONStatus(t *testing.T) {
	err := httperr.BadJSON("JSON body",
		json.Unmarshal([]byte(`{"limit":"x"}`), &testRequest{}))
	if got := httperr.Status(err); got != http.StatusBadRequest {
		t.Errorf("Status(BadJSON) = %d, want 400", got)
	}
	want := "invalid JSON body: limit: expected an integer, found a string"
	if got := httperr.Message(err); got != want {
		t.Errorf("Message(BadJSON) = %q, want %q", got, want)
	}

	err = httperr.BadJSON("JSON body", json.Unmarshal([]byte(`{"limit":`), &testRequest{}))
	want = "invalid JSON body at byte 9: unexpected end of JSON input"
	if got := httperr.Message(err); got != want {
		t.Errorf("Message(BadJSON) = %q, want %q", got, want)
	}
}
