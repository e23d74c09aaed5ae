package record_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/heliograph/heliograph/internal/record"
)

// fixedNow is the clock of every test: 2025-06-01T12:00:00.123Z.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 123_000_000, time.UTC)

// baseTiming is a JS-shaped timing pair: 2025-01-01T00:00:00Z to 1.25 s later.
const baseTiming = `"timing":{"startTime":{"seconds":1735689600,"milliseconds":0},` +
	`"endTime":{"seconds":1735689601,"milliseconds":250}}`

// logBody builds a body from providerRequest.json, the members of providerResponse and
// extra top-level members (each starting with a comma, or empty).
func logBody(requestJSON, responseMembers, extra string) string {
	return `{"providerRequest":{"url":"custom-model-nopath","json":` + requestJSON +
		`,"meta":{}},"providerResponse":{` + responseMembers + `},` + baseTiming + extra + `}`
}

// textMember returns a providerResponse textBody member carrying text, JSON-escaped.
func textMember(t *testing.T, text string) string {
	t.Helper()
	b, err := json.Marshal(text)
	if err != nil {
		t.Fatalf("json.Marshal(%q): %v", text, err)
	}
	return `"textBody":` + string(b) + `,"json":{},"status":200,"headers":{}`
}

func options() record.Options {
	return record.Options{
		Provider: record.ProviderCustom,
		Path:     "/custom/v1/log",
		Now:      func() time.Time { return fixedNow },
	}
}

// mustDecode decodes body and fails the test on an error.
func mustDecode(t *testing.T, body string, h http.Header) *record.Record {
	t.Helper()
	rec, err := record.Decode([]byte(body), h, options())
	if err != nil {
		t.Fatalf("Decode(%.200s) error: %v", body, err)
	}
	return rec
}

// decodeError decodes body and returns the *record.Error, failing on success or on another
// error type.
func decodeError(t *testing.T, body string, h http.Header) *record.Error {
	t.Helper()
	rec, err := record.Decode([]byte(body), h, options())
	if err == nil {
		t.Fatalf("Decode(%.200s) = %+v, want an error", body, rec)
	}
	var de *record.Error
	if !errors.As(err, &de) {
		t.Fatalf("Decode(%.200s) error %v has type %T, want *record.Error", body, err, err)
	}
	return de
}

// jsonValue decodes raw JSON into a generic value, keeping numbers exact.
func jsonValue(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %.300s: %v", raw, err)
	}
	return v
}

// path walks a decoded JSON value by object keys and array indexes.
func path(t *testing.T, v any, steps ...any) any {
	t.Helper()
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("path %v: %T is not an object", steps, v)
			}
			v, ok = m[k]
			if !ok {
				t.Fatalf("path %v: no member %q", steps, k)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("path %v: %T has no element %d", steps, v, k)
			}
			v = a[k]
		}
	}
	return v
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}
